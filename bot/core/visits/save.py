"""Confirming the /visit form: a new visit saved once, or a saved one updated in place."""

from __future__ import annotations

from datetime import date, datetime

from bot.core import campaigns, dialogs
from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.shared.menus import LOG_VISIT, menu_button
from bot.core.visits.draft import SUMMARY, Draft, key_of
from bot.core.visits.ids import MY_VISITS, MyVisitsOp
from bot.core.visits.nav import go
from bot.core.visits.rules import (
    DAYS_BACK,
    EDIT_HOURS,
    EDIT_WINDOW,
    allowed_days,
    local_day,
    visit_time,
)
from bot.core.visits.views import not_volunteer
from bot.storage import visits as visit_store
from bot.storage.visits import Visit, VisitRecord


def after_buttons(ctx: Context) -> tuple[tuple[Button, ...], ...]:
    """What to do after a visit is saved, changed or deleted."""
    t = ctx.t
    return ((Button(t._("➕ Log another visit"), LOG_VISIT()),
             Button(t._("📋 My visits"), MY_VISITS(MyVisitsOp.LIST, 0))),
            (menu_button(t),))


def edit_refusal(ctx: Context, visit: Visit | None) -> str | None:
    """Why this user may not change this visit now, or None when they may."""
    t = ctx.t
    if visit is None or visit.volunteer_id != ctx.user.id:
        return t._("I can't find that visit among yours.")
    if visit.deleted_at is not None:
        return t._("Visit #{number} was deleted.").format(number=visit.id)
    if ctx.now - visit.created_at > EDIT_WINDOW:
        saved = t.date(local_day(visit.created_at, ctx.services.config.timezone))
        return t._("Visits can be changed only within {hours} hours of being saved, so that "
                   "the figures stay reliable. Visit #{number} was saved on {date}.").format(
            hours=t.number(EDIT_HOURS), number=visit.id, date=saved)
    return None


async def confirm(ctx: Context, draft: Draft) -> list[Reply]:
    """Save the draft (once, whatever the number of taps) and close the form."""
    t = ctx.t
    if draft.visit_id is None:
        saved = await visit_store.saved_from(ctx.db, draft.token)
        if saved is not None:  # saved, but the form stayed open (a crash in between)
            await dialogs.close(ctx)
            return [already_saved(ctx, saved)]
    if draft.first_missing() or key_of(ctx, draft) != draft.checked_key:
        return await go(ctx, draft, SUMMARY)  # shows what is missing, or the warning
    zone = ctx.services.config.timezone
    chosen = date.fromisoformat(draft.day) if draft.day else None
    if chosen is not None and chosen not in allowed_days(ctx.event.sent_at, zone):
        draft.day = None
        return await go(ctx, draft, SUMMARY, t._(
            "The day you chose is now more than {days} days ago, so the date is today again. "
            "Check it, then confirm.").format(days=t.number(DAYS_BACK)))
    if chosen is None and draft.visited_at:
        visited = datetime.fromisoformat(draft.visited_at)
    else:
        visited = visit_time(ctx.event.sent_at, ctx.now, chosen, zone)
    key = key_of(ctx, draft)
    if not (draft.commune and draft.hamlet and draft.household and draft.people and key):
        return await go(ctx, draft, SUMMARY)  # first_missing() said so already: never here
    record = VisitRecord(draft.commune, draft.hamlet, draft.household, key, draft.people,
                         frozenset(draft.skills), frozenset(draft.outcomes), draft.note,
                         draft.follow_up_of, visited)
    if draft.visit_id is not None:
        return await _update(ctx, draft.visit_id, record)
    if ctx.membership is None:  # the form's handlers let only volunteers this far
        return [not_volunteer(ctx)]
    await campaigns.ensure_frozen(ctx)  # a visit dated back must not enter a finished campaign
    # Agreed when the volunteer answered Yes (a draft from before v017: now, at Confirm).
    agreed = datetime.fromisoformat(draft.consent_at) if draft.consent_at else ctx.now
    number, new = await visit_store.save_new(ctx.db, draft.token, ctx.user.id,
                                             ctx.membership.team.id, record, ctx.now, agreed)
    await dialogs.close(ctx)
    if not new:
        return [already_saved(ctx, number)]
    return [Reply(t._("✅ Visit #{number} saved. Thank you!").format(number=number),
                  after_buttons(ctx), edit=ctx.pressed)]


def already_saved(ctx: Context, number: int) -> Reply:
    """The answer to a second Confirm of a visit saved already."""
    return Reply(ctx.t._("This visit is already saved as #{number}.").format(number=number),
                 after_buttons(ctx), edit=ctx.pressed)


async def _update(ctx: Context, visit_id: int, record: VisitRecord) -> list[Reply]:
    t = ctx.t
    await campaigns.ensure_frozen(ctx)  # an ended campaign's figures keep the old values
    refusal = edit_refusal(ctx, await visit_store.get(ctx.db, visit_id))
    await dialogs.close(ctx)
    if refusal is None and await visit_store.update(ctx.db, visit_id, ctx.user.id, record, ctx.now):
        text = t._("✅ Visit #{number} updated.").format(number=visit_id)
    else:
        text = (refusal or t._("I can't find that visit among yours.")) + " " + t._(
            "Nothing was changed.")
    return [Reply(text, after_buttons(ctx), edit=ctx.pressed)]
