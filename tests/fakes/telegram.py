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

Webhook mode: once the bot called ``setWebhook``, getUpdates answers 409 Conflict and every
injected update is POSTed to the webhook URL as the Update JSON with the
``X-Telegram-Bot-Api-Secret-Token`` header, one at a time in update_id order; a failed POST
(non-2xx, connection error, timeout) is retried ``webhook_retries`` times, then the update is
dropped. ``deleteWebhook`` brings polling back (undelivered updates are kept for getUpdates).
Every POST is recorded in ``api.webhook_deliveries``.
It is not thread-safe: inject updates from the event loop the server runs in.

This module holds the server core (lifecycle, HTTP handling, dispatch, getUpdates); the Bot API
methods are in telegram_methods, fault injection in telegram_faults, simulated users in
telegram_users, inspection and waiting helpers in telegram_inspection, and constants and data
classes in telegram_model.
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
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.telegram_faults import FaultInjection
from tests.fakes.telegram_model import (
    BLOCKED,
    BOT_ID,
    BOT_USERNAME,
    CANONICAL,
    CHAT_METHODS,
    CONFLICT,
    FILE_PATH_RE,
    MESSAGE_NOT_MODIFIED,
    OPT_IN_UPDATES,
    OUTGOING,
    PATH_RE,
    SECRET_HEADER,
    SEND_METHODS,
    TOKEN,
    TOKEN_RE,
    WEBHOOK_CONFLICT,
    ApiError,
    Call,
    ChatState,
    Fault,
    FaultMode,
    JSONDict,
    Upload,
    Webhook,
    WebhookDelivery,
    decode_value,
    file_bytes,
    update_kind,
)
from tests.fakes.telegram_users import UserActions

__all__ = [
    "BOT_ID",
    "BOT_USERNAME",
    "MESSAGE_NOT_MODIFIED",
    "OUTGOING",
    "SECRET_HEADER",
    "TOKEN",
    "WEBHOOK_CONFLICT",
    "Call",
    "FakeBotApi",
    "Upload",
    "WebhookDelivery",
]

_LOGGER = logging.getLogger(__name__)


class FakeBotApi(FaultInjection, UserActions):
    """An in-process fake Telegram Bot API server (see the module docstring)."""

    def __init__(
        self,
        latency: float = 0.0,
        send_rate_limit: int | None = None,
        forbidden_share: float = 0.0,
        *,
        webhook_retries: int = 3,
        webhook_retry_delay: float = 0.05,
        webhook_timeout: float = 5.0,
    ) -> None:
        """``send_rate_limit``: answer 429 (retry_after 1) to a send when that many were accepted
        in the last second, as Telegram's flood control does. ``forbidden_share``: the share of
        private chats (chosen by a hash of their id, see :meth:`refuses`) answered 403.
        ``webhook_retries``: how many times a failed webhook POST is retried (after
        ``webhook_retry_delay`` s) before the update is dropped; ``webhook_timeout``: how long
        a POST may take before it counts as failed."""
        self.latency = latency
        self.send_rate_limit = send_rate_limit
        self.forbidden_share = forbidden_share
        self.webhook_retries = webhook_retries
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_timeout = webhook_timeout
        self._recent_sends: collections.deque[float] = collections.deque()
        self.calls: list[Call] = []
        self.server_errors: list[str] = []
        self.downloads: list[str] = []  # file paths downloaded (after getFile), in order
        self.deliveries: dict[int, int] = {}
        """How many times each update_id was handed to the bot: in a getUpdates answer or by a
        (genuine) webhook POST attempt."""
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.dropped_updates: list[int] = []
        """update_ids the webhook delivery gave up (every attempt failed)."""
        self._webhook: Webhook | None = None
        self._updates: dict[int, JSONDict] = {}
        self._session: aiohttp.ClientSession | None = None
        self._pump: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._posting = 0
        self._ok_description = ""
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
            "getFile": self._api_get_file,
            "logOut": self._api_log_out,
            "close": self._api_close,
            "setWebhook": self._api_set_webhook,
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
        self._session = aiohttp.ClientSession()

    async def stop(self) -> None:
        """Stop the server, ending pending long polls, lasting faults and webhook POSTs."""
        self._closing = True
        self.end_faults()
        self._notify()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._pump = None
        session, self._session = self._session, None
        if session is not None:
            await session.close()
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

    # ------------------------------------------------------------------ webhook

    @property
    def webhook_url(self) -> str:
        """The URL set by setWebhook ("" in polling mode)."""
        return "" if self._webhook is None else self._webhook.url

    @property
    def webhook_secret(self) -> str | None:
        """The secret_token set by setWebhook (None: none, or polling mode)."""
        return None if self._webhook is None else self._webhook.secret

    def redeliver(self, update_id: int) -> None:
        """POST an injected update to the webhook again (queued after the updates waiting,
        with retries), as Telegram does when the bot crashed before answering 200."""
        if self._webhook is None:
            raise RuntimeError("redeliver: no webhook is set")
        self._pending.append(self._updates[update_id])
        self._last_activity = time.monotonic()
        self._kick_webhook()

    async def forge_webhook(
        self,
        update: JSONDict | int | None = None,
        secret: str | None = "wrong",
        *,
        url: str | None = None,
    ) -> int:
        """POST an update to the webhook (or ``url``) once, with this secret header (None: no
        header), without retries; return the HTTP status (0: connection failed or timed out).

        ``update`` is a raw Update dict, the update_id of an injected update, or None: a new
        text from a stranger that is queued nowhere. The POST is recorded in
        ``webhook_deliveries`` with ``genuine`` False.
        """
        target = url or self.webhook_url
        if not target:
            raise RuntimeError("forge_webhook: no webhook is set and no url given")
        if update is None:
            n = next(self._ids)
            stranger = 666_000_000 + n
            body: JSONDict = {
                "update_id": 900_000_000 + n,
                "message": {
                    "message_id": n,
                    "from": {"id": stranger, "is_bot": False, "first_name": "Mallory"},
                    "chat": {"id": stranger, "type": "private", "first_name": "Mallory"},
                    "date": int(time.time()),
                    "text": "forged",
                },
            }
        elif isinstance(update, int):
            body = self._updates[update]
        else:
            body = update
        delivery = await self._post_once(body, target, secret, 1, genuine=False)
        return delivery.status

    def _kick_webhook(self) -> None:
        """Start delivering queued updates to the webhook, unless already under way."""
        if self._webhook is None or self._closing or not self._pending:
            return
        if self._pump is not None and not self._pump.done():
            return
        pump = asyncio.get_running_loop().create_task(self._deliver_pending())
        self._pump = pump
        self._tasks.add(pump)
        pump.add_done_callback(self._tasks.discard)

    async def _deliver_pending(self) -> None:
        """POST the queued updates one at a time, in order, while a webhook is set."""
        while not self._closing and self._webhook is not None:
            updates = self._deliverable(1)
            if not updates:
                return
            update = updates[0]
            update_id = int(update["update_id"])
            attempt = 1
            while True:
                webhook = self._webhook
                if webhook is None:
                    return
                delivery = await self._post_once(update, webhook.url, webhook.secret, attempt)
                if delivery.ok:
                    break
                if attempt > self.webhook_retries:
                    self.webhook_deliveries[-1] = dataclasses.replace(delivery, dropped=True)
                    self.dropped_updates.append(update_id)
                    _LOGGER.debug("webhook delivery of %d given up: %s", update_id,
                                  delivery.error)
                    break
                await asyncio.sleep(self.webhook_retry_delay)
                if self._closing or self._webhook is None:
                    return  # deleteWebhook: the update stays queued for getUpdates
                attempt += 1
            self._pending = [u for u in self._pending if u is not update]
            self._last_activity = time.monotonic()

    async def _post_once(
        self, update: JSONDict, url: str, secret: str | None, attempt: int, genuine: bool = True
    ) -> WebhookDelivery:
        if self._session is None:
            raise RuntimeError("FakeBotApi is not started")
        update_id = update.get("update_id")
        update_id = update_id if isinstance(update_id, int) else 0
        if genuine:
            self.deliveries[update_id] = self.deliveries.get(update_id, 0) + 1
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        status, error = 0, ""
        self._posting += 1
        self._last_activity = time.monotonic()
        try:
            async with self._session.post(
                url,
                data=json.dumps(update, ensure_ascii=False).encode(),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.webhook_timeout),
            ) as response:
                await response.read()
                status = response.status
                if not 200 <= status < 300:
                    error = f"Wrong response from the webhook: {status} {response.reason or ''}"
        except TimeoutError:
            error = "Read timeout expired"
        except aiohttp.ClientConnectorError as exc:
            error = f"Connection refused: {exc}"
        except aiohttp.ClientError as exc:
            error = f"Connection error: {exc!r}"
        finally:
            self._posting -= 1
            self._last_activity = time.monotonic()
        delivery = WebhookDelivery(
            update_id=update_id,
            attempt=attempt,
            status=status,
            error=error.strip(),
            url=url,
            secret=secret,
            genuine=genuine,
            at=time.monotonic(),
        )
        self.webhook_deliveries.append(delivery)
        webhook = self._webhook
        if genuine and not delivery.ok and webhook is not None and webhook.url == url:
            webhook.last_error_date = int(time.time())
            webhook.last_error_message = delivery.error
        return delivery

    # ------------------------------------------------------------------ internals: HTTP

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        counted = False
        try:
            download = FILE_PATH_RE.match(request.path)
            if download is not None:  # getFile's file_path, as https://api.telegram.org/file/
                if not TOKEN_RE.match(download.group(1)):
                    return self._error_response(401, "Unauthorized")
                self.downloads.append(download.group(2))
                return web.Response(body=file_bytes(download.group(2)),
                                    content_type="image/jpeg")
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

    def _dispatch(
        self, method: str, params: dict[str, Any], answered: bool = True
    ) -> tuple[int, JSONDict]:
        handler = self._handlers.get(method)
        self._ok_description = ""
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
            error_payload: JSONDict = {
                "ok": False,
                "error_code": err.status,
                "description": err.description,
            }
            if err.parameters:
                error_payload["parameters"] = err.parameters
            return err.status, error_payload
        self._record(method, params, 200, "", result, answered)
        payload: JSONDict = {"ok": True, "result": result}
        if self._ok_description:
            payload["description"] = self._ok_description
            self._ok_description = ""
        return 200, payload

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
        if self._webhook is not None:
            self.calls[-1] = dataclasses.replace(
                self.calls[-1], status=409, description=WEBHOOK_CONFLICT
            )
            return self._error_response(409, WEBHOOK_CONFLICT)
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
            if self._webhook is not None:  # setWebhook during a long poll
                return self._error_response(409, WEBHOOK_CONFLICT)
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
