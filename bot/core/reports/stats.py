"""/stats: the running campaign (else the last 30 days) or a range of days, for the province
(admins) or a team (its leaders).

A phone shows the province's totals, the communes with the most households and the learning
side; every commune, one commune's teams, the chart and the leaderboard are a button or a
typed command away. Every handler checks the user's role again: buttons can be forwarded or
forged, and a leader sees their own team only.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.payloads import Action
from bot.core.reports import commune as report_commune
from bot.core.reports import schools as report_schools
from bot.core.reports.ids import ALL_COMMUNES, BOARD, CHART, PICK, STATS
from bot.core.reports.learning import learning, learning_lines
from bot.core.reports.scope import (
    Scope,
    days_scope,
    default_scope,
    heading,
    problem_text,
    started_campaigns,
)
from bot.core.reports.views import (
    PROVINCE,
    counted,
    no_campaign,
    own_team,
    pack,
    pressed_scope,
    ranks,
    reach,
    refusal,
)
from bot.core.shared.dates import read_days
from bot.core.shared.menus import menu_button
from bot.core.shared.messages import clip
from bot.core.shared.text import fold
from bot.core.visits import figure_lines
from bot.storage import figures as figure_store
from bot.storage import reports as report_store

TOP_COMMUNES = 10
MAX_CAMPAIGNS = 10  # campaigns offered as buttons, the most recent first


async def stats(ctx: Context, args: str) -> list[Reply]:
    """/stats [commune] [first day] [last day]: the report the user may see."""
    who, t = reach(ctx), ctx.t
    if not who:
        return refusal(ctx)
    typed = read_days(args)
    if typed.problem or (typed.rest and who != PROVINCE):  # only admins type a commune
        return [Reply(problem_text(t, typed), ((menu_button(t),),))]
    if typed.first is not None and typed.last is not None:
        scope = days_scope(ctx, typed.first, typed.last)
    else:
        scope = await default_scope(ctx)
    if typed.rest:
        return await report_commune.typed(ctx, scope, typed.rest)
    return await show(ctx, scope, edit=False)


async def show(ctx: Context, scope: Scope, edit: bool) -> list[Reply]:
    """The province's report for an admin, the team's for a leader."""
    if reach(ctx) == PROVINCE:
        return await _province(ctx, scope, edit)
    return await _team(ctx, scope, edit)


def _buttons(ctx: Context, scope: Scope, visits: bool, province: bool, schools: bool = False
             ) -> tuple[tuple[Button, ...], ...]:
    t = ctx.t
    rows: list[tuple[Button, ...]] = []
    first = [Button(t._("📈 Chart"), CHART(scope.token))] if visits else []
    first.append(Button(t._("🏆 Leaderboard"), BOARD(scope.token)))
    if first:
        rows.append(tuple(first))
    places = [Button(t._("🏘 All communes"), ALL_COMMUNES(scope.token))] if province and visits \
        else []
    if province and schools:  # admins only: a leader's report has no schools
        places.append(report_schools.button(ctx, scope))
    if places:
        rows.append(tuple(places))
    rows.append((Button(t._("🗓 Other campaigns"), PICK("s")), menu_button(t)))
    return tuple(rows)


async def _province(ctx: Context, scope: Scope, edit: bool) -> list[Reply]:
    t, span = ctx.t, scope.span
    found = await report_store.by_commune(ctx.db, span)
    total = added(found.values())
    blocks = ["\n".join([t._("📊 Report for {province}").format(
        province=ctx.services.config.province), *heading(ctx, scope), counted(t)]),
        "\n".join(figure_lines(t, total))]
    if total.visits:
        ordered = _communes_by_households(ctx, found)
        top = ordered[:TOP_COMMUNES]
        lines = [t._("🏘 Communes with the most households ({count} of {total} have visits):")
                 .format(count=t.number(len(found)), total=t.number(len(ctx.services.communes)))]
        for rank, (code, households, people) in zip(ranks([h for _, h, _ in top]), top,
                                                    strict=True):
            lines.append(_commune_line(ctx, rank, code, households, people))
        blocks.append("\n".join(lines))
    blocks.append("\n".join(learning_lines(t, await learning(ctx, span, None), team=False)))
    schools = await report_schools.schools_now(ctx)
    if schools:
        blocks.append(report_schools.block(t, schools))
    blocks.append(t._("Type /stats and a commune's name for its teams, or /stats with two "
                      "dates (2026-10-01 2026-10-10) for any days."))
    return pack(ctx, blocks, _buttons(ctx, scope, bool(total.visits), True, bool(schools)),
                edit)


def added(parts: Iterable[figure_store.Figures]) -> figure_store.Figures:
    """The sum of communes' figures: the province's (no household is in two communes)."""
    total = figure_store.figures_of(None)
    for part in parts:
        total = figure_store.Figures(
            total.visits + part.visits, total.households + part.households,
            total.people + part.people,
            {k: v + part.skills[k] for k, v in total.skills.items()},
            {k: v + part.outcomes[k] for k, v in total.outcomes.items()})
    return total


def _communes_by_households(ctx: Context, found: dict[str, figure_store.Figures]
                            ) -> list[tuple[str, int, int]]:
    rows = [(code, f.households, f.people) for code, f in found.items()]
    commune = ctx.services.communes.display_name
    return sorted(rows, key=lambda r: (-r[1], -r[2], fold(commune(r[0]))))


def _commune_line(ctx: Context, rank: int, code: str, households: int, people: int) -> str:
    t = ctx.t
    return t._("{rank}. {commune}: 🏠 {households} · 👥 {people}").format(
        rank=rank, commune=ctx.services.communes.display_name(code),
        households=t.number(households), people=t.number(people))


async def _team(ctx: Context, scope: Scope, edit: bool) -> list[Reply]:
    t, span = ctx.t, scope.span
    team = own_team(ctx)
    if span.frozen:
        found = await figure_store.frozen_of_team(ctx.db, span.frozen, team.id)
    else:
        found = await figure_store.of_team(ctx.db, team.id, span.start, span.end)
    blocks = ["\n".join([t._("👥 Team “{team}”, {commune}").format(
        team=team.name, commune=ctx.services.communes.display_name(team.commune_code)),
        *heading(ctx, scope), counted(t)]), "\n".join(figure_lines(t, found)),
        "\n".join(learning_lines(t, await learning(ctx, span, team.id), team=True))]
    return pack(ctx, blocks, _buttons(ctx, scope, bool(found.visits), False), edit)


async def all_communes(ctx: Context, act: Action) -> list[Reply]:
    """Every commune of the province by households, those without visits named at the end."""
    t, scope = ctx.t, await pressed_scope(ctx, act.args[0], province=True)
    if not isinstance(scope, Scope):
        return scope
    found = await report_store.by_commune(ctx.db, scope.span)
    ordered = _communes_by_households(ctx, found)
    lines = [t._("🏘 All communes, by households"), *heading(ctx, scope)]
    for rank, (code, households, people) in zip(ranks([h for _, h, _ in ordered]), ordered,
                                                strict=True):
        lines.append(_commune_line(ctx, rank, code, households, people))
    if not ordered:
        lines.append(t._("No visits logged."))
    blocks = ["\n".join(lines)]
    idle = sorted((c.name for c in ctx.services.communes.all() if c.code not in found), key=fold)
    if idle:
        blocks.append("\n".join([t.ngettext(
            "No visits yet in {count} commune:", "No visits yet in {count} communes:",
            len(idle)).format(count=t.number(len(idle))), ", ".join(idle)]))
    blocks.append(t._("Type /stats and a commune's name for its teams."))
    buttons = ((Button(t._("📊 Report"), STATS(scope.token)), menu_button(t)),)
    return pack(ctx, blocks, buttons, edit=False)


async def pressed_stats(ctx: Context, act: Action) -> list[Reply]:
    """The report from a button (a campaign picked, or back from a list)."""
    scope = await pressed_scope(ctx, act.args[0])
    if not isinstance(scope, Scope):
        return scope
    return await show(ctx, scope, edit=ctx.pressed)


async def pick(ctx: Context, act: Action) -> list[Reply]:
    """The campaigns that have started, to see another one's report or leaderboard."""
    t = ctx.t
    if not reach(ctx):
        return refusal(ctx)
    view = BOARD if act.args[0] == "l" else STATS
    started = started_campaigns(ctx)[:MAX_CAMPAIGNS]
    if not started:
        return no_campaign(ctx)
    rows = tuple((Button(f"🚩 {clip(campaign.name, 60)}", view(f"c{index}")),)
                 for index, campaign in started)
    text = t._("Choose a campaign:")
    if view is STATS:
        text += " " + t._("Or type /stats with two dates for any days, for example /stats "
                          "2026-10-01 2026-10-10.")
    return [Reply(text, (*rows, (menu_button(t),)))]

