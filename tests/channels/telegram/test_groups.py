"""The bot in a group: it leaves, it points to a private chat, and a button pressed there is
answered in the presser's private chat, never in the group (where others would read it)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.harness import running_bot
from tests.fakes.telegram import BOT_ID, BOT_USERNAME, FakeBotApi

USER = 5001
GROUP = -100777
_ids = itertools.count(1)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


def person(user_id: int = USER) -> dict[str, object]:
    return {"id": user_id, "is_bot": False, "first_name": "Lan", "language_code": "en"}


def group() -> dict[str, object]:
    return {"id": GROUP, "type": "supergroup", "title": "Xóm 3"}


def press_in_group(api: FakeBotApi, data: str, user_id: int = USER) -> None:
    """A button of a message forwarded to the group, pressed there."""
    api.queue_update({"callback_query": {
        "id": f"q{next(_ids)}", "from": person(user_id), "chat_instance": "-1", "data": data,
        "message": {"message_id": 9, "date": 0, "chat": group(), "text": "Forwarded"}}})


def to_group(api: FakeBotApi) -> list[str]:
    return [c.method for c in api.calls if c.chat_id == GROUP and c.method != "leaveChat"]


async def test_a_button_pressed_in_a_group_is_answered_in_private(api: FakeBotApi,
                                                                  tmp_path: Path) -> None:
    async with running_bot(api, tmp_path):
        api.send_text(USER, "/start", language_code="en")
        await api.wait_text(USER, "Hello")
        before = len(api.texts_to(USER))
        press_in_group(api, "menu")
        await api.wait_for(lambda: len(api.texts_to(USER)) > before, what="the private answer")
        assert "Choose a skill" in api.texts_to(USER)[-1]
        await api.wait_calls("answerCallbackQuery")  # the spinner stops in the group too
        assert to_group(api) == []


async def test_a_press_in_a_group_by_someone_the_bot_cannot_write_to_goes_unanswered(
        api: FakeBotApi, tmp_path: Path) -> None:
    async with running_bot(api, tmp_path):
        api.block_chat(USER)  # never started the bot: Telegram refuses a private message
        press_in_group(api, "menu")
        await api.wait_calls("answerCallbackQuery")
        await api.wait_idle()
        assert to_group(api) == []


async def test_a_command_in_a_group_gets_one_line_pointing_to_a_private_chat(
        api: FakeBotApi, tmp_path: Path) -> None:
    async with running_bot(api, tmp_path):
        api.queue_update({"message": {
            "message_id": 3, "date": 0, "chat": group(), "from": person(), "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}})
        line = await api.wait_text(GROUP, "private chats")
        assert f"@{BOT_USERNAME}" in line.params["text"]
        api.queue_update({"message": {  # the group's own talk is not for the bot
            "message_id": 4, "date": 0, "chat": group(), "from": person(), "text": "Chào cả xóm"}})
        await api.wait_idle()
        assert to_group(api) == ["sendMessage"]


async def test_added_to_a_group_the_bot_leaves(api: FakeBotApi, tmp_path: Path) -> None:
    bot = {"id": BOT_ID, "is_bot": True, "first_name": "Bot", "username": BOT_USERNAME}
    async with running_bot(api, tmp_path):
        api.queue_update({"my_chat_member": {
            "chat": group(), "from": person(), "date": 0,
            "old_chat_member": {"user": bot, "status": "left"},
            "new_chat_member": {"user": bot, "status": "member"}}})
        await api.wait_calls("leaveChat", chat_id=GROUP)
        await asyncio.sleep(0.1)
        assert to_group(api) == []
