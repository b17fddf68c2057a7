"""The application's own jobs, run whatever channels run (the terminal chat included).

One task, started by bot/app.py (App.start_jobs) and stopped by App.close. Every minute, the
first time at start: overdue help requests are escalated, expired personal details purged
(docs/PRIVACY.md), ended campaigns frozen, admins told when a chat app's plan nears the
users it allows, and learners who asked for it reminded of a lesson left for three days.
Every second: a scheduled broadcast whose time has come is started; the channel's
broadcaster then sends it. Channels only deliver.

A job that fails is logged once per new kind of failure (a database that is gone would
otherwise fill the log every minute); the others still run, and it runs again next time.
"""

from __future__ import annotations

import asyncio
import calendar
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.broadcasts import start_due_broadcast
from bot.core.campaigns import days_bounds, start_freezing
from bot.core.context import Services
from bot.core.events import Reply
from bot.core.help import escalate_overdue
from bot.core.reminders import send_reminders
from bot.core.service import utc_now
from bot.core.shared import outbox
from bot.storage import usage
from bot.storage.privacy import blank_households, purge_expired

log = logging.getLogger(__name__)

MINUTE = 60.0  # seconds between runs of the upkeep jobs
SECOND = 1.0  # seconds between looks for a scheduled broadcast that is due
HOUR = 3600.0  # seconds between runs of the slow upkeep (labels past their retention)
TICK = 1.0  # seconds between the scheduler's looks at its jobs


@dataclass(frozen=True)
class Job:
    """Something the application does by itself, every so many seconds."""

    name: str
    run: Callable[[Services, datetime], Awaitable[object]]
    every: float  # seconds; the first run is at start


async def escalate_help_requests(services: Services, now: datetime) -> int:
    """Send requests nobody took for a day to the commune's leaders and the admins."""
    count = await escalate_overdue(services, now)
    if count:
        log.info("escalated %s overdue help request(s)", count)
    return count


async def purge_personal_details(services: Services, now: datetime) -> int:
    """Erase the phone numbers and messages older than the retention periods."""
    return await purge_expired(services.db, now)


async def blank_old_households(services: Services, now: datetime) -> int:
    """Blank the household labels and notes of visits retention.household_months after their
    campaign ended (or after the visit, outside campaigns)."""
    config = services.config
    months = config.household_months
    kept = []
    for campaign in config.campaigns:
        start, end = days_bounds(campaign.first_day, campaign.last_day, config.timezone)
        if months_after(datetime.fromisoformat(end), months) > now:
            kept.append((start, end))
    blanked = await blank_households(services.db, months_after(now, -months), kept)
    if blanked:
        log.info("blanked the household labels of %s visits past their retention", blanked)
    return blanked


def months_after(moment: datetime, months: int) -> datetime:
    """The same day and time months later (earlier when negative), the day clipped to the
    month's last."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


async def warn_plan_users(services: Services, now: datetime) -> int:
    """Tell the admins when a channel's users near what its plan allows (70, 85, 95%)."""
    told = 0
    for channel, allowed in services.config.plan_users.items():
        count = await usage.users_in(services.db, channel)
        level = usage.warn_level(count, allowed)
        if not level or not await usage.warned_users(services.db, channel, level):
            continue
        log.warning("%s: %s of the plan's %s users", channel, count, allowed)
        admins = await outbox.admins(services)
        async with services.db.transaction() as conn:
            for admin in admins:
                t = services.translations.get(admin.locale)
                text = t._("⚠ {channel}: {count} people use the bot, of the {limit} its plan "
                           "allows ({percent}%). Beyond the plan's number, {channel} may not "
                           "let more people chat with the bot: a larger plan allows more."
                           ).format(channel=channel.capitalize(), count=t.number(count),
                                    limit=t.number(allowed), percent=count * 100 // allowed)
                await outbox.notify(conn, admin, Reply(text), now)
        told += len(admins)
    return told


JOBS: tuple[Job, ...] = (
    Job("help request escalation", escalate_help_requests, MINUTE),
    # Retention (docs/PRIVACY.md): old phone numbers and messages go.
    Job("privacy purge", purge_personal_details, MINUTE),
    Job("household labels", blank_old_households, HOUR),
    # Admins learn in time when a chat app's plan nears the users it allows.
    Job("plan users", warn_plan_users, MINUTE),
    # An ended campaign is frozen before anyone asks for its figures.
    Job("campaign freezing", start_freezing, MINUTE),
    Job("scheduled broadcasts", start_due_broadcast, SECOND),
    # A learner who agreed and left a lesson for days is reminded of it (docs/PRIVACY.md).
    Job("lesson reminders", send_reminders, MINUTE),
)


class Scheduler:
    """A background task running each job when it is due. It never dies of an error."""

    def __init__(self, services: Services, jobs: Sequence[Job] = JOBS,
                 clock: Callable[[], datetime] = utc_now, tick: float = TICK) -> None:
        self.services = services
        self.jobs = tuple(jobs)
        self.clock = clock
        self.tick = tick
        self._halt = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._next: dict[str, float] = {}  # job name -> monotonic time of its next run
        self._last_error: dict[str, str] = {}  # job name -> repr of its last failure

    @property
    def running(self) -> bool:
        """True between start() and stop()."""
        return self._task is not None

    def start(self) -> None:
        """Start the task (once); every job runs right away, then at its own pace."""
        if self._task is None:
            self._halt.clear()
            self._task = asyncio.create_task(self._run(), name="jobs")

    async def stop(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Let the job under way finish, then end the task (cancelled after timeout)."""
        task, self._task = self._task, None
        if task is None:
            return
        self._halt.set()
        try:
            await asyncio.wait_for(task, timeout)
        except TimeoutError:
            log.warning("the jobs did not stop within %s s; cancelled", timeout)

    async def run_due(self) -> None:
        """Run every job whose time has come, each on its own: one failing stops no other."""
        for job in self.jobs:
            if self._halt.is_set():
                return
            if time.monotonic() < self._next.get(job.name, 0.0):
                continue
            self._next[job.name] = time.monotonic() + job.every
            try:
                await job.run(self.services, self.clock())
                self._last_error.pop(job.name, None)
            except Exception as exc:
                if repr(exc) != self._last_error.get(job.name):
                    log.exception("the job %r failed; the jobs carry on", job.name)
                self._last_error[job.name] = repr(exc)

    async def _run(self) -> None:
        while not self._halt.is_set():
            await self.run_due()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._halt.wait(), self.tick)
