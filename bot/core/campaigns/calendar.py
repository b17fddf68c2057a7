"""Campaigns from the configuration, their days in UTC, and freezing their figures when they end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.config import Campaign, Config
from bot.storage import campaigns as campaign_store

if TYPE_CHECKING:  # context.py imports this package (for the Freezer): no import back
    from bot.core.context import Context, Services


@dataclass(frozen=True)
class Shown:
    """The campaign whose figures are shown, and whether it has ended."""

    campaign: Campaign
    ended: bool
    start: str  # its first day's start, UTC ISO
    end: str  # the start of the day after its last day, UTC ISO (exclusive)


def day_start(day: date, tz: ZoneInfo) -> str:
    """The moment a local day starts, as a UTC ISO string comparable with visited_at."""
    return datetime.combine(day, time(0), tz).astimezone(UTC).isoformat()


def days_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[str, str]:
    """Local days first..last (inclusive) as UTC ISO bounds [start, end)."""
    return day_start(first, tz), day_start(last + timedelta(days=1), tz)


def today(ctx: Context) -> date:
    """Today's date where the volunteers are."""
    return ctx.now.astimezone(ctx.services.config.timezone).date()


RECENT_DAYS = 30  # what reports cover by default when no campaign is running


def running(ctx: Context) -> Campaign | None:
    """The campaign running today (of overlapping ones, the one that started last), or None."""
    day = today(ctx)
    found = [c for c in ctx.services.config.campaigns if c.first_day <= day <= c.last_day]
    return max(found, key=lambda c: c.first_day) if found else None


def recent_days(ctx: Context) -> tuple[date, date]:
    """The last RECENT_DAYS local days, today included: reports' default when none runs."""
    day = today(ctx)
    return day - timedelta(days=RECENT_DAYS - 1), day


def shown(ctx: Context) -> Shown | None:
    """The running campaign; if none, the last one that ended; None if none has started."""
    day, tz = today(ctx), ctx.services.config.timezone
    everything = ctx.services.config.campaigns
    # Overlapping campaigns: the one that started last is the one people are working on.
    chosen = running(ctx)
    if chosen is not None:
        return Shown(chosen, False, *days_bounds(chosen.first_day, chosen.last_day, tz))
    ended = [c for c in everything if c.last_day < day]
    if ended:
        chosen = max(ended, key=lambda c: (c.last_day, c.first_day))
        return Shown(chosen, True, *days_bounds(chosen.first_day, chosen.last_day, tz))
    return None


def upcoming(ctx: Context) -> Campaign | None:
    """The next campaign to start, if any."""
    day = today(ctx)
    later = [c for c in ctx.services.config.campaigns if c.first_day > day]
    return min(later, key=lambda c: c.first_day) if later else None


def ended_campaigns(config: Config, now: datetime) -> list[campaign_store.Due]:
    """Every campaign whose last local day is over, with its days as UTC bounds."""
    tz = config.timezone
    day = now.astimezone(tz).date()
    return [campaign_store.Due(c.key, *days_bounds(c.first_day, c.last_day, tz))
            for c in config.campaigns if c.last_day < day]


async def ensure_frozen(ctx: Context) -> None:
    """Wait until every ended campaign is frozen, freezing what is not (call before changing
    visits or reading an ended campaign's figures)."""
    ended = ended_campaigns(ctx.services.config, ctx.now)
    if ended:
        await ctx.services.freezer.ensure(ctx.db, ended, ctx.now)


async def start_freezing(services: Services, now: datetime) -> None:
    """Begin freezing the ended campaigns in the background (the jobs run it every minute)."""
    ended = ended_campaigns(services.config, now)
    if ended:
        await services.freezer.start(services.db, ended, now)
