"""Private texts and presses are read from their JSON exactly as PTB's objects would give them;
every other update is left to PTB."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from telegram import Update

from bot.channels.telegram.request import BotApiRequest
from bot.channels.telegram.updates import ReadingBot, ReadUpdate, arrival_of, parse_update
from tests.fakes.telegram import FakeBotApi
from tests.fakes.telegram_model import TOKEN

USER = {"id": 5001, "is_bot": False, "first_name": "Lan", "language_code": "en"}
BOT = {"id": 7000000001, "is_bot": True, "first_name": "Bot", "username": "bot"}
PRIVATE = {"id": 5001, "type": "private", "first_name": "Lan"}
GROUP = {"id": -100123, "type": "supergroup", "title": "Tổ CNS"}
KEYBOARD = {"inline_keyboard": [[{"text": "Tiếp ▶", "callback_data": "go:l1:0:1"}]]}


def message(**fields: Any) -> dict[str, Any]:
    return {"message_id": 41, "from": USER, "chat": PRIVATE, "date": 1764950000, **fields}


def pressed(chat: dict[str, Any] = PRIVATE, date: int = 1764950000, **fields: Any
            ) -> dict[str, Any]:
    shown = {"message_id": 40, "from": BOT, "chat": chat, "date": date, "text": "Bước 1",
             "reply_markup": KEYBOARD}
    return {"callback_query": {"id": "77001", "from": USER, "chat_instance": "-5",
                               "data": "go:l1:0:1", "message": shown, **fields}}


READ = {
    "a text": {"message": message(text="Thôn 9")},
    "a command": {"message": message(text="/start", entities=[
        {"type": "bot_command", "offset": 0, "length": 6}])},
    "a reply to the bot's message": {"message": message(text="ok", reply_to_message=message(
        text="Bước 1", **{"from": BOT}))},
    "a user without a language": {"message": message(text="hi", **{"from": {
        "id": 5001, "is_bot": False, "first_name": "Lan"}})},
    "a press": pressed(),
    "a press on a message too old to show": pressed(date=0),
    "a press in a group": pressed(chat=GROUP),
}
LEFT_TO_PTB = {
    "a photo": {"message": message(photo=[{"file_id": "p", "file_unique_id": "u",
                                           "width": 90, "height": 90}])},
    "an empty text": {"message": message(text="")},
    "a text in a group": {"message": message(text="/help", chat=GROUP)},
    "an edited text": {"edited_message": message(text="x", edit_date=1764950001)},
    "a press on an inline message": {"callback_query": {
        "id": "77002", "from": USER, "chat_instance": "-5", "data": "x",
        "inline_message_id": "AAA"}},
    "a text of the wrong type": {"message": message(text=42)},
    "a text without its sender": {"message": {k: v for k, v in message(text="x").items()
                                              if k != "from"}},
    "added to a group": {"my_chat_member": {
        "chat": GROUP, "from": USER, "date": 1764950000,
        "old_chat_member": {"status": "left", "user": BOT},
        "new_chat_member": {"status": "member", "user": BOT}}},
}


@pytest.mark.parametrize("kind", list(READ))
def test_texts_and_presses_are_read_as_ptb_reads_them(kind: str) -> None:
    data = {"update_id": 900, **READ[kind]}
    read = parse_update(copy.deepcopy(data), None)
    assert isinstance(read, ReadUpdate)
    by_ptb = Update.de_json(copy.deepcopy(data), None)
    query = by_ptb.callback_query
    expected = arrival_of(by_ptb, text=by_ptb.message.text or "" if by_ptb.message else "",
                          data=query.data or "" if query else "")
    assert read.arrival == expected
    assert read.update_id == 900


def test_what_the_channel_reads_of_a_press() -> None:
    private = parse_update({"update_id": 1, **pressed()}, None)
    old = parse_update({"update_id": 2, **pressed(date=0)}, None)
    group = parse_update({"update_id": 3, **pressed(chat=GROUP)}, None)
    assert isinstance(private, ReadUpdate) and isinstance(old, ReadUpdate)
    assert isinstance(group, ReadUpdate)
    assert (private.arrival.query_id, private.arrival.data) == ("77001", "go:l1:0:1")
    assert private.arrival.message_id == 40 and private.arrival.reply_to == 5001
    assert old.arrival.message_id == 40  # too old to show: the edit is refused, sent anew
    # Pressed on a message forwarded to a group: answered in the presser's own chat, no edit.
    assert group.arrival.chat_id == -100123 and group.arrival.reply_to == 5001
    assert group.arrival.message_id is None


@pytest.mark.parametrize("kind", list(LEFT_TO_PTB))
def test_every_other_update_is_parsed_by_ptb(kind: str) -> None:
    update = parse_update({"update_id": 901, **LEFT_TO_PTB[kind]}, None)
    assert isinstance(update, Update) and not isinstance(update, ReadUpdate)
    assert update.update_id == 901


async def test_get_updates_reads_what_it_can_and_moves_on() -> None:
    async with FakeBotApi() as api:
        bot = ReadingBot(TOKEN, api.base_url, api.base_url, BotApiRequest(),
                         BotApiRequest(connection_pool_size=1))
        async with bot:
            api.send_text(5001, "/start")
            api.send_sticker(5001)
            updates = await bot.get_updates(timeout=0)
            assert [type(u) for u in updates] == [ReadUpdate, Update]
            assert isinstance(updates[0], ReadUpdate) and updates[0].arrival.text == "/start"
            assert updates[1].message is not None and updates[1].message.sticker is not None
            assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()
