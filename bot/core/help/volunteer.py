"""Volunteers answering help requests: "I'll go", "Can't go", "Mark done", and /requests.

Buttons arrive from notifications that may be old, forwarded or forged, so every handler
checks again who is pressing and what state the request is in; each change is a conditional
update, so the first press wins and the others change nothing.
"""

from __future__ import annotations

from datetime import timedelta

from bot.core import visits
from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.help import notify as help_notify
from bot.core.help.giveback import give_back, plan_give_back
from bot.core.help.ids import DONE, LOG_VISIT, RELEASE, TAKE
from bot.core.payloads import Action
from bot.core.shared import audit, outbox
from bot.core.shared.menus import main_menu, menu_button
from bot.core.shared.roles import is_admin
from bot.storage import audit as audit_store
from bot.storage import help_requests as request_store
from bot.storage import teams as team_store
from bot.storage.help_requests import HelpRequest

RECENT = timedelta(days=7)  # how far back /requests looks
_MAX_ID = 10**12


def request_id(act: Action) -> int | None:
    """The request id a button carries, if it is a sensible number."""
    raw = act.args[0]
    return int(raw) if raw.isdigit() and len(raw) <= 12 and 0 < int(raw) < _MAX_ID else None


async def load(ctx: Context, act: Action) -> HelpRequest | Reply:
    """The request a button is about, or the answer when there is no such request."""
    number = request_id(act)
    request = await request_store.get(ctx.db, number) if number is not None else None
    if request is None:
        return main_menu(ctx, ctx.t._("I can't find that help request. Here is the menu:"))
    return request


def may_take(ctx: Context, request: HelpRequest) -> bool:
    """Admins, and volunteers and leaders of a team of the request's commune."""
    membership = ctx.membership
    return is_admin(ctx) or (membership is not None
                             and membership.team.commune_code == request.commune_code)


def _taker_view(ctx: Context, request: HelpRequest, head: str) -> Reply:
    t = ctx.t
    text = "\n\n".join([head, help_notify.details(t, ctx.services, request),
                        t._("When you have helped, press “Mark done”. If you cannot go after "
                            "all, press “Can't go” and the others will be told.")])
    rows = ((Button(t._("✅ Mark done"), DONE(request.id)),),
            (Button(t._("↩ Can't go"), RELEASE(request.id)),))
    return Reply(text, rows, edit=ctx.pressed)


async def _closed(ctx: Context, request: HelpRequest) -> Reply:
    """Why a request can no longer be taken; the pressed message says so and loses its button."""
    t = ctx.t
    if request.status == request_store.TAKEN and request.taken_by == ctx.user.id:
        return _taker_view(ctx, request, t._("You have taken this request."))
    if request.status == request_store.TAKEN:
        taker = (await team_store.membership_of(ctx.db, request.taken_by) if request.taken_by
                 else None)
        text = t._("Help request #{number} was already taken by {name}. Thank you all the same!"
                   ).format(number=request.id, name=help_notify.volunteer_name(t, taker))
    elif request.status == request_store.DONE:
        text = t._("Help request #{number} is already done.").format(number=request.id)
    else:
        text = t._("Help request #{number} was cancelled by the person who asked.").format(
            number=request.id)
    return Reply(text, edit=ctx.pressed)


def _not_allowed(ctx: Context, request: HelpRequest) -> Reply:
    commune = ctx.services.communes.display_name(request.commune_code)
    return main_menu(ctx, ctx.t._("Only the volunteers of {commune} can take this request."
                                  ).format(commune=commune))


async def take(ctx: Context, act: Action) -> list[Reply]:
    """ "I'll go": the first allowed volunteer to press takes the request."""
    request = await load(ctx, act)
    if isinstance(request, Reply):
        return [request]
    if not may_take(ctx, request):
        return [_not_allowed(ctx, request)]
    if request.status != request_store.OPEN:
        return [await _closed(ctx, request)]
    citizen = await outbox.recipients(ctx.services, [request.citizen_id]
                                      if request.citizen_id else [])
    async with ctx.db.transaction() as conn:
        won = await request_store.take(conn, request.id, ctx.user.id, ctx.now)
        if won:
            for recipient in citizen:
                t = ctx.services.translations.get(recipient.locale)
                text = "\n\n".join([help_notify.coming_text(t, ctx.membership),
                                    t._("To see or cancel your request, type /helpme.")])
                await outbox.notify(conn, recipient, Reply(text), ctx.now)
    # Requests are never deleted; the one loaded above stands in all the same.
    taken = await request_store.get(ctx.db, request.id) or request
    if not won:  # another volunteer was a moment faster
        return [await _closed(ctx, taken)]
    return [_taker_view(ctx, taken, ctx.t._("Thank you! The request is yours, and {name} has "
                                            "been told that someone is coming.").format(
        name=taken.first_name))]


async def _own(ctx: Context, act: Action) -> HelpRequest | Reply:
    """The request if the presser took it; otherwise the answer to give."""
    request = await load(ctx, act)
    if isinstance(request, Reply):
        return request
    if request.taken_by != ctx.user.id:
        return main_menu(ctx, ctx.t._("Only the volunteer who took help request #{number} can "
                                      "do that.").format(number=request.id))
    return request


async def release(ctx: Context, act: Action) -> list[Reply]:
    """ "Can't go": the request goes back to open and the volunteers are told again."""
    request = await _own(ctx, act)
    if isinstance(request, Reply):
        return [request]
    if request.status != request_store.TAKEN:
        return [await _closed(ctx, request)]
    plans = await plan_give_back(ctx.services, [request], ctx.user.id)
    async with ctx.db.transaction() as conn:
        released = await give_back(conn, ctx.services, plans, ctx.user.id, ctx.now)
    if not released:
        current = await request_store.get(ctx.db, request.id)
        return [await _closed(ctx, current or request)]
    return [Reply(ctx.t._("All right: help request #{number} is open again and the other "
                          "volunteers have been told.").format(number=request.id),
                  ((menu_button(ctx.t),),), edit=ctx.pressed)]


async def finish(ctx: Context, act: Action) -> list[Reply]:
    """ "Mark done": only the taker; then offer to log the visit with the details filled in."""
    request = await _own(ctx, act)
    if isinstance(request, Reply):
        return [request]
    if request.status == request_store.TAKEN:
        citizen = await outbox.recipients(ctx.services, [request.citizen_id]
                                          if request.citizen_id else [])
        async with ctx.db.transaction() as conn:
            if await request_store.finish(conn, request.id, ctx.user.id, ctx.now):
                for recipient in citizen:
                    t = ctx.services.translations.get(recipient.locale)
                    await outbox.notify(conn, recipient, Reply(t._(
                        "Your help request is marked done. If you need help again, type "
                        "/helpme.")), ctx.now)
        current = await request_store.get(ctx.db, request.id)
        request = current or request
    if request.status != request_store.DONE:
        return [await _closed(ctx, request)]
    t = ctx.t
    text = t._("Help request #{number} is done. Thank you for helping {name}!").format(
        number=request.id, name=request.first_name)
    return [Reply(text, ((Button(t._("📝 Log this visit"), LOG_VISIT(request.id)),),
                         (menu_button(t),)), edit=ctx.pressed)]


async def log_visit(ctx: Context, act: Action) -> list[Reply]:
    """Open the visit form prefilled from a finished request (only for its taker)."""
    request = await _own(ctx, act)
    if isinstance(request, Reply):
        return [request]
    if request.status != request_store.DONE:
        return [await _closed(ctx, request)]
    return await visits.start_prefilled(ctx, request.commune_code, request.hamlet,
                                        request.first_name)


async def list_requests(ctx: Context, _args: str) -> list[Reply]:
    """/requests: admins see every open or taken recent request with the phone;
    volunteers see their commune's open requests and the ones they took."""
    t = ctx.t
    since = ctx.now - RECENT
    if is_admin(ctx):
        found = await request_store.recent(ctx.db, since)
        if not found:
            return [Reply(t._("No help request is open or taken from the last {days} days."
                              ).format(days=RECENT.days), ((menu_button(t),),))]
        blocks = [await _status_line(ctx, r) + "\n" + help_notify.details(t, ctx.services, r)
                  for r in found]
        shown = [r.id for r in found if r.phone]
        if shown:  # an admin reading people's phone numbers is on the record
            await audit.record(ctx, "phones", audit_store.detail(
                "phones_viewed", requests=",".join(map(str, shown))))
        rows = [_take_row(ctx, r) for r in found if r.status == request_store.OPEN][:10]
        head = t._("Open and taken help requests of the last {days} days:").format(
            days=RECENT.days)
        return [Reply("\n\n".join([head, *blocks]), (*rows, (menu_button(t),)))]
    if ctx.membership is None:
        return [main_menu(ctx, t._("That command is for the volunteers of the digital "
                                   "technology teams and for admins."))]
    commune = ctx.membership.team.commune_code
    waiting = [r for r in await request_store.recent(ctx.db, since, commune)
               if r.status == request_store.OPEN]
    mine = await request_store.taken_by(ctx.db, ctx.user.id)
    blocks = [t._("Help request #{number}").format(number=r.id) + "\n"
              + help_notify.summary(t, ctx.services, r) for r in waiting]
    blocks += [t._("Taken by you:") + "\n" + help_notify.details(t, ctx.services, r)
               for r in mine]
    if not blocks:
        return [Reply(t._("No help request is waiting in your commune."), ((menu_button(t),),))]
    rows = [_take_row(ctx, r) for r in waiting[:10]]
    rows += [(Button(t._("✅ Mark done #{number}").format(number=r.id), DONE(r.id)),)
             for r in mine[:5]]
    return [Reply("\n\n".join(blocks), (*rows, (menu_button(t),)))]


def _take_row(ctx: Context, request: HelpRequest) -> tuple[Button, ...]:
    return (Button(ctx.t._("🙋 I'll go #{number}").format(number=request.id),
                   TAKE(request.id)),)


async def _status_line(ctx: Context, request: HelpRequest) -> str:
    t = ctx.t
    if request.status == request_store.OPEN or request.taken_by is None:
        return t._("⏳ Waiting for a volunteer")
    taker = await team_store.membership_of(ctx.db, request.taken_by)
    return t._("🚶 Taken by {name}").format(name=help_notify.volunteer_name(t, taker))
