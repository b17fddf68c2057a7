"""/leaderboard: teams and volunteers ranked for the campaign's rewards (or for days typed, or
the last 30 days when no campaign is running), the rule stated.

Admins see the province's teams and volunteers by name (the names volunteers agreed to show
admins); a team leader sees the teams of their commune, never volunteers' names. The ranking
itself (ranked_teams, ranked_volunteers, the rule) is shared with the reward shortlist, so
both show the same figures. A running campaign's counts are kept whole by the summaries
(report_store keep, migration v026): a press reads one row per team and per volunteer.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from bot.core.context import Context
from bot.core.events import Reply
from bot.core.payloads import Action
from bot.core.reports.scope import (
    Scope,
    days_scope,
    default_scope,
    heading,
    problem_text,
)
from bot.core.reports.views import (
    PROVINCE,
    own_team,
    pack,
    pressed_scope,
    ranks,
    reach,
    refusal,
    scope_buttons,
    within,
)
from bot.core.shared.dates import read_days
from bot.core.shared.menus import menu_button
from bot.core.shared.messages import clip
from bot.core.shared.text import fold
from bot.storage import figures as figure_store
from bot.storage import reports as report_store
from bot.storage import teams as team_store
from bot.storage.reports import Ranked
from bot.storage.teams import Team

TOP = 20  # places shown for teams and for volunteers (ties with the 20th are shown too)
# Teams' and communes' names folded for the order of equal figures, kept between presses:
# folding a province's 1,355 team names took 25 ms of each leaderboard.
_folded = lru_cache(maxsize=8192)(fold)


async def leaderboard(ctx: Context, args: str) -> list[Reply]:
    """/leaderboard [first day] [last day]: the running campaign's (else the last 30 days'),
    or the days typed."""
    t = ctx.t
    if not reach(ctx):
        return refusal(ctx)
    typed = read_days(args)
    if typed.problem or typed.rest:
        return [Reply(problem_text(t, typed, "/leaderboard"), ((menu_button(t),),))]
    if typed.first is not None and typed.last is not None:
        scope = days_scope(ctx, typed.first, typed.last)
    else:
        scope = await default_scope(ctx)
    return await show(ctx, scope)


async def pressed(ctx: Context, act: Action) -> list[Reply]:
    """The leaderboard of the campaign or days a button carries."""
    scope = await pressed_scope(ctx, act.args[0])
    if not isinstance(scope, Scope):
        return scope
    return await show(ctx, scope)


class TeamPlace(NamedTuple):
    """A team in the ranking: its rank (shared by equal numbers) and households helped."""

    rank: int
    households: int
    team: Team


class VolunteerPlace(NamedTuple):
    """A volunteer in the ranking: their rank and households (named() adds their name)."""

    rank: int
    volunteer: Ranked


def _kept(scope: Scope) -> bool:
    """A running campaign's counts are kept whole from its first report on (v026)."""
    return scope.campaign is not None and not scope.ended


async def ranked_teams(ctx: Context, scope: Scope) -> list[TeamPlace]:
    """Every team that helped a household in the scope, most households first (then by commune
    and name), ranked by the leaderboard's rule."""
    commune = ctx.services.communes.display_name
    everyone = {str(team.id): team for team in await figure_store.all_teams(ctx.db)}
    found = await report_store.team_households(ctx.db, scope.span, keep=_kept(scope))
    helped = sorted(((households, everyone[key]) for key, households in found.items()
                     if households and key in everyone),
                    key=lambda pair: (-pair[0], _folded(commune(pair[1].commune_code)),
                                      _folded(pair[1].name)))
    return [TeamPlace(rank, households, team) for rank, (households, team)
            in zip(ranks([h for h, _ in helped]), helped, strict=True)]


async def ranked_volunteers(ctx: Context, scope: Scope) -> list[VolunteerPlace]:
    """Every volunteer who helped a household in the scope, most first, ranked by the
    leaderboard's rule (without names: report_store.named adds them to those shown)."""
    helped = [r for r in await report_store.volunteers(ctx.db, scope.span, keep=_kept(scope))
              if r.households]
    return [VolunteerPlace(rank, person) for rank, person
            in zip(ranks([r.households for r in helped]), helped, strict=True)]


def rule(ctx: Context, scope: Scope) -> str:
    """The leaderboard's rule, stated with every ranking (the shortlist's too)."""
    if scope.campaign is None:
        return ctx.t._("Rule: households helped in these days, each household counted once, "
                       "first visits only; follow-ups and deleted visits are not counted. "
                       "Equal numbers share a rank.")
    return ctx.t._("Rule: households helped during the campaign, each household counted once, "
                   "first visits only; follow-ups and deleted visits are not counted. Equal "
                   "numbers share a rank.")


async def show(ctx: Context, scope: Scope) -> list[Reply]:
    """Admins: the province's teams and volunteers; a leader: the teams of their commune."""
    t = ctx.t
    head = "\n".join([t._("🏆 Leaderboard"), *heading(ctx, scope, "/leaderboard"),
                      rule(ctx, scope)])
    if reach(ctx) == PROVINCE:
        blocks = [head, await _province_teams(ctx, scope), await _volunteers(ctx, scope)]
    else:
        blocks = [head, await _commune_teams(ctx, scope)]
    return pack(ctx, blocks, (scope_buttons(ctx, scope.token, "l"),), edit=False)


async def _province_teams(ctx: Context, scope: Scope) -> str:
    t = ctx.t
    commune = ctx.services.communes.display_name
    helped = await ranked_teams(ctx, scope)
    lines = [t._("👥 Teams")]
    if not helped:
        return "\n".join([*lines, t._("No team has helped a household yet.")])
    shown = within([place.rank for place in helped], TOP)
    for rank, households, team in helped[:shown]:
        lines.append(t._("{rank}. {team} · {commune}: 🏠 {households}").format(
            rank=rank, team=clip(team.name), commune=commune(team.commune_code),
            households=t.number(households)))
    if len(helped) > shown:
        lines.append(t.ngettext("…and {count} more team.", "…and {count} more teams.",
                                len(helped) - shown).format(count=t.number(len(helped) - shown)))
    return "\n".join(lines)


async def _volunteers(ctx: Context, scope: Scope) -> str:
    t = ctx.t
    helped = await ranked_volunteers(ctx, scope)
    lines = [t._("🙋 Volunteers")]
    if not helped:
        return "\n".join([*lines, t._("No volunteer has helped a household yet.")])
    shown = within([place.rank for place in helped], TOP)
    named = await report_store.named(ctx.db, [place.volunteer for place in helped[:shown]])
    for place, person in zip(helped, named, strict=False):
        name = clip(person.name) if person.name else t._("(no name given)")
        team = t._("no longer in a team")
        if person.team:
            team = t._("{team}, {commune}").format(
                team=clip(person.team),
                commune=ctx.services.communes.display_name(person.commune_code or ""))
        lines.append(t._("{rank}. {name} · {team}: 🏠 {households}").format(
            rank=place.rank, name=name, team=team, households=t.number(person.households)))
    if len(helped) > shown:
        lines.append(t.ngettext("…and {count} more volunteer.", "…and {count} more volunteers.",
                                len(helped) - shown).format(count=t.number(len(helped) - shown)))
    return "\n".join(lines)


async def _commune_teams(ctx: Context, scope: Scope) -> str:
    t = ctx.t
    mine = own_team(ctx)
    span = scope.span
    if span.frozen:
        counts = await figure_store.frozen_commune_households(
            ctx.db, span.frozen, mine.commune_code, span.end)
    else:
        counts = await figure_store.commune_households(ctx.db, mine.commune_code, span.start,
                                                       span.end)
    names = {team.id: team.name for team in await team_store.in_commune(ctx.db, mine.commune_code)}
    order = sorted(((households, team_id) for team_id, households in counts.items()
                    if team_id in names),
                   key=lambda pair: (-pair[0], fold(names[pair[1]])))
    lines = [t._("👥 Teams of {commune}").format(
        commune=ctx.services.communes.display_name(mine.commune_code))]
    if not order:
        if scope.campaign is None:
            return "\n".join([*lines, t._("No team of your commune helped a household in "
                                           "these days.")])
        return "\n".join([*lines, t._("Your team took no part in this campaign.")])
    for rank, (households, team_id) in zip(ranks([h for h, _ in order]), order, strict=True):
        line = t._("{rank}. {team}: 🏠 {households}").format(
            rank=rank, team=clip(names[team_id]), households=t.number(households))
        lines.append(line + (" " + t._("← your team") if team_id == mine.id else ""))
    return "\n".join(lines)
