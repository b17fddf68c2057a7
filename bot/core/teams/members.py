"""/team: a member sees their team; leaders see its members; admins manage any team's roles.

Removing a member gives the team a new join code (so the old one cannot bring them back) and
puts the help requests they took back to open; admins and the team's leaders can also change
the code at any time. Each change is one transaction with its audit entry."""

from __future__ import annotations

from dataclasses import replace

from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.help import give_back, plan_give_back
from bot.core.payloads import Action
from bot.core.shared.menus import menu_button
from bot.core.shared.messages import clip
from bot.core.shared.roles import is_admin
from bot.core.shared.text import normalize
from bot.core.teams.ids import MAKE_LEADER, MAKE_VOLUNTEER, NEW_CODE, REMOVE, REMOVE_CONFIRMED
from bot.core.teams.rules import new_join_code
from bot.storage import audit as audit_store
from bot.storage import help_requests as request_store
from bot.storage import teams as team_store
from bot.storage.teams import LEADER, VOLUNTEER, Membership, Team

CODE_ECHO = 20  # characters of a typed code quoted back
CODE_ATTEMPTS = 5  # random join codes tried before giving up (a clash is rare)


async def show_team(ctx: Context, args: str) -> list[Reply]:
    """/team: your team; leaders also see its members; admins manage any team by its code."""
    t = ctx.t
    code = normalize(args).upper()
    if is_admin(ctx) and code:
        team = await team_store.by_code(ctx.db, code)
        if team is None:
            return [Reply(t._("No team has the code {code}.").format(code=clip(code, CODE_ECHO)))]
        return [await _team_view(ctx, team, manage=True)]
    if ctx.membership is None:
        if is_admin(ctx):
            return [Reply(t._("Type /team and the team's join code to see and manage it."))]
        return [Reply(t._("You are not in a team. Join one with /join and its code."))]
    return [await _team_view(ctx, ctx.membership.team, manage=False)]


async def _team_view(ctx: Context, team: Team, manage: bool) -> Reply:
    t = ctx.t
    members = await team_store.members(ctx.db, team.id)
    lines = [f"👥 {team.name}", ctx.services.communes.display_name(team.commune_code),
             t.ngettext("{count} member", "{count} members", len(members)).format(
                 count=t.number(len(members)))]
    sees_names = manage or (ctx.membership is not None and ctx.membership.is_leader)
    if sees_names:
        lines.append(t._("Join code: {code}").format(code=team.join_code))
        lines.append("")
        lines += [_member_line(ctx, m) for m in members]
    rows: list[tuple[Button, ...]] = []
    if manage:
        for member in members:
            who = member.display_name or t._("(no name)")
            promote = (Button(t._("Make {name} a volunteer").format(name=who),
                              MAKE_VOLUNTEER(member.user_id, team.id)) if member.is_leader
                       else Button(t._("⭐ Make {name} a leader").format(name=who),
                                   MAKE_LEADER(member.user_id, team.id)))
            rows.append((promote, Button(t._("✖ Remove"), REMOVE(member.user_id, team.id))))
    if sees_names:
        rows.append((Button(t._("🔄 New join code"), NEW_CODE(team.id)),))
    rows.append((menu_button(t),))
    return Reply("\n".join(lines), tuple(rows), edit=ctx.pressed)


def _member_line(ctx: Context, member: Membership) -> str:
    role = ctx.t._("leader") if member.is_leader else ctx.t._("volunteer")
    return f"• {member.display_name or ctx.t._('(no name)')} — {role}"


async def change_member(ctx: Context, act: Action) -> list[Reply]:
    """Admin buttons on /team: make leader, make volunteer, remove (asked first)."""
    t = ctx.t
    if not is_admin(ctx):
        return [Reply(t._("Only admins can change a team's members."))]
    user_id, team_id = act.number(0), act.number(1)
    team = await team_store.by_id(ctx.db, team_id)
    member = next((m for m in await team_store.members(ctx.db, team_id) if m.user_id == user_id),
                  None) if team else None
    if team is None or member is None:
        return [Reply(t._("That person is no longer in that team."), ((menu_button(t),),))]
    if act.verb == REMOVE:
        text = t._("Remove {name} from “{team}”? Their visits stay counted.").format(
            name=member.display_name or t._("(no name)"), team=team.name)
        return [Reply(text, ((Button(t._("Yes, remove"), REMOVE_CONFIRMED(user_id, team_id)),),
                             (menu_button(t),)), edit=ctx.pressed)]
    if act.verb == REMOVE_CONFIRMED:
        return [await _remove(ctx, team, member)]
    role = LEADER if act.verb == MAKE_LEADER else VOLUNTEER
    await team_store.set_role(ctx.db, user_id, team_id, role, ctx.user.id, ctx.now)
    return [await _team_view(ctx, team, manage=True)]


async def _remove(ctx: Context, team: Team, member: Membership) -> Reply:
    """Take the member out: a new join code, their taken requests back to open, audited."""
    t = ctx.t
    taken = await request_store.taken_by(ctx.db, member.user_id)
    plans = await plan_give_back(ctx.services, taken, member.user_id)
    code = await _free_code(ctx)
    async with ctx.db.transaction() as conn:
        removed = await team_store.remove(conn, member.user_id, team.id)
        if removed:
            await team_store.set_code(conn, team.id, code)
            await give_back(conn, ctx.services, plans, member.user_id, ctx.now)
            await audit_store.record(conn, ctx.user.id, "role", audit_store.detail(
                "member_removed", user=member.user_id, team=team.id), ctx.now)
    if not removed:
        return Reply(t._("That person is no longer in that team."), ((menu_button(t),),))
    view = await _team_view(ctx, replace(team, join_code=code), manage=True)
    note = t._("✖ {name} is no longer in “{team}”. Its join code is now {code}: the old one no "
               "longer works. Give the new code to new volunteers only; the others stay in the "
               "team.").format(name=member.display_name or t._("(no name)"), team=team.name,
                               code=code)
    return replace(view, text=f"{note}\n\n{view.text}")


async def new_code(ctx: Context, act: Action) -> list[Reply]:
    """🔄 New join code: admins for any team, leaders for their own; the old code stops."""
    t = ctx.t
    team = await team_store.by_id(ctx.db, act.number(0))
    leads = (team is not None and ctx.membership is not None and ctx.membership.is_leader
             and ctx.membership.team.id == team.id)
    if team is None or not (is_admin(ctx) or leads):
        return [Reply(t._("Only admins and the team's leaders can change its join code."),
                      ((menu_button(t),),))]
    code = await _free_code(ctx)
    async with ctx.db.transaction() as conn:
        await team_store.set_code(conn, team.id, code)
        await audit_store.record(conn, ctx.user.id, "team", audit_store.detail(
            "join_code_changed", team=team.id), ctx.now)
    view = await _team_view(ctx, replace(team, join_code=code), manage=is_admin(ctx))
    note = t._("🔄 The join code of “{team}” is now {code}. The old code no longer works; the "
               "members stay in the team.").format(team=team.name, code=code)
    return [replace(view, text=f"{note}\n\n{view.text}")]


async def _free_code(ctx: Context) -> str:
    for _ in range(CODE_ATTEMPTS):  # a clash of random codes is rare
        code = new_join_code()
        if await team_store.code_is_free(ctx.db, code):
            return code
    raise RuntimeError("could not find a free join code")
