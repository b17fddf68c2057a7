"""Answers to the /visit form: typed text and the buttons of each step, checked every time."""

from __future__ import annotations

from bot.core import dialogs
from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.payloads import Action
from bot.core.shared.menus import LOG_VISIT
from bot.core.shared.messages import clip
from bot.core.shared.outcomes import OUTCOMES as OUTCOME_LABELS
from bot.core.shared.roles import is_volunteer
from bot.core.shared.text import normalize
from bot.core.visits.draft import (
    COMMUNE,
    CONSENT,
    DATE,
    DUPLICATE,
    EDIT,
    HAMLET,
    HOUSEHOLD,
    NOTE,
    OUTCOMES,
    PEOPLE,
    SKILLS,
    STEPS,
    SUMMARY,
    Draft,
    Step,
    new_token,
    open_draft,
)
from bot.core.visits.ids import FormOp
from bot.core.visits.nav import answered, back, follow_up, go
from bot.core.visits.rules import (
    ID_DIGITS,
    MAX_NOTE,
    MAX_PEOPLE,
    MAX_PLACE,
    Problem,
    allowed_days,
    note_problem,
    parse_people,
    place_problem,
    tidy_place,
)
from bot.core.visits.save import already_saved, confirm
from bot.core.visits.views import FIELDS, not_volunteer, view
from bot.storage import visits as visit_store
from bot.storage.visits import SKILL_KEYS

# Which step each button operation belongs to; from any other step it is out of date.
_OPERATION_STEPS: dict[FormOp, tuple[Step, ...]] = {
    FormOp.COMMUNE: (COMMUNE,), FormOp.HAMLET: (HAMLET,),
    FormOp.KEEP: (HAMLET, HOUSEHOLD, NOTE), FormOp.PEOPLE: (PEOPLE,), FormOp.SKILL: (SKILLS,),
    FormOp.ALL_SKILLS: (SKILLS,), FormOp.SKILLS_DONE: (SKILLS,), FormOp.OUTCOME: (OUTCOMES,),
    FormOp.OUTCOMES_DONE: (OUTCOMES,), FormOp.YES: (CONSENT,), FormOp.NO: (CONSENT,),
    FormOp.SKIP: (NOTE,), FormOp.FOLLOW: (DUPLICATE,), FormOp.CONFIRM: (SUMMARY,),
    FormOp.EDIT: (SUMMARY,), FormOp.DATE: (SUMMARY,), FormOp.FIELD: (EDIT,),
    FormOp.DAY: (DATE,), FormOp.RESUME: STEPS, FormOp.RESTART: STEPS,
}


def closed(ctx: Context, saved: int | None = None) -> Reply:
    """The answer to a button of a form that is no longer open."""
    t = ctx.t
    if saved is not None:
        text = t._("This form is already closed: the visit was saved as #{number}.").format(
            number=saved)
    else:
        text = t._("This form is already closed, so that button changes nothing. Type /visit "
                   "to log a visit.")
    return Reply(text, ((Button(t._("➕ Log a visit"), LOG_VISIT()),),), edit=ctx.pressed)


async def cancel(ctx: Context, draft: Draft) -> list[Reply]:
    """Drop the draft: nothing is saved."""
    await dialogs.close(ctx)
    text = (ctx.t._("Cancelled. Visit #{number} was not changed.").format(number=draft.visit_id)
            if draft.visit_id else ctx.t._("Cancelled. Nothing was saved."))
    return [Reply(text, ((Button(ctx.t._("➕ Log a visit"), LOG_VISIT()),),), edit=ctx.pressed)]


def dropped(ctx: Context) -> str:
    """What /cancel says when it closes this form: a new visit unsaved, or an edit undone."""
    draft = open_draft(ctx)
    if draft is not None and draft.visit_id:
        return ctx.t._("Your changes to visit #{number} were not saved: it stays as it "
                       "was.").format(number=draft.visit_id)
    return ctx.t._("The visit you were logging was not saved.")


async def _usable_draft(ctx: Context) -> Draft | Reply:
    """The open draft, or the answer closing a form that is gone or no longer the user's."""
    draft = open_draft(ctx)
    if draft is not None and is_volunteer(ctx):
        return draft
    await dialogs.close(ctx)
    return closed(ctx) if draft is None else not_volunteer(ctx)


async def show(ctx: Context) -> list[Reply]:
    """The open form's question again, when the user comes back to it."""
    draft = await _usable_draft(ctx)
    return [draft if isinstance(draft, Reply) else await view(ctx, draft)]


async def on_text(ctx: Context, text: str) -> list[Reply]:
    """Typed text while the form is open: the answer to its open step."""
    draft = await _usable_draft(ctx)
    if isinstance(draft, Reply):
        return [draft]
    text = normalize(text)
    t = ctx.t
    if draft.step == COMMUNE:
        return await _commune_typed(ctx, draft, text)
    if draft.step in (HAMLET, HOUSEHOLD):
        value = tidy_place(text)
        problem = place_problem(value)
        if problem is not None:
            return [await view(ctx, draft, _refusal(ctx, problem, MAX_PLACE, len(value)))]
        if draft.step == HAMLET:
            draft.hamlet = value
        else:
            draft.household = value
        return await answered(ctx, draft)
    if draft.step == PEOPLE:
        return await _people(ctx, draft, parse_people(text))
    if draft.step == NOTE:
        problem = note_problem(text)
        if problem is not None:
            return [await view(ctx, draft, _refusal(ctx, problem, MAX_NOTE, len(text)))]
        draft.note = text
        return await answered(ctx, draft)
    return [await view(ctx, draft, t._("Please answer with the buttons below."))]


def _refusal(ctx: Context, problem: Problem, limit: int, length: int) -> str:
    t = ctx.t
    if problem is Problem.ID_NUMBER:
        return t._("That looks like an ID number ({short} or {long} digits). We never store ID "
                   "numbers: the law on personal data protection (Law 91/2025) asks us to keep "
                   "only what is needed. Please type something else.").format(
            short=t.number(ID_DIGITS[0]), long=t.number(ID_DIGITS[1]))
    if problem is Problem.TOO_LONG:
        return t._("That is {length} characters; the limit is {limit}. Please make it "
                   "shorter.").format(length=t.number(length), limit=t.number(limit))
    if problem is Problem.NO_WORDS:
        return t._("Please use words or numbers, not only emoji or signs.")
    return t._("That was empty. Please type an answer.")


async def _commune_typed(ctx: Context, draft: Draft, text: str) -> list[Reply]:
    t = ctx.t
    found = ctx.services.communes.find(text)
    if not found:
        draft.choices = []
        await dialogs.save(ctx, draft.to_state())
        return [await view(ctx, draft, t._("No commune of {province} matches “{text}”. Type "
                                           "the name again, or press a button.").format(
            province=ctx.services.communes.province, text=clip(text)))]
    if len(found) > 1:
        draft.choices = [c.code for c in found[:6]]
        await dialogs.save(ctx, draft.to_state())
        return [await view(ctx, draft, t._("Several communes match “{text}”. Choose one, or "
                                           "type the name again:").format(text=clip(text)))]
    return await _set_commune(ctx, draft, found[0].code)


async def _set_commune(ctx: Context, draft: Draft, code: str) -> list[Reply]:
    if ctx.services.communes.get(code) is None:
        return [await view(ctx, draft)]
    draft.commune, draft.choices = code, []
    return await answered(ctx, draft)


async def _people(ctx: Context, draft: Draft, count: int | None) -> list[Reply]:
    t = ctx.t
    if count is None:
        notice = t._("Please type a number, for example 3.")
    elif count < 1:
        notice = t._("At least one person must have been guided. Please type the number.")
    elif count > MAX_PEOPLE:
        notice = t._("{count} is more than {limit}: a household visit rarely guides that many "
                     "people, so this is probably a typing slip. Please check the number; for "
                     "a larger group, log each household on its own.").format(
            count=t.number(count), limit=t.number(MAX_PEOPLE))
    else:
        draft.people = count
        return await answered(ctx, draft)
    return [await view(ctx, draft, notice)]


async def on_button(ctx: Context, act: Action) -> list[Reply]:
    """A button of the form: valid only for the form it was shown in, at its step."""
    token, name, arg = act.args
    op = FormOp(name) if name in _OPERATIONS else None  # None: from no version of the form
    draft = open_draft(ctx)
    if draft is None or draft.token != token:
        saved = await visit_store.saved_from(ctx.db, token)
        return [already_saved(ctx, saved) if saved and op is FormOp.CONFIRM
                else closed(ctx, saved)]
    if not is_volunteer(ctx):
        await dialogs.close(ctx)
        return [not_volunteer(ctx)]
    if op is FormOp.CANCEL:
        return await cancel(ctx, draft)
    if op is FormOp.BACK:
        return await back(ctx, draft) if arg == draft.step else [await view(ctx, draft)]
    if op is None or draft.step not in _OPERATION_STEPS.get(op, ()):
        return [await view(ctx, draft)]  # a button of an earlier step: show where we are
    if op is FormOp.RESUME:
        return [await view(ctx, draft)]
    if op is FormOp.RESTART:
        return await go(ctx, Draft(token=new_token()), COMMUNE)
    return await _choose(ctx, draft, op, arg)


_OPERATIONS = frozenset(op.value for op in FormOp)


async def _choose(ctx: Context, draft: Draft, op: FormOp, arg: str) -> list[Reply]:
    t = ctx.t
    if op is FormOp.COMMUNE:
        return await _set_commune(ctx, draft, arg)
    if op is FormOp.KEEP:
        return await answered(ctx, draft) if _filled(draft) else [await view(ctx, draft)]
    if op is FormOp.HAMLET:
        if arg.isdigit() and int(arg) < len(draft.recent):
            draft.hamlet = draft.recent[int(arg)]
            return await answered(ctx, draft)
        return [await view(ctx, draft)]
    if op is FormOp.PEOPLE:
        return await _people(ctx, draft, int(arg) if arg.isdigit() and len(arg) < 4 else None)
    if op in (FormOp.SKILL, FormOp.OUTCOME):
        return await _toggle(ctx, draft, op, arg)
    if op is FormOp.ALL_SKILLS:
        draft.skills = list(SKILL_KEYS)
        await dialogs.save(ctx, draft.to_state())
        return [await view(ctx, draft)]
    if op is FormOp.SKILLS_DONE:
        if not draft.skills:
            return [await view(ctx, draft, t._("Choose at least one skill, then press Done."))]
        return await answered(ctx, draft)
    if op in (FormOp.OUTCOMES_DONE, FormOp.SKIP):
        if op is FormOp.SKIP:
            draft.note = None
        return await answered(ctx, draft)
    if op is FormOp.YES:
        draft.consent, draft.consent_at = True, ctx.now.isoformat()
        return await answered(ctx, draft)
    if op is FormOp.NO:
        await dialogs.close(ctx)
        if draft.visit_id is not None:
            return [Reply(t._("Nothing was changed. If the household no longer agrees to be "
                              "recorded, delete visit #{number} in /myvisits.").format(
                number=draft.visit_id), edit=ctx.pressed)]
        return [Reply(t._("Thank you for asking them. Without the household's agreement nothing "
                          "is recorded: the form is closed and nothing was saved."),
                      edit=ctx.pressed)]
    if op is FormOp.FOLLOW:
        return await follow_up(ctx, draft)
    if op is FormOp.CONFIRM:
        return await confirm(ctx, draft)
    if op in (FormOp.EDIT, FormOp.DATE):
        return await go(ctx, draft, EDIT if op is FormOp.EDIT else DATE)
    if op is FormOp.FIELD and arg in FIELDS:
        draft.to_summary = True
        return await go(ctx, draft, Step(arg))
    if op is FormOp.DAY and arg.isdigit() and int(arg) < len(
            days := allowed_days(ctx.event.sent_at, ctx.services.config.timezone)):
        keep_confirm_time = int(arg) == 0 and draft.visit_id is None
        draft.day = None if keep_confirm_time else days[int(arg)].isoformat()
        return await go(ctx, draft, SUMMARY)
    return [await view(ctx, draft)]


def _filled(draft: Draft) -> bool:
    return bool({HAMLET: draft.hamlet, HOUSEHOLD: draft.household, NOTE: draft.note}.get(
        draft.step))


async def _toggle(ctx: Context, draft: Draft, op: FormOp, key: str) -> list[Reply]:
    chosen, known = (draft.skills, SKILL_KEYS) if op is FormOp.SKILL else (
        draft.outcomes, tuple(OUTCOME_LABELS))
    if key in known:
        if key in chosen:
            chosen.remove(key)
        else:
            chosen.append(key)
        chosen.sort(key=known.index)
        await dialogs.save(ctx, draft.to_state())
    return [await view(ctx, draft)]
