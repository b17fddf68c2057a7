"""A lean HTTP/1.1 client for the Bot API's calls without files: a quarter of aiohttp's CPU.

Nearly every call the bot makes is a small JSON POST to one origin (a reply, an edit, a press's
answerCallbackQuery: ~1.9 an update). aiohttp spends ~0.08 ms of CPU on each (its request and
response objects, header maps, timers), a Protocol reading the answer with httptools' parser
(uvicorn's, in C) ~0.02 (measured, docs/PERFORMANCE.md). This is that Protocol: keep-alive
connections to the API's origin, pooled; TLS by the standard library; the answer read whole,
by its Content-Length or chunked. Uploads stay on aiohttp (request.py).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from typing import Any, cast
from urllib.parse import urlsplit

import aiohappyeyeballs
import httptools

Answer = tuple[int, bytes]  # the HTTP status and the body
# Seconds before the API's next address is tried beside the first (RFC 8305, as aiohttp does):
# a server whose IPv6 route goes nowhere still reaches Telegram over IPv4 at once.
HAPPY_EYEBALLS_DELAY = 0.25
# Seconds a connection may sit unused and still be used again (aiohttp's 15): a NAT or firewall
# on the way may forget an idle connection without a word, and a call written into it would
# wait out its read timeout.
IDLE_LIMIT = 15.0


class DisconnectedError(ConnectionError):
    """The connection ended, or its answer could not be read, before the answer was whole."""


class _Connection(asyncio.Protocol):
    """One keep-alive connection: one request at a time, its answer parsed as it arrives."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.answer: asyncio.Future[Answer] | None = None
        self.chunks: list[bytes] = []
        self.reusable = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport to write requests to."""
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        """Feed the answer's bytes to the parser (its callbacks below complete the answer)."""
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(DisconnectedError(f"an answer that is not HTTP/1.1: {exc}"))
            self.close()

    def eof_received(self) -> bool:
        """The server closed its side: this connection serves no more requests."""
        self._fail(DisconnectedError("the server closed the connection"))
        return False  # the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        """The connection is gone: a request waiting on it fails."""
        self._fail(DisconnectedError(f"the connection was lost: {exc}" if exc else
                                "the connection was closed"))

    def on_body(self, body: bytes) -> None:
        """A piece of the answer's body (httptools' callback)."""
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        """The answer is whole (httptools' callback)."""
        self.reusable = self.reusable and self.parser.should_keep_alive()
        if self.answer is not None and not self.answer.done():
            self.answer.set_result((self.parser.get_status_code(), b"".join(self.chunks)))

    def send(self, request: bytes) -> asyncio.Future[Answer]:
        """Write one request; the future gets its answer."""
        if self.transport is None or self.transport.is_closing() or not self.reusable:
            raise DisconnectedError("the connection is closed")
        self.chunks = []
        self.answer = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return self.answer

    @property
    def usable(self) -> bool:
        """Open, and its last answer was read whole with keep-alive."""
        return (self.reusable and self.transport is not None
                and not self.transport.is_closing())

    def close(self) -> None:
        """Close the connection (an answer still on its way could not be told from the next)."""
        self.reusable = False
        if self.transport is not None:
            self.transport.close()

    def _fail(self, exc: Exception) -> None:
        self.reusable = False
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(exc)


class Http1Client:
    """JSON POSTs to one origin over at most size keep-alive connections."""

    def __init__(self, base_url: str, size: int, user_agent: str,
                 tls: ssl.SSLContext | None = None) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("an http or https address is needed")
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self._host = parts.hostname
        self._port = parts.port or (443 if parts.scheme == "https" else 80)
        # https: the system's certificate authorities, as aiohttp uses (tls: tests' own).
        self._tls = (tls or ssl.create_default_context()) if parts.scheme == "https" else None
        self._head = (f"Host: {parts.netloc}\r\nUser-Agent: {user_agent}\r\n"
                      "Content-Type: application/json\r\n").encode()
        self._slots = asyncio.Semaphore(size)
        self._idle: list[tuple[float, _Connection]] = []  # (when it was last used, it)
        self._closed = False

    def serves(self, url: str) -> bool:
        """True when url is on this client's origin."""
        return url.startswith(self.origin) and url[len(self.origin):].startswith("/")

    async def post_json(self, url: str, body: bytes, connect_timeout: float | None,
                        read_timeout: float | None) -> Answer:
        """POST body (JSON) to url; its status and answer. Raises TimeoutError when a free
        connection is not had or made within connect_timeout or the answer is not whole within
        read_timeout; OSError (DisconnectedError among them) when the network fails."""
        path = url[len(self.origin):].encode()
        request = b"POST %s HTTP/1.1\r\n%sContent-Length: %d\r\n\r\n%s" % (
            path, self._head, len(body), body)
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(None if connect_timeout is None
                                   else loop.time() + connect_timeout) as deadline:
            async with self._slots:
                connection = await self._connection()
                deadline.reschedule(None if read_timeout is None
                                    else loop.time() + read_timeout)
                try:
                    answer = await connection.send(request)
                except BaseException:
                    connection.close()
                    raise
                if connection.usable and not self._closed:
                    self._pool(connection, loop.time())
                else:
                    connection.close()
                return answer

    def _pool(self, connection: _Connection, now: float) -> None:
        """Keep a connection for the next call; close those unused for too long."""
        self._idle.append((now, connection))
        while self._idle[0][0] < now - IDLE_LIMIT:  # the oldest first: appended in time order
            self._idle.pop(0)[1].close()

    async def _connection(self) -> _Connection:
        if self._closed:
            raise DisconnectedError("the client is closed")
        fresh = asyncio.get_running_loop().time() - IDLE_LIMIT
        while self._idle:
            used, connection = self._idle.pop()  # the most recently used first
            if connection.usable and used >= fresh:
                return connection
            connection.close()
        sock = await aiohappyeyeballs.start_connection(
            await self._addresses(), happy_eyeballs_delay=HAPPY_EYEBALLS_DELAY, interleave=1)
        try:
            _, protocol = await asyncio.get_running_loop().create_connection(
                _Connection, sock=sock, ssl=self._tls,
                server_hostname=self._host if self._tls is not None else None)
        except BaseException:
            sock.close()
            raise
        return protocol

    async def _addresses(self) -> list[tuple[Any, ...]]:
        """The API host's addresses, as getaddrinfo gives them (IPv6 and IPv4 alike)."""
        found = await asyncio.get_running_loop().getaddrinfo(self._host, self._port,
                                                             type=socket.SOCK_STREAM)
        return list(found)

    def close(self) -> None:
        """Close the idle connections (those in use close when their answer is read)."""
        self._closed = True
        while self._idle:
            self._idle.pop()[1].close()
