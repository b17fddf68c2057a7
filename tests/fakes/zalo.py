"""A fake Zalo Bot Platform API server for tests.

The bot's Zalo channel talks to it over HTTP on 127.0.0.1 exactly as it would talk to
``https://bot-api.zaloplatforms.com``: ``POST {api.base_url}/bot{token}/{method}`` with a JSON
body, answered ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": N,
"description": "..."}``::

    async with FakeZaloApi() as api:
        ...  # start the channel with base URL api.base_url and token ZALO_TOKEN
        message_id = api.send_text(USER, "Xin chào")  # queued for getUpdates, or POSTed to
        call = await api.wait_text(USER, "Chào")      # the webhook if one is set

What it fakes, after the platform's documentation:

* ``getMe``, ``sendMessage`` (text of 1-2000 characters), ``sendPhoto`` (a public photo URL,
  caption of at most 2000 characters), ``sendChatAction``, ``setWebhook`` (secret of 8-256
  characters), ``deleteWebhook``, ``getWebhookInfo``; a wrong token is answered 401, an unknown
  method 404.
* ``getUpdates {timeout}``: ONE update per call, no offset (an update is gone once returned);
  when nothing is queued it waits up to ``min(timeout, max_poll_wait)`` seconds and answers 408
  "Request timeout"; while a webhook is set it answers 400 "webhook is active".
* Webhook mode: injected updates are POSTed to the webhook URL with the header
  ``X-Bot-Api-Secret-Token``, wrapped ``{"ok": true, "result": update}`` (default) or bare,
  one delivery at a time in injection order; a delivery answered non-2xx or failing to connect
  is retried ``webhook_retries`` times, ``webhook_retry_delay`` seconds apart. Every attempt is
  recorded in ``api.deliveries``.
* Faults: 429 "Quota exceeded" without retry_after (:meth:`FakeZaloApi.quota_exceeded`, or the
  ``monthly_quota`` of successful sends), 5xx answers (:meth:`FakeZaloApi.outage`), dropped
  connections (:meth:`FakeZaloApi.drop`), any error (:meth:`FakeZaloApi.fail_next`), and an
  artificial ``latency``. Zalo documents no per-second send limit, so the fake has none.
* Every answer carries two ``Server`` headers, as Zalo's edge sends (see SERVER_HEADERS).

Where the platform's answer is not documented the fake chooses one and says so (marked
"fake's choice" below); the channel should not depend on those details.
It is not thread-safe: inject updates from the event loop the server runs in.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hashlib
import itertools
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final, Literal

import aiohttp
from aiohttp import web

__all__ = [
    "EVENT_IMAGE",
    "EVENT_STICKER",
    "EVENT_TEXT",
    "EVENT_UNSUPPORTED",
    "EVENT_VOICE",
    "QUOTA_EXCEEDED",
    "REQUEST_TIMEOUT",
    "SECRET_HEADER",
    "SEND_METHODS",
    "SERVER_HEADERS",
    "TEXT_LIMIT",
    "TEXT_TOO_LONG",
    "UNAUTHORIZED",
    "WEBHOOK_ACTIVE",
    "ZALO_BOT_ID",
    "ZALO_BOT_NAME",
    "ZALO_TOKEN",
    "FakeZaloApi",
    "Shape",
    "WebhookDelivery",
    "ZaloCall",
    "now_ms",
    "zalo_id",
]

_LOGGER = logging.getLogger(__name__)

JSONDict = dict[str, Any]
Shape = Literal["wrapped", "bare"]
"""The body of a webhook delivery: ``{"ok": true, "result": update}`` or the bare update."""

ZALO_TOKEN: Final = "1234567890:" + "AbCdEfGhIj" + "kLmNoPqRsT" + "uVwXyZ0123" + "45_-x"
"""The token the fake accepts by default: digits, a colon and 35 URL-safe characters."""
ZALO_BOT_ID: Final = "5e1f0c3a9b7d2468"
ZALO_BOT_NAME: Final = "bot.Cnscd"
SECRET_HEADER: Final = "X-Bot-Api-Secret-Token"
TEXT_LIMIT: Final = 2000
"""The most characters of a sendMessage text or a sendPhoto caption."""

EVENT_TEXT: Final = "message.text.received"
EVENT_IMAGE: Final = "message.image.received"
EVENT_STICKER: Final = "message.sticker.received"
EVENT_VOICE: Final = "message.voice.received"
EVENT_UNSUPPORTED: Final = "message.unsupported.received"

UNAUTHORIZED: Final = "Unauthorized"
NOT_FOUND: Final = "Not Found"
QUOTA_EXCEEDED: Final = "Quota exceeded"
REQUEST_TIMEOUT: Final = "Request timeout"
WEBHOOK_ACTIVE: Final = "webhook is active"
TEXT_TOO_LONG: Final = "text is too long"
TEXT_EMPTY: Final = "text is empty"  # fake's choice of words
STATUS_TEXT: Final = {500: "Internal Server Error", 502: "Bad Gateway",
                      503: "Service Unavailable", 504: "Gateway Timeout"}

# Clearly fake values: Zalo's edge sends two Server headers, their exact values do not matter.
# aiohttp clients accept a duplicate Server header in a response (their response parser is lax;
# only the strict request parser rejects duplicate singleton headers): checked with aiohttp
# 3.14.5, the version in this venv; the brief's floor is aiohttp >= 3.13.5.
SERVER_HEADERS: Final = ("fake-zalo-edge", "fake-zalo-bot-api")

METHODS: Final = (
    "getMe",
    "getUpdates",
    "sendMessage",
    "sendPhoto",
    "sendChatAction",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
)
SEND_METHODS: Final = frozenset({"sendMessage", "sendPhoto"})
"""The methods that send a message: they count against the quota and for :meth:`sent_to`."""

PATH_RE: Final = re.compile(r"^/bot([^/]*)/([^/]+)/?$")
URL_RE: Final = re.compile(r"^https?://[^\s/]+\S*$")
_DROP: Final = "drop"
_ERROR: Final = "error"


def now_ms() -> int:
    """The current time in epoch milliseconds, as Zalo dates are."""
    return int(time.time() * 1000)


def _message_id(update: JSONDict) -> str:
    message = update.get("message")
    return str(message.get("message_id", "")) if isinstance(message, dict) else ""


def zalo_id(seed: object) -> str:
    """An opaque, stable, 16-hex-character id for ``seed`` (with a letter, never all digits)."""
    digest = hashlib.sha256(f"zalo:{seed}".encode()).hexdigest()[:16]
    return digest if not digest.isdigit() else "f" + digest[1:]


@dataclass(frozen=True)
class ZaloCall:
    """One request the fake received.

    ``method`` is the method name of the path ("" when the path was not /bot<token>/<method>),
    ``body`` the decoded JSON body (``{}`` if none), ``status`` the HTTP status answered (0 when
    the connection was dropped without an answer), ``description`` the error description,
    ``result`` the ``result`` of a successful answer (the update for getUpdates).
    ``answered`` is False when the client never got an answer (a dropped connection).
    """

    method: str
    body: JSONDict
    at: float
    status: int = 200
    description: str = ""
    result: Any = None
    answered: bool = True
    http_method: str = "POST"

    @property
    def ok(self) -> bool:
        """Whether the fake answered this call successfully."""
        return self.status == 200

    @property
    def chat_id(self) -> Any:
        """The ``chat_id`` of the body, if any."""
        return self.body.get("chat_id")

    @property
    def text(self) -> str:
        """The ``text`` (or ``caption``) of the body, or ``""``."""
        value = self.body.get("text", self.body.get("caption", ""))
        return value if isinstance(value, str) else str(value)


@dataclass(frozen=True)
class WebhookDelivery:
    """One POST of an update to the webhook.

    ``status`` is the HTTP status the bot answered, 0 when the connection failed or timed out
    (``error`` then says why). ``attempt`` counts from 1 within one delivery (retries are
    attempts 2, 3, ...). ``secret`` is the secret header sent (None: none). ``genuine`` is False
    for :meth:`FakeZaloApi.forge_delivery` posts.
    """

    message_id: str
    event_name: str
    url: str
    attempt: int
    status: int
    shape: Shape
    secret: str | None
    genuine: bool = True
    error: str = ""
    at: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether the bot answered 2xx."""
        return 200 <= self.status < 300


class ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


@dataclass
class _Fault:
    kind: str  # _ERROR or _DROP
    remaining: int
    methods: frozenset[str] | None  # None: every method, getUpdates included
    status: int = 0
    description: str = ""
    applied: bool = False


class FakeZaloApi:
    """An in-process fake of the Zalo Bot Platform API (see the module docstring)."""

    def __init__(
        self,
        token: str = ZALO_TOKEN,
        *,
        latency: float = 0.0,
        max_poll_wait: float = 1.0,
        monthly_quota: int | None = None,
        webhook_retries: int = 3,
        webhook_retry_delay: float = 0.05,
        webhook_timeout: float = 5.0,
        webhook_shape: Shape = "wrapped",
        duplicate_server_header: bool = True,
    ) -> None:
        """``max_poll_wait``: the longest a getUpdates waits, whatever its timeout.
        ``monthly_quota``: successful sends (``quota_used``) before every send is answered 429.
        ``webhook_retries``: further attempts after a failed delivery; ``webhook_timeout``: how
        long a delivery waits for the bot's answer. ``webhook_shape``: the default body shape.
        """
        self.token = token
        self.latency = latency
        self.max_poll_wait = max_poll_wait
        self.monthly_quota = monthly_quota
        self.quota_used = 0
        self.webhook_retries = webhook_retries
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_timeout = webhook_timeout
        self.webhook_shape: Shape = webhook_shape
        self.duplicate_server_header = duplicate_server_header
        self.calls: list[ZaloCall] = []
        self.deliveries: list[WebhookDelivery] = []
        self.fetched: collections.Counter[str] = collections.Counter()
        self.updates: dict[str, JSONDict] = {}
        self.server_errors: list[str] = []
        self.fault_hits: collections.Counter[str] = collections.Counter()
        self._webhook_url = ""
        self._webhook_secret = ""
        self._webhook_updated_at = now_ms()
        self._pending: list[JSONDict] = []
        self._faults: list[_Fault] = []
        self._quota_next = 0
        self._marks: dict[str, int] = {}
        self._ids = itertools.count(1)
        self._changed = asyncio.Event()
        self._in_flight = 0
        self._delivering: collections.Counter[str] = collections.Counter()
        self._delivery_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._last_activity = 0.0
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._port = 0
        self._handlers: dict[str, Callable[[JSONDict], Any]] = {
            "getMe": self._api_get_me,
            "sendMessage": self._api_send_message,
            "sendPhoto": self._api_send_photo,
            "sendChatAction": self._api_send_chat_action,
            "setWebhook": self._api_set_webhook,
            "deleteWebhook": self._api_delete_webhook,
            "getWebhookInfo": self._api_get_webhook_info,
        }

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Start serving on 127.0.0.1 on a free port."""
        if self._runner is not None:
            return
        self._closing = False
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        app.on_response_prepare.append(self._server_headers)
        runner = web.AppRunner(
            app, handle_signals=False, access_log=None, handler_cancellation=True,
            shutdown_timeout=2.0,
        )
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        self._session = aiohttp.ClientSession()

    async def stop(self) -> None:
        """Stop the server: end pending polls (answered 408) and webhook deliveries."""
        self._closing = True
        self._faults.clear()
        self._notify()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        session, self._session = self._session, None
        if session is not None:
            await session.close()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> FakeZaloApi:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        if self._runner is None:
            raise RuntimeError("FakeZaloApi is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``, the counterpart of ``https://bot-api.zaloplatforms.com``:
        methods are at ``{base_url}/bot{token}/{method}``."""
        return f"http://127.0.0.1:{self.port}"

    def method_url(self, method: str, token: str | None = None) -> str:
        """The URL of ``method`` with ``token`` (default: the accepted token)."""
        return f"{self.base_url}/bot{self.token if token is None else token}/{method}"

    @property
    def webhook_url(self) -> str:
        """The webhook URL set by setWebhook ("" when none)."""
        return self._webhook_url

    @property
    def webhook_secret(self) -> str:
        """The secret_token set by setWebhook ("" when none)."""
        return self._webhook_secret

    # ------------------------------------------------------------------ simulated users

    def send_text(
        self, user_id: str, text: str, display_name: str = "Lan", *, shape: Shape | None = None
    ) -> str:
        """A text message from ``user_id`` in its private chat; return its message_id."""
        return self.send_event(user_id, EVENT_TEXT, {"text": text}, display_name, shape=shape)

    def send_image(
        self,
        user_id: str,
        photo_url: str = "https://example.com/zalo/photo.jpg",
        caption: str | None = None,
        display_name: str = "Lan",
        *,
        shape: Shape | None = None,
    ) -> str:
        """An image (optionally captioned) from ``user_id``; return its message_id."""
        content: JSONDict = {"photo_url": photo_url}
        if caption is not None:
            content["caption"] = caption
        return self.send_event(user_id, EVENT_IMAGE, content, display_name, shape=shape)

    def send_sticker(
        self,
        user_id: str,
        sticker: str | None = None,
        display_name: str = "Lan",
        *,
        shape: Shape | None = None,
    ) -> str:
        """A sticker from ``user_id``; return its message_id."""
        sticker_id = sticker or zalo_id(f"sticker{next(self._ids)}")
        content = {"sticker": sticker_id, "url": f"https://example.com/zalo/{sticker_id}.png"}
        return self.send_event(user_id, EVENT_STICKER, content, display_name, shape=shape)

    def send_unsupported(
        self, user_id: str, display_name: str = "Lan", *, shape: Shape | None = None
    ) -> str:
        """A message of a kind bots do not receive (message.unsupported.received)."""
        return self.send_event(user_id, EVENT_UNSUPPORTED, {}, display_name, shape=shape)

    def send_event(
        self,
        user_id: str,
        event_name: str,
        content: JSONDict,
        display_name: str = "Lan",
        *,
        shape: Shape | None = None,
    ) -> str:
        """A message event of any name (e.g. EVENT_VOICE) from ``user_id`` in its private
        chat, ``content`` added to the message; return its message_id."""
        message_id = zalo_id(f"message{next(self._ids)}")
        message: JSONDict = {
            "message_id": message_id,
            "date": now_ms(),
            "chat": {"id": user_id, "chat_type": "PRIVATE"},
            "from": {"id": user_id, "display_name": display_name, "is_bot": False},
            **content,
        }
        return self.queue_update({"event_name": event_name, "message": message}, shape=shape)

    def queue_update(self, update: JSONDict, *, shape: Shape | None = None) -> str:
        """Queue a raw update for getUpdates, or deliver it to the webhook if one is set (in a
        task of the running loop); return its message_id ("" if it has none)."""
        update = json.loads(json.dumps(update))
        message = update.get("message")
        message_id = _message_id(update)
        if isinstance(message, dict):
            chat = message.get("chat")
            if isinstance(chat, dict) and chat.get("id") is not None:
                self._marks[str(chat["id"])] = len(self.calls)
        if message_id:
            self.updates[message_id] = update
        self._hand_over(update, shape)
        return message_id

    def redeliver(self, message_id: str, *, shape: Shape | None = None) -> None:
        """Hand an already injected update over again, as after a crash of the bot: deliver it
        to the webhook again, or queue it again for getUpdates."""
        self._hand_over(self.updates[message_id], shape)

    async def forge_delivery(
        self,
        message_id: str | None = None,
        *,
        secret: str | None = "wrong-secret",
        shape: Shape | None = None,
        url: str | None = None,
    ) -> WebhookDelivery:
        """POST an update to the webhook (or ``url``) once, with this secret header (None: no
        header), without retries; return the recorded delivery (genuine False).

        The update is the injected one of ``message_id``, else a new text from a stranger that
        is not queued anywhere.
        """
        target = url or self._webhook_url
        if not target:
            raise RuntimeError("forge_delivery: no webhook is set and no url given")
        if message_id is None:
            stranger = zalo_id(f"stranger{next(self._ids)}")
            update: JSONDict = {
                "event_name": EVENT_TEXT,
                "message": {
                    "message_id": zalo_id(f"forged{next(self._ids)}"),
                    "date": now_ms(),
                    "chat": {"id": stranger, "chat_type": "PRIVATE"},
                    "from": {"id": stranger, "display_name": "Mallory", "is_bot": False},
                    "text": "forged",
                },
            }
        else:
            update = self.updates[message_id]
        return await self._post_once(
            update, target, secret, shape or self.webhook_shape, attempt=1, genuine=False
        )

    # ------------------------------------------------------------------ fault injection

    def quota_exceeded(self, sends: int = 1) -> None:
        """Answer the next ``sends`` sendMessage/sendPhoto calls 429 "Quota exceeded"."""
        self._quota_next += sends

    def outage(
        self, calls: int = 1, status: int = 500, *, methods: Iterable[str] | None = None
    ) -> None:
        """Answer the next ``calls`` calls (of ``methods``; default every method, getUpdates
        included) with this 5xx status and a JSON error body."""
        description = STATUS_TEXT.get(status, "Server Error")
        self._add_fault(_ERROR, calls, methods, status=status, description=description)

    def drop(
        self, calls: int = 1, *, methods: Iterable[str] | None = None, applied: bool = False
    ) -> None:
        """Close the connection of the next ``calls`` calls without an answer. With
        ``applied`` the call takes effect first (a message is sent, its answer lost)."""
        self._add_fault(_DROP, calls, methods, applied=applied)

    def fail_next(self, method: str, status: int, description: str, count: int = 1) -> None:
        """Answer the next ``count`` calls of ``method`` with this error."""
        self._add_fault(_ERROR, count, [method], status=status, description=description)

    def end_faults(self) -> None:
        """Forget every injected fault that has not happened yet (the monthly quota stays)."""
        self._faults.clear()
        self._quota_next = 0

    def _add_fault(
        self, kind: str, count: int, methods: Iterable[str] | None, **options: Any
    ) -> None:
        names = None if methods is None else frozenset(methods)
        self._faults.append(_Fault(kind, count, names, **options))

    def _take_fault(self, method: str) -> _Fault | None:
        for fault in self._faults:
            if fault.remaining > 0 and (fault.methods is None or method in fault.methods):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                self.fault_hits[fault.kind if fault.kind == _DROP else str(fault.status)] += 1
                return fault
        return None

    # ------------------------------------------------------------------ inspection

    @property
    def counts(self) -> collections.Counter[str]:
        """How many requests of each method were received (failed ones included)."""
        return collections.Counter(call.method for call in self.calls)

    @property
    def pending(self) -> list[JSONDict]:
        """Updates queued for getUpdates, not yet returned."""
        return list(self._pending)

    def sent_to(self, chat_id: str) -> list[ZaloCall]:
        """Successful sendMessage/sendPhoto calls to the chat, in order."""
        return [c for c in self.calls if c.ok and c.method in SEND_METHODS and c.chat_id == chat_id]

    def texts_to(self, chat_id: str) -> list[str]:
        """Texts (captions for photos) of :meth:`sent_to` calls, in order."""
        return [call.text for call in self.sent_to(chat_id)]

    def deliveries_of(self, message_id: str) -> list[WebhookDelivery]:
        """Webhook delivery attempts of the update with this message_id, in order."""
        return [d for d in self.deliveries if d.message_id == message_id]

    def describe(self, last: int = 8) -> str:
        """A human-readable summary of recent calls and state, for assertion messages."""
        calls = [c for c in self.calls if c.method != "getUpdates"][-last:]
        lines = [f"last {len(calls)} non-getUpdates calls:"]
        for call in calls:
            text = call.text.replace("\n", "\\n")
            status = "ok" if call.ok else f"{call.status} {call.description}"
            lines.append(f"  {call.method} chat={call.chat_id} [{status}] {text[:100]!r}")
        lines.append(f"queued updates: {len(self._pending)}; webhook: {self._webhook_url!r}")
        lines.append(f"getUpdates calls: {self.counts['getUpdates']}")
        for delivery in self.deliveries[-last:]:
            lines.append(f"  delivery {delivery.message_id} #{delivery.attempt}: "
                         f"{delivery.status} {delivery.error}")
        if self.server_errors:
            lines.append(f"SERVER ERRORS: {self.server_errors}")
        return "\n".join(lines)

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
        chat_id: str | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[ZaloCall]:
        """Wait until at least ``count`` calls of ``method`` (to ``chat_id``) were received."""

        def matching() -> list[ZaloCall]:
            return [c for c in self.calls
                    if c.method == method and (chat_id is None or c.chat_id == chat_id)]

        await self.wait_for(lambda: len(matching()) >= count, timeout,
                            f"{count} {method} call(s)" + (f" to {chat_id}" if chat_id else ""))
        return matching()

    async def wait_text(
        self,
        chat_id: str,
        contains: str,
        timeout: float = 10.0,  # noqa: ASYNC109
        *,
        since: int | None = None,
    ) -> ZaloCall:
        """Wait for a successful sendMessage (or sendPhoto caption) to the chat containing
        ``contains``, made after the latest update injected for that chat (or after index
        ``since`` into ``calls``)."""
        start = self._marks.get(chat_id, 0) if since is None else since
        found: list[ZaloCall] = []

        def seen() -> bool:
            for call in self.calls[start:]:
                sent = call.ok and call.method in SEND_METHODS and call.chat_id == chat_id
                if sent and contains in call.text:
                    found.append(call)
                    return True
            return False

        await self.wait_for(seen, timeout, f"a text containing {contains!r} to {chat_id}")
        return found[0]

    async def wait_delivered(
        self, message_id: str, timeout: float = 10.0  # noqa: ASYNC109
    ) -> list[WebhookDelivery]:
        """Wait until the webhook deliveries of this update are over (succeeded or given up)
        and return their attempts."""
        await self.wait_for(
            lambda: bool(self.deliveries_of(message_id)) and not self._delivering[message_id],
            timeout, f"the webhook delivery of {message_id}",
        )
        return self.deliveries_of(message_id)

    async def wait_idle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until no update is queued or being delivered, no call (but getUpdates) is being
        answered, and none arrived for ``quiet`` seconds."""

        def idle() -> bool:
            return (
                not self._pending
                and self._in_flight == 0
                and not any(self._delivering.values())
                and time.monotonic() - self._last_activity >= quiet
            )

        await self.wait_for(idle, timeout, f"the bot to be idle for {quiet}s")

    # ------------------------------------------------------------------ internals: HTTP

    async def _server_headers(self, request: web.Request, response: web.StreamResponse) -> None:
        response.headers.popall("Server", None)
        values = SERVER_HEADERS if self.duplicate_server_header else SERVER_HEADERS[:1]
        for value in values:
            response.headers.add("Server", value)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        counted = False
        method = ""
        body: JSONDict = {}
        try:
            match = PATH_RE.match(request.path)
            if match is not None:
                method = match.group(2)
            if method != "getUpdates":
                counted = True
                self._in_flight += 1
                self._last_activity = time.monotonic()
            try:
                body = await self._read_body(request)
            except ApiError as err:
                return self._answer_error(request, method, body, err)
            if match is None:
                return self._answer_error(request, method, body, ApiError(404, NOT_FOUND))
            if match.group(1) != self.token:
                return self._answer_error(request, method, body, ApiError(401, UNAUTHORIZED))
            if method != "getUpdates" and method not in self._handlers:
                return self._answer_error(request, method, body, ApiError(404, NOT_FOUND))
            fault = self._take_fault(method)
            if fault is not None and fault.kind == _DROP:
                if fault.applied and method != "getUpdates":
                    self._dispatch(request, method, body, answered=False)
                else:
                    self._record(request, method, body, 0, "no answer: connection dropped",
                                 answered=False)
                return await self._hang_up(request)
            if fault is not None:
                return self._answer_error(
                    request, method, body, ApiError(fault.status, fault.description))
            if method == "getUpdates":
                return await self._get_updates(request, body)
            status, payload = self._dispatch(request, method, body)
            if self.latency > 0:
                await asyncio.sleep(self.latency)
            return web.json_response(payload, status=status)
        except Exception as exc:
            _LOGGER.exception("FakeZaloApi internal error")
            self.server_errors.append(f"{request.path}: {exc!r}")
            return self._error_response(500, f"Internal Server Error: {exc!r}")
        finally:
            if counted:
                self._in_flight -= 1
                self._last_activity = time.monotonic()

    @staticmethod
    async def _read_body(request: web.Request) -> JSONDict:
        """The JSON object of the body ({} if none). Anything else is answered 400 (fake's
        choice of words: the platform documents JSON bodies only)."""
        raw = await request.read()
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise ApiError(400, "Bad Request: body is not JSON") from exc
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: body is not a JSON object")
        return body

    @staticmethod
    def _error_response(status: int, description: str) -> web.Response:
        payload = {"ok": False, "error_code": status, "description": description}
        return web.json_response(payload, status=status)

    def _answer_error(
        self, request: web.Request, method: str, body: JSONDict, err: ApiError
    ) -> web.Response:
        self._record(request, method, body, err.status, err.description)
        return self._error_response(err.status, err.description)

    def _record(
        self,
        request: web.Request,
        method: str,
        body: JSONDict,
        status: int,
        description: str = "",
        result: Any = None,
        answered: bool = True,
    ) -> None:
        self.calls.append(ZaloCall(method, body, time.monotonic(), status, description, result,
                                   answered, request.method))

    def _dispatch(
        self, request: web.Request, method: str, body: JSONDict, answered: bool = True
    ) -> tuple[int, JSONDict]:
        try:
            if method in SEND_METHODS and self._over_quota():
                raise ApiError(429, QUOTA_EXCEEDED)
            result = self._handlers[method](body)
        except ApiError as err:
            self._record(request, method, body, err.status, err.description, answered=answered)
            return err.status, {"ok": False, "error_code": err.status,
                                "description": err.description}
        if method in SEND_METHODS:
            self.quota_used += 1
        self._record(request, method, body, 200, "", result, answered)
        return 200, {"ok": True, "result": result}

    def _over_quota(self) -> bool:
        if self._quota_next > 0:
            self._quota_next -= 1
            self.fault_hits["quota"] += 1
            return True
        return self.monthly_quota is not None and self.quota_used >= self.monthly_quota

    @staticmethod
    async def _hang_up(request: web.Request) -> web.StreamResponse:
        """Close the connection without an answer (the client sees it reset)."""
        if request.transport is not None:
            request.transport.abort()
        await asyncio.sleep(1.0)  # aiohttp cancels this handler once it sees the connection go
        return web.Response(status=502)  # reaches nobody

    async def _get_updates(self, request: web.Request, body: JSONDict) -> web.Response:
        if self._webhook_url:
            return self._answer_error(request, "getUpdates", body,
                                      ApiError(400, WEBHOOK_ACTIVE))
        timeout = body.get("timeout", 30)
        try:
            wanted = float(timeout)
        except (TypeError, ValueError):
            wanted = 0.0
        deadline = time.monotonic() + max(0.0, min(wanted, self.max_poll_wait))
        while True:
            if self._pending and not self._closing:
                update = self._pending.pop(0)
                self.fetched[_message_id(update)] += 1
                self._last_activity = time.monotonic()
                self._record(request, "getUpdates", body, 200, "", update)
                return web.json_response({"ok": True, "result": update})
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._closing:
                return self._answer_error(request, "getUpdates", body,
                                          ApiError(408, REQUEST_TIMEOUT))
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # ------------------------------------------------------------------ internals: methods

    @staticmethod
    def _chat_id(body: JSONDict) -> str:
        chat_id = body.get("chat_id")
        if not isinstance(chat_id, str) or not chat_id:
            raise ApiError(400, "chat_id is invalid")  # fake's choice of words
        return chat_id

    def _sent(self) -> JSONDict:
        return {"message_id": zalo_id(f"sent{next(self._ids)}"), "date": now_ms()}

    def _api_get_me(self, body: JSONDict) -> JSONDict:
        return {"id": ZALO_BOT_ID, "account_name": ZALO_BOT_NAME, "account_type": "BASIC",
                "can_join_groups": False}

    def _api_send_message(self, body: JSONDict) -> JSONDict:
        self._chat_id(body)
        text = body.get("text")
        if not isinstance(text, str) or not text:
            raise ApiError(400, TEXT_EMPTY)
        if len(text) > TEXT_LIMIT:
            raise ApiError(400, TEXT_TOO_LONG)
        return self._sent()

    def _api_send_photo(self, body: JSONDict) -> JSONDict:
        self._chat_id(body)
        photo = body.get("photo")
        if not isinstance(photo, str) or not URL_RE.match(photo):
            raise ApiError(400, "photo is invalid")  # fake's choice of words
        caption = body.get("caption")
        if caption is not None and (not isinstance(caption, str) or len(caption) > TEXT_LIMIT):
            raise ApiError(400, "caption is too long")  # fake's choice of words
        return self._sent()

    def _api_send_chat_action(self, body: JSONDict) -> bool:
        self._chat_id(body)
        action = body.get("action")
        if not isinstance(action, str) or not action:
            raise ApiError(400, "action is invalid")  # fake's choice of words
        return True  # fake's choice of result

    def _api_set_webhook(self, body: JSONDict) -> JSONDict:
        url, secret = body.get("url"), body.get("secret_token")
        if not isinstance(url, str) or not URL_RE.match(url):
            raise ApiError(400, "url is invalid")  # fake's choice of words
        if not isinstance(secret, str) or not 8 <= len(secret) <= 256:
            raise ApiError(400, "secret_token is invalid")  # fake's choice of words
        self._webhook_url, self._webhook_secret = url, secret
        self._webhook_updated_at = now_ms()
        return self._api_get_webhook_info(body)  # fake's choice of result

    def _api_delete_webhook(self, body: JSONDict) -> JSONDict:
        self._webhook_url, self._webhook_secret = "", ""
        self._webhook_updated_at = now_ms()
        return self._api_get_webhook_info(body)  # fake's choice of result

    def _api_get_webhook_info(self, body: JSONDict) -> JSONDict:
        return {"url": self._webhook_url, "updated_at": self._webhook_updated_at}

    # ------------------------------------------------------------------ internals: webhook

    def _hand_over(self, update: JSONDict, shape: Shape | None) -> None:
        self._last_activity = time.monotonic()
        if not self._webhook_url:
            self._pending.append(update)
            self._notify()
            return
        message_id = _message_id(update)
        self._delivering[message_id] += 1
        task = asyncio.get_running_loop().create_task(
            self._deliver(update, message_id, self._webhook_url, self._webhook_secret,
                          shape or self.webhook_shape)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(
        self, update: JSONDict, message_id: str, url: str, secret: str, shape: Shape
    ) -> None:
        try:
            async with self._delivery_lock:  # one at a time, in injection order (FIFO lock)
                for attempt in range(1, self.webhook_retries + 2):
                    delivery = await self._post_once(update, url, secret, shape, attempt)
                    if delivery.ok or attempt > self.webhook_retries:
                        break
                    await asyncio.sleep(self.webhook_retry_delay)
        finally:
            self._delivering[message_id] -= 1
            self._last_activity = time.monotonic()

    async def _post_once(
        self,
        update: JSONDict,
        url: str,
        secret: str | None,
        shape: Shape,
        attempt: int,
        genuine: bool = True,
    ) -> WebhookDelivery:
        if self._session is None:
            raise RuntimeError("FakeZaloApi is not started")
        body = {"ok": True, "result": update} if shape == "wrapped" else update
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        status, error = 0, ""
        try:
            async with self._session.post(
                url, data=json.dumps(body, ensure_ascii=False).encode(), headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.webhook_timeout),
            ) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = repr(exc)
        delivery = WebhookDelivery(
            message_id=_message_id(update),
            event_name=str(update.get("event_name", "")),
            url=url,
            attempt=attempt,
            status=status,
            shape=shape,
            secret=secret,
            genuine=genuine,
            error=error,
            at=time.monotonic(),
        )
        self.deliveries.append(delivery)
        self._last_activity = time.monotonic()
        return delivery
