"""Campaigns: the periods of work set in the configuration, and their figures frozen when they end.

- calendar.py: which campaign is running (else the last ended, or the last 30 days for
  reports), today where the volunteers are, local days as UTC bounds, and asking for the
  ended campaigns to be frozen.
- freezer.py: the one background copy of ended campaigns' figures, awaited by whoever needs it.

Campaigns have no command of their own: visits, reports and exports read them, and the jobs
start freezing a minute after a campaign's last day.
"""

from bot.core.campaigns.calendar import (
    RECENT_DAYS,
    Shown,
    day_start,
    days_bounds,
    ended_campaigns,
    ensure_frozen,
    recent_days,
    running,
    shown,
    start_freezing,
    today,
    upcoming,
)
from bot.core.campaigns.freezer import Freezer

__all__ = [
    "RECENT_DAYS",
    "Freezer",
    "Shown",
    "day_start",
    "days_bounds",
    "ended_campaigns",
    "ensure_frozen",
    "recent_days",
    "running",
    "shown",
    "start_freezing",
    "today",
    "upcoming",
]
