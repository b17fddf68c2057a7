"""/join CODE: a volunteer joins their team with the code the leader or commune gave them."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.events import Reply
from bot.core.shared.menus import menu_button
from bot.core.shared.messages import clip
from bot.core.shared.text import normalize
from bot.core.teams.rules import JOIN_CODE, guessing_refusal, wrong_code
from bot.storage import teams as team_store

CODE_ECHO = 20  # characters of a wrong code quoted back
MAX_SHOWN_NAME = 40  # characters of the channel's display name kept for the team


async def join(ctx: Context, args: str) -> list[Reply]:
    """/join CODE: become a volunteer of the team with that code."""
    t = ctx.t
    code = normalize(args).upper().replace(" ", "")
    if not code:
        return [Reply(t._("Type /join and your team's code, for example: /join NA4K7Q. Your team "
                          "leader or your commune gives you the code."))]
    refused = await guessing_refusal(ctx)
    if refused:
        return [Reply(refused)]
    team = await team_store.by_code(ctx.db, code) if JOIN_CODE.match(code) else None
    if team is None:
        left = await wrong_code(ctx)
        return [Reply(t._("No team has the code {code}. Check it with your team leader.").format(
            code=clip(code, CODE_ECHO)) + " " + t.ngettext(
            "You can try {count} more time this hour.", "You can try {count} more times this hour.",
            left).format(count=left))]
    if ctx.membership and ctx.membership.team.id == team.id:
        return [Reply(t._("You are already in the team “{team}”.").format(team=team.name))]
    name = normalize(ctx.event.display_name or "")[:MAX_SHOWN_NAME] or None
    await team_store.join(ctx.db, ctx.user.id, team.id, name, ctx.now)
    shown = name or t._("(no name)")
    text = "\n\n".join([
        t._("Welcome to the team “{team}” of {commune}! You are now a volunteer.").format(
            team=team.name, commune=ctx.services.communes.display_name(team.commune_code)),
        t._("Your name “{name}” is shown to your team and the admins and, when you take a "
            "help request, to the person who asked and your commune's volunteers, so they "
            "know who helped whom.").format(name=shown),
        t._("Log each household you help with /visit; see your figures with /mystats."),
    ])
    return [Reply(text, ((menu_button(t),),))]
