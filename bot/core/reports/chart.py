"""/chart and the report's "📈 Chart" button: visits per day as a picture.

Admins get the province (bars) and its top communes (lines); a team leader gets their team.
Follow-up visits count: the chart shows the work done each day, not new households.

The data (daily_series) is separate from the drawing (draw), so it can be tested on its own.
Drawing uses matplotlib's object API (a Figure of its own, never pyplot's global figures) on
the Agg canvas, in a worker thread: the event loop keeps answering everyone meanwhile.
Labels arrive translated; the font is DejaVu Sans, which matplotlib ships and which has every
Vietnamese letter and tone mark.

Drawing is most of a chart's time (issue 17), so it is kept cheap: margins are fixed in inches
from what the chart holds (matplotlib's constrained layout measured every label twice, 40% of
the drawing), the PNG is compressed fast, and the last charts drawn are kept in memory by what
they show (series and labels): pressing Chart again while no visit came in draws nothing.
"""

from __future__ import annotations

import asyncio
import io
import math
import textwrap
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton

from bot.core import campaigns
from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.payloads import Action
from bot.core.pictures import DRAWING, FONT, new_path
from bot.core.reports.ids import STATS
from bot.core.reports.scope import (
    Scope,
    days_scope,
    default_scope,
    problem_text,
    recent_note,
    short_name,
)
from bot.core.reports.views import PROVINCE, own_team, pressed_scope, reach, refusal
from bot.core.shared.dates import read_days
from bot.core.shared.menus import menu_button
from bot.i18n import Translator
from bot.storage import reports as report_store

MAX_TICKS = 12  # date labels under the chart; more would overlap on a phone
_COLOURS = ("#d1495b", "#edae49", "#00798c", "#30638e", "#66a182", "#8d96a3")

KEPT_CHARTS = 16  # charts kept in memory (about 70 KB each) to send again unchanged
PNG_COMPRESSION = 1  # zlib level: a fifth of the encoding time of the default, files 20% larger
# Margins in inches: the title's line, the panel's title above each panel, the axis' numbers
# and label on the left, the day labels (tilted when many) and the legend's rows below.
_WIDTH, _TITLE_LINE, _PANEL_TITLE, _LEFT, _RIGHT = 9.0, 0.28, 0.38, 0.95, 0.25
_DAYS_FLAT, _DAYS_TILTED, _LEGEND_ROW, _GAP = 0.45, 0.75, 0.24, 0.55


@dataclass(frozen=True)
class DailySeries:
    """Visits on each day, in total and for the groups (communes) with the most visits."""

    days: tuple[date, ...]
    total: tuple[int, ...]
    groups: tuple[tuple[str, tuple[int, ...]], ...]  # (key, visits per day), most visits first

    @property
    def empty(self) -> bool:
        """True when no visit falls on any day."""
        return not any(self.total)


def daily_series(rows: Iterable[tuple[str, str, int]], first: date, last: date, zone: ZoneInfo,
                 top: int = 5, totals: Iterable[tuple[str, int]] | None = None) -> DailySeries:
    """Per-day visits from (group, UTC hour "YYYY-MM-DDTHH", visits) rows, days first..last;
    the total from totals ((hour, visits) of every group) when rows hold the top groups only.

    Each UTC hour is placed on the local day it starts in; visits outside the days are left out.
    """
    days = tuple(first + timedelta(days=n) for n in range((last - first).days + 1))
    position = {day: n for n, day in enumerate(days)}
    total = [0] * len(days)
    by_group: dict[str, list[int]] = {}
    placed: dict[str, int | None] = {}  # each hour placed once: rows repeat them by group

    def place(hour: str) -> int | None:
        if hour not in placed:
            day = datetime.fromisoformat(f"{hour}:00:00+00:00").astimezone(zone).date()
            placed[hour] = position.get(day)
        return placed[hour]

    for group, hour, visits in rows:
        n = place(hour)
        if n is None:
            continue
        if totals is None:
            total[n] += visits
        by_group.setdefault(group, [0] * len(days))[n] += visits
    for hour, visits in totals or ():
        n = place(hour)
        if n is not None:
            total[n] += visits
    ranked = sorted(by_group.items(), key=lambda item: (-sum(item[1]), item[0]))[:max(top, 0)]
    return DailySeries(days, tuple(total), tuple((key, tuple(v)) for key, v in ranked))


@dataclass(frozen=True)
class ChartLabels:
    """The chart's words, already in the reader's language."""

    title: str
    total_label: str  # the upper panel: the whole province, or the team
    groups_title: str  # the lower panel's title; "" draws no lower panel
    y_label: str
    day_labels: tuple[str, ...]  # one per day of the series
    group_names: tuple[str, ...]  # one per group of the series, in its order
    number: Callable[[float], str] = str  # numbers on the axis, the reader's way (1.234)


def _layout(lower: bool, tilted: bool, title_lines: int, legend_rows: int
            ) -> tuple[float, dict[str, float]]:
    """The figure's height and its panels' place (figure fractions) for subplots_adjust."""
    height = 7.0 if lower else 4.6
    top = 0.12 + _TITLE_LINE * title_lines + _PANEL_TITLE
    bottom = (_DAYS_TILTED if tilted else _DAYS_FLAT) + (
        0.1 + _LEGEND_ROW * legend_rows if lower else 0.0)
    panels = 2 if lower else 1
    panel = (height - top - bottom - _GAP * (panels - 1)) / panels
    return height, {"left": _LEFT / _WIDTH, "right": 1 - _RIGHT / _WIDTH,
                    "top": 1 - top / height, "bottom": bottom / height,
                    "hspace": _GAP / panel if lower else 0.0}


def draw_png(series: DailySeries, labels: ChartLabels) -> bytes:
    """The chart as PNG bytes (blocking: run it in a worker thread)."""
    from matplotlib.figure import Figure  # imported when first needed: it takes a second
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    with DRAWING:
        lower = bool(labels.groups_title and series.groups)
        x = list(range(len(series.days)))
        step = max(1, math.ceil(len(x) / MAX_TICKS))
        tilted = len(x[::step]) > 10
        title = textwrap.wrap(labels.title, 80)[:2]
        columns = min(3, max(len(series.groups), 1))
        height, margins = _layout(lower, tilted, len(title),
                                  math.ceil(len(series.groups) / columns))
        figure = Figure(figsize=(_WIDTH, height), dpi=110)
        figure.subplots_adjust(**margins)
        axes = figure.subplots(2 if lower else 1, 1, sharex=True, squeeze=False)[:, 0]
        upper = axes[0]
        upper.bar(x, series.total, color=_COLOURS[3], label=labels.total_label)
        upper.set_title(labels.total_label, loc="left", fontfamily=FONT, fontsize=11)
        if lower:
            for n, ((_key, values), name) in enumerate(zip(series.groups, labels.group_names,
                                                           strict=True)):
                axes[1].plot(x, values, marker="o", markersize=3, linewidth=1.8,
                             color=_COLOURS[n % len(_COLOURS)], label=name)
            axes[1].set_title(labels.groups_title, loc="left", fontfamily=FONT, fontsize=11)
            axes[1].set_ylim(bottom=0)
            # At the foot of the figure, under the day labels, where it hides no line.
            figure.legend(*axes[1].get_legend_handles_labels(), loc="lower center",
                          prop={"family": FONT, "size": 9}, frameon=False, ncols=columns,
                          bbox_to_anchor=(0.5, 0.005))
        for ax in axes:
            ax.set_ylabel(labels.y_label, fontfamily=FONT)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: labels.number(value)))
            ax.grid(axis="y", alpha=0.3)
            ax.spines[["top", "right"]].set_visible(False)
            for tick in ax.get_yticklabels():
                tick.set_fontfamily(FONT)
        axes[-1].set_xticks(x[::step], [labels.day_labels[i] for i in x[::step]],
                            fontfamily=FONT, rotation=45 if tilted else 0,
                            ha="right" if tilted else "center")
        figure.suptitle("\n".join(title), fontfamily=FONT, fontsize=13, fontweight="bold",
                        y=1 - 0.08 / height, va="top")
        out = io.BytesIO()
        figure.savefig(out, format="png", pil_kwargs={"compress_level": PNG_COMPRESSION})
        return out.getvalue()


# The last charts drawn, by what they show.
_KEPT: OrderedDict[tuple[DailySeries, ChartLabels], bytes] = OrderedDict()
_KEPT_LOCK = threading.Lock()


def _png(series: DailySeries, labels: ChartLabels) -> bytes:
    """The chart's PNG: drawn, or the same chart drawn moments ago."""
    key = (series, labels)
    try:
        hash(key)
    except TypeError:  # labels with an unhashable number formatter: drawn every time
        return draw_png(series, labels)
    with _KEPT_LOCK:
        found = _KEPT.get(key)
        if found is not None:
            _KEPT.move_to_end(key)
            return found
    drawn = draw_png(series, labels)
    with _KEPT_LOCK:
        _KEPT[key] = drawn
        while len(_KEPT) > KEPT_CHARTS:
            _KEPT.popitem(last=False)
    return drawn


def draw(series: DailySeries, labels: ChartLabels, path: Path) -> None:
    """Draw the chart into path as a PNG (blocking: run it in a worker thread)."""
    png = _png(series, labels)
    with path.open("wb") as file:
        file.write(png)


def _render(series: DailySeries, labels: ChartLabels) -> str:
    path = new_path()
    try:
        draw(series, labels, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return str(path)


async def render(series: DailySeries, labels: ChartLabels) -> str:
    """Draw the chart in a worker thread; the path of the PNG file."""
    return await asyncio.to_thread(_render, series, labels)


TOP_COMMUNES = 5
MAX_DAYS = 366  # a bar a day: more would not be readable
# Day labels under the chart: short, the reader's way ("1/10" in Vietnamese, "Oct 1").
_DAY_SKELETONS = {"vi": "dM", "en": "MMMd"}


def day_label(t: Translator, day: date) -> str:
    """A day as short as the reader's language writes it."""
    return format_skeleton(_DAY_SKELETONS.get(t.locale, "Md"), day, locale=t.locale)


async def chart(ctx: Context, args: str) -> list[Reply]:
    """/chart [first day] [last day]: the running campaign (else the last 30 days), or the
    days typed."""
    t = ctx.t
    if not reach(ctx):
        return refusal(ctx)
    typed = read_days(args)
    if typed.problem or typed.rest:
        return [Reply(problem_text(t, typed, "/chart"), ((menu_button(t),),))]
    if typed.first is not None and typed.last is not None:
        scope = days_scope(ctx, typed.first, typed.last)
    else:
        scope = await default_scope(ctx)
    return await show(ctx, scope)


async def pressed(ctx: Context, act: Action) -> list[Reply]:
    """The chart of the scope a button carries."""
    scope = await pressed_scope(ctx, act.args[0])
    if not isinstance(scope, Scope):
        return scope
    return await show(ctx, scope)


async def series(ctx: Context, scope: Scope) -> DailySeries:
    """The visits per day the user may see: the province and its top communes, or their team."""
    zone = ctx.services.config.timezone
    # Days still to come are left out: a line falling to zero on them would mislead.
    last = min(scope.last, campaigns.today(ctx))
    if reach(ctx) == PROVINCE:
        # The days shown, so the top communes are those of the days drawn.
        span = scope.span if scope.span.frozen else report_store.Span(
            *campaigns.days_bounds(scope.first, last, zone))
        totals, rows = await report_store.hourly_top(ctx.db, span, TOP_COMMUNES)
        return daily_series(rows, scope.first, last, zone, TOP_COMMUNES, totals)
    rows = await report_store.team_hourly(ctx.db, scope.span, own_team(ctx).id)
    return daily_series(rows, scope.first, last, zone, top=0)


def _labels(ctx: Context, scope: Scope, found: DailySeries) -> ChartLabels:
    t = ctx.t
    province = reach(ctx) == PROVINCE
    if province:
        whole = t._("The whole province: {province}").format(
            province=ctx.services.config.province)
    else:
        whole = t._("Team “{team}”").format(team=own_team(ctx).name)
    count = len(found.groups)
    return ChartLabels(
        title=t._("Visits per day: {name}").format(name=short_name(ctx, scope)),
        total_label=whole,
        groups_title=t.ngettext("The commune with the most visits",
                                "The {count} communes with the most visits", count).format(
            count=t.number(count)) if province else "",
        y_label=t._("Visits"),
        day_labels=tuple(day_label(t, day) for day in found.days),
        group_names=tuple(ctx.services.communes.display_name(key) for key, _ in found.groups),
        number=t.number)


async def show(ctx: Context, scope: Scope) -> list[Reply]:
    """The chart as an image, with a one-line caption; a clear answer when there is nothing."""
    t = ctx.t
    back = ((Button(t._("📊 Report"), STATS(scope.token)), menu_button(t)),)
    if scope.days > MAX_DAYS:
        return [Reply(t._("A chart can show up to {count} days. Please choose a shorter range, "
                          "for example /chart 2026-10-01 2026-10-10.").format(
            count=t.number(MAX_DAYS)), back)]
    found = await series(ctx, scope)
    note = "\n" + recent_note(ctx, "/chart", other_campaigns=False) if scope.recent else ""
    if found.empty:
        return [Reply(t._("No visits yet in {name}: there is nothing to draw.").format(
            name=short_name(ctx, scope)) + note, back)]
    path = await render(found, _labels(ctx, scope, found))
    caption = t._("📈 Visits per day, {name}: {count} in all (follow-ups included).").format(
        name=short_name(ctx, scope), count=t.number(sum(found.total)))
    return [Reply(caption + note, back, image=path)]
