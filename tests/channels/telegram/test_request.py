"""The bot's transport against the fake Bot API: calls, files, errors."""

from __future__ import annotations

import asyncio
import logging

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.channels.telegram.request import BotApiRequest
from tests.factories import TOKEN
from tests.fakes.telegram import FakeBotApi


async def test_calls_keyboards_edits_and_documents_go_through() -> None:
    async with FakeBotApi() as api:
        bot = Bot(TOKEN, base_url=api.base_url, request=BotApiRequest())
        async with bot:
            assert (await bot.get_me()).username
            markup = InlineKeyboardMarkup([[InlineKeyboardButton("Tiếp ▶", callback_data="go")]])
            sent = await bot.send_message(42, "Xin chào <b>&", reply_markup=markup)
            assert api.buttons(42) == [("Tiếp ▶", "go")]
            assert api.texts_to(42) == ["Xin chào <b>&"]
            await bot.edit_message_text("Bước 2", chat_id=42, message_id=sent.message_id)
            with pytest.raises(BadRequest, match=r"(?i)not modified"):
                await bot.edit_message_text("Bước 2", chat_id=42, message_id=sent.message_id)
            await bot.send_document(42, b"a,b\n1,2\n", filename="visits.csv")
            document = [c for c in api.calls if c.method == "sendDocument"][-1]
            assert document.ok


async def test_a_slow_answer_is_a_timeout_and_a_dead_server_a_network_error() -> None:
    async with FakeBotApi(latency=0.5) as api:
        bot = Bot(TOKEN, base_url=api.base_url, request=BotApiRequest())
        async with bot:
            with pytest.raises(TimedOut):
                await bot.send_message(42, "x", read_timeout=0.1)
    request = BotApiRequest(connect_timeout=1.0)
    # Port 1 on loopback: nothing listens there, so the connection is refused at once.
    bot = Bot(TOKEN, base_url="http://127.0.0.1:1/bot", request=request)
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await asyncio.wait_for(bot.send_message(42, "x"), 5)
    finally:
        await request.shutdown()


async def test_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with FakeBotApi() as api:
        bot = Bot(TOKEN, base_url=api.base_url, request=BotApiRequest())
        async with bot:
            await bot.get_me()
            api.fail_next("sendMessage", 502, "Bad Gateway", count=20)
            for _ in range(20):
                with pytest.raises(NetworkError):
                    await bot.send_message(42, "x")
            with pytest.raises(BadRequest):  # a refusal is an answer: the outage is over
                await bot.send_message(42, "")
            await bot.send_message(42, "x")
    lines = [r for r in caplog.records if r.name == "bot.telegram.network"]
    assert [r.levelno for r in lines] == [logging.WARNING, logging.WARNING]
    assert lines[0].getMessage().startswith("Telegram Bot API: server error 502 (sendMessage)")
    assert lines[1].getMessage().startswith("Telegram Bot API work again after 0 s "
                                            "(20 × server error 502)")
    assert not any(r.exc_info for r in caplog.records if r.levelno >= logging.WARNING)
