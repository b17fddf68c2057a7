"""The bot's transport for python-telegram-bot: several times less CPU per call than httpx.

PTB documents custom request classes (telegram.request.BaseRequest). Measured here, a bare bot
spends about 5 ms of CPU per Bot API call on the default httpx backend and under 1 ms on
aiohttp, which decides how many updates one core can answer (see docs/PERFORMANCE.md). Calls
without files (nearly all: replies, edits, a press's answer, getUpdates) go through a lean
HTTP/1.1 client (http1.py), a quarter of aiohttp's CPU again; uploads through aiohttp.
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
from bot.channels.telegram.http1 import Http1Client
from bot.delivery.episodes import Episodes


class BotApiRequest(BaseRequest):
    """BaseRequest on a lean HTTP/1.1 client for calls without files and an aiohttp
    ClientSession for uploads, each with a bounded connection pool."""

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
        self._lean: Http1Client | None = None  # made for the first call's origin
        self.faults = faults or fault_log("Telegram Bot API")
        self.last_success: float | None = None  # time.time() of the last call answered

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
        if self._lean is not None:
            self._lean.close()
            self._lean = None
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
        """Send one Bot API call; map network failures onto PTB's TimedOut/NetworkError."""
        files = request_data.multipart_data if request_data else None
        read = _value(read_timeout, self._read_timeout)
        connect = _sum(_value(pool_timeout, self._pool_timeout),
                       _value(connect_timeout, self._connect_timeout))
        if not files and method == "POST":
            payload = request_data.json_payload if request_data is not None else b"{}"
            return await self._post_lean(url, payload, connect, read)
        # aiohttp has no write timeout: an upload is bounded by the whole request instead.
        upload = _value(write_timeout, self._media_write_timeout if files else self._write_timeout)
        timeout = aiohttp.ClientTimeout(
            total=_sum(read, upload) if files else None,
            sock_connect=_value(connect_timeout, self._connect_timeout),
            sock_read=read, connect=connect)
        body, headers = _body(request_data)
        return await self._exchange(method, url, body, headers, timeout)

    async def post_json(self, url: str, payload: bytes) -> tuple[int, bytes]:
        """POST a JSON body with the default timeouts: the delivery engine's sends, without
        PTB's request and answer objects (a quarter of a call's CPU); failures as in
        do_request."""
        return await self._post_lean(url, payload, self._pool_timeout + self._connect_timeout,
                                     self._read_timeout)

    async def _post_lean(self, url: str, body: bytes, connect: float | None,
                         read: float | None) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("BotApiRequest is not initialized")
        if self._lean is None or not self._lean.serves(url):
            if self._lean is not None:
                self._lean.close()
            self._lean = Http1Client(url, self._pool_size, self.USER_AGENT)
        try:
            status, answer = await self._lean.post_json(url, body, connect, read)
        except TimeoutError as exc:
            self.faults.failed("timeout", _method(url))
            raise TimedOut from exc
        except (OSError, ValueError) as exc:  # ValueError: an address it cannot reach
            self.faults.failed("connection failed", f"{exc.__class__.__name__}: {exc}")
            raise NetworkError(f"{exc.__class__.__name__}: {exc}") from exc
        return status, self._judge(url, status, answer)

    async def _exchange(self, method: str, url: str, body: aiohttp.FormData | bytes | None,
                        headers: dict[str, str] | None, limits: aiohttp.ClientTimeout
                        ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("BotApiRequest is not initialized")
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
        return status, self._judge(url, status, answer)

    def _judge(self, url: str, status: int, answer: bytes) -> bytes:
        """Count the answer for the fault log; a proxy's HTML error page as Telegram's JSON."""
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
        return answer


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
