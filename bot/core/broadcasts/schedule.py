"""Broadcast times: quiet hours, the schedule times admins type (local time), and starting a
scheduled broadcast when its time comes."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.context import Services
from bot.core.shared.dates import parse_moment
from bot.storage import broadcasts as broadcast_store

log = logging.getLogger(__name__)

QuietHours = tuple[time, time] | None


def in_quiet_hours(moment: datetime, quiet: QuietHours, zone: ZoneInfo) -> bool:
    """True when the local time of moment is inside the quiet hours (start included)."""
    if quiet is None:
        return False
    start, end = quiet
    local = moment.astimezone(zone).time().replace(tzinfo=None)
    if start < end:  # e.g. 12:00-14:00
        return start <= local < end
    return local >= start or local < end  # across midnight, e.g. 21:00-07:00


def quiet_end(moment: datetime, quiet: QuietHours, zone: ZoneInfo) -> datetime:
    """When the quiet hours that moment falls in end (moment itself if it is not quiet)."""
    if quiet is None or not in_quiet_hours(moment, quiet, zone):
        return moment
    local = moment.astimezone(zone)
    end = datetime.combine(local.date(), quiet[1], tzinfo=zone)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(UTC)


@dataclass(frozen=True)
class When:
    """A typed schedule time: the moment (UTC) or why it was refused."""

    moment: datetime | None = None
    problem: str | None = None  # "format" (not a time) or "past"


def parse_when(text: str, now: datetime, zone: ZoneInfo) -> When:
    """The moment meant by a typed time ("HH:MM" today, "DD/MM HH:MM" this year; the grammar
    of shared/dates.py), in local time."""
    local = parse_moment(text, now.astimezone(zone).date())
    if local is None:  # not a time, or none such (31/02, 25:00)
        return When(problem="format")
    moment = local.replace(tzinfo=zone).astimezone(UTC)
    if moment <= now:
        return When(problem="past")
    return When(moment=moment)


def quiet_label(quiet: QuietHours) -> str:
    """The quiet hours as admins write them: 21:00-07:00."""
    if quiet is None:
        return ""
    return f"{quiet[0].strftime('%H:%M')}-{quiet[1].strftime('%H:%M')}"


async def start_due_broadcast(services: Services, now: datetime) -> int | None:
    """Start the scheduled broadcast whose time has come, if none is being sent and it is not
    quiet hours; its id, or None."""
    settings = services.config.broadcasts
    quiet = in_quiet_hours(now, settings.quiet_hours, services.config.timezone)
    # One broadcast at a time: the one being sent comes first (next_due returns it).
    job = await broadcast_store.next_due(services.db, now, scheduled_allowed=not quiet)
    if job is None or job.status != broadcast_store.SCHEDULED:
        return None
    if not await broadcast_store.start(services.db, job.id, now):
        return None  # stopped just now
    log.info("broadcast %s: scheduled time reached, sending", job.id)
    return job.id
