"""Telegram and Zalo in one process, as `python -m bot` runs them with both tokens, against
the fake Bot API and the fake Zalo Bot API (the `apis` fixture, tests/channels/zalo/conftest.py)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.channels.runner import serve
from bot.config import Config
from tests.factories import ADMIN, FAST_USERS, TOKEN, make_config
from tests.fakes.telegram import FakeBotApi
from tests.fakes.zalo import ZALO_TOKEN, FakeZaloApi


async def greet(telegram: FakeBotApi, zalo: FakeZaloApi, telegram_users: list[int],
                zalo_users: list[str]) -> None:
    """Every user starts a chat (answered), so broadcasts can reach them."""
    for user in telegram_users:
        telegram.send_text(user, "/start", language_code="en")
        await telegram.wait_text(user, "Hello")
    for zalo_user in zalo_users:
        zalo.send_text(zalo_user, "alo")
        await zalo.wait_text(zalo_user, "Xin chào", timeout=20)


def both(apis: tuple[FakeBotApi, FakeZaloApi], tmp_path: Path, **env: str) -> Config:
    """The shipped config with both channels' tokens, pointed at the fakes; ADMIN an admin;
    no quiet hours (the tests run at any time of day and send at once)."""
    telegram, zalo = apis
    config = make_config(tmp_path, BOT_ADMINS=ADMIN, TELEGRAM_BOT_TOKEN=TOKEN,
                         TELEGRAM_API_URL=telegram.base_url, TELEGRAM_CHAT_RATE=FAST_USERS,
                         ZALO_BOT_TOKEN=ZALO_TOKEN, ZALO_API_URL=zalo.base_url, **env)
    return dataclasses.replace(
        config, broadcasts=dataclasses.replace(config.broadcasts, quiet_hours=None))


@asynccontextmanager
async def serving(config: Config) -> AsyncIterator[None]:
    """python -m bot's runner with both channels, stopped (as by SIGTERM) at the end."""
    stop = asyncio.Event()
    running = asyncio.create_task(serve(config, stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(running, 30)
