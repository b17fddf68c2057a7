"""Telegram's side of showing a message: inline keyboards, Bot API calls by name, file ids."""

from __future__ import annotations

import warnings

from telegram import Bot
from telegram.warnings import PTBUserWarning

from bot.core.events import Button

Keyboard = dict[str, list[list[dict[str, str]]]]


def keyboard(buttons: tuple[tuple[Button, ...], ...]) -> Keyboard:
    """Button rows as a Bot API inline keyboard.

    Plain JSON, not PTB's InlineKeyboardMarkup: building those objects and turning them back
    into dicts for the request was about a twentieth of the CPU an update costs."""
    return {"inline_keyboard": [[{"text": b.label, "callback_data": b.action} for b in row]
                                for row in buttons]}


# call() uses Bot API methods by name on purpose (see there).
warnings.filterwarnings("ignore", r"Please use 'Bot\.(sendMessage|sendPhoto|sendDocument|"
                        r"editMessageText|answerCallbackQuery)' "
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
