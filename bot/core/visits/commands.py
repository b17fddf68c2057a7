"""The ways into the /visit form (/visit, a finished help request) and /myvisits."""

from __future__ import annotations

from bot.core import campaigns, dialogs
from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.payloads import Action
from bot.core.shared.roles import is_volunteer
from bot.core.visits.draft import (
    FLOW,
    QUESTIONS,
    SUMMARY,
    Draft,
    kept_draft,
    new_token,
    save,
)
from bot.core.visits.ids import MY_VISITS, FormOp, MyVisitsOp
from bot.core.visits.nav import go
from bot.core.visits.rules import (
    EDIT_HOURS,
    EDIT_WINDOW,
    local_day,
    place_problem,
    tidy_place,
)
from bot.core.visits.save import after_buttons, edit_refusal
from bot.core.visits.views import not_volunteer, press, view
from bot.storage import visits as visit_store
from bot.storage.visits import Visit

LATEST = 10


async def start(ctx: Context, _arg: str | Action) -> list[Reply]:
    """/visit: open the form (one kept aside is offered back by the core before this)."""
    if not is_volunteer(ctx):
        return [not_volunteer(ctx)]
    return await go(ctx, Draft(token=new_token()), QUESTIONS[0])


async def start_prefilled(ctx: Context, commune_code: str, hamlet: str, household: str
                          ) -> list[Reply]:
    """Open the /visit form with these fields filled in (from a finished help request)."""
    if not is_volunteer(ctx):
        return [not_volunteer(ctx)]
    replaced = kept_draft(ctx) is not None
    draft = Draft(token=new_token())
    commune = ctx.services.communes.get(commune_code)
    draft.commune = commune.code if commune else None
    # Only what passes the form's own checks is kept; the rest is asked for.
    hamlet, household = tidy_place(hamlet), tidy_place(household)
    draft.hamlet = hamlet if place_problem(hamlet) is None else None
    draft.household = household if place_problem(household) is None else None
    notice = ctx.t._("The visit form you had open was replaced by this one.") if replaced \
        else None
    return await go(ctx, draft, draft.first_missing() or SUMMARY, notice)


async def my_visits(ctx: Context, _arg: str | Action) -> list[Reply]:
    """/myvisits: the last ten visits, each with Edit (for EDIT_HOURS) and Delete."""
    if not is_volunteer(ctx):
        return [not_volunteer(ctx)]
    t = ctx.t
    latest = await visit_store.latest_of(ctx.db, ctx.user.id, LATEST)
    if not latest:
        return [Reply(t._("You have not logged any visits yet. Log one with /visit."),
                      after_buttons(ctx), edit=ctx.pressed)]
    lines = [t._("📋 Your last visits:"), ""]
    rows: list[tuple[Button, ...]] = []
    for visit in latest:
        lines.append(visit_line(ctx, visit))
        editable = ctx.now - visit.created_at <= EDIT_WINDOW
        edit = Button(t._("✏️ Edit #{number}").format(number=visit.id) if editable
                      else t._("🔒 #{number}: over {hours} h").format(
                          number=visit.id, hours=t.number(EDIT_HOURS)),
                      MY_VISITS(MyVisitsOp.EDIT, visit.id))
        rows.append((edit, Button(t._("🗑 Delete #{number}").format(number=visit.id),
                                  MY_VISITS(MyVisitsOp.DELETE, visit.id))))
    rows += after_buttons(ctx)[1:]
    return [Reply("\n".join(lines), tuple(rows), edit=ctx.pressed)]


def visit_line(ctx: Context, visit: Visit) -> str:
    """One visit on one line: number, day, hamlet, household, people."""
    t, record = ctx.t, visit.record
    people = t.ngettext("{count} person", "{count} people", record.people).format(
        count=t.number(record.people))
    day = t.date(local_day(record.visited_at, ctx.services.config.timezone))
    return f"#{visit.id} · {day} · {record.hamlet} · {record.household} · {people}"


async def on_my_visit(ctx: Context, act: Action) -> list[Reply]:
    """The buttons of /myvisits: list, edit, delete (asked first), delete confirmed."""
    op, arg = act.args
    if not is_volunteer(ctx):
        return [not_volunteer(ctx)]
    if op == MyVisitsOp.LIST:
        return await my_visits(ctx, act)
    visit = await visit_store.get(ctx.db, int(arg)) if arg.isdigit() and len(arg) <= 12 else None
    if op == MyVisitsOp.EDIT:
        return await _edit(ctx, visit)
    if op in (MyVisitsOp.DELETE, MyVisitsOp.DELETE_CONFIRMED):
        return await _delete(ctx, visit, op == MyVisitsOp.DELETE_CONFIRMED)
    return await my_visits(ctx, act)


async def _edit(ctx: Context, visit: Visit | None) -> list[Reply]:
    t = ctx.t
    refusal = edit_refusal(ctx, visit)
    if refusal is not None or visit is None:
        return [Reply(refusal or "", after_buttons(ctx), edit=ctx.pressed)]
    draft = kept_draft(ctx)
    if draft is not None and draft.visit_id == visit.id:
        await dialogs.resume(ctx, FLOW)
        return [await view(ctx, draft)]
    if draft is not None:
        text = t._("You have a visit form open. Finish it or cancel it first.")
        rows = ((Button(t._("▶ Continue it"), press(draft, FormOp.RESUME)),),
                (Button(t._("✖ Cancel it"), press(draft, FormOp.CANCEL)),))
        return [Reply(text, rows, edit=ctx.pressed)]
    draft = Draft.from_visit(visit)
    await save(ctx, draft)
    return [await view(ctx, draft)]


async def _delete(ctx: Context, visit: Visit | None, confirmed: bool) -> list[Reply]:
    t = ctx.t
    if visit is None or visit.volunteer_id != ctx.user.id:
        return [Reply(t._("I can't find that visit among yours."), after_buttons(ctx),
                      edit=ctx.pressed)]
    if visit.deleted_at is not None:
        return [Reply(t._("Visit #{number} was deleted.").format(number=visit.id),
                      after_buttons(ctx), edit=ctx.pressed)]
    if not confirmed:
        text = t._("Delete this visit? It will no longer count in the figures.")
        after = await visit_store.succession(ctx.db, visit)
        if after.first and after.next_first is not None:
            text += "\n" + t._("Visit #{number} is the first to this household; its next visit "
                               "(#{next}) will count as the first.").format(
                number=visit.id, next=after.next_first)
        elif after.first:
            text += "\n" + t._("The household will no longer count in the figures.")
        text += "\n\n" + visit_line(ctx, visit)
        rows = ((Button(t._("🗑 Yes, delete it"),
                        MY_VISITS(MyVisitsOp.DELETE_CONFIRMED, visit.id)),
                 Button(t._("Keep it"), MY_VISITS(MyVisitsOp.LIST, 0))),)
        return [Reply(text, rows, edit=ctx.pressed)]
    await campaigns.ensure_frozen(ctx)  # an ended campaign's figures keep this visit
    if await visit_store.soft_delete(ctx.db, visit.id, ctx.user.id, ctx.now):
        text = t._("Visit #{number} deleted.").format(number=visit.id)
    else:
        text = t._("Visit #{number} was deleted.").format(number=visit.id)
    return [Reply(text, after_buttons(ctx), edit=ctx.pressed)]

