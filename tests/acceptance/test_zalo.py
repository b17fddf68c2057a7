"""Acceptance on Zalo, as a new user would try it: `python -m bot` as a process against the fake
Zalo Bot API on 127.0.0.1, by the webhook (setWebhook at start, updates POSTed with the secret)
or by polling. A newcomer learns by typing numbers only, the process is killed with SIGKILL
mid-lesson and resumes at the same step, a replayed update is not answered twice; forged webhook
posts are refused and the token's secret is never printed; a volunteer logs a visit by typing
only."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.core.lessons import load_catalog
from tests.factories import ROOT
from tests.fakes.zalo import ZALO_TOKEN, FakeZaloApi, zalo_id

CATALOG = load_catalog(ROOT / "lessons", ("vi", "en"))

SECRET = "acceptance-webhook-secret"
LAN, MINH, HOA = zalo_id("acceptance-lan"), zalo_id("acceptance-minh"), zalo_id("acceptance-hoa")
REPLY = 20.0  # seconds to wait for one answer (Zalo paces one chat at 1 a second after 5)
NUMBERED = re.compile(r"^(\d+)\. (.+)$", re.MULTILINE)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bot_env(api: FakeZaloApi, database: Path, webhook_port: int | None) -> dict[str, str]:
    """The environment a new user sets: the Zalo token and API, the database; with a port, the
    webhook (BOT_LISTEN, ZALO_WEBHOOK_URL, ZALO_WEBHOOK_SECRET). No Telegram token."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
           "PYTHONIOENCODING": "utf-8", "ZALO_BOT_TOKEN": ZALO_TOKEN,
           "ZALO_API_URL": api.base_url, "BOT_DATABASE": str(database)}
    if webhook_port is not None:
        env |= {"BOT_LISTEN": f"127.0.0.1:{webhook_port}",
                "ZALO_WEBHOOK_URL": f"http://127.0.0.1:{webhook_port}/webhook/zalo",
                "ZALO_WEBHOOK_SECRET": SECRET}
    return env


@asynccontextmanager
async def zalo_bot(api: FakeZaloApi, env: dict[str, str], log: Path
                   ) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python -m bot` with env, its stdout and stderr appended to log; yielded once it takes
    updates (setWebhook answered, or polling). SIGKILL at the end unless stopped before."""
    webhook = "ZALO_WEBHOOK_URL" in env
    set_before = sum(c.ok for c in api.calls if c.method == "setWebhook")
    polls_before = api.counts["getUpdates"]
    with log.open("ab") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=ROOT, env=env, stdout=output, stderr=output)
    try:
        def started() -> bool:
            if process.returncode is not None:
                raise AssertionError(f"the bot exited: {log.read_text(encoding='utf-8')}")
            if webhook:
                return (sum(c.ok for c in api.calls if c.method == "setWebhook") > set_before
                        and api.webhook_url == env["ZALO_WEBHOOK_URL"])
            return api.counts["getUpdates"] > polls_before

        await api.wait_for(started, 30, "the bot to take updates")
        yield process
    finally:
        if process.returncode is None:
            process.kill()  # SIGKILL: no cleanup runs, as in a crash
            await process.wait()


async def stop_gracefully(process: asyncio.subprocess.Process) -> None:
    """SIGTERM, as systemd stops it; it must exit 0."""
    process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(process.wait(), 30) == 0


async def say(api: FakeZaloApi, user: str, text: str, expect: str, name: str = "Lan") -> str:
    """Type text; the answer containing expect."""
    api.send_text(user, text, display_name=name)
    return (await api.wait_text(user, expect, timeout=REPLY)).text


def number_of(text: str, label: str) -> str:
    """The number to type for the numbered line whose label contains label."""
    for number, line in NUMBERED.findall(text):
        if label in line:
            return str(number)
    raise AssertionError(f"no numbered line with {label!r} in:\n{text}")


def sends_to(api: FakeZaloApi, user: str) -> int:
    return sum(1 for c in api.calls if c.method == "sendMessage" and c.chat_id == user)


async def test_a_zalo_newcomer_learns_by_numbers_survives_a_kill_and_continues(
        tmp_path: Path) -> None:
    database, log = tmp_path / "bot.db", tmp_path / "bot.log"
    async with FakeZaloApi() as api:
        env = bot_env(api, database, free_port())
        async with zalo_bot(api, env, log):
            assert api.webhook_secret == SECRET
            greeting = await say(api, LAN, "alo", "Xin chào")  # not a command: the greeting
            skill = number_of(greeting, "Dịch vụ công")
            lessons = await say(api, LAN, skill, "Chọn một bài học")
            assert "0. ☰ Menu" in lessons
            first, title = NUMBERED.findall(lessons)[0]
            step = await say(api, LAN, first, "Bước 1/")
            assert title in step and "0. ☰ Menu" in step
            next_step = api.send_text(LAN, number_of(step, "Tiếp"))
            step = (await api.wait_text(LAN, "Bước 2/", timeout=REPLY)).text
            assert title in step and "9. ◀" in step and "0. ☰ Menu" in step
            last_update = api.send_text(LAN, "/progress")  # the last update before the kill
            progress = (await api.wait_text(LAN, "Tiến độ học của bạn", timeout=REPLY)).text
            public_services = len(CATALOG.by_skill("public_services"))
            assert f"Dịch vụ công trực tuyến: 0/{public_services} bài" in progress
            for message in (next_step, last_update):  # each handled, answered 200
                assert [d.status for d in await api.wait_delivered(message)] == [200]
            await api.wait_idle()
        # Killed with SIGKILL mid-lesson; a new process, same env and database, the fake goes on.
        async with zalo_bot(api, env, log):
            assert api.webhook_url == env["ZALO_WEBHOOK_URL"]
            resumed = await say(api, LAN, "/continue", "Bước 2/")
            assert title in resumed and "Bước 3/" not in resumed
            await api.wait_idle()
            before = sends_to(api, LAN)
            # As after a crash before Zalo saw the 200: both updates come again, and the
            # bot, which handled them, answers neither (no second report, no step 3).
            for message in (last_update, next_step):
                api.redeliver(message)
                assert (await api.wait_delivered(message))[-1].status == 200
            await api.wait_idle(quiet=1.0)
            assert sends_to(api, LAN) == before
            texts = api.texts_to(LAN)
            assert sum("Tiến độ học của bạn" in text for text in texts) == 1
            assert not any("Bước 3/" in text for text in texts)
            assert sum("Bước 2/" in text for text in texts) == 2  # the step, and its resumption
            assert all(0 < len(text) <= 2000 for text in texts)


async def test_a_forged_webhook_post_is_refused_and_the_token_is_never_logged(
        tmp_path: Path) -> None:
    database, log = tmp_path / "bot.db", tmp_path / "bot.log"
    async with FakeZaloApi() as api:
        api.outage(calls=1, methods={"getMe"})  # logged at start; the bot goes on
        async with zalo_bot(api, bot_env(api, database, free_port()), log) as process:
            await say(api, LAN, "alo", "Xin chào")
            await api.wait_idle()
            sent = api.counts["sendMessage"]
            forged = await api.forge_delivery(secret="wrong-secret")
            missing = await api.forge_delivery(secret=None)
            replayed = await api.forge_delivery(api.deliveries[0].message_id, secret=SECRET[:-1])
            assert (forged.status, missing.status, replayed.status) == (401, 401, 401)
            await api.wait_idle(quiet=0.5)
            assert api.counts["sendMessage"] == sent  # nothing answered to the forged posts
            # Sends that fail: a refused one (the platform quoting the URL with the token) is
            # logged and replaced by an apology; a dropped connection is sent again.
            api.fail_next("sendMessage", 400, f"Bad Request: /bot{ZALO_TOKEN}/sendMessage")
            await say(api, LAN, "1", "Xin lỗi")
            api.drop(calls=1, methods={"sendMessage"})
            await say(api, LAN, "/progress", "Tiến độ học của bạn")
            assert api.fault_hits["drop"] == 1 and api.fault_hits["500"] == 1
            await say(api, MINH, "chào bạn", "Xin chào", name="Minh")
            await api.wait_idle()
            await stop_gracefully(process)
        assert {c.chat_id for c in api.calls if c.method == "sendMessage"} == {LAN, MINH}
    with sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True) as db:
        users = db.execute("SELECT external_id FROM users WHERE channel = 'zalo'").fetchall()
        (count,) = db.execute("SELECT COUNT(*) FROM users WHERE channel = 'zalo'").fetchone()
    db.close()
    assert count == 2 and {row[0] for row in users} == {LAN, MINH}
    output = log.read_text(encoding="utf-8")
    assert "getMe failed" in output and "a reply was refused" in output
    assert "without the right secret was refused" in output
    assert ZALO_TOKEN.split(":", 1)[1] not in output


def import_teams(database: Path, tmp_path: Path) -> None:
    csv_file = tmp_path / "teams.csv"
    csv_file.write_text("code,name,commune\nANHSN3,Tổ CNS thôn 3,xa anh son\n",
                        encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bot", "teams", "import", str(csv_file)],
                            cwd=ROOT, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
                                           "BOT_DATABASE": str(database)},
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


async def test_a_zalo_volunteer_logs_a_visit_by_typing_only(tmp_path: Path) -> None:
    database, log = tmp_path / "bot.db", tmp_path / "bot.log"
    import_teams(database, tmp_path)
    # Polling, as one first tries it (no webhook, no web server).
    async with FakeZaloApi() as api, zalo_bot(api, bot_env(api, database, None), log):
        await say(api, HOA, "/join ANHSN3", "Tổ CNS thôn 3", name="Hoa")
        typed = 0

        async def answer(text: str, expect: str) -> str:
            nonlocal typed
            typed += 1
            return await say(api, HOA, text, expect, name="Hoa")

        reply = await answer("/visit", "Bước 1/8")
        await answer(number_of(reply, "Xã Anh Sơn"), "Bước 2/8")
        await answer("Thôn 3", "Bước 3/8")
        await answer("Nguyễn Văn A", "Bước 4/8")
        reply = await answer("3", "Bước 5/8")
        reply = await answer(number_of(reply, "Dịch vụ công"), "✓ 🏛 Dịch vụ công")
        reply = await answer(number_of(reply, "Xong"), "Bước 6/8")
        reply = await answer(number_of(reply, "VNeID"), "✓ Kích hoạt VNeID")
        reply = await answer(number_of(reply, "Xong"), "Bước 7/8")
        await answer(number_of(reply, "Có"), "Bước 8/8")
        reply = await answer("bo qua", "kiểm tra lượt đến hộ")
        assert "Nguyễn Văn A" in reply and "Thôn 3" in reply and "Xã Anh Sơn" in reply
        await answer(number_of(reply, "Xác nhận"), "Đã lưu lượt đến hộ #1")
        assert typed <= 14, typed
        stats = await say(api, HOA, "/mystats", "Số liệu của bạn", name="Hoa")
        assert "1 hộ" in stats and "3 người" in stats
        assert all(0 < len(text) <= 2000 for text in api.texts_to(HOA))
