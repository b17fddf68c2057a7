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
import itertools
import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from aiohttp import web

from tests.fakes.telegram_methods import BotApiMethods
from tests.fakes.telegram_model import (
    BLOCKED,
    BOT_ID,
    BOT_USERNAME,
    CANONICAL,
    CHAT_METHODS,
    CONFLICT,
    DROP,
    FLOOD,
    HTML_ERRORS,
    MESSAGE_NOT_MODIFIED,
    OPT_IN_UPDATES,
    OUTAGE,
    OUTGOING,
    PATH_RE,
    SEND_METHODS,
    SENT_OR_EDITED,
    STALL,
    STATUS_TEXT,
    TEXT_METHODS,
    TOKEN,
    TOKEN_RE,
    ApiError,
    Call,
    ChatState,
    Fault,
    FaultMode,
    JSONDict,
    StoredMessage,
    Upload,
    decode_value,
    render_text,
    update_chat_id,
    update_kind,
    utf16_len,
)

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


class FakeBotApi(BotApiMethods):
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
        self._chats: dict[int, ChatState] = {}
        self._marks: dict[int, int] = {}
        self._blocked: set[int] = set()
        self._faults: dict[str, list[Fault]] = {}
        self._modes: list[FaultMode] = []
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
        name = CANONICAL.get(method.lower(), method)
        self._faults.setdefault(name, []).append(Fault(status, description, retry_after, count))

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
            CANONICAL.get(m.lower(), m) for m in methods)
        deadline = None if seconds is None else time.monotonic() + seconds
        self._modes.append(FaultMode(kind, names, deadline, calls, **options))

    def _mode_for(self, method: str) -> FaultMode | None:
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
        chat_id = update_chat_id(update)
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
            if call.ok and call.method in SENT_OR_EDITED and call.chat_id == chat_id
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
        name = CANONICAL.get(method.lower(), method)

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
                if call.ok and call.method in TEXT_METHODS and call.chat_id == chat_id:
                    text = call.text
                    with contextlib.suppress(ApiError):
                        text += "\0" + render_text(text, call.params.get("parse_mode"))
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

    @staticmethod
    def _latest_with_keyboard(chat: ChatState) -> StoredMessage | None:
        candidates = [m for m in chat.messages.values() if m.from_bot and m.markup is not None]
        return max(candidates, key=lambda m: m.touched) if candidates else None

    @staticmethod
    def _buttons_of(stored: StoredMessage) -> list[tuple[str, str]]:
        if stored.markup is None:
            return []
        result: list[tuple[str, str]] = []
        for row in stored.markup["inline_keyboard"]:
            for button in row:
                target = button.get("callback_data", button.get("url", ""))
                result.append((str(button.get("text", "")), str(target)))
        return result

    # ------------------------------------------------------------------ internals: HTTP

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        counted = False
        try:
            match = PATH_RE.match(request.path)
            if match is None:
                return self._error_response(404, "Not Found")
            token, raw_method = match.groups()
            if not TOKEN_RE.match(token):
                return self._error_response(401, "Unauthorized")
            method = CANONICAL.get(raw_method.lower(), raw_method)
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
        params: dict[str, Any] = {k: decode_value(k, v) for k, v in request.query.items()}
        if not request.body_exists:
            return params
        content_type = request.content_type
        if content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                for name, value in body.items():
                    params[name] = decode_value(name, value) if isinstance(value, str) else value
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
                params[name] = decode_value(name, text)
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
        self, mode: FaultMode, request: web.Request, method: str, params: dict[str, Any]
    ) -> web.StreamResponse | None:
        """Answer a call a lasting fault took, or not at all; None: answer it normally."""
        if mode.kind == FLOOD:
            description = f"Too Many Requests: retry after {mode.retry_after}"
            self._record(method, params, 429, description, None)
            return self._error_response(429, description, {"retry_after": mode.retry_after})
        if mode.kind == OUTAGE:
            status = mode.statuses[(mode.hits - 1) % len(mode.statuses)]
            text = STATUS_TEXT.get(status, "Server Error")
            self._record(method, params, status, text, None)
            if status not in HTML_ERRORS:
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

    def _take_fault(self, method: str) -> ApiError | None:
        faults = self._faults.get(method)
        if not faults:
            return None
        fault = faults[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            faults.pop(0)
        parameters = None if fault.retry_after is None else {"retry_after": fault.retry_after}
        return ApiError(fault.status, fault.description, parameters)

    def _dispatch(
        self, method: str, params: dict[str, Any], answered: bool = True
    ) -> tuple[int, JSONDict]:
        handler = self._handlers.get(method)
        try:
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            fault = self._take_fault(method)
            if fault is not None:
                raise fault
            if method in SEND_METHODS and self._flooded():
                raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
            if method in CHAT_METHODS and params.get("chat_id") in self._blocked:
                raise ApiError(403, BLOCKED)
            if method in CHAT_METHODS and self.refuses(params.get("chat_id")):
                raise ApiError(403, BLOCKED)
            result = handler(params)
        except ApiError as err:
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
            kind = update_kind(update)
            return kind in allowed if allowed else kind not in OPT_IN_UPDATES

        # Telegram never delivers updates of types that are not allowed: drop them.
        self._pending = [u for u in self._pending if wanted(u)]
        return self._pending[:limit]
