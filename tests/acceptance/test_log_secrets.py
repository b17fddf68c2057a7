"""No secret and no user's text in the log (#15): `python -m bot` at log_level DEBUG, Telegram
and Zalo, a citizen's help request with a phone number typed on each, and network faults on
the way; the whole log is then searched for the tokens and what the users typed."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path

import yaml

from bot.logs import REDACTED, RedactingFormatter, redact
from tests.factories import FAST_USERS, ROOT, TOKEN
from tests.fakes.harness import tap
from tests.fakes.telegram import FakeBotApi
from tests.fakes.zalo import ZALO_TOKEN, FakeZaloApi, zalo_id

CITIZEN = 9301
NAME, HAMLET, PHONE = "Thơm", "Xóm Đồi Thông", "0987 654 321"
TYPED = (NAME, HAMLET, PHONE, PHONE.replace(" ", ""), "654 321")


def debug_config(tmp_path: Path) -> Path:
    raw = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    raw["log_level"] = "DEBUG"
    raw["lessons_dir"] = str(ROOT / "lessons")
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


async def test_a_journey_at_debug_logs_no_token_and_nothing_the_users_typed(
        tmp_path: Path) -> None:
    log_path = tmp_path / "bot.log"
    async with FakeBotApi() as telegram, FakeZaloApi() as zalo:
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": telegram.base_url,
               "TELEGRAM_CHAT_RATE": FAST_USERS, "ZALO_BOT_TOKEN": ZALO_TOKEN,
               "ZALO_API_URL": zalo.base_url, "BOT_DATABASE": str(tmp_path / "bot.db")}
        with log_path.open("w") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "--config", str(debug_config(tmp_path)), cwd=ROOT,
                env=env, stdout=log, stderr=log)
        try:
            telegram.send_text(CITIZEN, "/helpme", language_code="en")
            await telegram.wait_text(CITIZEN, "I can ask a volunteer", timeout=30)
            await tap(telegram, CITIZEN, "Yes", "What is your first name")
            for typed, expect in ((NAME, "Which commune"), ("anh son", "Which hamlet"),
                                  (HAMLET, "A phone number")):
                telegram.send_text(CITIZEN, typed, language_code="en")
                await telegram.wait_text(CITIZEN, expect)
            telegram.drop(calls=2)  # connections cut: the transport logs the fault
            telegram.send_text(CITIZEN, PHONE, language_code="en")
            await telegram.wait_text(CITIZEN, "Please check your request", timeout=30)
            user = zalo_id("citizen")
            zalo.send_text(user, "/helpme")
            await zalo.wait_text(user, "tình nguyện viên", timeout=30)
            zalo.outage(calls=2, methods=["sendMessage"])  # the answers are sent again
            for typed in ("1", NAME, PHONE):
                zalo.send_text(user, typed)
            await zalo.wait_for(lambda: not zalo.pending, 30, "every update polled")
            await zalo.wait_idle(timeout=30)
            await telegram.wait_idle()
        finally:
            process.terminate()
            await asyncio.wait_for(process.wait(), 30)
    text = log_path.read_text(encoding="utf-8")
    assert " DEBUG " in text  # the level was DEBUG: the bot's own debug lines are there
    for secret in (TOKEN, TOKEN.split(":")[1], ZALO_TOKEN, ZALO_TOKEN.split(":")[1], *TYPED):
        assert secret not in text, f"{secret!r} is in the log"


def test_every_line_and_traceback_is_redacted() -> None:
    formatter = RedactingFormatter("%(message)s", ["webhook-secret-1234"])
    try:
        raise OSError(f"cannot reach https://api.telegram.org/bot{TOKEN}/getMe")
    except OSError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "secret %s in %s",
                                   ("webhook-secret-1234", f"/bot{ZALO_TOKEN}/sendMessage"),
                                   sys.exc_info())
    line = formatter.format(record)
    assert "Traceback" in line and REDACTED in line
    for secret in (TOKEN, ZALO_TOKEN, "webhook-secret-1234", TOKEN.split(":")[1]):
        assert secret not in line
    assert redact("nothing secret here: 12:30, 2026-10-01") == \
        "nothing secret here: 12:30, 2026-10-01"
