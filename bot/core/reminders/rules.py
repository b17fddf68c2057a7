"""When a reminder may go: after days of quiet, once a week, in the day, within the plan."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

AFTER_DAYS = 3  # a lesson left this long earns a reminder
WEEK_DAYS = 7  # at most one reminder in this many days
FIRST_HOUR, LAST_HOUR = 8, 20  # local hours between which reminders go (not from LAST_HOUR)
# Of a capped chat app's messages a month (Zalo's plan), the share after which reminders stop:
# they are the first thing to give way, so replies and notices keep the rest.
QUOTA_SHARE = 0.8


def daytime(now: datetime, tz: ZoneInfo) -> bool:
    """True between FIRST_HOUR and LAST_HOUR local time."""
    return FIRST_HOUR <= now.astimezone(tz).hour < LAST_HOUR


def quota_left(sent: int, monthly: int) -> bool:
    """True while the month's messages sent leave room for reminders."""
    return sent < monthly * QUOTA_SHARE
