"""/deletevisit N: a household that withdraws is deleted by its volunteer, their team's leader
or an admin, whatever the visit's age (Law 91/2025: the right to have one's data deleted)."""

from __future__ import annotations

from bot.core import campaigns
from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.payloads import Action
from bot.core.shared.menus import MENU, menu_button
from bot.core.shared.roles import is_admin, is_leader
from bot.core.shared.text import is_number
from bot.core.visits.commands import visit_line
from bot.core.visits.ids import REMOVE
from bot.storage import visits as visit_store
from bot.storage.visits import Visit


def may_remove(ctx: Context, visit: Visit) -> bool:
    """The visit's volunteer, a leader of its team, or an admin."""
    if is_admin(ctx) or visit.volunteer_id == ctx.user.id:
        return True
    return is_leader(ctx) and ctx.membership is not None and \
        ctx.membership.team.id == visit.team_id


async def _findable(ctx: Context, number: str) -> Visit | Reply:
    t = ctx.t
    visit = await visit_store.get(ctx.db, int(number)) \
        if is_number(number) and len(number) <= 12 else None
    if visit is None or not may_remove(ctx, visit):
        return Reply(t._("I can't find visit #{number} among those you may delete: your own, "
                         "your team's if you lead it, or any if you are an admin.").format(
            number=number or "?"), ((menu_button(t),),))
    if visit.deleted_at is not None:
        return Reply(t._("Visit #{number} was deleted.").format(number=visit.id),
                     ((menu_button(t),),))
    return visit


async def ask(ctx: Context, args: str) -> list[Reply]:
    """/deletevisit N: show the visit and ask before deleting it."""
    t = ctx.t
    number = args.strip().lstrip("#")
    if not number:
        return [Reply(t._("Type /deletevisit and the visit's number, for example /deletevisit "
                          "12. Volunteers see their visits' numbers in /myvisits."),
                      ((menu_button(t),),))]
    found = await _findable(ctx, number)
    if isinstance(found, Reply):
        return [found]
    text = t._("Delete visit #{number}? Its household's name and note are erased, and it no "
               "longer counts in the figures. Do this when a household asks to be removed."
               ).format(number=found.id)
    rows = ((Button(t._("🗑 Yes, delete it"), REMOVE(found.id)),),
            (Button(t._("Keep it"), MENU()),))
    return [Reply(f"{text}\n\n{visit_line(ctx, found)}", rows)]


async def confirmed(ctx: Context, act: Action) -> list[Reply]:
    """🗑 Yes, delete it: delete the visit (roles checked again) with its audit entry."""
    t = ctx.t
    found = await _findable(ctx, act.args[0])
    if isinstance(found, Reply):
        return [found]
    await campaigns.ensure_frozen(ctx)  # an ended campaign's figures keep this visit
    deleted = await visit_store.remove(ctx.db, found.id, ctx.user.id, ctx.now)
    text = t._("Visit #{number} deleted.") if deleted else t._("Visit #{number} was deleted.")
    return [Reply(text.format(number=found.id), ((menu_button(t),),), edit=ctx.pressed)]
