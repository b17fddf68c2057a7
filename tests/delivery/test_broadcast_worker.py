"""The broadcast worker, through the delivery engine and the Telegram adapter: the real PTB Bot
against the fake Bot API, a real database."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from telegram import Bot
from telegram.error import Forbidden, RetryAfter

from bot.app import App, open_app
from bot.channels.telegram.application import limits
from bot.channels.telegram.channel import CHANNEL
from bot.channels.telegram.request import BotApiRequest
from bot.channels.telegram.sender import TelegramSender
from bot.config import Config
from bot.config_broadcasts import BroadcastConfig
from bot.core.events import Reply
from bot.core.jobs import Scheduler
from bot.core.service import Core
from bot.core.shared import outbox
from bot.delivery.broadcasts import BroadcastWorker
from bot.delivery.engine import DeliveryEngine
from bot.delivery.outbox import OutboxWorker
from bot.storage import audiences
from bot.storage import broadcasts as store
from bot.storage.audiences import Audience
from bot.storage.db import Database
from bot.storage.outbox import Recipient
from tests.factories import TOKEN, Chat, make_config
from tests.fakes.telegram import Call, FakeBotApi

ADMIN = 42
FIRST_CHAT = 100_001
NOW = datetime(2026, 10, 3, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam
TEXT = "Thông báo"


def settings(**changes: object) -> BroadcastConfig:
    """Broadcast settings for a test: fast, no quiet hours unless asked."""
    base = BroadcastConfig(rate=200, quiet_hours=None, paid=True, max_attempts=5)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@asynccontextmanager
async def opened(tmp_path: Path, broadcasts: BroadcastConfig) -> AsyncIterator[App]:
    config: Config = dataclasses.replace(make_config(tmp_path, BOT_ADMINS=str(ADMIN)),
                                         broadcasts=broadcasts)
    app = await open_app(config)
    try:
        yield app
    finally:
        await app.close()


async def add_users(db: Database, count: int, locale: str = "vi",
                    first: int = FIRST_CHAT) -> list[int]:
    """Telegram users with chats first, first + 1, ...; their user ids."""
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO users (channel, external_id, locale, created_at, last_seen_at) "
            "VALUES ('telegram', ?, ?, ?, ?)",
            [(str(first + i), locale, NOW.isoformat(), NOW.isoformat()) for i in range(count)])
    rows = await db.fetchall("SELECT id FROM users WHERE CAST(external_id AS INTEGER) BETWEEN ? "
                             "AND ? ORDER BY id", (first, first + count - 1))
    return [int(r[0]) for r in rows]


async def admin_id(app: App) -> int:
    await Chat(app.core, str(ADMIN), locale="en").say("/start")
    row = await app.services.db.fetchone("SELECT id FROM users WHERE external_id = ?",
                                         (str(ADMIN),))
    assert row is not None
    return int(row[0])


async def queue(app: App, text: str = TEXT, text_en: str | None = None,
                watch: bool = True, when: datetime | None = None) -> int:
    """A broadcast to everyone, queued as the admin's Send button does."""
    created = await store.create(app.services.db, await admin_id(app), text, text_en,
                                 Audience(audiences.EVERYONE), when, NOW,
                                 f"telegram:{ADMIN}" if watch else None, channels=(CHANNEL,))
    assert created is not None
    return created[0]


@asynccontextmanager
async def engine_for(app: App, api: FakeBotApi) -> AsyncIterator[DeliveryEngine]:
    """The Telegram delivery engine as the application builds it, on the fake Bot API."""
    transport = BotApiRequest()
    async with Bot(TOKEN, base_url=api.base_url, request=transport) as bot:
        engine = DeliveryEngine(CHANNEL, TelegramSender(bot, transport),
                                limits(app.services.config))
        try:
            yield engine
        finally:
            await engine.stop()


@asynccontextmanager
async def running(app: App, api: FakeBotApi, clock: Callable[[], datetime] = lambda: NOW,
                  engine: DeliveryEngine | None = None,
                  **options: object) -> AsyncIterator[BroadcastWorker]:
    async with engine_for(app, api) as own:
        worker = BroadcastWorker(engine or own, app.services, clock=clock, poll_interval=0.05,
                                 progress_every=0.3, **options)  # type: ignore[arg-type]
        worker.start()
        try:
            yield worker
        finally:
            await worker.stop()


@asynccontextmanager
async def scheduling(app: App, clock: Callable[[], datetime]) -> AsyncIterator[Scheduler]:
    """The application's jobs (they start scheduled broadcasts), on the test's clock."""
    jobs = Scheduler(app.services, clock=clock, tick=0.05)
    jobs.start()
    try:
        yield jobs
    finally:
        await jobs.stop()


async def until_status(db: Database, broadcast_id: int, wanted: str, within: float = 15.0
                       ) -> None:
    deadline = time.monotonic() + within
    while await store.status(db, broadcast_id) != wanted:
        assert time.monotonic() < deadline, f"broadcast {broadcast_id} never became {wanted}"
        await asyncio.sleep(0.02)


def sends(api: FakeBotApi, *texts: str) -> list[Call]:
    """sendMessage calls carrying the broadcast (not the admin's progress), in order."""
    wanted = set(texts or (TEXT,))
    return [c for c in api.calls if c.method == "sendMessage" and c.text in wanted]


async def deliveries(db: Database, broadcast_id: int) -> dict[int, tuple[str, int, str | None]]:
    rows = await db.fetchall("SELECT user_id, status, attempts, reason FROM deliveries WHERE "
                             "broadcast_id = ?", (broadcast_id,))
    return {int(r[0]): (str(r[1]), int(r[2]), r[3]) for r in rows}


async def test_each_recipient_gets_one_copy_in_their_language(tmp_path: Path) -> None:
    async with FakeBotApi() as api, opened(tmp_path, settings()) as app:
        vi = await add_users(app.services.db, 30, "vi")
        en = await add_users(app.services.db, 20, "en", first=FIRST_CHAT + 1000)
        number = await queue(app, "Họp tổ <b> & 8h", "Team meeting <b> & 8am")
        async with running(app, api):
            await until_status(app.services.db, number, store.DONE)
        calls = sends(api, "Họp tổ <b> & 8h", "Team meeting <b> & 8am")
        by_chat = {c.chat_id: c for c in calls if c.ok}
        assert len(calls) == len(by_chat) == 51  # 50 users and the admin (English) each once
        assert all(by_chat[FIRST_CHAT + i].text == "Họp tổ <b> & 8h" for i in range(30))
        assert all(by_chat[FIRST_CHAT + 1000 + i].text == "Team meeting <b> & 8am"
                   for i in range(20))
        assert all("parse_mode" not in c.params for c in calls)  # sent as plain text
        assert all(c.params.get("allow_paid_broadcast") is True for c in calls)
        rows = await deliveries(app.services.db, number)
        assert {uid: rows[uid] for uid in vi + en} == {uid: ("sent", 1, None) for uid in vi + en}
        progress = [c for c in api.calls if c.chat_id == ADMIN and "Broadcast #1" in c.text]
        assert progress[0].method == "sendMessage" and "sending" in progress[0].text
        assert api.buttons(ADMIN) == [("⏹ Stop #1", "bcs:1")] or len(progress) > 1
        broadcast = await store.get(app.services.db, number)
        assert broadcast is not None and broadcast.finished_at is not None
        shown = {m["message_id"]: m for m in api.messages(ADMIN)}[broadcast.progress_message]
        assert shown["text"] == "📣 Broadcast #1: finished.\n51 / 51 sent · 0 blocked · 0 failed"
        assert "reply_markup" not in shown  # no Stop button once finished
        assert api.messages(ADMIN)[-1]["text"].startswith("✅ Broadcast #1 is finished.\n51 / 51")


async def test_the_pace_is_kept_without_provoking_flood_control(tmp_path: Path) -> None:
    # Telegram's free bulk limit, enforced like Telegram: more than 30 sends in a second get 429.
    async with FakeBotApi(send_rate_limit=30) as api, \
            opened(tmp_path, settings(rate=25, paid=False)) as app:
        await add_users(app.services.db, 100)
        number = await queue(app, watch=False)
        async with running(app, api):
            await until_status(app.services.db, number, store.DONE, within=20)
        calls = sends(api)
        assert all(c.ok for c in calls), [c.description for c in calls if not c.ok][:3]
        assert len(calls) == 101
        achieved = (len(calls) - 1) / (calls[-1].at - calls[0].at)
        assert 25 * 0.9 <= achieved <= 25 * 1.02, achieved
        # Never a burst: no second holds more than the configured 25.
        times = [c.at for c in calls]
        assert max(sum(1 for t in times if s <= t < s + 1.0) for s in times) <= 26
        assert all("allow_paid_broadcast" not in c.params for c in calls)


async def test_notifications_and_a_broadcast_share_one_pace(tmp_path: Path) -> None:
    # Help notifications (the outbox) go out during a broadcast; together they must stay
    # under Telegram's limit, so both workers send through the channel's one engine.
    async with FakeBotApi(send_rate_limit=30) as api, \
            opened(tmp_path, settings(rate=25, paid=False)) as app:
        recipients = await add_users(app.services.db, 100)
        async with app.services.db.transaction() as conn:
            for user_id in recipients[:40]:
                await outbox.notify(conn, Recipient(user_id, "vi"), Reply("Có người cần giúp"), NOW)
        number = await queue(app, watch=False)
        async with engine_for(app, api) as engine, running(app, api, engine=engine):
            notifier = OutboxWorker(engine, app.services, clock=lambda: NOW, interval=0.05)
            notifier.start()
            try:
                await until_status(app.services.db, number, store.DONE, within=20)
                await api.wait_for(lambda: len(sends(api, "Có người cần giúp")) == 40,
                                   timeout=10)
            finally:
                await notifier.stop()
        calls = sends(api) + sends(api, "Có người cần giúp")
        assert len(calls) == 141 and all(c.ok for c in calls), \
            [c.description for c in calls if not c.ok][:3]
        times = sorted(c.at for c in calls)
        # Telegram's limit, which the fake enforces with 429 (none above); 25/s plus jitter.
        assert max(sum(1 for t in times if s <= t < s + 1.0) for s in times) <= 30


async def test_flood_control_pauses_and_retries_the_same_message(tmp_path: Path) -> None:
    async with FakeBotApi() as api, opened(tmp_path, settings(rate=50)) as app:
        users = await add_users(app.services.db, 10)
        number = await queue(app, watch=False)
        api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        async with running(app, api):
            await until_status(app.services.db, number, store.DONE)
        calls = sends(api)
        assert calls[0].status == 429 and calls[1].ok
        assert calls[1].chat_id == calls[0].chat_id  # the same message again...
        assert calls[1].at - calls[0].at >= 1.0  # ...after the pause Telegram asked for
        assert len({c.chat_id for c in calls if c.ok}) == 11 and len(calls) == 12
        rows = await deliveries(app.services.db, number)
        assert all(rows[uid] == ("sent", 1, None) for uid in users)  # the 429 is not a try


async def test_server_errors_are_retried_then_given_up_with_the_reason(tmp_path: Path) -> None:
    async with FakeBotApi() as api, opened(tmp_path, settings(max_attempts=3)) as app:
        (user,) = await add_users(app.services.db, 1)
        first = await queue(app, watch=False)
        # Sent to the admin first (user ids order), then the user: both fail twice, then go.
        api.fail_next("sendMessage", 502, "Bad Gateway", count=2)
        async with running(app, api, retry_delays=(0.05,)):
            await until_status(app.services.db, first, store.DONE)
            retried = (await deliveries(app.services.db, first))
            assert sorted(s for s, _, _ in retried.values()) == ["sent", "sent"]
            assert sum(a for _, a, _ in retried.values()) == 4  # two failed tries, two sends

            api.fail_next("sendMessage", 504, "Gateway Timeout", count=6)
            second = await queue(app, watch=False)
            await until_status(app.services.db, second, store.DONE)
            assert (await deliveries(app.services.db, second))[user] == (
                "failed", 3, "Gateway Timeout")

            api.fail_next("sendMessage", 400, "Bad Request: chat not found", count=2)
            third = await queue(app, watch=False)
            await until_status(app.services.db, third, store.DONE)
            assert (await deliveries(app.services.db, third))[user] == (
                "failed", 1, "Chat not found")  # a bad request is not tried again


async def test_blocked_users_are_marked_and_left_out_until_they_write(tmp_path: Path) -> None:
    async with FakeBotApi() as api, opened(tmp_path, settings()) as app:
        db = app.services.db
        users = await add_users(db, 5)
        api.block_chat(FIRST_CHAT + 2)
        number = await queue(app, watch=False)
        async with running(app, api):
            await until_status(db, number, store.DONE)
        rows = await deliveries(db, number)
        assert rows[users[2]][0] == "blocked"
        blocked = await db.fetchall("SELECT id FROM users WHERE blocked_at IS NOT NULL")
        assert [r[0] for r in blocked] == [users[2]]
        everyone = Audience(audiences.EVERYONE)
        assert await audiences.count_recipients(db, everyone, (CHANNEL,)) == 5  # admin + 4
        second = await queue(app, watch=False)
        assert users[2] not in await deliveries(db, second)
        # They unblock the bot and write to it: the next broadcast includes them again.
        await Chat(app.core, str(FIRST_CHAT + 2)).say("/menu")
        assert await audiences.count_recipients(db, everyone, (CHANNEL,)) == 6


async def test_a_stop_midway_cancels_the_rest_and_keeps_what_was_sent(tmp_path: Path) -> None:
    async with FakeBotApi() as api, opened(tmp_path, settings(rate=20)) as app:
        db = app.services.db
        await add_users(db, 60)
        number = await queue(app)
        admin = Chat(Core(app.services, clock=lambda: NOW), str(ADMIN), locale="en")
        async with running(app, api):
            await api.wait_for(lambda: len(sends(api)) >= 10, timeout=10)
            await admin.say(f"/stopbroadcast {number}")
            assert "Stop broadcast #1?" in admin.last[-1].text
            await admin.tap("Yes, stop it")
            at_stop = len(sends(api))
            assert "is stopped" in admin.last[-1].text
            await api.wait_text(ADMIN, "Broadcast #1 was stopped.", timeout=5, since=0)
            await asyncio.sleep(0.3)
        assert len(sends(api)) <= at_stop + 1  # at most the one in flight when it stopped
        counts = (await store.counts(db, [number]))[number]
        assert counts.pending == 0 and counts.sent == len(sends(api))
        assert counts.cancelled == 61 - counts.sent
        assert await store.status(db, number) == store.CANCELLED
        audit = await db.fetchall("SELECT detail FROM audit_log WHERE action = 'broadcast'")
        stopped = [e for e in map(json.loads, (r[0] for r in audit))
                   if e["event"] == "broadcast_stopped"]
        # At stop time; the one in flight may have been sent since.
        assert [(e["broadcast"], e["cancelled"] >= counts.cancelled) for e in stopped] \
            == [(number, True)]


async def test_scheduled_broadcasts_wait_for_their_time_and_the_morning(tmp_path: Path) -> None:
    quiet = settings().quiet_hours or BroadcastConfig().quiet_hours
    async with FakeBotApi() as api, opened(tmp_path, settings(quiet_hours=quiet)) as app:
        await add_users(app.services.db, 3)
        at = datetime(2026, 10, 3, 13, 30, tzinfo=UTC)  # 20:30 in Vietnam
        number = await queue(app, when=at, watch=False)
        now = [at - timedelta(minutes=1)]
        # The application's jobs start a scheduled broadcast; the worker then sends it.
        async with scheduling(app, clock=lambda: now[0]), \
                running(app, api, clock=lambda: now[0]):
            await asyncio.sleep(0.3)
            assert sends(api) == []  # not yet time
            now[0] = at + timedelta(hours=1)  # 21:30: due, but within quiet hours
            await asyncio.sleep(0.3)
            assert sends(api) == [] and await store.status(app.services.db, number) == "scheduled"
            now[0] = datetime(2026, 10, 4, 0, 0, tzinfo=UTC)  # 07:00: morning
            await until_status(app.services.db, number, store.DONE)
        assert len(sends(api)) == 4


async def test_a_restarted_worker_sends_only_what_is_still_pending(tmp_path: Path) -> None:
    async with FakeBotApi() as api, opened(tmp_path, settings()) as app:
        db = app.services.db
        users = await add_users(db, 10)
        number = await queue(app, watch=False)
        for uid in users[:4]:  # sent before the crash
            await store.record(db, number, uid, store.SENT, NOW)
        async with running(app, api):
            await until_status(db, number, store.DONE)
        assert sorted(c.chat_id for c in sends(api)) == [ADMIN, *range(FIRST_CHAT + 4,
                                                                      FIRST_CHAT + 10)]


async def test_the_fake_enforces_a_rate_and_refuses_a_share_of_chats() -> None:
    async with FakeBotApi(send_rate_limit=3, forbidden_share=0.05) as api, \
            Bot(TOKEN, base_url=api.base_url) as bot:
        refused = [chat for chat in range(FIRST_CHAT, FIRST_CHAT + 2000) if api.refuses(chat)]
        assert 60 < len(refused) < 140
        allowed = next(c for c in range(FIRST_CHAT, FIRST_CHAT + 10) if not api.refuses(c))
        for _ in range(3):
            await bot.send_message(allowed, "ok")
        with pytest.raises(RetryAfter):  # the fourth within a second
            await bot.send_message(allowed, "too many")
        await asyncio.sleep(1.05)
        await bot.send_message(allowed, "ok again")
        with pytest.raises(Forbidden):
            await bot.send_message(refused[0], "hello")
