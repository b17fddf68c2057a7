"""/chart and the report's "📈 Chart" button: visits per day as a picture.

Admins get the province (bars) and its top communes (lines); a team leader gets their team.
Follow-up visits count: the chart shows the work done each day, not new households.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_skeleton

from bot.core.actions import Action, action
from bot.core.campaigns import calendar as campaigns
from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.reports import charts
from bot.core.reports.scope import (
    Scope,
    days_scope,
    default_scope,
    from_token,
    parse_typed,
    problem_text,
    short_name,
)
from bot.core.reports.views import PROVINCE, STATS, commune_name, no_campaign, reach, refusal, stale
from bot.core.shared.menus import menu_button
from bot.i18n import Translator
from bot.storage import reports

TOP_COMMUNES = 5
MAX_DAYS = 366  # a bar a day: more would not be readable
# Day labels under the chart: short, the reader's way ("1/10" in Vietnamese, "Oct 1").
_DAY_SKELETONS = {"vi": "dM", "en": "MMMd"}


def day_label(t: Translator, day: date) -> str:
    """A day as short as the reader's language writes it."""
    return format_skeleton(_DAY_SKELETONS.get(t.locale, "Md"), day, locale=t.locale)


async def chart(ctx: Context, args: str) -> list[Reply]:
    """/chart [first day] [last day]: the current campaign, or the days typed."""
    t = ctx.t
    if not reach(ctx):
        return refusal(ctx)
    typed = parse_typed(args)
    if typed.problem or typed.rest:
        shown = problem_text(t, typed, "/chart")
        if not typed.problem:
            shown = t._("I couldn't read “{text}” as dates.").format(text=typed.rest[:40]) + \
                " " + shown
        return [Reply(shown, ((menu_button(t),),))]
    if typed.first is not None and typed.last is not None:
        scope: Scope | None = days_scope(ctx, typed.first, typed.last)
    else:
        scope = await default_scope(ctx)
    if scope is None:
        return no_campaign(ctx, "/chart")
    return await show(ctx, scope)


async def pressed(ctx: Context, act: Action) -> list[Reply]:
    """The chart of the scope a button carries."""
    if not reach(ctx):
        return refusal(ctx)
    scope = await from_token(ctx, act.args[0])
    if scope is None:
        return stale(ctx)
    return await show(ctx, scope)


async def series(ctx: Context, scope: Scope) -> charts.DailySeries:
    """The visits per day the user may see: the province and its top communes, or their team."""
    zone = ctx.services.config.timezone
    # Days still to come are left out: a line falling to zero on them would mislead.
    last = min(scope.last, campaigns.today(ctx))
    if reach(ctx) == PROVINCE:
        rows = await reports.hourly(ctx.db, scope.span)
        return charts.daily_series(rows, scope.first, last, zone, TOP_COMMUNES)
    assert ctx.membership is not None  # a leader
    rows = await reports.team_hourly(ctx.db, scope.span, ctx.membership.team.id)
    return charts.daily_series(rows, scope.first, last, zone, top=0)


def _labels(ctx: Context, scope: Scope, found: charts.DailySeries) -> charts.ChartLabels:
    t = ctx.t
    province = reach(ctx) == PROVINCE
    if province:
        whole = t._("The whole province: {province}").format(
            province=ctx.services.config.province)
    else:
        assert ctx.membership is not None
        whole = t._("Team “{team}”").format(team=ctx.membership.team.name)
    count = len(found.groups)
    return charts.ChartLabels(
        title=t._("Visits per day: {name}").format(name=short_name(ctx, scope)),
        total_label=whole,
        groups_title=t.ngettext("The commune with the most visits",
                                "The {count} communes with the most visits", count).format(
            count=t.number(count)) if province else "",
        y_label=t._("Visits"),
        day_labels=tuple(day_label(t, day) for day in found.days),
        group_names=tuple(commune_name(ctx, key) for key, _ in found.groups),
        number=t.number)


async def show(ctx: Context, scope: Scope) -> list[Reply]:
    """The chart as an image, with a one-line caption; a clear answer when there is nothing."""
    t = ctx.t
    back = ((Button(t._("📊 Report"), action(STATS, scope.token)), menu_button(t)),)
    if scope.days > MAX_DAYS:
        return [Reply(t._("A chart can show up to {count} days. Please choose a shorter range, "
                          "for example /chart 2026-10-01 2026-10-10.").format(
            count=t.number(MAX_DAYS)), back)]
    found = await series(ctx, scope)
    if found.empty:
        return [Reply(t._("No visits yet in {name}: there is nothing to draw.").format(
            name=short_name(ctx, scope)), back)]
    path = await charts.render(found, _labels(ctx, scope, found))
    caption = t._("📈 Visits per day, {name}: {count} in all (follow-ups included).").format(
        name=short_name(ctx, scope), count=t.number(sum(found.total)))
    return [Reply(caption, back, image=path)]
