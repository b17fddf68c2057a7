"""The application's jobs: one scheduler on a real database, whatever channels run."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import App
from bot.core.broadcasts import start_due_broadcast
from bot.core.context import Services
from bot.core.jobs import JOBS, Job, Scheduler
from bot.storage import audiences, help_requests, users
from bot.storage import broadcasts as broadcast_store
from bot.storage import campaigns as campaign_store
from bot.storage.audiences import Audience
from tests.factories import ANH_SON

LATER = datetime(2026, 10, 13, 3, 0, tzinfo=UTC)  # 10:00 local, three days after the campaign
EARLIER = LATER - timedelta(days=2)
CAMPAIGN = "di-tung-ngo-2026"


async def until(check: Callable[[], Awaitable[bool]], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "the jobs never did it"
        await asyncio.sleep(0.02)


async def prepare(app: App) -> tuple[int, int]:
    """An open help request two days old, a notification sent 31 days ago and a broadcast
    scheduled an hour ago: (request id, broadcast id)."""
    db = app.services.db
    citizen = await users.touch(db, "telegram", "1", "vi", EARLIER)
    async with db.transaction() as conn:
        request = await help_requests.insert(conn, citizen.id, "Lan", ANH_SON, "Xóm 3",
                                             "0912345678", None, EARLIER)
        sent = (LATER - timedelta(days=31)).isoformat()
        await conn.execute("INSERT INTO outbox (user_id, reply, created_at, sent_at) "
                           "VALUES (?, '{}', ?, ?)", (citizen.id, sent, sent))
    created = await broadcast_store.create(
        db, citizen.id, "Thông báo", None, Audience(audiences.EVERYONE),
        LATER - timedelta(hours=1), EARLIER, None, channels=("telegram",))
    assert request is not None and created is not None
    return request, created[0]


async def test_every_job_runs_at_start_on_the_application_s_data(app: App) -> None:
    request_id, broadcast_id = await prepare(app)
    db = app.services.db
    scheduler = Scheduler(app.services, clock=lambda: LATER, tick=0.01)
    scheduler.start()
    assert scheduler.running

    async def escalated() -> bool:
        request = await help_requests.get(db, request_id)
        return request is not None and request.escalated_at is not None

    async def purged() -> bool:
        row = await db.fetchone("SELECT COUNT(*) FROM outbox")
        return row is not None and row[0] == 0

    async def started() -> bool:
        return await broadcast_store.status(db, broadcast_id) == broadcast_store.SENDING

    async def frozen() -> bool:
        return CAMPAIGN in await campaign_store.complete_among(db, [CAMPAIGN])

    try:
        for check in (escalated, purged, started, frozen):
            await until(check)
    finally:
        await scheduler.stop()
    assert not scheduler.running
    assert {job.name for job in JOBS} == {"help request escalation", "privacy purge",
                                          "campaign freezing", "scheduled broadcasts",
                                          "plan users", "household labels",
                                          "lesson reminders"}


async def test_the_application_owns_the_jobs_and_close_stops_them(app: App) -> None:
    assert not app.jobs.running  # opening the application starts nothing
    app.start_jobs()
    assert app.jobs.running
    await app.jobs.stop()  # what App.close() does first
    assert not app.jobs.running


async def test_a_failing_job_stops_no_other_and_is_logged_once(
        app: App, caplog: pytest.LogCaptureFixture) -> None:
    ran: list[str] = []

    async def broken(_services: Services, _now: datetime) -> None:
        ran.append("broken")
        raise RuntimeError("the disk is gone")

    async def fine(_services: Services, _now: datetime) -> None:
        ran.append("fine")

    scheduler = Scheduler(app.services, jobs=(Job("broken", broken, 0.0),
                                              Job("fine", fine, 0.0)), tick=0.01)
    async def thrice() -> bool:
        return ran.count("fine") >= 3

    with caplog.at_level(logging.ERROR, logger="bot.core.jobs"):
        scheduler.start()
        try:
            await until(thrice)
        finally:
            await scheduler.stop()
    assert ran[:6] == ["broken", "fine"] * 3
    failures = [r for r in caplog.records if "'broken' failed" in r.getMessage()]
    assert len(failures) == 1  # one log per new kind of failure, not one per run


async def test_each_job_runs_at_start_then_at_its_own_pace(app: App) -> None:
    ran: list[str] = []

    def job(name: str, every: float) -> Job:
        async def run(_services: Services, _now: datetime) -> None:
            ran.append(name)
        return Job(name, run, every)

    scheduler = Scheduler(app.services, jobs=(job("minute", 60.0), job("always", 0.0)))
    for _ in range(3):
        await scheduler.run_due()
    assert ran == ["minute", "always", "always", "always"]


async def test_a_scheduled_broadcast_starts_outside_quiet_hours_one_at_a_time(app: App) -> None:
    _request, broadcast_id = await prepare(app)
    services, db = app.services, app.services.db
    night = datetime(2026, 10, 12, 15, 0, tzinfo=UTC)  # 22:00 local: quiet hours
    assert await start_due_broadcast(services, night) is None
    assert await start_due_broadcast(services, LATER - timedelta(hours=2)) is None  # not yet
    assert await broadcast_store.status(db, broadcast_id) == broadcast_store.SCHEDULED
    second = await broadcast_store.create(
        db, 1, "Thông báo 2", None, Audience(audiences.EVERYONE),
        LATER - timedelta(minutes=30), EARLIER, None, channels=("telegram",))
    assert second is not None
    assert await start_due_broadcast(services, LATER) == broadcast_id
    assert await start_due_broadcast(services, LATER) is None  # the first is being sent
    assert await broadcast_store.status(db, second[0]) == broadcast_store.SCHEDULED
