"""One commune in an admin's report: its totals, then each of its teams, skills and outcomes."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.payloads import Action
from bot.core.reports.ids import COMMUNE, STATS
from bot.core.reports.scope import Scope, heading
from bot.core.reports.views import counted, pack, pressed_scope, stale
from bot.core.shared.menus import menu_button
from bot.core.shared.messages import clip
from bot.core.shared.text import fold
from bot.core.visits import figure_lines
from bot.storage import reports as report_store
from bot.storage import teams as team_store
from bot.storage.figures import Figures, figures_of
from bot.storage.teams import Team

NO_FIGURES = figures_of(None)  # zeros, for a team without visits


async def typed(ctx: Context, scope: Scope, text: str) -> list[Reply]:
    """/stats followed by a commune's name (admins): that commune, or a choice of several."""
    t = ctx.t
    found = ctx.services.communes.find(text)
    if len(found) == 1:
        return await report(ctx, scope, found[0].code)
    back = (Button(t._("📊 Report"), STATS(scope.token)), menu_button(t))
    if not found:
        return [Reply(t._("I don't know a commune called “{text}”. Type /stats alone for the "
                          "whole province.").format(text=clip(text)), (back,))]
    rows = tuple((Button(c.name, COMMUNE(scope.token, c.code)),) for c in found)
    return [Reply(t._("Which commune do you mean?"), (*rows, back))]


async def pressed(ctx: Context, act: Action) -> list[Reply]:
    """A commune chosen from a button: admins only, and only a commune of the province."""
    scope = await pressed_scope(ctx, act.args[0], province=True)
    if not isinstance(scope, Scope):
        return scope
    if ctx.services.communes.get(act.args[1]) is None:
        return stale(ctx)
    return await report(ctx, scope, act.args[1])


def _team_heading(ctx: Context, key: str, team: Team | None, code: str) -> str:
    t = ctx.t
    if team is None:
        return t._("👥 Visits of deleted teams")
    if team.commune_code != code:  # a team from elsewhere that helped here too
        return t._("👥 {team} (from {commune})").format(
            team=clip(team.name), commune=ctx.services.communes.display_name(team.commune_code))
    return f"👥 {clip(team.name)}"


def _sort_name(team: Team | None) -> str:
    return fold(team.name) if team else "~"  # the deleted team's visits come last


async def report(ctx: Context, scope: Scope, code: str) -> list[Reply]:
    """The commune's figures, then each team's: its own teams, and any other that helped."""
    t = ctx.t
    total = await report_store.commune(ctx.db, scope.span, code)
    visited = await report_store.commune_teams(ctx.db, scope.span, code)
    known: dict[str, Team | None] = {str(team.id): team
                                     for team in await team_store.in_commune(ctx.db, code)}
    for key in visited:
        if key not in known:
            known[key] = await team_store.by_id(ctx.db, int(key)) if key.isdigit() else None
    figures_of_team: dict[str, Figures] = {key: visited.get(key, NO_FIGURES) for key in known}
    order = sorted(known, key=lambda k: (-figures_of_team[k].households,
                                         -figures_of_team[k].visits, _sort_name(known[k])))
    blocks = ["\n".join([f"📍 {ctx.services.communes.display_name(code)}",
                         *heading(ctx, scope), counted(t)]),
              "\n".join(figure_lines(t, total))]
    if not known:
        blocks.append(t._("This commune has no team yet."))
    for key in order:
        blocks.append("\n".join([_team_heading(ctx, key, known[key], code),
                                 *figure_lines(t, figures_of_team[key])]))
    buttons = ((Button(t._("📊 Report"), STATS(scope.token)), menu_button(t)),)
    return pack(ctx, blocks, buttons, edit=False)
