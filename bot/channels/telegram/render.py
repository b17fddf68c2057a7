"""Show the core's replies in Telegram: inline keyboards, the pressed message edited in place."""

from __future__ import annotations

import asyncio
import logging
import warnings
from pathlib import Path

from telegram import Bot
from telegram.error import BadRequest
from telegram.warnings import PTBUserWarning

from bot.core.events import Reply

log = logging.getLogger(__name__)


Keyboard = dict[str, list[list[dict[str, str]]]]


def keyboard(reply: Reply) -> Keyboard | None:
    """The reply's buttons as a Bot API inline keyboard (None when it has none).

    Plain JSON, not PTB's InlineKeyboardMarkup: building those objects and turning them back
    into dicts for the request was about a twentieth of the CPU an update costs."""
    if not reply.buttons:
        return None
    return {"inline_keyboard": [[{"text": b.label, "callback_data": b.action} for b in row]
                                for row in reply.buttons]}


async def deliver(bot: Bot, chat_id: int, replies: list[Reply],
                  pressed_message_id: int | None = None) -> None:
    """Send the replies in order; the first one marked edit replaces the pressed message."""
    editable = pressed_message_id
    for reply in replies:
        markup = keyboard(reply)
        if reply.image:
            photo = await asyncio.to_thread(Path(reply.image).read_bytes)
            await bot.send_photo(chat_id, photo)
        file_id = telegram_file(reply.photo)
        if file_id:
            await call(bot, "sendPhoto", chat_id=chat_id, photo=file_id, caption=reply.text,
                       reply_markup=markup)
        elif reply.edit and editable is not None:
            message_id, editable = editable, None
            if not await _edit(bot, chat_id, message_id, reply.text, markup):
                await call(bot, "sendMessage", chat_id=chat_id, text=reply.text,
                           reply_markup=markup)
        else:
            await call(bot, "sendMessage", chat_id=chat_id, text=reply.text, reply_markup=markup)
        for path in reply.documents:
            content = await asyncio.to_thread(Path(path).read_bytes)
            await bot.send_document(chat_id, content, filename=Path(path).name)


# call() uses Bot API methods by name on purpose (see there).
warnings.filterwarnings("ignore", r"Please use 'Bot\.(sendMessage|sendPhoto|editMessageText|"
                        r"answerCallbackQuery)' "
                        "instead", PTBUserWarning)


async def call(bot: Bot, method: str, **params: object) -> object:
    """Call a Bot API method (None parameters left out); its answer as Telegram's JSON.

    PTB raises its errors just the same, but the answer is not turned into a Message: that
    is about a sixth of the CPU an update costs, and replies never read it."""
    return await bot.do_api_request(method, api_kwargs={k: v for k, v in params.items()
                                                        if v is not None})


def message_id_of(sent: object) -> int:
    """The message id in the answer to sendMessage or sendPhoto."""
    if isinstance(sent, dict) and isinstance(sent.get("message_id"), int):
        return int(sent["message_id"])
    raise ValueError(f"not a sent message: {sent!r:.80}")


def telegram_file(ref: str | None) -> str | None:
    """The Telegram file id in a photo reference ("telegram:<file id>"), if it is one."""
    channel, _, file_id = (ref or "").partition(":")
    return file_id if channel == "telegram" and file_id else None


async def _edit(bot: Bot, chat_id: int, message_id: int, text: str,
                markup: Keyboard | None) -> bool:
    """Edit in place; False when Telegram refuses (too old, deleted) so a new message is sent."""
    try:
        await call(bot, "editMessageText", chat_id=chat_id, message_id=message_id, text=text,
                   reply_markup=markup)
    except BadRequest as exc:
        if "not modified" in exc.message.lower():
            return True  # a double tap: the message already shows this
        log.info("could not edit message %s in chat %s (%s); sending a new one",
                 message_id, chat_id, exc.message)
        return False
    return True
