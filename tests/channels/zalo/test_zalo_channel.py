"""The Zalo channel, for real, against the fake Zalo Bot API on 127.0.0.1: the runner that
`python -m bot` uses, polling and webhook, text-only replies, replays handled once, the token in
no log line."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest

from bot.channels.runner import serve
from bot.channels.zalo.sender import split
from bot.channels.zalo.updates import incoming, unwrap
from bot.core.events import EventKind
from tests.factories import ROOT, make_config
from tests.fakes.harness import free_port
from tests.fakes.zalo import ZALO_TOKEN, FakeZaloApi, zalo_id

SECRET = "s3cret-for-the-tests"
LAN = zalo_id("lan")


@pytest.fixture
async def api() -> AsyncIterator[FakeZaloApi]:
    async with FakeZaloApi() as fake:
        yield fake


@asynccontextmanager
async def running(api: FakeZaloApi, tmp_path: Path, webhook: bool = False
                  ) -> AsyncIterator[int]:
    """The bot on Zalo only (as `python -m bot` runs it); the web server's port."""
    port = free_port()
    env = {"ZALO_BOT_TOKEN": ZALO_TOKEN, "ZALO_API_URL": api.base_url,
           "BOT_LISTEN": f"127.0.0.1:{port}"}
    if webhook:
        env |= {"ZALO_WEBHOOK_URL": f"http://127.0.0.1:{port}/webhook/zalo",
                "ZALO_WEBHOOK_SECRET": SECRET}
    stop = asyncio.Event()
    task = asyncio.create_task(serve(make_config(tmp_path, **env), stop))
    try:
        await api.wait_for(lambda: api.counts["getMe"] > 0 and (
            api.webhook_url != "" if webhook else api.counts["getUpdates"] > 0),
            10, "the bot to start")
        yield port
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)


async def test_a_newcomer_learns_by_typing_numbers_over_polling(api: FakeZaloApi,
                                                               tmp_path: Path) -> None:
    async with running(api, tmp_path):
        api.send_text(LAN, "alo")  # whatever the first message says: the greeting
        greeting = await api.wait_text(LAN, "Xin chào")
        assert "1. 🏛 Dịch vụ công trực tuyến" in greeting.text  # choices as numbered lines
        api.send_text(LAN, "1")
        await api.wait_text(LAN, "Chọn một bài học")
        api.send_text(LAN, "1")
        step = await api.wait_text(LAN, "Bước 1/")
        assert "1. Tiếp ▶" in step.text and "0. ☰ Menu" in step.text
    assert all(len(text) <= 2000 for text in api.texts_to(LAN))


async def test_webhook_updates_are_answered_once_and_a_wrong_secret_changes_nothing(
        api: FakeZaloApi, tmp_path: Path) -> None:
    async with running(api, tmp_path, webhook=True) as port:
        assert api.webhook_secret == SECRET
        first = api.send_text(LAN, "/start")
        await api.wait_text(LAN, "Xin chào")
        assert [d.status for d in await api.wait_delivered(first)] == [200]
        api.redeliver(first)  # as after a crash before the platform saw the 200
        await api.wait_delivered(first)
        await api.wait_idle()
        assert sum("Xin chào" in text for text in api.texts_to(LAN)) == 1

        forged = await api.forge_delivery(secret="wrong-secret")
        missing = await api.forge_delivery(secret=None)
        assert (forged.status, missing.status) == (401, 401)
        await api.wait_idle()
        assert api.counts["sendMessage"] == 1  # nothing answered to the forged posts
        async with aiohttp.ClientSession() as session, session.get(
                f"http://127.0.0.1:{port}/healthz") as health:
            body = await health.json()
        assert health.status == 200 and body["database"] == "ok"
        assert body["channels"]["zalo"]["last_success"] is not None


async def test_the_token_is_in_no_log_line(api: FakeZaloApi, tmp_path: Path,
                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api.outage(calls=2, methods={"getUpdates"})
    api.drop(calls=1, methods={"sendMessage"})
    async with running(api, tmp_path):
        api.send_text(LAN, "/start")
        await api.wait_text(LAN, "Xin chào", timeout=20)
    secret_part = ZALO_TOKEN.split(":", 1)[1]
    assert caplog.records  # the faults were logged
    assert secret_part not in caplog.text


def test_both_envelopes_and_the_withheld_message() -> None:
    update = {"event_name": "message.text.received",
              "message": {"message_id": "m1", "date": 1_764_900_000_000,
                          "chat": {"id": LAN, "chat_type": "PRIVATE"},
                          "from": {"id": LAN, "display_name": "Lan"}, "text": "1"}}
    for body in (update, {"ok": True, "result": update}):
        event = incoming(unwrap(body) or {})
        assert event is not None and event.text == "1" and event.message_id == "m1"
        assert event.sent_at.year == 2025  # milliseconds, not seconds
    withheld = {**update, "event_name": "message.unsupported.received"}
    event = incoming(withheld)
    assert event is not None and event.kind is EventKind.WITHHELD
    in_group = {"event_name": "message.text.received",
                "message": {"message_id": "m2", "chat": {"id": "g1", "chat_type": "GROUP"},
                            "from": {"id": LAN}, "text": "1"}}
    assert incoming(in_group) is None  # only private chats


def test_long_texts_are_cut_at_paragraphs_under_the_limit() -> None:
    text = "\n\n".join(f"Đoạn {n}. " + "chữ " * 60 for n in range(20))
    pieces = split(text)
    assert len(pieces) > 1 and all(len(piece) <= 1900 for piece in pieces)
    assert all(piece.startswith("Đoạn") for piece in pieces)  # cut between paragraphs
    assert " ".join(" ".join(p.split()) for p in pieces) == " ".join(text.split())


async def test_a_refused_token_stops_the_bot_with_one_line_and_exit_2(
        api: FakeZaloApi, tmp_path: Path) -> None:
    wrong = "1234567890:" + "w" * 35  # well-formed, but not the fake's
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8",
           "BOT_DATABASE": str(tmp_path / "bot.db"), "ZALO_BOT_TOKEN": wrong,
           "ZALO_API_URL": api.base_url}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2, err.decode()
    last = err.decode().strip().splitlines()[-1]
    assert last.startswith("Cannot start: Zalo refused the bot's token")
    assert "Traceback" not in err.decode() and "w" * 35 not in (out + err).decode()
