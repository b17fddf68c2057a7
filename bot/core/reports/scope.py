"""What a report covers: a campaign or a range of days, typed by the user or carried by a button.

A button carries its scope as a short token, "c<n>" (the n-th campaign of the configuration)
or "d<YYYYMMDD>-<YYYYMMDD>" (days, inclusive), which is parsed again (shared/dates.py): buttons
can be forged, forwarded or pressed on an old message.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date

from bot.config import Campaign
from bot.core import campaigns
from bot.core.context import Context
from bot.core.shared.dates import (
    FIRST_YEAR,
    LAST_YEAR,
    DateRangeError,
    Problem,
    Typed,
    checked,
    compact,
    from_compact,
)
from bot.core.shared.messages import clip
from bot.i18n import Translator
from bot.storage.reports import Span

_CAMPAIGN_TOKEN = re.compile(r"^c(\d{1,3})$")
_DAYS_TOKEN = re.compile(r"^d(\d{8})-(\d{8})$")


@dataclass(frozen=True)
class Scope:
    """The days a report covers and where their visits are read."""

    token: str  # what a button carries to show the same scope again
    first: date
    last: date  # inclusive
    span: Span
    campaign: Campaign | None = None  # None for a range of days
    ended: bool = False  # a campaign that has ended (its figures are frozen)
    recent: bool = False  # the last days shown because no campaign is running

    @property
    def days(self) -> int:
        """How many days the scope covers."""
        return (self.last - self.first).days + 1


def problem_text(t: Translator, typed: Typed, command: str = "/stats") -> str:
    """Why the typed days (or the words typed instead) can't be used, and how to write days
    after command."""
    example = t._("For example: {command} 2026-10-01 2026-10-10 (or 01/10/2026 "
                  "10/10/2026).").format(command=command)
    if typed.problem is None:  # words where days were expected: how to write days
        if not typed.rest:
            return example
        return t._("I couldn't read “{text}” as dates.").format(text=clip(typed.rest)) + \
            " " + example
    if typed.problem is Problem.END_BEFORE_START:
        text = t._("The end of the range comes before its start. Put the first day first.")
    elif typed.problem is Problem.YEARS:
        text = t._("{date} is too far away: I report on days from {first} to {last}.").format(
            date=clip(typed.culprit), first=FIRST_YEAR, last=LAST_YEAR)
    elif typed.problem is Problem.TOO_MANY:
        text = t._("Please give one day, or two days: the first and the last.")
    else:
        text = t._("{date} is not a date I can read.").format(date=clip(typed.culprit))
    return f"{text} {example}"


def _span(first: date, last: date, ctx: Context, frozen: str | None = None) -> Span:
    start, end = campaigns.days_bounds(first, last, ctx.services.config.timezone)
    return Span(start, end, frozen)


def days_scope(ctx: Context, first: date, last: date) -> Scope:
    """A range of days, read from the live visits."""
    return Scope(f"d{compact(first)}-{compact(last)}", first, last, _span(first, last, ctx))


async def campaign_scope(ctx: Context, index: int) -> Scope:
    """The configuration's index-th campaign; an ended one is read from its frozen copy."""
    campaign = ctx.services.config.campaigns[index]
    ended = campaign.last_day < campaigns.today(ctx)
    if ended:
        await campaigns.ensure_frozen(ctx)
    return Scope(f"c{index}", campaign.first_day, campaign.last_day,
                 _span(campaign.first_day, campaign.last_day, ctx,
                       campaign.key if ended else None), campaign, ended)


async def default_scope(ctx: Context) -> Scope:
    """The running campaign; when none runs, the last RECENT_DAYS days, today included (an
    ended campaign is shown when asked for: a button, "Other campaigns")."""
    running = campaigns.running(ctx)
    if running is not None:
        return await campaign_scope(ctx, ctx.services.config.campaigns.index(running))
    first, last = campaigns.recent_days(ctx)
    return dataclasses.replace(days_scope(ctx, first, last), recent=True)


def recent_note(ctx: Context, command: str, other_campaigns: bool = True) -> str:
    """One line under a report of the last days: why, and how to ask for other days or (when
    the reply has the "Other campaigns" button) an ended campaign."""
    t = ctx.t
    text = t._("No campaign is running, so this shows the last {count} days. For other days, "
               "type {command} 2026-10-01 2026-10-10.").format(
        count=t.number(campaigns.RECENT_DAYS), command=command)
    if other_campaigns and started_campaigns(ctx):
        text += " " + t._("For an ended campaign, press “Other campaigns”.")
    return text


async def from_token(ctx: Context, token: str) -> Scope | None:
    """The scope a button carries, or None when it is malformed or no longer configured."""
    match = _CAMPAIGN_TOKEN.match(token)
    if match:
        index = int(match.group(1))
        if index < len(ctx.services.config.campaigns):
            return await campaign_scope(ctx, index)
        return None
    match = _DAYS_TOKEN.match(token)
    if not match:
        return None
    try:
        days = checked(from_compact(match.group(1)), from_compact(match.group(2)))
    except DateRangeError:
        return None
    return days_scope(ctx, days.first, days.last)


def started_campaigns(ctx: Context) -> list[tuple[int, Campaign]]:
    """Campaigns that have started, the most recent first, with their index."""
    day = campaigns.today(ctx)
    started = [(i, c) for i, c in enumerate(ctx.services.config.campaigns) if c.first_day <= day]
    return sorted(started, key=lambda pair: (pair[1].first_day, pair[0]), reverse=True)


def heading(ctx: Context, scope: Scope, command: str = "/stats") -> list[str]:
    """The campaign's name, days and state, or the range of days (with why, when no campaign
    is running, and how command takes other days)."""
    t = ctx.t
    days = t._("{first} – {last}").format(first=t.date(scope.first), last=t.date(scope.last))
    if scope.campaign is None:
        if scope.first == scope.last:
            return [t._("📅 {date}").format(date=t.date(scope.first))]
        note = [recent_note(ctx, command)] if scope.recent else []
        return [t._("📅 {days}").format(days=days), *note]
    today = campaigns.today(ctx)
    if scope.ended:
        state = t._("ended, figures frozen")
    elif scope.first > today:
        state = t._("not started yet")
    else:
        state = t._("day {day} of {days}").format(
            day=t.number((today - scope.first).days + 1), days=t.number(scope.days))
    return [f"🚩 {scope.campaign.name}", f"{days} · {state}"]


def short_name(ctx: Context, scope: Scope) -> str:
    """The campaign's name or the days, on one line (chart titles, captions)."""
    t = ctx.t
    if scope.campaign is not None:
        return scope.campaign.name
    if scope.first == scope.last:
        return t.date(scope.first)
    return t._("{first} – {last}").format(first=t.date(scope.first), last=t.date(scope.last))
