"""The delivery engine's Telegram adapter: one Part to one Bot API call, its fate as a neutral
Outcome (sent, blocked, retry after N s, bad request, transient). Pacing, retries and order are
the engine's (bot/delivery/engine.py).

Text, photos by file id (another app's by address) and edits are posted as JSON on our
transport and Telegram's answer is read here, as the Bot API documents it (`ok`, `error_code`,
`description`, `parameters`): python-telegram-bot's request and answer objects cost a quarter
of a call's CPU, and the engine needs only the outcome. Uploads of local files go through the
Bot as before.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from telegram import Bot, InputFile
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)

from bot.channels.photos import public_address
from bot.channels.telegram.faults import retry_after_seconds
from bot.channels.telegram.render import Keyboard, call, keyboard, message_id_of, telegram_file
from bot.channels.telegram.request import BotApiRequest
from bot.delivery.outcomes import Outcome, Part, Result


class TelegramSender:
    """Sends Parts with a Bot's token on our transport; never raises for Telegram's answers or
    the network's faults."""

    def __init__(self, bot: Bot, transport: BotApiRequest) -> None:
        self.bot = bot
        self.transport = transport

    async def stop_spinner(self, query_id: str) -> Outcome:
        """Answer a button press's callback query (not a message: not paced)."""
        return await self._post("answerCallbackQuery", {"callback_query_id": query_id})

    async def send(self, chat: str, part: Part) -> Outcome:
        """One Bot API call for the part; what became of it."""
        try:
            chat_id = int(chat)
        except ValueError:
            return Outcome(Result.BAD_REQUEST, "not a Telegram chat id")
        if part.image or part.document:
            return await self._upload(chat_id, part)
        outcome = await self._post(*_request(chat_id, part))
        if outcome.result is Result.BAD_REQUEST and part.photo \
                and not telegram_file(part.photo):
            # Another app's photo, by its address, which Telegram could not fetch: the text.
            outcome = await self._post(*_request(chat_id, replace(part, photo=None)))
        if outcome.result is Result.BAD_REQUEST and part.edit_of is not None \
                and "not modified" in outcome.detail.lower():
            return Outcome(Result.SENT, message_id=part.edit_of)  # a double tap
        if outcome.result is Result.SENT and outcome.message_id is None:
            return Outcome(Result.SENT, message_id=part.edit_of)  # an edit may answer True
        return outcome

    async def _post(self, method: str, params: dict[str, Any]) -> Outcome:
        """POST one call as JSON; Telegram's answer as an Outcome."""
        url = f"{self.bot.base_url}/{method}"
        # UTF-8, not \u escapes: Vietnamese text takes a half to a third of the bytes, and
        # every byte costs CPU on its way out (copied, and encrypted to Telegram).
        payload = json.dumps(params, ensure_ascii=False).encode()
        try:
            status, body = await self.transport.post_json(url, payload)
        except TelegramError as exc:  # a timeout or a network failure (logged per episode)
            return Outcome(Result.TRANSIENT, exc.message)
        return answer_outcome(status, body)

    async def _upload(self, chat_id: int, part: Part) -> Outcome:
        """A local image or file, through the Bot (multipart)."""
        try:
            path = Path(part.image or part.document or "")
            content = await asyncio.to_thread(path.read_bytes)
            upload = InputFile(content, filename=path.name)
            if part.image:
                answer = await call(self.bot, "sendPhoto", chat_id=chat_id, photo=upload)
            else:
                answer = await call(self.bot, "sendDocument", chat_id=chat_id, document=upload)
        except RetryAfter as exc:
            return Outcome(Result.RETRY_AFTER, exc.message, retry_after_seconds(exc))
        except Forbidden as exc:  # blocked the bot, or the account was deleted
            return Outcome(Result.BLOCKED, exc.message)
        except (BadRequest, ChatMigrated, InvalidToken) as exc:  # trying again will not help
            return Outcome(Result.BAD_REQUEST, exc.message)
        except TelegramError as exc:  # timeouts, network and server errors
            return Outcome(Result.TRANSIENT, exc.message)
        except OSError as exc:  # a local file that cannot be read
            return Outcome(Result.BAD_REQUEST, f"{exc.__class__.__name__}: {exc.strerror}")
        return Outcome(Result.SENT, message_id=_message_id(answer, part))


# Telegram's answer to a message sent or edited starts with the message's id, and the rest is
# the whole message echoed (its text, its keyboard): read the id from the start, without
# parsing the rest. Anything else (True, a refusal, another order) is parsed in full.
_SENT = re.compile(rb'\{\s*"ok"\s*:\s*true\s*,\s*"result"\s*:\s*'
                   rb'(?:true\s*\}|\{\s*"message_id"\s*:\s*(\d{1,19})\s*[,}])')


def answer_outcome(status: int, body: bytes) -> Outcome:
    """Telegram's answer to a call (https://core.telegram.org/bots/api#making-requests) as an
    Outcome; its description as python-telegram-bot words it ("Chat not found")."""
    sent = _SENT.match(body) if 200 <= status < 300 else None
    if sent is not None:
        return Outcome(Result.SENT, message_id=int(sent[1]) if sent[1] else None)
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        return Outcome(Result.TRANSIENT, f"an answer that is not JSON (HTTP {status})")
    if answer.get("ok") is True and 200 <= status < 300:
        result = answer.get("result")
        message_id = result.get("message_id") if isinstance(result, dict) else None
        return Outcome(Result.SENT, message_id=message_id if isinstance(message_id, int)
                       else None)
    detail = _description(str(answer.get("description") or f"HTTP {status}"))
    parameters = answer.get("parameters")
    asked = parameters.get("retry_after") if isinstance(parameters, dict) else None
    wait = float(asked) if isinstance(asked, int | float) and asked > 0 else None
    if wait is not None or status == 429:
        return Outcome(Result.RETRY_AFTER, detail, wait or 1.0)
    if status == 403:
        return Outcome(Result.BLOCKED, detail)
    if status in (400, 401, 404, 409):  # refused as asked: trying again will not help
        return Outcome(Result.BAD_REQUEST, detail)
    return Outcome(Result.TRANSIENT, detail)  # server errors and the unexpected


def _description(text: str) -> str:
    """Telegram's description without its "Bad Request: " prefix, as PTB shows it."""
    for prefix in ("Error: ", "[Error]: ", "Bad Request: "):
        if text.startswith(prefix):
            return text.removeprefix(prefix).capitalize()
    return text


def _request(chat_id: int, part: Part) -> tuple[str, dict[str, Any]]:
    """The Bot API method and parameters for a text, a photo by file id, or an edit."""
    params: dict[str, Any] = {"chat_id": chat_id}
    markup = keyboard_of(part)
    if markup is not None:
        params["reply_markup"] = markup
    file_id = telegram_file(part.photo) or public_address(part.photo or "")
    if file_id:
        params |= {"photo": file_id, "caption": part.text}
        method = "sendPhoto"
    elif part.edit_of is not None:
        params |= {"message_id": part.edit_of, "text": part.text}
        return "editMessageText", params
    else:
        params["text"] = part.text
        method = "sendMessage"
    if part.paid:
        params["allow_paid_broadcast"] = True
    return method, params


def keyboard_of(part: Part) -> Keyboard | None:
    """The part's buttons as an inline keyboard (None when it has none)."""
    return keyboard(part.buttons) if part.buttons else None


def _message_id(answer: object, part: Part) -> int | None:
    """The id of the message sent or edited (an edit may answer just True)."""
    try:
        return message_id_of(answer)
    except ValueError:
        return part.edit_of
