"""Simulated users of the fake Telegram Bot API: queueing updates (texts, stickers, photos,
voice messages, button presses) for the bot to receive with getUpdates or its webhook."""

from __future__ import annotations

import asyncio
import json
import time

from tests.fakes.telegram_inspection import CallInspection
from tests.fakes.telegram_model import (
    BOT_ID,
    JSONDict,
    StoredMessage,
    update_chat_id,
    utf16_len,
)


class UserActions(CallInspection):
    """What users do in the fake's chats; FakeBotApi delivers the updates with getUpdates."""

    _next_update_id: int
    _changed: asyncio.Event
    _updates: dict[int, JSONDict]

    # ------------------------------------------------------------------ injecting updates

    def queue_update(self, update: JSONDict) -> int:
        """Queue a raw update dict (update_id is assigned if missing); return its update_id."""
        update = dict(update)
        update_id = update.get("update_id")
        if not isinstance(update_id, int):
            update_id = self._next_update_id
            update["update_id"] = update_id
        self._next_update_id = max(self._next_update_id, update_id + 1)
        body = update.get("callback_query")
        if isinstance(body, dict) and "id" in body:
            self._open_queries.add(str(body["id"]))
        chat_id = update_chat_id(update)
        if chat_id is not None:
            self._marks[chat_id] = len(self.calls)
        self._updates[update_id] = update
        self._pending.append(update)
        self._last_activity = time.monotonic()
        self._notify()
        self._kick_webhook()  # in webhook mode: POST it to the bot
        return update_id

    def send_text(
        self, user_id: int, text: str, language_code: str = "vi", first_name: str = "An"
    ) -> int:
        """Queue a private text message from ``user_id``; return the update_id."""
        extra: JSONDict = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            extra["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        return self._queue_user_message(user_id, extra, language_code, first_name)

    def send_sticker(self, user_id: int, language_code: str = "vi", first_name: str = "An") -> int:
        """Queue a sticker message from ``user_id``; return the update_id."""
        n = next(self._ids)
        sticker = {
            "file_id": f"CAACAgIAAxkBAAFakeSticker{n}",
            "file_unique_id": f"AgADSticker{n}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
            "file_size": 12_345,
        }
        return self._queue_user_message(user_id, {"sticker": sticker}, language_code, first_name)

    def send_photo(
        self,
        user_id: int,
        caption: str | None = None,
        language_code: str = "vi",
        first_name: str = "An",
    ) -> int:
        """Queue a photo message (optionally captioned) from ``user_id``; return the update_id."""
        n = next(self._ids)
        sizes = [
            {
                "file_id": f"AgACAgIAAxkBAAFakePhoto{n}_{w}",
                "file_unique_id": f"AQADPhoto{n}_{w}",
                "width": w,
                "height": h,
                "file_size": w * h // 10,
            }
            for w, h in ((90, 67), (320, 240), (1280, 960))
        ]
        extra: JSONDict = {"photo": sizes}
        if caption is not None:
            extra["caption"] = caption
        return self._queue_user_message(user_id, extra, language_code, first_name)

    def send_voice(
        self, user_id: int, duration: int = 3, language_code: str = "vi", first_name: str = "An"
    ) -> int:
        """Queue a voice message from ``user_id``; return the update_id."""
        n = next(self._ids)
        voice = {
            "file_id": f"AwACAgIAAxkBAAFakeVoice{n}",
            "file_unique_id": f"AgADVoice{n}",
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": 4_000 * duration,
        }
        return self._queue_user_message(user_id, {"voice": voice}, language_code, first_name)

    def press(
        self,
        user_id: int,
        callback_data: str,
        message_id: int | None = None,
        language_code: str = "vi",
        *,
        check: bool = True,
    ) -> int:
        """Queue a callback_query from ``user_id`` pressing a button; return the update_id.

        The message defaults to the bot's most recently sent-or-edited message with an inline
        keyboard in that chat. With ``check`` (default) the button must exist on that message;
        with ``check=False`` any data may be sent (an unknown message becomes inaccessible).
        """
        chat = self._chat(user_id)
        if message_id is None:
            stored = self._latest_with_keyboard(chat)
        else:
            stored = chat.messages.get(message_id)
        if check:
            if stored is None:
                raise AssertionError(
                    f"press({user_id}, {callback_data!r}): no such message with a keyboard "
                    f"(message_id={message_id})\n{self.describe()}"
                )
            datas = [data for _, data in self._buttons_of(stored)]
            if callback_data not in datas:
                raise AssertionError(
                    f"press({user_id}, {callback_data!r}): message {stored.data['message_id']} "
                    f"has buttons {self._buttons_of(stored)}"
                )
        if stored is not None:
            message: JSONDict = json.loads(json.dumps(stored.data))
        else:
            message = {"chat": chat.as_dict(), "message_id": message_id or 0, "date": 0}
        query_id = f"{user_id}{next(self._ids):08d}"
        query = {
            "id": query_id,
            "from": self._user(user_id, chat.first_name, language_code),
            "chat_instance": f"-{user_id}{BOT_ID}",
            "data": callback_data,
            "message": message,
        }
        return self.queue_update({"callback_query": query})

    # ------------------------------------------------------------------ internals: updates

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    @staticmethod
    def _user(user_id: int, first_name: str, language_code: str) -> JSONDict:
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": language_code,
        }

    def _queue_user_message(
        self, user_id: int, content: JSONDict, language_code: str, first_name: str
    ) -> int:
        chat = self._chat(user_id)
        chat.first_name = first_name
        message_id = chat.next_message_id
        chat.next_message_id += 1
        message: JSONDict = {
            "message_id": message_id,
            "from": self._user(user_id, first_name, language_code),
            "chat": chat.as_dict(),
            "date": int(time.time()),
            **content,
        }
        chat.messages[message_id] = StoredMessage(data=message, from_bot=False)
        return self.queue_update({"message": json.loads(json.dumps(message))})
