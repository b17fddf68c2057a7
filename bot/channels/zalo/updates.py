"""Zalo updates (polled or POSTed to the webhook) -> the core's Incoming events.

Both envelopes occur: `{"ok": true, "result": {update}}` and the bare `{update}`. An update is
`{"event_name": "message.text.received", "message": {message_id, date (ms), chat, from, text}}`;
ids are opaque strings. There is no update number: the core drops a message id it has handled.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.channels.base import ZALO
from bot.core.events import EventKind, Incoming, Photo

CHANNEL = "zalo"
TEXT = "message.text.received"
IMAGE = "message.image.received"
# Zalo withholds the content of messages from protected users (children, people with
# disabilities): the bot cannot read what they typed.
WITHHELD = "message.unsupported.received"


def unwrap(body: Any) -> dict[str, Any] | None:
    """The update inside a webhook body or a getUpdates result, either shape; None if none."""
    if not isinstance(body, dict):
        return None
    if "event_name" not in body and isinstance(body.get("result"), dict):
        body = body["result"]
    return body if isinstance(body.get("event_name"), str) else None


def incoming(update: dict[str, Any], locale_hint: str | None = None) -> Incoming | None:
    """The core event of an update from a private chat; None for anything else (a group, a
    malformed update)."""
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    sender, chat = message.get("from"), message.get("chat")
    user = _id(sender.get("id")) if isinstance(sender, dict) else None
    chat_id = _id(chat.get("id")) if isinstance(chat, dict) else user
    message_id = _id(message.get("message_id"))
    if user is None or message_id is None or chat_id != user:
        return None  # only private chats, where the chat is the user
    event = str(update.get("event_name"))
    text, photo = message.get("text"), _photo(message) if event == IMAGE else None
    if event == TEXT and isinstance(text, str):
        kind = EventKind.TEXT
    elif photo is not None:
        kind, caption = EventKind.PHOTO, message.get("caption")
        text = caption if isinstance(caption, str) else ""
    else:
        kind, text = (EventKind.WITHHELD if event == WITHHELD else EventKind.UNSUPPORTED), ""
    name = sender.get("display_name") if isinstance(sender, dict) else None
    return Incoming(CHANNEL, user, kind, _sent_at(message.get("date")), ZALO, text=text,
                    locale_hint=locale_hint, display_name=name if isinstance(name, str) else None,
                    event_id=message_id, message_id=message_id, photo=photo)


def _photo(message: dict[str, Any]) -> Photo | None:
    """An image's public address on Zalo's servers, as a reference; None if it has none.
    Zalo says nothing of its size: the core's limits (Telegram's) are not checked here."""
    url = message.get("photo_url")
    if not isinstance(url, str) or not url.startswith("https://") or len(url) > 2000:
        return None
    return Photo(f"{CHANNEL}:{url}", None, 0, 0)


def _id(value: Any) -> str | None:
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
        return str(value).strip()[:64]
    return None


def _sent_at(millis: Any) -> datetime:
    """When the user sent it: Zalo's date is in milliseconds (now, if it is missing)."""
    if isinstance(millis, int | float) and not isinstance(millis, bool) and millis > 0:
        try:
            return datetime.fromtimestamp(millis / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            pass
    return datetime.now(UTC)
