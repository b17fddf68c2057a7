"""Telegram and Zalo in one process (`python -m bot` with both tokens): one database, one core;
a broadcast written on Telegram reaches every user of both, once each, and the admin gets one
report."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.channels.runner import serve
from tests.factories import ADMIN, FAST_USERS, TOKEN, make_config
from tests.fakes.harness import tap
from tests.fakes.telegram import FakeBotApi
from tests.fakes.zalo import ZALO_TOKEN, FakeZaloApi, zalo_id

TEXT = "Họp tổ công nghệ số lúc 8 giờ sáng thứ Bảy"
TELEGRAM_USERS = [7001, 7002]
ZALO_USERS = [zalo_id(f"z{n}") for n in range(3)]


@pytest.fixture
async def apis() -> AsyncIterator[tuple[FakeBotApi, FakeZaloApi]]:
    async with FakeBotApi() as telegram, FakeZaloApi() as zalo:
        yield telegram, zalo


async def test_a_broadcast_reaches_both_channels_once_each(
        apis: tuple[FakeBotApi, FakeZaloApi], tmp_path: Path) -> None:
    telegram, zalo = apis
    config = make_config(tmp_path, BOT_ADMINS=ADMIN, TELEGRAM_BOT_TOKEN=TOKEN,
                         TELEGRAM_API_URL=telegram.base_url, TELEGRAM_CHAT_RATE=FAST_USERS,
                         ZALO_BOT_TOKEN=ZALO_TOKEN, ZALO_API_URL=zalo.base_url)
    stop = asyncio.Event()
    running = asyncio.create_task(serve(config, stop))
    try:
        for user in TELEGRAM_USERS:
            telegram.send_text(user, "/start", language_code="en")
            await telegram.wait_text(user, "Hello")
        for zalo_user in ZALO_USERS:
            zalo.send_text(zalo_user, "alo")
            await zalo.wait_text(zalo_user, "Xin chào", timeout=20)

        admin = int(ADMIN)
        telegram.send_text(admin, "/broadcast", language_code="en")
        await telegram.wait_text(admin, "New broadcast")
        telegram.send_text(admin, TEXT, language_code="en")
        await telegram.wait_text(admin, "Who should receive it?")
        await tap(telegram, admin, "Everyone", "English version")
        await tap(telegram, admin, "Skip", "Send it now, or schedule it?")
        preview = next(t for t in reversed(telegram.texts_to(admin)) if "📣" in t)
        assert "6 people" in preview  # 2 + 3 users and the admin, on both channels
        await tap(telegram, admin, "Send now", "starts in a moment")
        await telegram.wait_text(admin, "is finished", timeout=30)
        await zalo.wait_idle()
        await telegram.wait_idle()
    finally:
        stop.set()
        await asyncio.wait_for(running, 30)
    for user in TELEGRAM_USERS:
        assert sum(TEXT in text for text in telegram.texts_to(user)) == 1
    for zalo_user in ZALO_USERS:
        assert sum(TEXT in text for text in zalo.texts_to(zalo_user)) == 1
    reports = [t for t in telegram.texts_to(int(ADMIN)) if "is finished" in t]
    assert len(reports) == 1 and "6 / 6 sent" in reports[0]
