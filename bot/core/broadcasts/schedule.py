"""Broadcast times: quiet hours and the schedule times admins type, in local time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

QuietHours = tuple[time, time] | None

# "HH:MM", "7h30", "DD/MM HH:MM" or "DD/MM/YYYY HH:MM"
_WHEN = re.compile(r"^(?:(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}))?\s+)?(\d{1,2})\s*[:hH]\s*(\d{2})$")


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
    """The moment meant by "HH:MM" (today) or "DD/MM HH:MM" (this year), in local time."""
    match = _WHEN.match(text.strip())
    if match is None:
        return When(problem="format")
    day, month, year, hour, minute = match.groups()
    local_now = now.astimezone(zone)
    try:
        on = (date(int(year) if year else local_now.year, int(month), int(day)) if day
              else local_now.date())
        at = time(int(hour), int(minute))
    except ValueError:  # 31/02, 25:00
        return When(problem="format")
    moment = datetime.combine(on, at, tzinfo=zone).astimezone(UTC)
    if moment <= now:
        return When(problem="past")
    return When(moment=moment)


def quiet_label(quiet: QuietHours) -> str:
    """The quiet hours as admins write them: 21:00-07:00."""
    if quiet is None:
        return ""
    return f"{quiet[0].strftime('%H:%M')}-{quiet[1].strftime('%H:%M')}"
