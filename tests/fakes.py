"""A fake Telegram Bot API server for tests.

The real python-telegram-bot ``Application`` (or a bot subprocess) talks to it over HTTP on
127.0.0.1, exactly as it would talk to api.telegram.org::

    async with FakeBotApi() as api:
        app = ApplicationBuilder().token(TOKEN).base_url(api.base_url).build()
        ...
        api.send_text(1, "/start")
        call = await api.wait_text(1, "Xin chào")

The server keeps per-chat message state (so edits apply and "message is not modified" errors
happen like on Telegram), implements getUpdates with Telegram's offset/confirmation and
long-polling semantics, records every call in ``api.calls`` and offers fault injection: single
errors (``fail_next``), blocked chats, a send rate limit, and lasting faults of the network
(``flood``: 429 storms, ``outage``: 5xx bursts, ``stall``: timeouts, ``drop``: connections closed
without an answer), for some seconds, some calls, or until ``end_faults``.
It is not thread-safe: inject updates from the event loop the server runs in.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import html
import itertools
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from aiohttp import web

__all__ = [
    "BOT_ID",
    "BOT_USERNAME",
    "MESSAGE_NOT_MODIFIED",
    "OUTGOING",
    "TOKEN",
    "Call",
    "FakeBotApi",
    "Upload",
]

_LOGGER = logging.getLogger(__name__)

JSONDict = dict[str, Any]

BOT_ID: Final = 7_000_000_001
BOT_USERNAME: Final = "fake_bot"
BOT_FIRST_NAME: Final = "Fake bot"
TOKEN: Final = f"{BOT_ID}:AAFake-token_for_tests"
"""A token the fake accepts (any ``^\\d+:[\\w-]+$`` token is accepted)."""

MESSAGE_NOT_MODIFIED: Final = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
MESSAGE_TO_EDIT_NOT_FOUND: Final = "Bad Request: message to edit not found"
BLOCKED: Final = "Forbidden: bot was blocked by the user"
QUERY_TOO_OLD: Final = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
CONFLICT: Final = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)

_TOKEN_RE: Final = re.compile(r"^\d+:[\w-]+$")
_PATH_RE: Final = re.compile(r"^/bot([^/]*)/([^/]+)/?$")
_INT_RE: Final = re.compile(r"^-?\d+$")
_COMMAND_RE: Final = re.compile(r"^[a-z0-9_]{1,32}$")

_METHODS: Final = (
    "getMe",
    "logOut",
    "close",
    "getUpdates",
    "deleteWebhook",
    "getWebhookInfo",
    "sendMessage",
    "sendPhoto",
    "sendDocument",
    "sendChatAction",
    "editMessageText",
    "editMessageCaption",
    "editMessageReplyMarkup",
    "deleteMessage",
    "answerCallbackQuery",
    "setMyCommands",
    "getMyCommands",
    "deleteMyCommands",
)
_CANONICAL: Final = {name.lower(): name for name in _METHODS}
_SEND_METHODS: Final = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
_SENT_OR_EDITED: Final = _SEND_METHODS | {"editMessageText", "editMessageCaption"}
_TEXT_METHODS: Final = frozenset({"sendMessage", "editMessageText"})
_CHAT_METHODS: Final = _SENT_OR_EDITED | {
    "sendChatAction",
    "editMessageReplyMarkup",
    "deleteMessage",
}
OUTGOING: Final = frozenset(_METHODS) - {"getUpdates"}
"""Every method but getUpdates: what the bot calls to answer (for ``methods=`` of faults)."""
# Telegram's front end answers some 5xx with an nginx HTML page rather than JSON.
_STATUS_TEXT: Final = {500: "Internal Server Error", 502: "Bad Gateway",
                       503: "Service Unavailable", 504: "Gateway Time-out"}
_HTML_ERRORS: Final = frozenset({502, 503, 504})
# Form fields whose values are plain strings and must never be JSON/int-decoded.
_STRING_FIELDS: Final = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "language_code",
        "callback_query_id",
        "inline_message_id",
        "action",
        "url",
        "title",
        "description",
        "short_description",
        "name",
        "query",
        "photo",
        "document",
        "emoji",
        "business_connection_id",
        "message_effect_id",
        "secret_token",
    }
)
# Update types Telegram does not deliver unless explicitly listed in allowed_updates.
_OPT_IN_UPDATES: Final = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_HTML_TAGS: Final = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
        "tg-time",
    }
)
_TAG_RE: Final = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)?([^<>]*)>|<")


@dataclass(frozen=True)
class Upload:
    """A file uploaded by the bot in a multipart request."""

    filename: str
    size: int
    content_type: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class Call:
    """One recorded Bot API request.

    ``params`` holds the decoded form values: JSON values (reply_markup, commands, ...) are
    parsed, integer-looking values of non-text fields (chat_id, message_id, ...) are ints,
    "true"/"false" are bools, uploaded files are :class:`Upload` objects.
    ``status`` is the HTTP status the fake answered with (200 on success), ``description`` the
    error description and ``result`` the ``result`` payload (always ``None`` for getUpdates).
    A call the client never got an answer to (a dropped connection, a stalled request the
    client gave up on) has ``answered`` False; its status is 0 unless it was applied anyway.
    """

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200
    description: str = ""
    result: Any = None
    answered: bool = True

    @property
    def ok(self) -> bool:
        """Whether the fake answered this call successfully."""
        return self.status == 200

    @property
    def chat_id(self) -> Any:
        """The ``chat_id`` parameter, if any."""
        return self.params.get("chat_id")

    @property
    def text(self) -> str:
        """The ``text`` (or ``caption``) parameter, or ``""``."""
        value = self.params.get("text", self.params.get("caption", ""))
        return value if isinstance(value, str) else str(value)


class _ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def _bad(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


@dataclass
class _Fault:
    status: int
    description: str
    retry_after: int | None
    remaining: int


FLOOD: Final = "429"
OUTAGE: Final = "5xx"
STALL: Final = "timeout"
DROP: Final = "drop"


@dataclass
class _Mode:
    """A fault that lasts: for some seconds, some calls, or until ``end_faults``."""

    kind: str
    methods: frozenset[str] | None  # None: every method, getUpdates included
    deadline: float | None
    calls_left: int | None
    retry_after: int = 1
    statuses: tuple[int, ...] = (500, 502, 503)
    hold: float | None = None
    applied: bool = False
    hits: int = 0
    over: asyncio.Event = field(default_factory=asyncio.Event)

    def lasts(self, now: float) -> bool:
        """Whether the mode still takes calls: not ended, time and calls not run out. Calls
        it stalled stay held until ``hold``, the deadline or ``end_faults``."""
        if self.deadline is not None and now >= self.deadline:
            self.over.set()
        return not self.over.is_set() and self.calls_left != 0

    def held_for(self, now: float) -> float | None:
        """How long a stalled request is held at most (None: until the mode ends)."""
        limits = [x for x in (self.hold, None if self.deadline is None else self.deadline - now)
                  if x is not None]
        return max(0.0, min(limits)) if limits else None


@dataclass
class _Message:
    data: JSONDict  # the current Bot API Message object
    from_bot: bool
    raw_text: str | None = None  # text/caption as sent by the bot (before parse_mode)
    markup: JSONDict | None = None  # inline keyboard markup, if any
    touched: int = 0


@dataclass
class _Chat:
    id: int
    first_name: str = "An"
    next_message_id: int = 1
    messages: dict[int, _Message] = field(default_factory=dict)
    reply_keyboard: JSONDict | None = None

    def as_dict(self) -> JSONDict:
        if self.id < 0:
            return {"id": self.id, "type": "group", "title": f"Group {self.id}"}
        return {"id": self.id, "type": "private", "first_name": self.first_name}


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _decode_value(name: str, value: str) -> Any:
    """Decode one form value the way PTB encoded it (JSON for non-strings)."""
    if name in _STRING_FIELDS:
        return value
    if _INT_RE.match(value):
        return int(value)
    if value in ("true", "false"):
        return value == "true"
    if value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _check_html(text: str) -> str:
    """Validate Telegram-HTML roughly like Telegram does and return the rendered plain text."""
    stack: list[str] = []
    for match in _TAG_RE.finditer(text):
        offset = len(text[: match.start()].encode())
        closing, tag = match.group(1), (match.group(2) or "").lower()
        if match.group(0) == "<" or not tag:
            raise _bad(f'can\'t parse entities: Unsupported start tag "" at byte offset {offset}')
        if tag not in _HTML_TAGS:
            kind = "end" if closing else "start"
            raise _bad(
                f'can\'t parse entities: Unsupported {kind} tag "{tag}" at byte offset {offset}'
            )
        if not closing:
            stack.append(tag)
        elif not stack or stack[-1] != tag:
            raise _bad(
                f"can't parse entities: Unmatched end tag at byte offset {offset}, expected "
                f'"</{stack[-1] if stack else ""}>", found "</{tag}>"'
            )
        else:
            stack.pop()
    if stack:
        raise _bad(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\""
        )
    return html.unescape(_TAG_RE.sub("", text))


def _render(text: str, parse_mode: Any) -> str:
    if isinstance(parse_mode, str) and parse_mode.upper() == "HTML":
        return _check_html(text)
    return text


def _check_inline_markup(markup: Any) -> JSONDict | None:
    """Validate an inline keyboard; return it, or None if markup is not an inline keyboard."""
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise _bad("can't parse inline keyboard button: Text must be a String")
            if len(button) < 2:
                raise _bad("text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise _bad("BUTTON_DATA_INVALID")
    return markup


def _update_kind(update: JSONDict) -> str:
    return next((key for key in update if key != "update_id"), "")


def _update_chat_id(update: JSONDict) -> int | None:
    body = update.get(_update_kind(update))
    if not isinstance(body, dict):
        return None
    for holder in (body, body.get("message")):
        if isinstance(holder, dict) and isinstance(holder.get("chat"), dict):
            chat_id = holder["chat"].get("id")
            if isinstance(chat_id, int):
                return chat_id
    sender = body.get("from")
    if isinstance(sender, dict) and isinstance(sender.get("id"), int):
        return int(sender["id"])
    return None


class FakeBotApi:
    """An in-process fake Telegram Bot API server (see the module docstring)."""

    def __init__(
        self, latency: float = 0.0, send_rate_limit: int | None = None, forbidden_share: float = 0.0
    ) -> None:
        """``send_rate_limit``: answer 429 (retry_after 1) to a send when that many were accepted
        in the last second, as Telegram's flood control does. ``forbidden_share``: the share of
        private chats (chosen by a hash of their id, see :meth:`refuses`) answered 403."""
        self.latency = latency
        self.send_rate_limit = send_rate_limit
        self.forbidden_share = forbidden_share
        self._recent_sends: collections.deque[float] = collections.deque()
        self.calls: list[Call] = []
        self.server_errors: list[str] = []
        self.deliveries: dict[int, int] = {}
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._closing = False
        self._pending: list[JSONDict] = []
        self._next_update_id = 100_000_001
        self._allowed_updates: list[str] = []
        self._changed = asyncio.Event()
        self._poll_seq = 0
        self._chats: dict[int, _Chat] = {}
        self._marks: dict[int, int] = {}
        self._blocked: set[int] = set()
        self._faults: dict[str, list[_Fault]] = {}
        self._modes: list[_Mode] = []
        self.fault_hits: collections.Counter[str] = collections.Counter()
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._open_queries: set[str] = set()
        self._ids = itertools.count(1)
        self._touch = itertools.count(1)
        self._in_flight = 0
        self._last_activity = 0.0
        self._handlers: dict[str, Callable[[dict[str, Any]], Any]] = {
            "getMe": self._api_get_me,
            "logOut": self._api_log_out,
            "close": self._api_close,
            "deleteWebhook": self._api_delete_webhook,
            "getWebhookInfo": self._api_get_webhook_info,
            "sendMessage": self._api_send_message,
            "sendPhoto": self._api_send_photo,
            "sendDocument": self._api_send_document,
            "sendChatAction": self._api_send_chat_action,
            "editMessageText": self._api_edit_message_text,
            "editMessageCaption": self._api_edit_message_caption,
            "editMessageReplyMarkup": self._api_edit_message_reply_markup,
            "deleteMessage": self._api_delete_message,
            "answerCallbackQuery": self._api_answer_callback_query,
            "setMyCommands": self._api_set_my_commands,
            "getMyCommands": self._api_get_my_commands,
            "deleteMyCommands": self._api_delete_my_commands,
        }

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Start serving on 127.0.0.1 on a free port."""
        if self._runner is not None:
            return
        self._closing = False
        app = web.Application(client_max_size=100 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(
            app,
            handle_signals=False,
            access_log=None,
            handler_cancellation=True,
            shutdown_timeout=2.0,
        )
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop the server, ending pending long polls and lasting faults."""
        self._closing = True
        self.end_faults()
        self._notify()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        if self._runner is None:
            raise RuntimeError("FakeBotApi is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """The base_url for PTB, e.g. ``http://127.0.0.1:PORT/bot``."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def token(self) -> str:
        """A token this fake accepts (the bot id of its messages is BOT_ID)."""
        return TOKEN

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        status: int,
        description: str,
        retry_after: int | None = None,
        count: int = 1,
    ) -> None:
        """Make the next ``count`` calls of ``method`` fail with this error."""
        name = _CANONICAL.get(method.lower(), method)
        self._faults.setdefault(name, []).append(_Fault(status, description, retry_after, count))

    def flood(self, retry_after: int = 1, *, seconds: float | None = None,
              calls: int | None = None, methods: Iterable[str] | None = None) -> None:
        """A 429 storm: answer calls "Too Many Requests" with ``retry_after``.

        Like every lasting fault it covers ``methods`` (default: every method, getUpdates
        included; :data:`OUTGOING` spares getUpdates) and ends after ``seconds``, after
        ``calls`` faulty answers, or at :meth:`end_faults`, whichever comes first.
        """
        self._add_mode(FLOOD, seconds, calls, methods, retry_after=retry_after)

    def outage(self, statuses: Sequence[int] = (500, 502, 503), *, seconds: float | None = None,
               calls: int | None = None, methods: Iterable[str] | None = None) -> None:
        """A 5xx burst: answer calls with these statuses in turn (502-504 as an nginx page)."""
        self._add_mode(OUTAGE, seconds, calls, methods, statuses=tuple(statuses))

    def stall(self, *, hold: float | None = None, seconds: float | None = None,
              calls: int | None = None, methods: Iterable[str] | None = None,
              applied: bool = False) -> None:
        """Timeouts: hold requests without answering for ``hold`` s (default: until the mode
        ends), then answer normally if the client still waits.

        With ``applied`` the call takes effect at once and only its answer is late, as when
        Telegram delivered a message but the bot timed out (the undecidable case of
        docs/BROADCASTS.md). getUpdates is never applied early.
        """
        self._add_mode(STALL, seconds, calls, methods, hold=hold, applied=applied)

    def drop(self, *, seconds: float | None = None, calls: int | None = None,
             methods: Iterable[str] | None = None, applied: bool = False) -> None:
        """Dropped connections: close the TCP connection without answering. With ``applied``
        the call takes effect first (the answer is what gets lost)."""
        self._add_mode(DROP, seconds, calls, methods, applied=applied)

    def end_faults(self) -> None:
        """End every lasting fault now; stalled requests are answered."""
        for mode in self._modes:
            mode.over.set()
        self._modes.clear()

    @property
    def faulty(self) -> bool:
        """Whether a lasting fault still takes calls."""
        now = time.monotonic()
        return any(mode.lasts(now) for mode in self._modes)

    def _add_mode(self, kind: str, seconds: float | None, calls: int | None,
                  methods: Iterable[str] | None, **options: Any) -> None:
        names = None if methods is None else frozenset(
            _CANONICAL.get(m.lower(), m) for m in methods)
        deadline = None if seconds is None else time.monotonic() + seconds
        self._modes.append(_Mode(kind, names, deadline, calls, **options))

    def _mode_for(self, method: str) -> _Mode | None:
        """The lasting fault that takes this call, if any (counted as one of its calls)."""
        now = time.monotonic()
        for mode in self._modes:
            if mode.lasts(now) and (mode.methods is None or method in mode.methods):
                mode.hits += 1
                if mode.calls_left is not None:
                    mode.calls_left -= 1
                self.fault_hits[mode.kind] += 1
                return mode
        return None

    def block_chat(self, chat_id: int) -> None:
        """Make sends/edits to ``chat_id`` answer 403 "bot was blocked by the user"."""
        self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        """Undo :meth:`block_chat`."""
        self._blocked.discard(chat_id)

    def refuses(self, chat_id: Any) -> bool:
        """Whether ``chat_id`` is one of the ``forbidden_share`` of chats answered 403."""
        if self.forbidden_share <= 0 or not isinstance(chat_id, int) or chat_id < 0:
            return False
        spread = (chat_id * 2_654_435_761) % 2**32  # Knuth's multiplicative hash
        return spread < self.forbidden_share * 2**32

    def _flooded(self) -> bool:
        """Whether a send now would exceed ``send_rate_limit``; counts it if not."""
        if self.send_rate_limit is None:
            return False
        now = time.monotonic()
        while self._recent_sends and self._recent_sends[0] <= now - 1.0:
            self._recent_sends.popleft()
        if len(self._recent_sends) >= self.send_rate_limit:
            return True
        self._recent_sends.append(now)
        return False

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
        chat_id = _update_chat_id(update)
        if chat_id is not None:
            self._marks[chat_id] = len(self.calls)
        self._pending.append(update)
        self._last_activity = time.monotonic()
        self._notify()
        return update_id

    def send_text(
        self, user_id: int, text: str, language_code: str = "vi", first_name: str = "An"
    ) -> int:
        """Queue a private text message from ``user_id``; return the update_id."""
        extra: JSONDict = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            extra["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
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

    # ------------------------------------------------------------------ inspection

    @property
    def unconfirmed(self) -> list[int]:
        """update_ids queued but not yet confirmed by a getUpdates offset."""
        return [int(update["update_id"]) for update in self._pending]

    def sent_to(self, chat_id: int) -> list[Call]:
        """Successful sendMessage/sendPhoto/sendDocument/editMessage* calls for the chat."""
        return [
            call
            for call in self.calls
            if call.ok and call.method in _SENT_OR_EDITED and call.chat_id == chat_id
        ]

    def texts_to(self, chat_id: int) -> list[str]:
        """Texts (or captions) of :meth:`sent_to` calls, in order."""
        return [call.text for call in self.sent_to(chat_id)]

    def messages(self, chat_id: int) -> list[JSONDict]:
        """Current state (Bot API Message dicts) of all messages in the chat, by message_id."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        return [chat.messages[key].data for key in sorted(chat.messages)]

    def last_markup(self, chat_id: int) -> list[list[JSONDict]] | None:
        """inline_keyboard of the bot message most recently sent/edited in the chat, or None."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return None
        bot_messages = [m for m in chat.messages.values() if m.from_bot]
        if not bot_messages:
            return None
        latest = max(bot_messages, key=lambda m: m.touched)
        if latest.markup is None:
            return None
        keyboard: list[list[JSONDict]] = latest.markup["inline_keyboard"]
        return keyboard

    def buttons(self, chat_id: int) -> list[tuple[str, str]]:
        """(label, callback_data) of the latest sent/edited message with an inline keyboard."""
        chat = self._chats.get(chat_id)
        stored = None if chat is None else self._latest_with_keyboard(chat)
        return [] if stored is None else self._buttons_of(stored)

    def reply_keyboard(self, chat_id: int) -> list[list[str]] | None:
        """Labels of the reply keyboard currently shown in the chat, or None."""
        chat = self._chats.get(chat_id)
        if chat is None or chat.reply_keyboard is None:
            return None
        return [
            [b["text"] if isinstance(b, dict) else str(b) for b in row]
            for row in chat.reply_keyboard.get("keyboard", [])
        ]

    def my_commands(
        self, language_code: str = "", scope: JSONDict | None = None
    ) -> list[tuple[str, str]]:
        """(command, description) pairs set via setMyCommands for this scope/language."""
        commands = self._commands.get(self._commands_key(scope, language_code), [])
        return [(str(c.get("command")), str(c.get("description"))) for c in commands]

    def describe(self, last: int = 8) -> str:
        """A human-readable summary of recent calls and state, for assertion messages."""
        calls = [c for c in self.calls if c.method != "getUpdates"][-last:]
        lines = [f"last {len(calls)} non-getUpdates calls:"]
        for call in calls:
            text = call.text.replace("\n", "\\n")
            status = "ok" if call.ok else f"{call.status} {call.description}"
            lines.append(f"  {call.method} chat={call.chat_id} [{status}] {text[:100]!r}")
        lines.append(f"unconfirmed updates: {self.unconfirmed}")
        polls = sum(1 for c in self.calls if c.method == "getUpdates")
        lines.append(f"getUpdates calls: {polls}")
        if self.server_errors:
            lines.append(f"SERVER ERRORS: {self.server_errors}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ waiting helpers

    async def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float = 10.0,  # noqa: ASYNC109
        what: str = "",
    ) -> None:
        """Wait until ``predicate()`` is true (checked every 10 ms) or raise AssertionError."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() >= deadline:
                name = what or getattr(predicate, "__name__", repr(predicate))
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {name}\n{self.describe()}"
                )
            await asyncio.sleep(0.01)

    async def wait_calls(
        self,
        method: str,
        count: int = 1,
        chat_id: int | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[Call]:
        """Wait until at least ``count`` calls of ``method`` (to ``chat_id``) were made."""
        name = _CANONICAL.get(method.lower(), method)

        def matching() -> list[Call]:
            return [
                c
                for c in self.calls
                if c.method == name and (chat_id is None or c.chat_id == chat_id)
            ]

        await self.wait_for(
            lambda: len(matching()) >= count,
            timeout,
            f"{count} {name} call(s)" + (f" to chat {chat_id}" if chat_id is not None else ""),
        )
        return matching()

    async def wait_text(
        self,
        chat_id: int,
        contains: str,
        timeout: float = 10.0,  # noqa: ASYNC109
        *,
        since: int | None = None,
    ) -> Call:
        """Wait for a successful sendMessage/editMessageText to the chat containing ``contains``.

        Only calls made after the latest update injected for that chat count (or after
        index ``since`` into ``calls``). The substring is matched against the raw text and the
        HTML-rendered text.
        """
        start = self._marks.get(chat_id, 0) if since is None else since
        found: list[Call] = []

        def seen() -> bool:
            for call in self.calls[start:]:
                if call.ok and call.method in _TEXT_METHODS and call.chat_id == chat_id:
                    text = call.text
                    with contextlib.suppress(_ApiError):
                        text += "\0" + _render(text, call.params.get("parse_mode"))
                    if contains in text:
                        found.append(call)
                        return True
            return False

        await self.wait_for(seen, timeout, f"a text containing {contains!r} to chat {chat_id}")
        return found[0]

    async def wait_idle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until all injected updates are confirmed and no call arrived for ``quiet`` s."""

        def idle() -> bool:
            return (
                not self._pending
                and self._in_flight == 0
                and time.monotonic() - self._last_activity >= quiet
            )

        await self.wait_for(idle, timeout, f"the bot to be idle for {quiet}s")

    # ------------------------------------------------------------------ internals: state

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _chat(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat(chat_id)
        return chat

    @staticmethod
    def _user(user_id: int, first_name: str, language_code: str) -> JSONDict:
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": language_code,
        }

    @staticmethod
    def _bot_user() -> JSONDict:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": BOT_USERNAME,
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
        chat.messages[message_id] = _Message(data=message, from_bot=False)
        return self.queue_update({"message": json.loads(json.dumps(message))})

    @staticmethod
    def _latest_with_keyboard(chat: _Chat) -> _Message | None:
        candidates = [m for m in chat.messages.values() if m.from_bot and m.markup is not None]
        return max(candidates, key=lambda m: m.touched) if candidates else None

    @staticmethod
    def _buttons_of(stored: _Message) -> list[tuple[str, str]]:
        if stored.markup is None:
            return []
        result: list[tuple[str, str]] = []
        for row in stored.markup["inline_keyboard"]:
            for button in row:
                target = button.get("callback_data", button.get("url", ""))
                result.append((str(button.get("text", "")), str(target)))
        return result

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        scope_dict = scope if isinstance(scope, dict) else {"type": "default"}
        return json.dumps(scope_dict, sort_keys=True), str(language_code or "")

    # ------------------------------------------------------------------ internals: HTTP

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        counted = False
        try:
            match = _PATH_RE.match(request.path)
            if match is None:
                return self._error_response(404, "Not Found")
            token, raw_method = match.groups()
            if not _TOKEN_RE.match(token):
                return self._error_response(401, "Unauthorized")
            method = _CANONICAL.get(raw_method.lower(), raw_method)
            if method != "getUpdates":
                counted = True
                self._in_flight += 1
                self._last_activity = time.monotonic()
            try:
                params = await self._read_params(request)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # client vanished or sent garbage
                _LOGGER.debug("could not read request body: %r", exc)
                return self._error_response(400, "Bad Request: can't parse request body")
            mode = self._mode_for(method)
            if mode is not None:
                faulty = await self._misbehave(mode, request, method, params)
                if faulty is not None:
                    return faulty
            if method == "getUpdates":
                return await self._get_updates(params)
            status, payload = self._dispatch(method, params)
            if self.latency > 0:
                await asyncio.sleep(self.latency)
            return web.json_response(payload, status=status)
        except Exception as exc:
            _LOGGER.exception("FakeBotApi internal error")
            self.server_errors.append(f"{request.path}: {exc!r}")
            return self._error_response(500, f"Internal Server Error: {exc!r}")
        finally:
            if counted:
                self._in_flight -= 1
                self._last_activity = time.monotonic()

    @staticmethod
    def _error_response(
        status: int, description: str, parameters: JSONDict | None = None
    ) -> web.Response:
        payload: JSONDict = {"ok": False, "error_code": status, "description": description}
        if parameters:
            payload["parameters"] = parameters
        return web.json_response(payload, status=status)

    @staticmethod
    async def _read_params(request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = {k: _decode_value(k, v) for k, v in request.query.items()}
        if not request.body_exists:
            return params
        content_type = request.content_type
        if content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                for name, value in body.items():
                    params[name] = _decode_value(name, value) if isinstance(value, str) else value
            return params
        if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
            await request.read()
            return params
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                with value.file:
                    data = value.file.read()
                params[name] = Upload(
                    filename=value.filename,
                    size=len(data),
                    content_type=value.content_type,
                    data=data,
                )
            else:
                text = value.decode() if isinstance(value, bytes) else str(value)
                params[name] = _decode_value(name, text)
        return params

    def _record(
        self,
        method: str,
        params: dict[str, Any],
        status: int,
        description: str,
        result: Any,
        answered: bool = True,
    ) -> None:
        self.calls.append(
            Call(method, params, time.monotonic(), status, description, result, answered)
        )

    async def _misbehave(
        self, mode: _Mode, request: web.Request, method: str, params: dict[str, Any]
    ) -> web.StreamResponse | None:
        """Answer a call a lasting fault took, or not at all; None: answer it normally."""
        if mode.kind == FLOOD:
            description = f"Too Many Requests: retry after {mode.retry_after}"
            self._record(method, params, 429, description, None)
            return self._error_response(429, description, {"retry_after": mode.retry_after})
        if mode.kind == OUTAGE:
            status = mode.statuses[(mode.hits - 1) % len(mode.statuses)]
            text = _STATUS_TEXT.get(status, "Server Error")
            self._record(method, params, status, text, None)
            if status not in _HTML_ERRORS:
                return self._error_response(status, text)
            page = (f"<html><head><title>{status} {text}</title></head><body><center><h1>"
                    f"{status} {text}</h1></center><hr><center>nginx</center></body></html>")
            return web.Response(status=status, text=page, content_type="text/html")
        applied = mode.applied and method != "getUpdates"
        if mode.kind == DROP:
            if applied:
                self._dispatch(method, params, answered=False)
            else:
                self._record(method, params, 0, "no answer: connection dropped", None, False)
            return await self._hang_up(request)
        answer = self._dispatch(method, params) if applied else None
        index = len(self.calls) - 1
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(mode.over.wait(), mode.held_for(time.monotonic()))
        except asyncio.CancelledError:  # the client gave up waiting and closed the connection
            if applied:
                self.calls[index] = dataclasses.replace(self.calls[index], answered=False)
            else:
                self._record(method, params, 0, "no answer: timed out", None, False)
            raise
        return None if answer is None else web.json_response(answer[1], status=answer[0])

    @staticmethod
    async def _hang_up(request: web.Request) -> web.StreamResponse:
        """Close the connection without an answer (the client sees it reset)."""
        if request.transport is not None:
            request.transport.abort()
        await asyncio.sleep(1.0)  # aiohttp cancels this handler once it sees the connection go
        return web.Response(status=502)  # reaches nobody

    def _take_fault(self, method: str) -> _ApiError | None:
        faults = self._faults.get(method)
        if not faults:
            return None
        fault = faults[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            faults.pop(0)
        parameters = None if fault.retry_after is None else {"retry_after": fault.retry_after}
        return _ApiError(fault.status, fault.description, parameters)

    def _dispatch(
        self, method: str, params: dict[str, Any], answered: bool = True
    ) -> tuple[int, JSONDict]:
        handler = self._handlers.get(method)
        try:
            if handler is None:
                raise _ApiError(404, "Not Found: method not found")
            fault = self._take_fault(method)
            if fault is not None:
                raise fault
            if method in _SEND_METHODS and self._flooded():
                raise _ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
            if method in _CHAT_METHODS and params.get("chat_id") in self._blocked:
                raise _ApiError(403, BLOCKED)
            if method in _CHAT_METHODS and self.refuses(params.get("chat_id")):
                raise _ApiError(403, BLOCKED)
            result = handler(params)
        except _ApiError as err:
            self._record(method, params, err.status, err.description, None, answered)
            payload: JSONDict = {
                "ok": False,
                "error_code": err.status,
                "description": err.description,
            }
            if err.parameters:
                payload["parameters"] = err.parameters
            return err.status, payload
        self._record(method, params, 200, "", result, answered)
        return 200, {"ok": True, "result": result}

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        fault = self._take_fault("getUpdates")
        self._record(
            "getUpdates",
            params,
            fault.status if fault else 200,
            fault.description if fault else "",
            None,
        )
        if fault is not None:
            return self._error_response(fault.status, fault.description, fault.parameters)
        offset = params.get("offset")
        if isinstance(offset, int) and offset != 0:
            before = len(self._pending)
            if offset > 0:
                self._pending = [u for u in self._pending if u["update_id"] >= offset]
            else:
                self._pending = self._pending[offset:]
            if len(self._pending) != before:
                self._last_activity = time.monotonic()
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(kind) for kind in allowed]
        limit = params.get("limit", 100)
        limit = min(max(limit, 1), 100) if isinstance(limit, int) else 100
        timeout = params.get("timeout", 0)
        timeout = float(timeout) if isinstance(timeout, int | float) else 0.0
        self._poll_seq += 1
        me = self._poll_seq
        self._notify()  # an older pending poll gets a 409 Conflict, like on Telegram
        deadline = time.monotonic() + timeout
        while True:
            if self._closing:
                return web.json_response({"ok": True, "result": []})
            if me != self._poll_seq:
                return self._error_response(409, CONFLICT)
            updates = self._deliverable(limit)
            if updates:
                for update in updates:
                    update_id = int(update["update_id"])
                    self.deliveries[update_id] = self.deliveries.get(update_id, 0) + 1
                return web.json_response({"ok": True, "result": updates})
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return web.json_response({"ok": True, "result": []})
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    def _deliverable(self, limit: int) -> list[JSONDict]:
        allowed = set(self._allowed_updates)

        def wanted(update: JSONDict) -> bool:
            kind = _update_kind(update)
            return kind in allowed if allowed else kind not in _OPT_IN_UPDATES

        # Telegram never delivers updates of types that are not allowed: drop them.
        self._pending = [u for u in self._pending if wanted(u)]
        return self._pending[:limit]

    # ------------------------------------------------------------------ internals: methods

    def _chat_for(self, params: dict[str, Any]) -> _Chat:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise _bad("chat not found")
        return self._chat(chat_id)

    def _stored_for_edit(self, params: dict[str, Any]) -> tuple[_Chat, _Message]:
        chat = self._chat_for(params)
        message_id = params.get("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        stored = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if stored is None:
            raise _ApiError(400, MESSAGE_TO_EDIT_NOT_FOUND)
        if not stored.from_bot:
            raise _bad("message can't be edited")
        return chat, stored

    @staticmethod
    def _text_param(params: dict[str, Any], name: str, limit: int) -> tuple[str, str]:
        raw = params.get(name)
        text = "" if raw is None else str(raw)
        rendered = _render(text, params.get("parse_mode"))
        if name == "text" and not rendered.strip():
            raise _bad("message text is empty")
        if _utf16_len(rendered) > limit:
            raise _bad("message is too long" if name == "text" else "message caption is too long")
        return text, rendered

    def _new_bot_message(
        self, chat: _Chat, params: dict[str, Any], content: JSONDict, raw_text: str | None
    ) -> JSONDict:
        markup_param = params.get("reply_markup")
        markup = _check_inline_markup(markup_param)
        if isinstance(markup_param, dict):
            if "keyboard" in markup_param:
                chat.reply_keyboard = markup_param
            elif markup_param.get("remove_keyboard"):
                chat.reply_keyboard = None
        message_id = chat.next_message_id
        chat.next_message_id += 1
        message: JSONDict = {
            "message_id": message_id,
            "from": self._bot_user(),
            "chat": chat.as_dict(),
            "date": int(time.time()),
            **content,
        }
        if markup is not None:
            message["reply_markup"] = markup
        chat.messages[message_id] = _Message(
            data=message,
            from_bot=True,
            raw_text=raw_text,
            markup=markup,
            touched=next(self._touch),
        )
        return message

    def _api_get_me(self, params: dict[str, Any]) -> JSONDict:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _api_log_out(self, params: dict[str, Any]) -> bool:
        return True

    def _api_close(self, params: dict[str, Any]) -> bool:
        return True

    def _api_delete_webhook(self, params: dict[str, Any]) -> bool:
        if params.get("drop_pending_updates") is True:
            self._pending.clear()
        return True

    def _api_get_webhook_info(self, params: dict[str, Any]) -> JSONDict:
        return {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }

    def _api_send_message(self, params: dict[str, Any]) -> JSONDict:
        chat = self._chat_for(params)
        text, rendered = self._text_param(params, "text", 4096)
        return self._new_bot_message(chat, params, {"text": rendered}, text)

    def _media_content(self, params: dict[str, Any], kind: str) -> JSONDict:
        value = params.get(kind)
        if value is None or value == "":
            raise _bad(f"there is no {kind} in the request")
        n = next(self._ids)
        if isinstance(value, Upload):
            name, size, mime = value.filename, value.size, value.content_type
        else:  # a file_id or URL
            name, size, mime = str(value).rsplit("/", 1)[-1], 1024, "application/octet-stream"
        if kind == "photo":
            return {
                "photo": [
                    {
                        "file_id": f"AgACAgIAAxkDAAFakeSentPhoto{n}_{w}",
                        "file_unique_id": f"AQADSentPhoto{n}_{w}",
                        "width": w,
                        "height": h,
                        "file_size": min(size, w * h),
                    }
                    for w, h in ((90, 68), (800, 600))
                ]
            }
        return {
            "document": {
                "file_id": f"BQACAgIAAxkDAAFakeSentDoc{n}",
                "file_unique_id": f"AgADSentDoc{n}",
                "file_name": name,
                "mime_type": mime,
                "file_size": size,
            }
        }

    def _send_media(self, params: dict[str, Any], kind: str) -> JSONDict:
        chat = self._chat_for(params)
        content = self._media_content(params, kind)
        caption: str | None = None
        if params.get("caption") is not None:
            caption, rendered = self._text_param(params, "caption", 1024)
            content["caption"] = rendered
        return self._new_bot_message(chat, params, content, caption)

    def _api_send_photo(self, params: dict[str, Any]) -> JSONDict:
        return self._send_media(params, "photo")

    def _api_send_document(self, params: dict[str, Any]) -> JSONDict:
        return self._send_media(params, "document")

    def _api_send_chat_action(self, params: dict[str, Any]) -> bool:
        self._chat_for(params)
        if not params.get("action"):
            raise _bad("action is empty")
        return True

    def _apply_edit(
        self, stored: _Message, params: dict[str, Any], field_name: str | None
    ) -> JSONDict | bool:
        """Apply an edit of text/caption (field_name) and/or markup, with Telegram's checks."""
        markup = _check_inline_markup(params.get("reply_markup"))
        raw_text = stored.raw_text
        rendered: str | None = None
        if field_name is not None:
            limit = 4096 if field_name == "text" else 1024
            raw_text, rendered = self._text_param(params, field_name, limit)
        if (raw_text or "") == (stored.raw_text or "") and markup == stored.markup:
            raise _ApiError(400, MESSAGE_NOT_MODIFIED)
        data = stored.data
        if field_name is not None and rendered is not None:
            if field_name == "caption" and not rendered:
                data.pop("caption", None)
            else:
                data[field_name] = rendered
        stored.raw_text = raw_text
        stored.markup = markup
        if markup is None:
            data.pop("reply_markup", None)
        else:
            data["reply_markup"] = markup
        data["edit_date"] = int(time.time())
        stored.touched = next(self._touch)
        return json.loads(json.dumps(data))  # type: ignore[no-any-return]

    def _api_edit_message_text(self, params: dict[str, Any]) -> JSONDict | bool:
        if params.get("inline_message_id") and params.get("chat_id") is None:
            return True
        _, stored = self._stored_for_edit(params)
        if "text" not in stored.data:
            raise _bad("there is no text in the message to edit")
        return self._apply_edit(stored, params, "text")

    def _api_edit_message_caption(self, params: dict[str, Any]) -> JSONDict | bool:
        if params.get("inline_message_id") and params.get("chat_id") is None:
            return True
        _, stored = self._stored_for_edit(params)
        if "text" in stored.data:
            raise _bad("there is no caption in the message to edit")
        return self._apply_edit(stored, params, "caption")

    def _api_edit_message_reply_markup(self, params: dict[str, Any]) -> JSONDict | bool:
        if params.get("inline_message_id") and params.get("chat_id") is None:
            return True
        _, stored = self._stored_for_edit(params)
        return self._apply_edit(stored, params, None)

    def _api_delete_message(self, params: dict[str, Any]) -> bool:
        chat = self._chat_for(params)
        message_id = params.get("message_id")
        if not isinstance(message_id, int) or chat.messages.pop(message_id, None) is None:
            raise _bad("message to delete not found")
        return True

    def _api_answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._open_queries:
            raise _ApiError(400, QUERY_TOO_OLD)
        self._open_queries.discard(query_id)
        text = params.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        return True

    def _api_set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad("can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_RE.match(
                str(command.get("command", ""))
            ):
                raise _bad("BOT_COMMAND_INVALID")
            description = str(command.get("description", ""))
            if not 1 <= len(description.strip()) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        if commands:
            self._commands[key] = [dict(c) for c in commands]
        else:
            self._commands.pop(key, None)
        return True

    def _api_get_my_commands(self, params: dict[str, Any]) -> list[JSONDict]:
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        return [dict(c) for c in self._commands.get(key, [])]

    def _api_delete_my_commands(self, params: dict[str, Any]) -> bool:
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        self._commands.pop(key, None)
        return True
