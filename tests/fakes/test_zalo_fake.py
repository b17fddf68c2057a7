"""Tests of the fake Zalo Bot API server, driven by plain aiohttp client calls."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

from tests.fakes.zalo import (
    EVENT_IMAGE,
    EVENT_STICKER,
    EVENT_TEXT,
    EVENT_UNSUPPORTED,
    EVENT_VOICE,
    QUOTA_EXCEEDED,
    SECRET_HEADER,
    SERVER_HEADERS,
    TEXT_LIMIT,
    ZALO_BOT_ID,
    ZALO_TOKEN,
    FakeZaloApi,
    zalo_id,
)

USER = zalo_id("user-lan")
SECRET = "s3cret-for-tests"
JSONDict = dict[str, Any]


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeZaloApi]:
    """A started fake with short polls and quick webhook retries."""
    async with FakeZaloApi(max_poll_wait=0.2, webhook_retry_delay=0.01) as fake:
        yield fake


@pytest_asyncio.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


async def call(
    session: aiohttp.ClientSession,
    api: FakeZaloApi,
    method: str,
    body: JSONDict | None = None,
    token: str | None = None,
) -> tuple[int, JSONDict]:
    """POST a method as the channel would; return the HTTP status and the JSON answer."""
    async with session.post(api.method_url(method, token), json=body or {}) as response:
        payload: JSONDict = await response.json()
        return response.status, payload


class Receiver:
    """The bot's webhook endpoint: records each POST and answers the scripted statuses
    (then 200), 403 when the secret header is wrong or missing."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.posts: list[tuple[str | None, JSONDict]] = []
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def _handle(self, request: web.Request) -> web.Response:
        secret = request.headers.get(SECRET_HEADER)
        self.posts.append((secret, await request.json()))
        if secret != SECRET:
            return web.Response(status=403)
        return web.Response(status=self.statuses.pop(0) if self.statuses else 200)

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/zalo/webhook", self._handle)
        self.runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}/zalo/webhook"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


def test_token_format() -> None:
    assert re.fullmatch(r"\d+:[A-Za-z0-9_-]{35}", ZALO_TOKEN)
    ids = {zalo_id(n) for n in range(200)}
    assert len(ids) == 200
    assert all(re.fullmatch(r"[0-9a-f]{16}", i) and not i.isdigit() for i in ids)


async def test_get_me_token_and_unknown_method(
    api: FakeZaloApi, session: aiohttp.ClientSession
) -> None:
    assert api.base_url.startswith("http://127.0.0.1:")
    status, payload = await call(session, api, "getMe")
    assert status == 200
    assert payload == {"ok": True, "result": {"id": ZALO_BOT_ID, "account_name": "bot.Cnscd",
                                              "account_type": "BASIC", "can_join_groups": False}}
    wrong = ZALO_TOKEN[:-1] + "y"
    status, payload = await call(session, api, "getMe", token=wrong)
    assert (status, payload) == (401, {"ok": False, "error_code": 401,
                                       "description": "Unauthorized"})
    status, payload = await call(session, api, "sendInvoice")
    assert (status, payload["ok"], payload["error_code"]) == (404, False, 404)
    assert [(c.method, c.status) for c in api.calls] == [
        ("getMe", 200), ("getMe", 401), ("sendInvoice", 404)]
    assert api.counts["getMe"] == 2
    assert api.calls[0].http_method == "POST"


async def test_send_message_limits_and_photo(
    api: FakeZaloApi, session: aiohttp.ClientSession
) -> None:
    longest = "ạ" * TEXT_LIMIT
    status, payload = await call(session, api, "sendMessage", {"chat_id": USER, "text": longest})
    assert status == 200
    result = payload["result"]
    assert isinstance(result["message_id"], str) and result["message_id"]
    assert abs(result["date"] - time.time() * 1000) < 60_000
    status, payload = await call(session, api, "sendMessage",
                                 {"chat_id": USER, "text": longest + "a"})
    assert (status, payload) == (400, {"ok": False, "error_code": 400,
                                       "description": "text is too long"})
    status, payload = await call(session, api, "sendMessage", {"chat_id": USER, "text": ""})
    assert status == 400 and payload["ok"] is False
    status, payload = await call(session, api, "sendMessage", {"chat_id": 12, "text": "x"})
    assert status == 400  # ids are strings

    photo = {"chat_id": USER, "photo": "https://example.com/a.png", "caption": "Ảnh"}
    status, payload = await call(session, api, "sendPhoto", photo)
    assert status == 200 and payload["result"]["message_id"] != result["message_id"]
    status, _ = await call(session, api, "sendPhoto", {**photo, "caption": "x" * 2001})
    assert status == 400
    status, _ = await call(session, api, "sendPhoto", {**photo, "photo": "/tmp/a.png"})
    assert status == 400
    status, _ = await call(session, api, "sendChatAction", {"chat_id": USER, "action": "typing"})
    assert status == 200

    assert api.texts_to(USER) == [longest, "Ảnh"]
    assert [c.method for c in api.sent_to(USER)] == ["sendMessage", "sendPhoto"]
    assert api.quota_used == 2


async def test_get_updates_one_per_call_then_408(
    api: FakeZaloApi, session: aiohttp.ClientSession
) -> None:
    ids = [
        api.send_text(USER, "Xin chào", display_name="Bình"),
        api.send_image(USER, "https://example.com/p.jpg", caption="ảnh"),
        api.send_sticker(USER),
        api.send_unsupported(USER),
        api.send_event(USER, EVENT_VOICE, {"url": "https://example.com/v.aac"}),
    ]
    assert len(set(ids)) == 5 and all(isinstance(i, str) for i in ids)
    updates = []
    for _ in ids:
        status, payload = await call(session, api, "getUpdates", {"timeout": 30})
        assert status == 200 and payload["ok"] is True
        updates.append(payload["result"])
    assert [u["event_name"] for u in updates] == [
        EVENT_TEXT, EVENT_IMAGE, EVENT_STICKER, EVENT_UNSUPPORTED, EVENT_VOICE]
    assert [u["message"]["message_id"] for u in updates] == ids
    text = updates[0]["message"]
    assert text["text"] == "Xin chào"
    assert text["chat"] == {"id": USER, "chat_type": "PRIVATE"}
    assert text["from"] == {"id": USER, "display_name": "Bình", "is_bot": False}
    assert abs(text["date"] - time.time() * 1000) < 60_000
    image = updates[1]["message"]
    assert (image["photo_url"], image["caption"]) == ("https://example.com/p.jpg", "ảnh")
    assert isinstance(updates[2]["message"]["sticker"], str) and updates[2]["message"]["url"]
    assert api.fetched[ids[0]] == 1 and api.pending == []

    started = time.monotonic()
    status, payload = await call(session, api, "getUpdates", {"timeout": 30})
    assert (status, payload) == (408, {"ok": False, "error_code": 408,
                                       "description": "Request timeout"})
    assert 0.15 <= time.monotonic() - started < 2  # capped by max_poll_wait

    # A waiting poll wakes up as soon as a message arrives.
    api.max_poll_wait = 5.0
    poll = asyncio.create_task(call(session, api, "getUpdates", {"timeout": 30}))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    later = api.send_text(USER, "muộn")
    status, payload = await poll
    assert status == 200 and payload["result"]["message"]["message_id"] == later
    assert time.monotonic() - started < 1

    # Redelivery after a crash: polling mode queues it again.
    api.redeliver(later)
    status, payload = await call(session, api, "getUpdates", {"timeout": 0})
    assert payload["result"]["message"]["message_id"] == later
    assert api.fetched[later] == 2


async def test_webhook_delivery_both_shapes(
    api: FakeZaloApi, session: aiohttp.ClientSession
) -> None:
    async with Receiver() as bot:
        short = {"url": bot.url, "secret_token": "short"}
        status, _ = await call(session, api, "setWebhook", short)
        assert status == 400
        status, payload = await call(session, api, "setWebhook",
                                     {"url": bot.url, "secret_token": SECRET})
        assert status == 200
        status, payload = await call(session, api, "getWebhookInfo")
        assert payload["result"]["url"] == bot.url
        assert isinstance(payload["result"]["updated_at"], int)
        status, payload = await call(session, api, "getUpdates", {"timeout": 1})
        assert (status, payload) == (400, {"ok": False, "error_code": 400,
                                           "description": "webhook is active"})

        wrapped = api.send_text(USER, "một")
        bare = api.send_text(USER, "hai", shape="bare")
        assert [d.status for d in await api.wait_delivered(wrapped)] == [200]
        assert [d.shape for d in await api.wait_delivered(bare)] == ["bare"]
        (secret1, body1), (secret2, body2) = bot.posts
        assert secret1 == secret2 == SECRET
        assert body1["ok"] is True and body1["result"]["message"]["text"] == "một"
        assert body1["result"]["event_name"] == EVENT_TEXT
        assert body2["event_name"] == EVENT_TEXT and body2["message"]["text"] == "hai"
        assert api.pending == []

        api.webhook_shape = "bare"
        api.redeliver(wrapped)
        deliveries = await api.wait_delivered(wrapped)
        assert [(d.attempt, d.status, d.shape) for d in deliveries] == [
            (1, 200, "wrapped"), (1, 200, "bare")]
        assert bot.posts[-1][1]["message"]["message_id"] == wrapped

        status, payload = await call(session, api, "deleteWebhook")
        assert status == 200 and api.webhook_url == ""
        queued = api.send_text(USER, "ba")
        assert [u["message"]["message_id"] for u in api.pending] == [queued]


async def test_webhook_retries_and_wrong_secret(
    api: FakeZaloApi, session: aiohttp.ClientSession
) -> None:
    async with Receiver(statuses=[500, 503]) as bot:
        await call(session, api, "setWebhook", {"url": bot.url, "secret_token": SECRET})
        message_id = api.send_text(USER, "thử lại")
        deliveries = await api.wait_delivered(message_id)
        assert [(d.attempt, d.status) for d in deliveries] == [(1, 500), (2, 503), (3, 200)]
        assert len(bot.posts) == 3

        forged = await api.forge_delivery(message_id)
        assert (forged.status, forged.genuine, forged.secret) == (403, False, "wrong-secret")
        missing = await api.forge_delivery(secret=None)
        assert missing.status == 403 and bot.posts[-1][0] is None
        assert bot.posts[-1][1]["result"]["message"]["text"] == "forged"
        await api.wait_idle(quiet=0.05)

    # The bot is gone: connection errors are retried, then the delivery is given up.
    api.webhook_retries = 2
    gone = api.send_text(USER, "không ai nghe")
    deliveries = await api.wait_delivered(gone)
    assert [(d.attempt, d.status) for d in deliveries] == [(1, 0), (2, 0), (3, 0)]
    assert all(d.error for d in deliveries)


async def test_quota_exceeded(session: aiohttp.ClientSession) -> None:
    async with FakeZaloApi(monthly_quota=3) as api:
        body = {"chat_id": USER, "text": "chào"}
        api.quota_exceeded(sends=1)
        status, payload = await call(session, api, "sendMessage", body)
        assert (status, payload) == (429, {"ok": False, "error_code": 429,
                                           "description": QUOTA_EXCEEDED})
        status, _ = await call(session, api, "sendChatAction", {"chat_id": USER,
                                                                "action": "typing"})
        assert status == 200  # not a send
        for _ in range(3):
            status, _ = await call(session, api, "sendMessage", body)
            assert status == 200
        status, payload = await call(session, api, "sendMessage", body)
        assert status == 429 and "parameters" not in payload and "retry_after" not in payload
        assert api.quota_used == 3
        api.monthly_quota = None
        status, _ = await call(session, api, "sendMessage", body)
        assert status == 200


async def test_outage_drop_and_fail_next(
    api: FakeZaloApi, session: aiohttp.ClientSession
) -> None:
    body = {"chat_id": USER, "text": "chào"}
    api.outage(calls=2, status=502, methods=["sendMessage"])
    for _ in range(2):
        status, payload = await call(session, api, "sendMessage", body)
        assert (status, payload["error_code"]) == (502, 502)
    assert (await call(session, api, "getMe"))[0] == 200

    api.drop(calls=1, applied=True)
    with pytest.raises(aiohttp.ClientError):
        await call(session, api, "sendMessage", body)
    assert api.calls[-1].ok and not api.calls[-1].answered  # sent, the answer lost
    api.drop(calls=1)
    with pytest.raises(aiohttp.ClientError):
        await call(session, api, "getUpdates", {"timeout": 0})
    assert (api.calls[-1].status, api.calls[-1].answered) == (0, False)

    api.fail_next("sendPhoto", 400, "photo is invalid")
    photo = {"chat_id": USER, "photo": "https://example.com/a.png"}
    assert (await call(session, api, "sendPhoto", photo))[0] == 400
    api.outage(calls=5)
    api.end_faults()
    assert (await call(session, api, "sendPhoto", photo))[0] == 200
    assert api.texts_to(USER) == ["chào", ""]


async def test_duplicate_server_header(session: aiohttp.ClientSession) -> None:
    async with FakeZaloApi() as api:
        for method, token in (("getMe", None), ("getMe", "1:bad"), ("nope", None)):
            async with session.post(api.method_url(method, token), json={}) as response:
                assert response.headers.getall("Server") == list(SERVER_HEADERS)
    async with (
        FakeZaloApi(duplicate_server_header=False) as api,
        session.post(api.method_url("getMe"), json={}) as response,
    ):
        assert response.headers.getall("Server") == [SERVER_HEADERS[0]]


async def test_wait_text_idle_and_latency(session: aiohttp.ClientSession) -> None:
    async with FakeZaloApi(latency=0.1) as api:
        api.send_text(USER, "hello")

        async def bot() -> None:
            await call(session, api, "getUpdates", {"timeout": 0})
            await call(session, api, "sendMessage", {"chat_id": USER, "text": "Xin chào Lan"})

        task = asyncio.create_task(bot())
        found = await api.wait_text(USER, "chào Lan", timeout=5)
        assert found.chat_id == USER and found.ok
        await api.wait_idle(quiet=0.05, timeout=5)
        await task
        assert api.calls[-1].at - api.calls[-2].at < 5
        with pytest.raises(AssertionError, match="timed out"):
            await api.wait_text(USER, "never", timeout=0.1)
        calls = await api.wait_calls("sendMessage", chat_id=USER, timeout=1)
        assert len(calls) == 1
