"""Teams: /join with a code, /newteam for admins, /team to see and manage members."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

import aiosqlite

from bot.core import dialogs as flows
from bot.core.actions import Action, action
from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.router import ADMINS, VOLUNTEERS, Router
from bot.core.shared import audit
from bot.core.shared.communes import Commune
from bot.core.shared.menus import menu_button
from bot.core.shared.roles import is_admin
from bot.core.shared.text import normalize
from bot.i18n import N_
from bot.storage import teams
from bot.storage.teams import LEADER, VOLUNTEER, Membership, Team

JOIN_CODE = re.compile(r"^[A-Z0-9]{4,12}$")
# No 0/O, 1/I/L: codes are read aloud and copied from paper.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
MAX_WRONG_CODES = 5
WRONG_CODE_WINDOW = timedelta(hours=1)
NEWTEAM = "newteam"


def new_join_code() -> str:
    """A random six-character join code."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))


def commune_name(ctx: Context, code: str) -> str:
    """The commune's name, or its code if the province list no longer has it."""
    commune = ctx.services.communes.get(code)
    return commune.name if commune else code


async def join(ctx: Context, args: str) -> list[Reply]:
    """/join CODE: become a volunteer of the team with that code."""
    t = ctx.t
    code = normalize(args).upper().replace(" ", "")
    if not code:
        return [Reply(t._("Type /join and your team's code, for example: /join NA4K7Q. Your team "
                          "leader or your commune gives you the code."))]
    recent = await teams.failures_since(ctx.db, ctx.user.id, ctx.now - WRONG_CODE_WINDOW)
    if len(recent) >= MAX_WRONG_CODES:
        retry = (datetime.fromisoformat(recent[0]) + WRONG_CODE_WINDOW).astimezone(
            ctx.services.config.timezone)
        return [Reply(t._("Too many wrong codes. You can try again after {time}.").format(
            time=retry.strftime("%H:%M")))]
    team = await teams.by_code(ctx.db, code) if JOIN_CODE.match(code) else None
    if team is None:
        await teams.record_failure(ctx.db, ctx.user.id, ctx.now)
        left = MAX_WRONG_CODES - len(recent) - 1
        return [Reply(t._("No team has the code {code}. Check it with your team leader.").format(
            code=code[:20]) + " " + t.ngettext("You can try {count} more time this hour.",
                                              "You can try {count} more times this hour.",
                                              left).format(count=left))]
    if ctx.membership and ctx.membership.team.id == team.id:
        return [Reply(t._("You are already in the team “{team}”.").format(team=team.name))]
    name = normalize(ctx.event.display_name or "")[:40] or None
    await teams.join(ctx.db, ctx.user.id, team.id, name, ctx.now)
    shown = name or t._("(no name)")
    text = "\n\n".join([
        t._("Welcome to the team “{team}” of {commune}! You are now a volunteer.").format(
            team=team.name, commune=commune_name(ctx, team.commune_code)),
        t._("Your name “{name}” is shown to your team leader and the admins, so they know who "
            "helped whom.").format(name=shown),
        t._("Log each household you help with /visit; see your figures with /mystats."),
    ])
    return [Reply(text, ((menu_button(t),),))]


async def new_team(ctx: Context, _args: str) -> list[Reply]:
    """/newteam (admins): ask for the commune, then the name; answer with the join code."""
    if not is_admin(ctx):
        return [Reply(ctx.t._("Only admins can create teams."))]
    await flows.save(ctx, {"flow": NEWTEAM, "step": "commune", "free_text": True})
    return [_ask_commune(ctx, ctx.t._("New team. Which commune is it in? Type its name, with or "
                                      "without accents (for example: Anh Sơn)."))]


def _ask_commune(ctx: Context, text: str, choices: list[Commune] | None = None) -> Reply:
    rows = [(Button(c.name, action("ntc", c.code)),) for c in choices or []]
    rows.append((Button(ctx.t._("✖ Cancel"), action("ntx")),))
    return Reply(text, tuple(rows), numbered=bool(choices))


async def new_team_text(ctx: Context, text: str) -> list[Reply]:
    """Typed answers in /newteam: the commune's name, then the team's name."""
    if not is_admin(ctx):
        await flows.close(ctx)
        return [Reply(ctx.t._("Only admins can create teams."))]
    if ctx.state.get("step") == "name":
        return await _create(ctx, normalize(text))
    found = ctx.services.communes.find(text)
    if not found:
        return [_ask_commune(ctx, ctx.t._("No commune of {province} matches “{text}”. Type the "
                                          "name again:").format(
            province=ctx.services.communes.province, text=normalize(text)[:60]))]
    if len(found) > 1:
        await flows.save(ctx, {"flow": NEWTEAM, "step": "commune", "free_text": False})
        return [_ask_commune(ctx, ctx.t._("Several communes match. Choose one, or type the name "
                                          "again:"), found)]
    return await _ask_name(ctx, found[0])


async def new_team_commune(ctx: Context, act: Action) -> list[Reply]:
    """A commune chosen from the buttons in /newteam."""
    if not is_admin(ctx) or flows.current(ctx, NEWTEAM) is None:
        return [Reply(ctx.t._("This form is already closed. Type /newteam to start again."))]
    commune = ctx.services.communes.get(act.args[0])
    if commune is None:
        return [_ask_commune(ctx, ctx.t._("Type the commune's name again:"))]
    return await _ask_name(ctx, commune)


async def _ask_name(ctx: Context, commune: Commune) -> list[Reply]:
    await flows.save(ctx, {"flow": NEWTEAM, "step": "name", "free_text": True,
                           "commune": commune.code})
    text = ctx.t._("Commune: {commune}. Now type the team's name (for example: Tổ công nghệ số "
                   "thôn 3).").format(commune=commune.name)
    return [Reply(text, ((Button(ctx.t._("✖ Cancel"), action("ntx")),),), numbered=False)]


async def _create(ctx: Context, name: str) -> list[Reply]:
    t = ctx.t
    if not 2 <= len(name) <= 60:
        return [Reply(t._("The team's name must be 2 to 60 characters. Type it again:"),
                      ((Button(t._("✖ Cancel"), action("ntx")),),), numbered=False)]
    commune = str(ctx.state.get("commune", ""))
    for _ in range(5):  # a clash of random codes is rare; try again rather than fail
        try:
            team = await teams.create(ctx.db, new_join_code(), name, commune, ctx.user.id,
                                      ctx.now)
            break
        except aiosqlite.IntegrityError:
            continue
    else:
        raise RuntimeError("could not find a free join code")
    await flows.close(ctx)
    await audit.record(ctx, "team", f"created team {team.id} ({team.join_code}) in commune "
                                    f"{commune}")
    text = t._("Team “{team}” created in {commune}. Its join code is {code}: volunteers type "
               "/join {code}").format(team=team.name, commune=commune_name(ctx, commune),
                                      code=team.join_code)
    return [Reply(text, ((menu_button(t),),))]


async def new_team_cancel(ctx: Context, _act: Action) -> list[Reply]:
    """Cancel /newteam."""
    if flows.current(ctx, NEWTEAM) is not None:
        await flows.close(ctx)
    return [Reply(ctx.t._("No team was created."), ((menu_button(ctx.t),),), edit=ctx.pressed)]


async def show_team(ctx: Context, args: str) -> list[Reply]:
    """/team: your team; leaders also see its members; admins manage any team by its code."""
    t = ctx.t
    code = normalize(args).upper()
    if is_admin(ctx) and code:
        team = await teams.by_code(ctx.db, code)
        if team is None:
            return [Reply(t._("No team has the code {code}.").format(code=code[:20]))]
        return [await _team_view(ctx, team, manage=True)]
    if ctx.membership is None:
        if is_admin(ctx):
            return [Reply(t._("Type /team and the team's join code to see and manage it."))]
        return [Reply(t._("You are not in a team. Join one with /join and its code."))]
    return [await _team_view(ctx, ctx.membership.team, manage=False)]


async def _team_view(ctx: Context, team: Team, manage: bool) -> Reply:
    t = ctx.t
    members = await teams.members(ctx.db, team.id)
    lines = [f"👥 {team.name}", commune_name(ctx, team.commune_code),
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
                              action("tmv", member.user_id, team.id)) if member.is_leader
                       else Button(t._("⭐ Make {name} a leader").format(name=who),
                                   action("tmr", member.user_id, team.id)))
            rows.append((promote, Button(t._("✖ Remove"), action("tmx", member.user_id,
                                                                  team.id))))
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
    user_id, team_id = int(act.args[0]), int(act.args[1])
    team = await teams.by_id(ctx.db, team_id)
    member = next((m for m in await teams.members(ctx.db, team_id) if m.user_id == user_id),
                  None) if team else None
    if team is None or member is None:
        return [Reply(t._("That person is no longer in that team."), ((menu_button(t),),))]
    if act.verb == "tmx":
        text = t._("Remove {name} from “{team}”? Their visits stay counted.").format(
            name=member.display_name or t._("(no name)"), team=team.name)
        return [Reply(text, ((Button(t._("Yes, remove"), action("tmy", user_id, team_id)),),
                             (menu_button(t),)), edit=ctx.pressed)]
    if act.verb == "tmy":
        if await teams.remove(ctx.db, user_id, team_id):
            await audit.record(ctx, "role", f"removed user {user_id} from team {team_id}")
    else:
        role = LEADER if act.verb == "tmr" else VOLUNTEER
        if await teams.set_role(ctx.db, user_id, team_id, role):
            await audit.record(ctx, "role", f"user {user_id} of team {team_id} is now {role}")
    return [await _team_view(ctx, team, manage=True)]


def register(router: Router) -> None:
    """Add this feature's commands, buttons and flows."""
    router.command("join", N_("Join your team with its code: /join CODE"), join)
    router.command("team", N_("Your team"), show_team, audience=VOLUNTEERS)
    router.command("newteam", N_("Create a team and get its join code"), new_team,
                   audience=ADMINS)
    router.flow(NEWTEAM, new_team_text)
    router.action("ntc", new_team_commune)
    router.action("ntx", new_team_cancel)
    for verb in ("tmr", "tmv", "tmx", "tmy"):
        router.action(verb, change_member)
