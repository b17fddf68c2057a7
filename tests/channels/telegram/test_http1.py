"""The lean HTTP/1.1 client against servers on 127.0.0.1 that answer as told: keep-alive,
chunked answers, closed and dead connections, timeouts, cancellation, TLS."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app import new_event_loop
from bot.channels.telegram import http1
from bot.channels.telegram.http1 import DisconnectedError, Http1Client

TLS = Path(__file__).parents[2] / "data" / "tls"  # a self-signed pair for localhost, tests only
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, bytes], Awaitable[bool]]


def answer(body: bytes, status: int = 200, extra: bytes = b"") -> bytes:
    """An HTTP/1.1 answer with a Content-Length."""
    return (b"HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n%s"
            % (status, len(body), extra, body))


def chunked(body: bytes, size: int) -> bytes:
    """An HTTP/1.1 answer in chunks of size bytes."""
    pieces = [body[i:i + size] for i in range(0, len(body), size)]
    return (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n")


async def read_request(reader: asyncio.StreamReader) -> bytes | None:
    """One request's body (None when the client closed the connection)."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    return await reader.readexactly(length)


class Server:
    """Answers each request with the handler (False: close the connection)."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connections = 0
        self.requests: list[bytes] = []
        self.closed_by_client = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while (body := await read_request(reader)) is not None:
                self.requests.append(body)
                if not await self.handler(reader, writer, body):
                    break
            else:
                self.closed_by_client += 1
        finally:
            writer.close()


@contextlib.asynccontextmanager
async def running(handler: Handler, tls: ssl.SSLContext | None = None
                  ) -> AsyncIterator[tuple[Server, str]]:
    server = Server(handler)
    listener = await asyncio.start_server(server.serve, "127.0.0.1", 0, ssl=tls)
    port = listener.sockets[0].getsockname()[1]
    scheme, host = ("https", "localhost") if tls else ("http", "127.0.0.1")
    try:
        yield server, f"{scheme}://{host}:{port}/botTOKEN/sendMessage"
    finally:
        listener.close()


async def echo(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter, body: bytes) -> bool:
    writer.write(answer(b'{"ok":true,"result":' + body + b"}"))
    return True


async def test_calls_share_a_kept_alive_connection_and_get_their_own_answers() -> None:
    async with running(echo) as (server, url):
        client = Http1Client(url, 4, "test")
        for n in range(20):
            status, body = await client.post_json(url, b"%d" % n, 5, 5)
            assert (status, body) == (200, b'{"ok":true,"result":%d}' % n)
        client.close()
    assert server.connections == 1


async def test_the_pool_holds_at_most_its_size_of_connections() -> None:
    async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                   body: bytes) -> bool:
        await asyncio.sleep(0.02)
        return await echo(reader, writer, body)

    async with running(slow) as (server, url):
        client = Http1Client(url, 2, "test")
        answers = await asyncio.gather(*(client.post_json(url, b"%d" % n, 5, 5)
                                         for n in range(10)))
        client.close()
    assert [body for _, body in answers] == [b'{"ok":true,"result":%d}' % n for n in range(10)]
    assert server.connections == 2


async def test_a_connection_closed_by_the_server_is_replaced() -> None:
    async def once(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                   body: bytes) -> bool:
        writer.write(answer(body, extra=b"Connection: close\r\n"))
        return False

    async with running(once) as (server, url):
        client = Http1Client(url, 4, "test")
        assert await client.post_json(url, b"1", 5, 5) == (200, b"1")
        await asyncio.sleep(0.05)  # idle: the server has closed it meanwhile
        assert await client.post_json(url, b"2", 5, 5) == (200, b"2")
        client.close()
    assert server.connections == 2


async def test_a_connection_unused_for_too_long_is_closed_not_used(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http1, "IDLE_LIMIT", 0.2)
    closed = asyncio.Event()

    async def until_closed(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                           body: bytes) -> bool:
        await echo(reader, writer, body)
        if body == b"1":  # the first connection: watch it end
            await reader.read(1)
            closed.set()
            return False
        return True

    async with running(until_closed) as (server, url):
        client = Http1Client(url, 4, "test")
        assert await client.post_json(url, b"1", 5, 5) == (200, b'{"ok":true,"result":1}')
        await asyncio.sleep(0.3)  # a NAT on the way may have forgotten it meanwhile
        assert await client.post_json(url, b"2", 5, 5) == (200, b'{"ok":true,"result":2}')
        await asyncio.wait_for(closed.wait(), 2)  # the client closed the old one
        client.close()
    assert server.connections == 2


async def cut_short(writer: asyncio.StreamWriter) -> bool:
    writer.write(answer(b'{"ok":true,"result":1}')[:-5])
    return False  # and the server closes the connection


async def not_http(writer: asyncio.StreamWriter) -> bool:
    writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
    return True


async def late(writer: asyncio.StreamWriter) -> bool:
    await asyncio.sleep(0.3)  # past the call's read timeout: the answer comes, too late
    writer.write(answer(b"1"))
    return True


@pytest.mark.parametrize(("fault", "error"), [(cut_short, DisconnectedError),
                                              (not_http, DisconnectedError),
                                              (late, TimeoutError)])
async def test_a_failed_call_is_an_error_and_the_next_call_gets_its_own_answer(
        fault: Callable[[asyncio.StreamWriter], Awaitable[bool]], error: type[Exception]
        ) -> None:
    async def first_fails(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                          body: bytes) -> bool:
        if body == b"1":
            return await fault(writer)
        writer.write(answer(body))
        return True

    async with running(first_fails) as (server, url):
        client = Http1Client(url, 1, "test")
        with pytest.raises(error):
            await client.post_json(url, b"1", 5, 0.1)
        assert await client.post_json(url, b"2", 5, 5) == (200, b"2")
        client.close()
    assert server.connections == 2  # the failed call's connection was not used again


async def test_a_cancelled_call_closes_its_connection() -> None:
    closed = asyncio.Event()

    async def never(reader: asyncio.StreamReader, _writer: asyncio.StreamWriter,
                    _body: bytes) -> bool:
        if await reader.read(1) == b"":  # nothing more comes: the client closed it
            closed.set()
        return False

    async with running(never) as (_server, url):
        client = Http1Client(url, 1, "test")
        call = asyncio.create_task(client.post_json(url, b"1", 5, 5))
        await asyncio.sleep(0.05)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        await asyncio.wait_for(closed.wait(), 2)
        client.close()


async def test_an_address_that_never_answers_is_passed_for_the_next(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A listener whose queue is full drops new connections unanswered, like an IPv6 route that
    # goes nowhere: the API's next address is tried beside it, not after a timeout.
    blackhole = socket.socket()
    blackhole.bind(("127.0.0.1", 0))
    blackhole.listen(0)
    filler = socket.create_connection(blackhole.getsockname(), timeout=1)
    try:
        async with running(echo) as (_server, url):
            port = int(url.split(":")[2].split("/")[0])
            client = Http1Client(url, 1, "test")

            async def addresses() -> list[tuple[object, ...]]:
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", blackhole.getsockname()),
                        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

            monkeypatch.setattr(client, "_addresses", addresses)
            started = asyncio.get_running_loop().time()
            assert await client.post_json(url, b"1", 5, 5) == (200, b'{"ok":true,"result":1}')
            assert asyncio.get_running_loop().time() - started < 2
            client.close()
    finally:
        filler.close()
        blackhole.close()


async def test_nothing_listening_is_an_os_error() -> None:
    url = "http://127.0.0.1:1/botTOKEN/getMe"  # port 1: refused at once
    client = Http1Client(url, 1, "test")
    with pytest.raises(OSError):
        await client.post_json(url, b"{}", 1, 1)
    assert not client.serves("http://127.0.0.2:1/botTOKEN/getMe")
    assert not client.serves("http://127.0.0.1:10/x")


async def https_is_checked() -> None:
    """A call over TLS to a server whose certificate the client trusts; a client trusting only
    the system's authorities is refused."""
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(TLS / "localhost-cert.pem", TLS / "localhost-key.pem")
    async with running(echo, server_tls) as (server, url):
        trusting = ssl.create_default_context(cafile=TLS / "localhost-cert.pem")
        client = Http1Client(url, 2, "test", tls=trusting)
        for n in range(3):
            assert await client.post_json(url, b"%d" % n, 5, 5) == (
                200, b'{"ok":true,"result":%d}' % n)
        client.close()
        assert server.connections == 1  # kept alive over TLS too
        stranger = Http1Client(url, 2, "test")
        with pytest.raises(ssl.SSLError):
            await stranger.post_json(url, b"7", 5, 5)
        stranger.close()


@pytest.mark.parametrize("kind", ["uvloop", "asyncio"])
def test_https_on_the_event_loops_the_bot_runs_on(kind: str) -> None:
    with asyncio.Runner(loop_factory=lambda: new_event_loop(kind)) as runner:
        runner.run(https_is_checked())


@settings(max_examples=40, deadline=None)
@given(body=st.binary(min_size=0, max_size=3000), chunk=st.integers(1, 700),
       cuts=st.lists(st.integers(1, 400), max_size=12), use_chunks=st.booleans())
def test_any_answer_split_anywhere_reads_back_whole(body: bytes, chunk: int, cuts: list[int],
                                                    use_chunks: bool) -> None:
    raw = chunked(body, chunk) if use_chunks else answer(body)

    async def pieces(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                     _body: bytes) -> bool:
        at = 0
        for cut in [*cuts, len(raw)]:
            writer.write(raw[at:at + cut])
            await writer.drain()
            at += cut
            await asyncio.sleep(0)
        writer.write(raw[at:])
        return True

    async def scenario() -> None:
        async with running(pieces) as (_server, url):
            client = Http1Client(url, 1, "test")
            assert await client.post_json(url, b"{}", 5, 5) == (200, body)
            assert await client.post_json(url, b"{}", 5, 5) == (200, body)  # kept alive
            client.close()

    asyncio.run(scenario())
