"""An aiohttp transport for python-telegram-bot: several times less CPU per call than httpx.

PTB documents custom request classes (telegram.request.BaseRequest). Measured here, a bare bot
spends about 5 ms of CPU per Bot API call on the default httpx backend and under 1 ms on
aiohttp, which decides how many updates one core can answer (see docs/PERFORMANCE.md).
"""

from __future__ import annotations

import json
import time

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.channels.telegram.faults import fault_log
from bot.delivery.episodes import Episodes


class AiohttpRequest(BaseRequest):
    """BaseRequest on one aiohttp ClientSession with a bounded connection pool."""

    def __init__(self, connection_pool_size: int = 256, read_timeout: float = 5.0,
                 write_timeout: float = 5.0, connect_timeout: float = 5.0,
                 pool_timeout: float = 1.0, media_write_timeout: float = 20.0,
                 faults: Episodes | None = None) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self.faults = faults or fault_log("Telegram Bot API")
        self.last_success: float | None = None  # time.time() of the last call answered
        self._json_timeout = aiohttp.ClientTimeout(
            sock_connect=connect_timeout, sock_read=read_timeout,
            connect=pool_timeout + connect_timeout)

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds the long-poll time for getUpdates)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (idempotent)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
            # Telegram sets no cookies: without a jar no call filters or stores any.
            self._session = aiohttp.ClientSession(connector=connector,
                                                  headers={"User-Agent": self.USER_AGENT},
                                                  cookie_jar=aiohttp.DummyCookieJar())

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one Bot API call; map aiohttp's failures onto PTB's TimedOut/NetworkError."""
        # aiohttp has no write timeout: an upload is bounded by the whole request instead.
        files = request_data.multipart_data if request_data else None
        upload = _value(write_timeout, self._media_write_timeout if files else self._write_timeout)
        read = _value(read_timeout, self._read_timeout)
        timeout = aiohttp.ClientTimeout(
            total=_sum(read, upload) if files else None,
            sock_connect=_value(connect_timeout, self._connect_timeout),
            sock_read=read,
            connect=_sum(_value(pool_timeout, self._pool_timeout),
                         _value(connect_timeout, self._connect_timeout)),
        )
        body, headers = _body(request_data)
        return await self._exchange(method, url, body, headers, timeout)

    async def post_json(self, url: str, payload: bytes) -> tuple[int, bytes]:
        """POST a JSON body with the default timeouts: the delivery engine's sends, without
        PTB's request and answer objects (a quarter of a call's CPU); failures as in
        do_request."""
        return await self._exchange("POST", url, payload, _JSON, self._json_timeout)

    async def _exchange(self, method: str, url: str, body: aiohttp.FormData | bytes | None,
                        headers: dict[str, str] | None, limits: aiohttp.ClientTimeout
                        ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        try:
            # A redirect is not followed: it would carry the token (in the URL) elsewhere.
            async with self._session.request(method, url, data=body, headers=headers,
                                             timeout=limits, allow_redirects=False
                                             ) as response:
                status, answer = response.status, await response.read()
        except TimeoutError as exc:
            self.faults.failed("timeout", _method(url))
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            self.faults.failed("connection failed", f"{exc.__class__.__name__}: {exc}")
            raise NetworkError(f"aiohttp.{exc.__class__.__name__}: {exc}") from exc
        if status == 429:
            self.faults.failed("flood control (429)", _method(url))
        elif status >= 500:
            self.faults.failed(f"server error {status}", _method(url))
            if not answer.lstrip().startswith(b"{"):
                # A proxy's HTML error page: PTB would log a traceback for each such answer.
                answer = json.dumps({"ok": False, "error_code": status,
                                     "description": f"Server error {status}"}).encode()
        else:  # an answer, even a refusal (400, 403): the network and Telegram work
            self.faults.worked()
            self.last_success = time.time()
        return status, answer


def _method(url: str) -> str:
    """The Bot API method of a URL, without the token in front of it."""
    return url.rsplit("/", 1)[-1]


def _value(value: ODVInput[float], default: float) -> float | None:
    if isinstance(value, DefaultValue):
        return default
    return value


def _sum(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a + b


def _body(request_data: RequestData | None
          ) -> tuple[aiohttp.FormData | bytes | None, dict[str, str] | None]:
    """The parameters as JSON (the Bot API takes application/json, and json.dumps is several
    times cheaper than form-encoding Vietnamese text byte by byte); files as multipart parts."""
    if request_data is None:
        return None, None
    files = request_data.multipart_data
    if not files:
        return request_data.json_payload, _JSON
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, part in files.items():
        filename, content, *rest = part
        form.add_field(name, content, filename=filename,
                       content_type=rest[0] if rest else "application/octet-stream")
    return form, None


_JSON = {"Content-Type": "application/json"}
