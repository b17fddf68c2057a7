"""Moving through the /visit form: the next step, Back, and the check for earlier visits."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.events import Reply
from bot.core.shared.text import fold
from bot.core.visits.draft import (
    DATE,
    DUPLICATE,
    EDIT,
    HAMLET,
    HOUSEHOLD,
    NOTE,
    PLACE,
    QUESTIONS,
    SUMMARY,
    Draft,
    Step,
    key_of,
    save,
)
from bot.core.visits.views import view
from bot.storage import visits as visit_store

RECENT_HAMLETS = 4


async def go(ctx: Context, draft: Draft, step: Step, notice: str | None = None) -> list[Reply]:
    """Open a step, save the draft, and show it; warns first about earlier visits."""
    if step == SUMMARY:
        step = draft.first_missing() or SUMMARY
    key = key_of(ctx, draft)
    if step not in (*PLACE, DUPLICATE) and key and key != draft.checked_key:
        # Only in the volunteer's own commune: elsewhere the check would tell anyone which
        # households of any commune were visited, and when.
        own = ctx.membership is not None and ctx.membership.team.commune_code == draft.commune
        earlier = await visit_store.earlier_visits(ctx.db, key, draft.visit_id) if own else []
        draft.follow_up_of = None  # a follow-up of another household no longer applies
        if earlier:
            draft.duplicate_of, draft.after_duplicate, step = earlier[0].id, step, DUPLICATE
        else:
            draft.checked_key, draft.duplicate_of = key, None
    if step == HAMLET and draft.commune:
        draft.recent = await _recent_hamlets(ctx, draft.commune)
    if step == SUMMARY:
        draft.to_summary = False
    draft.step = step
    await save(ctx, draft)
    return [await view(ctx, draft, notice)]


async def answered(ctx: Context, draft: Draft, notice: str | None = None) -> list[Reply]:
    """The open question is answered: on to the next one (or back to the summary)."""
    if draft.to_summary or draft.step not in QUESTIONS[:-1]:
        return await go(ctx, draft, SUMMARY, notice)
    return await go(ctx, draft, QUESTIONS[QUESTIONS.index(draft.step) + 1], notice)


async def back(ctx: Context, draft: Draft) -> list[Reply]:
    """One step back, every answer kept."""
    if draft.step == DUPLICATE:
        return await go(ctx, draft, HOUSEHOLD)
    if draft.step in (DATE, EDIT) or (draft.to_summary and draft.step in QUESTIONS):
        return await go(ctx, draft, SUMMARY)
    if draft.step == SUMMARY:
        return await go(ctx, draft, NOTE)
    index = QUESTIONS.index(draft.step)
    return await go(ctx, draft, QUESTIONS[max(index - 1, 0)])


async def follow_up(ctx: Context, draft: Draft) -> list[Reply]:
    """Log the visit as a follow-up of the earlier visit the warning named."""
    found = await visit_store.earlier_visits(ctx.db, key_of(ctx, draft) or "", draft.visit_id)
    earlier = [e.id for e in found]
    # The visit warned about may have been deleted meanwhile: follow the latest one left.
    draft.follow_up_of = draft.duplicate_of if draft.duplicate_of in earlier else (
        earlier[0] if earlier else None)
    draft.checked_key = key_of(ctx, draft)
    return await go(ctx, draft, draft.after_duplicate)


async def _recent_hamlets(ctx: Context, commune: str) -> list[str]:
    seen: set[str] = set()
    names = []
    for name in await visit_store.recent_hamlets(ctx.db, ctx.user.id, commune):
        if fold(name) not in seen:
            seen.add(fold(name))
            names.append(name)
    return names[:RECENT_HAMLETS]
