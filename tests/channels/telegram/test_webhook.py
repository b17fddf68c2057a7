"""Telegram in webhook mode (TELEGRAM_WEBHOOK_URL): the bot registers its webhook at start and
takes updates POSTed to its web server; answered once, a redelivery dropped, a forged POST
refused."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.channels.runner import serve
from tests.factories import FAST_USERS, TOKEN, make_config
from tests.fakes.harness import free_port, tap
from tests.fakes.telegram import FakeBotApi

USER = 7301
SECRET = "webhook_secret-for-tests"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


async def test_updates_by_webhook_are_answered_once_and_forged_ones_refused(
        api: FakeBotApi, tmp_path: Path) -> None:
    port = free_port()
    config = make_config(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=api.base_url,
                         TELEGRAM_CHAT_RATE=FAST_USERS, BOT_LISTEN=f"127.0.0.1:{port}",
                         TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{port}/webhook/telegram",
                         TELEGRAM_WEBHOOK_SECRET=SECRET)
    stop = asyncio.Event()
    running = asyncio.create_task(serve(config, stop))
    try:
        await api.wait_calls("setWebhook")
        assert api.webhook_secret == SECRET
        first = api.send_text(USER, "/start", language_code="en")
        await api.wait_text(USER, "Hello")
        assert [d.status for d in await api.wait_delivered(first)] == [200]
        await tap(api, USER, "Online public services", "Choose a lesson")  # a button press
        api.redeliver(first)  # as after a crash before Telegram saw the 200
        await api.wait_delivered(first)
        assert await api.forge_webhook(secret="wrong") == 401
        assert await api.forge_webhook(secret=None) == 401
        await api.wait_idle()
        assert sum("Hello" in text for text in api.texts_to(USER)) == 1
        polls = [call for call in api.calls if call.method == "getUpdates"]
        assert not polls  # no polling beside the webhook
        async with aiohttp.ClientSession() as session, session.get(
                f"http://127.0.0.1:{port}/healthz") as health:
            body = await health.json()
        assert health.status == 200 and body["channels"]["telegram"]["last_success"]
    finally:
        stop.set()
        await asyncio.wait_for(running, 30)
