"""Replies through the delivery engine and Telegram's adapter: the real PTB Application against
a fake Bot API that enforces Telegram's ~30 messages a second with 429 and retry_after."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tests.fakes.harness import data_of, running_bot, tap
from tests.fakes.telegram import FakeBotApi

FIRST = 610_000
GREETING = "Xin chào"


async def test_users_writing_at_once_are_all_answered_without_flood_control(tmp_path: Path
                                                                            ) -> None:
    users = range(FIRST, FIRST + 60)
    async with FakeBotApi(send_rate_limit=30) as api, running_bot(api, tmp_path):
        started = time.monotonic()
        for chat in users:
            api.send_text(chat, "/start")
        await asyncio.gather(*(api.wait_text(chat, GREETING, timeout=20) for chat in users))
        elapsed = time.monotonic() - started
    greetings = [c for c in api.calls if c.method == "sendMessage" and GREETING in c.text]
    assert sorted(c.chat_id for c in greetings if c.ok) == list(users)  # each once
    assert not [c for c in api.calls if c.status == 429]  # paced before Telegram says no
    assert 60 / 25 * 0.8 <= elapsed <= 60 / 25 + 2.5, elapsed  # the budget, 25 a second


async def test_a_reply_met_by_flood_control_is_sent_again_after_the_wait(tmp_path: Path
                                                                         ) -> None:
    async with FakeBotApi() as api, running_bot(api, tmp_path):
        api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        api.send_text(FIRST, "/start")
        await api.wait_text(FIRST, GREETING, timeout=10)
    tries = [c for c in api.calls if c.method == "sendMessage" and c.chat_id == FIRST]
    assert [c.status for c in tries] == [429, 200]
    assert tries[0].text == tries[1].text  # the same message, not a new answer
    assert tries[1].at - tries[0].at >= 1.0  # after the wait Telegram asked for


async def test_answers_keep_their_order_when_the_first_one_fails(tmp_path: Path) -> None:
    async with FakeBotApi() as api, running_bot(api, tmp_path):
        api.send_text(FIRST, "/start")
        await api.wait_text(FIRST, GREETING)
        api.fail_next("sendMessage", 502, "Bad Gateway", count=2)
        api.send_text(FIRST, "/help")
        api.send_text(FIRST, "/language")
        await api.wait_text(FIRST, "Chọn ngôn ngữ", timeout=10)
        await api.wait_idle()
    texts = api.texts_to(FIRST)
    assert len(texts) == 3 and GREETING in texts[0] and "Chọn ngôn ngữ" in texts[2]
    failed = [c for c in api.calls if c.status == 502]
    assert len(failed) == 2 and all(c.text == failed[0].text for c in failed)


async def test_a_press_on_a_message_that_cannot_be_edited_gets_a_new_message(tmp_path: Path
                                                                             ) -> None:
    async with FakeBotApi() as api, running_bot(api, tmp_path):
        api.send_text(FIRST, "/start")
        await api.wait_text(FIRST, GREETING)
        before = len(api.texts_to(FIRST))
        api.fail_next("editMessageText", 400, "Bad Request: message can't be edited")
        api.press(FIRST, data_of(api, FIRST, "Dịch vụ công"))
        await api.wait_text(FIRST, "Chọn một bài học")
        await tap(api, FIRST, "VNeID", "Bước 1/")
    edits = [c for c in api.calls if c.method == "editMessageText"]
    assert edits[0].status == 400
    assert len(api.texts_to(FIRST)) >= before + 1  # the lesson list came as a new message
