"""The delivery engine's Telegram adapter: one Part to one Bot API call, its fate as a neutral
Outcome (sent, blocked, retry after N s, bad request, transient). Pacing, retries and order are
the engine's (bot/delivery/engine.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from telegram import Bot, InputFile
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)

from bot.channels.telegram.faults import retry_after_seconds
from bot.channels.telegram.render import Keyboard, call, keyboard, message_id_of, telegram_file
from bot.delivery.outcomes import Outcome, Part, Result


class TelegramSender:
    """Sends Parts with a Bot; never raises for Telegram's answers or the network's faults."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat: str, part: Part) -> Outcome:
        """One Bot API call for the part; what became of it."""
        try:
            chat_id = int(chat)
        except ValueError:
            return Outcome(Result.BAD_REQUEST, "not a Telegram chat id")
        try:
            answer = await self._call(chat_id, part)
        except RetryAfter as exc:
            return Outcome(Result.RETRY_AFTER, exc.message, retry_after_seconds(exc))
        except Forbidden as exc:  # blocked the bot, or the account was deleted
            return Outcome(Result.BLOCKED, exc.message)
        except BadRequest as exc:
            if part.edit_of is not None and "not modified" in exc.message.lower():
                return Outcome(Result.SENT, message_id=part.edit_of)  # a double tap
            return Outcome(Result.BAD_REQUEST, exc.message)
        except (ChatMigrated, InvalidToken) as exc:  # trying again will not help
            return Outcome(Result.BAD_REQUEST, exc.message)
        except TelegramError as exc:  # timeouts, network and server errors
            return Outcome(Result.TRANSIENT, exc.message)
        except OSError as exc:  # a local file to upload that cannot be read
            return Outcome(Result.BAD_REQUEST, f"{exc.__class__.__name__}: {exc.strerror}")
        return Outcome(Result.SENT, message_id=_message_id(answer, part))

    async def _call(self, chat_id: int, part: Part) -> object:
        markup = keyboard_of(part)
        paid = True if part.paid else None
        if part.image or part.document:
            path = Path(part.image or part.document or "")
            content = await asyncio.to_thread(path.read_bytes)
            upload = InputFile(content, filename=path.name)
            if part.image:
                return await call(self.bot, "sendPhoto", chat_id=chat_id, photo=upload)
            return await call(self.bot, "sendDocument", chat_id=chat_id, document=upload)
        file_id = telegram_file(part.photo)
        if file_id:
            return await call(self.bot, "sendPhoto", chat_id=chat_id, photo=file_id,
                              caption=part.text, reply_markup=markup,
                              allow_paid_broadcast=paid)
        if part.edit_of is not None:
            return await call(self.bot, "editMessageText", chat_id=chat_id,
                              message_id=part.edit_of, text=part.text, reply_markup=markup)
        return await call(self.bot, "sendMessage", chat_id=chat_id, text=part.text,
                          reply_markup=markup, allow_paid_broadcast=paid)


def keyboard_of(part: Part) -> Keyboard | None:
    """The part's buttons as an inline keyboard (None when it has none)."""
    return keyboard(part.buttons) if part.buttons else None


def _message_id(answer: object, part: Part) -> int | None:
    """The id of the message sent or edited (an edit may answer just True)."""
    try:
        return message_id_of(answer)
    except ValueError:
        return part.edit_of
