"""The fake Bot API's model: its constants, the calls it records, the chats and messages it
keeps, and the checks it makes of parameters (HTML, inline keyboards) as Telegram does."""

from __future__ import annotations

import asyncio
import html
import json
import re
from dataclasses import dataclass, field
from typing import Any, Final

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
WEBHOOK_CONFLICT: Final = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"
SECRET_RE: Final = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
WEBHOOK_PORTS: Final = frozenset({80, 88, 443, 8443})
LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})

TOKEN_RE: Final = re.compile(r"^\d+:[\w-]+$")
PATH_RE: Final = re.compile(r"^/bot([^/]*)/([^/]+)/?$")
FILE_PATH_RE: Final = re.compile(r"^/file/bot([^/]*)/(.+)$")


def file_bytes(file_path: str) -> bytes:
    """The content the fake serves for a file: a JPEG's first bytes, then the path."""
    return b"\xff\xd8\xff\xe0" + file_path.encode()
INT_RE: Final = re.compile(r"^-?\d+$")
COMMAND_RE: Final = re.compile(r"^[a-z0-9_]{1,32}$")

METHODS: Final = (
    "getMe",
    "logOut",
    "close",
    "getUpdates",
    "setWebhook",
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
    "leaveChat",
)
CANONICAL: Final = {name.lower(): name for name in METHODS}
SEND_METHODS: Final = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
SENT_OR_EDITED: Final = SEND_METHODS | {"editMessageText", "editMessageCaption"}
TEXT_METHODS: Final = frozenset({"sendMessage", "editMessageText"})
CHAT_METHODS: Final = SENT_OR_EDITED | {
    "sendChatAction",
    "editMessageReplyMarkup",
    "deleteMessage",
}
OUTGOING: Final = frozenset(METHODS) - {"getUpdates"}
"""Every method but getUpdates: what the bot calls to answer (for ``methods=`` of faults)."""
# Telegram's front end answers some 5xx with an nginx HTML page rather than JSON.
STATUS_TEXT: Final = {500: "Internal Server Error", 502: "Bad Gateway",
                       503: "Service Unavailable", 504: "Gateway Time-out"}
HTML_ERRORS: Final = frozenset({502, 503, 504})
# Form fields whose values are plain strings and must never be JSON/int-decoded.
STRING_FIELDS: Final = frozenset(
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
OPT_IN_UPDATES: Final = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
HTML_TAGS: Final = frozenset(
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
TAG_RE: Final = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)?([^<>]*)>|<")


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


class ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class Fault:
    status: int
    description: str
    retry_after: int | None
    remaining: int


FLOOD: Final = "429"
OUTAGE: Final = "5xx"
STALL: Final = "timeout"
DROP: Final = "drop"


@dataclass
class FaultMode:
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
class Webhook:
    """The webhook set by setWebhook."""

    url: str
    secret: str | None  # None: no secret_token, no header sent
    allowed_updates: list[str] | None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str = ""


@dataclass(frozen=True)
class WebhookDelivery:
    """One POST of an update to the webhook.

    ``attempt`` counts from 1 within one delivery (retries are 2, 3, ...; a :meth:`redeliver`
    starts again at 1). ``status`` is the HTTP status the bot answered, 0 when the connection
    failed or timed out (``error`` then says why). ``secret`` is the header sent (None: none).
    ``genuine`` is False for ``forge_webhook`` posts. ``dropped`` marks the last failed attempt
    after which the fake gave the update up.
    """

    update_id: int
    attempt: int
    status: int
    error: str = ""
    url: str = ""
    secret: str | None = None
    genuine: bool = True
    dropped: bool = False
    at: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether the bot answered 2xx."""
        return 200 <= self.status < 300


@dataclass
class StoredMessage:
    data: JSONDict  # the current Bot API Message object
    from_bot: bool
    raw_text: str | None = None  # text/caption as sent by the bot (before parse_mode)
    markup: JSONDict | None = None  # inline keyboard markup, if any
    touched: int = 0


@dataclass
class ChatState:
    id: int
    first_name: str = "An"
    next_message_id: int = 1
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    reply_keyboard: JSONDict | None = None

    def as_dict(self) -> JSONDict:
        if self.id < 0:
            return {"id": self.id, "type": "group", "title": f"Group {self.id}"}
        return {"id": self.id, "type": "private", "first_name": self.first_name}


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def decode_value(name: str, value: str) -> Any:
    """Decode one form value the way PTB encoded it (JSON for non-strings)."""
    if name in STRING_FIELDS:
        return value
    if INT_RE.match(value):
        return int(value)
    if value in ("true", "false"):
        return value == "true"
    if value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def check_html(text: str) -> str:
    """Validate Telegram-HTML roughly like Telegram does and return the rendered plain text."""
    stack: list[str] = []
    for match in TAG_RE.finditer(text):
        offset = len(text[: match.start()].encode())
        closing, tag = match.group(1), (match.group(2) or "").lower()
        if match.group(0) == "<" or not tag:
            raise bad_request("can't parse entities: Unsupported start tag \"\" at byte offset "
                              f"{offset}")
        if tag not in HTML_TAGS:
            kind = "end" if closing else "start"
            raise bad_request(
                f'can\'t parse entities: Unsupported {kind} tag "{tag}" at byte offset {offset}'
            )
        if not closing:
            stack.append(tag)
        elif not stack or stack[-1] != tag:
            raise bad_request(
                f"can't parse entities: Unmatched end tag at byte offset {offset}, expected "
                f'"</{stack[-1] if stack else ""}>", found "</{tag}>"'
            )
        else:
            stack.pop()
    if stack:
        raise bad_request(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\""
        )
    return html.unescape(TAG_RE.sub("", text))


def render_text(text: str, parse_mode: Any) -> str:
    if isinstance(parse_mode, str) and parse_mode.upper() == "HTML":
        return check_html(text)
    return text


def check_inline_markup(markup: Any) -> JSONDict | None:
    """Validate an inline keyboard; return it, or None if markup is not an inline keyboard."""
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be "
                          "an Object")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad_request("can't parse inline keyboard button: Text must be a String")
            if len(button) < 2:
                raise bad_request("text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
    return markup


def update_kind(update: JSONDict) -> str:
    return next((key for key in update if key != "update_id"), "")


def update_chat_id(update: JSONDict) -> int | None:
    body = update.get(update_kind(update))
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
