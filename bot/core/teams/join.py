"""A volunteer joins their team with the code the leader or commune gave them (/join CODE, in
the schools package, which also takes class codes)."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.events import Reply
from bot.core.shared.menus import menu_button
from bot.core.shared.text import normalize
from bot.storage import teams as team_store
from bot.storage.teams import Team

MAX_SHOWN_NAME = 40  # characters of the channel's display name kept for the team


async def join_team(ctx: Context, team: Team) -> list[Reply]:
    """Make the user a volunteer of the team whose code they typed."""
    t = ctx.t
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
