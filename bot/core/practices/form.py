"""/practice: a volunteer or team leader writes a good practice: title, where, what was done,
the result (with the team's figures if they wish), one photo if they have one, then Send, Edit
or Cancel. The draft lives in the dialog state; only Send stores it, and the admins are told in
the same transaction. After an admin asks for changes, /practice opens the practice again at
its summary to change it and send it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.core import campaigns, dialogs, visits
from bot.core.context import Context
from bot.core.events import Reply
from bot.core.payloads import Action
from bot.core.practices import views
from bot.core.practices.draft import PARTS, Draft, Step
from bot.core.practices.ids import (
    CANCEL,
    EDIT,
    FIELD,
    FIGURES,
    NO_FIGURES,
    SEND,
    SKIP_PHOTO,
    WHERE,
)
from bot.core.practices.rules import (
    check_result,
    check_title,
    check_what,
    photo_problem,
    search_text,
)
from bot.core.shared import outbox
from bot.core.shared.menus import main_menu, menu_button
from bot.core.shared.messages import clip
from bot.core.shared.roles import is_admin, is_volunteer
from bot.core.shared.text import Checked
from bot.storage import practices as practice_store
from bot.storage.practices import CHANGES, PENDING, Content, Practice

TYPED_ECHO = 60  # characters of a typed commune name quoted back
# The steps answered by typing: the check of the answer (given the message as typed, line
# breaks included) and the draft's field.
_TYPED: dict[Step, tuple[Callable[[str], Checked], str]] = {
    Step.TITLE: (check_title, "title"),
    Step.WHAT: (check_what, "what"),
    Step.RESULT: (check_result, "result"),
}
# The next question after each one, when the whole form is filled in order.
_NEXT = {Step.TITLE: Step.WHERE, Step.WHERE: Step.WHAT, Step.WHAT: Step.RESULT,
         Step.RESULT: Step.FIGURES, Step.FIGURES: Step.PHOTO, Step.PHOTO: Step.CONFIRM}


def not_a_writer(ctx: Context) -> list[Reply]:
    """The answer to anyone outside a team: nothing is opened."""
    t = ctx.t
    text = t._("Good practices are written by the volunteers and team leaders of the community "
               "digital technology teams. If you are one, join your team with /join and the code "
               "your team leader gave you.")
    if is_admin(ctx):
        text = t._("Good practices are written by the volunteers and team leaders. As an "
                   "admin, you review them: type /practices.")
    return [main_menu(ctx, text)]


def closed(ctx: Context) -> Reply:
    """The answer to a button of a form that was sent or cancelled: nothing changes."""
    return main_menu(ctx, ctx.t._("That good practice form is closed (it was sent or "
                                  "cancelled). Type /practice to write a new one."))


def _waiting(ctx: Context, practice: Practice) -> list[Reply]:
    text = ctx.t._("You already have a good practice waiting for an admin's review (#{number} "
                   "“{title}”). You can send another once it is reviewed.").format(
        number=practice.id, title=practice.title)
    return [Reply(text, ((menu_button(ctx.t),),), edit=ctx.pressed)]


def _team_commune(ctx: Context) -> str | None:
    return ctx.membership.team.commune_code if ctx.membership is not None else None


def _prompt(ctx: Context, draft: Draft) -> Reply:
    return views.prompt(ctx, draft, _team_commune(ctx))


async def begin(ctx: Context, _args: str) -> list[Reply]:
    """/practice: a new form, or the practice an admin asked to change, at its summary."""
    if not is_volunteer(ctx):
        return not_a_writer(ctx)
    waiting = await practice_store.open_of(ctx.db, ctx.user.id)
    if waiting is not None and waiting.status == PENDING:
        return _waiting(ctx, waiting)
    draft = Draft()
    if waiting is not None and waiting.status == CHANGES:
        draft = Draft(Step.CONFIRM, title=waiting.title, commune=waiting.commune_code,
                      what=waiting.what, result=waiting.result, figures=waiting.figures,
                      photo=waiting.photo, practice=waiting.id, note=waiting.note)
    await dialogs.save(ctx, draft.to_state())
    return [_prompt(ctx, draft)]


async def show(ctx: Context) -> list[Reply]:
    """The open form's question again, when the user comes back to it."""
    draft = Draft.from_state(ctx.state)
    return [closed(ctx)] if draft is None else [_prompt(ctx, draft)]


async def _offer(ctx: Context) -> str | None:
    """The team's figures line offered for the result; None when the team has no visits."""
    if ctx.membership is None:
        return None
    t = ctx.t
    campaign, found = await visits.team_campaign_figures(ctx, ctx.membership.team.id)
    if found.households == 0:
        return None
    period = campaign.name if campaign is not None else t._("the last {count} days").format(
        count=t.number(campaigns.RECENT_DAYS))
    households = t.ngettext("🏠 {count} household", "🏠 {count} households",
                            found.households).format(count=t.number(found.households))
    people = t.ngettext("👥 {count} person", "👥 {count} people", found.people).format(
        count=t.number(found.people))
    return t._("📊 The team's figures, {period}: {households} · {people}").format(
        period=period, households=households, people=people)


async def _go_to(ctx: Context, draft: Draft, step: Step) -> list[Reply]:
    """Open step (skipping the figures when there are none, and the photo where none can be
    sent), with the draft's changes saved, and ask its question."""
    if step == Step.FIGURES:
        draft.offer = await _offer(ctx)
        if draft.offer is None:
            draft.figures = None
            step = Step.CONFIRM if draft.editing else Step.PHOTO
    if step == Step.PHOTO and not ctx.event.capabilities.photos:
        step = Step.CONFIRM
    if step in (Step.CONFIRM, Step.EDIT):
        draft.editing = False
    draft.choices, draft.step = [], step
    await dialogs.save(ctx, draft.to_state())
    return [_prompt(ctx, draft)]


async def _answered(ctx: Context, draft: Draft, done: Step) -> list[Reply]:
    """The question after done: the next one, or the summary when one part was changed."""
    following = _NEXT[done]
    if draft.editing and done != Step.RESULT:
        following = Step.CONFIRM
    return await _go_to(ctx, draft, following)


def _again(ctx: Context, draft: Draft, note: str) -> list[Reply]:
    """A short note above the question still open, with its own buttons."""
    current = _prompt(ctx, draft)
    return [replace(current, text=f"{note}\n\n{current.text}", edit=False)]


def _refused(ctx: Context, draft: Draft, checked: Checked) -> list[Reply]:
    if checked.problem is None:  # the rules give a reason whenever they refuse
        raise ValueError("an answer was refused without a reason")
    current = _prompt(ctx, draft)
    problem = ctx.t._(checked.problem).format(**checked.numbers)
    return [Reply(problem, current.buttons, numbered=current.numbered)]


async def on_text(ctx: Context, text: str) -> list[Reply]:
    """An answer typed while the form is open."""
    draft = Draft.from_state(ctx.state)
    if draft is None:  # the router sends only this flow's text here
        return [closed(ctx)]
    if not is_volunteer(ctx):  # removed from their team meanwhile
        await dialogs.close(ctx)
        return not_a_writer(ctx)
    typed = _TYPED.get(draft.step)
    if typed is not None:
        check, field = typed
        # What was done and the result keep their line breaks (text is on one line).
        checked = check(text if draft.step == Step.TITLE else ctx.event.text)
        if checked.value is None:
            return _refused(ctx, draft, checked)
        setattr(draft, field, checked.value)
        return await _answered(ctx, draft, draft.step)
    if draft.step == Step.WHERE:
        return await _find_commune(ctx, draft, text)
    if draft.step == Step.PHOTO:
        return _again(ctx, draft, ctx.t._("Please send a photo, or press Skip."))
    return _again(ctx, draft, ctx.t._("Please answer with one of the buttons below."))


async def _find_commune(ctx: Context, draft: Draft, text: str) -> list[Reply]:
    found = ctx.services.communes.find(text)
    if len(found) == 1:
        draft.commune = found[0].code
        return await _answered(ctx, draft, Step.WHERE)
    if found:
        draft.choices = [c.code for c in found]
        await dialogs.save(ctx, draft.to_state())
        return [_prompt(ctx, draft)]
    draft.choices = []
    await dialogs.save(ctx, draft.to_state())
    problem = ctx.t._("I found no commune or ward called “{typed}” in {province}. Please check "
                      "the spelling and type it again, for example: Anh Sơn.").format(
        typed=clip(text, TYPED_ECHO), province=ctx.services.config.province)
    current = _prompt(ctx, draft)
    return [Reply(problem, current.buttons, numbered=current.numbered)]


async def on_photo(ctx: Context) -> list[Reply]:
    """A photo sent while the form is open: taken at the photo step only."""
    draft = Draft.from_state(ctx.state)
    if draft is None:
        return [closed(ctx)]
    if draft.step != Step.PHOTO:
        return _again(ctx, draft, ctx.t._("A photo can only be added at the photo step, after "
                                          "the result. This one was not kept."))
    checked = photo_problem(ctx.event.photo)
    if checked.value is None:
        return _refused(ctx, draft, checked)
    draft.photo = checked.value
    return await _answered(ctx, draft, Step.PHOTO)


def _stale(ctx: Context, draft: Draft) -> list[Reply]:
    current = _prompt(ctx, draft)
    note = ctx.t._("That button is from an older message. Here is where you are now:")
    return [replace(current, text=f"{note}\n\n{current.text}")]


async def on_button(ctx: Context, act: Action) -> list[Reply]:
    """A button of the form; checked against the step the form is at."""
    draft = Draft.from_state(ctx.state)
    if draft is None:
        return [closed(ctx)]
    step, verb = draft.step, act.verb
    if verb == CANCEL:
        return await _cancel(ctx, draft)
    if verb == WHERE and step == Step.WHERE and act.args[0] in (*draft.choices,
                                                                _team_commune(ctx)):
        draft.commune = act.args[0]
        return await _answered(ctx, draft, Step.WHERE)
    if verb in (FIGURES, NO_FIGURES) and step == Step.FIGURES:
        draft.figures = draft.offer if verb == FIGURES else None
        return await _answered(ctx, draft, Step.FIGURES)
    if verb == SKIP_PHOTO and step == Step.PHOTO:
        draft.photo = None
        return await _answered(ctx, draft, Step.PHOTO)
    if verb == EDIT and step in (Step.CONFIRM, Step.EDIT):
        return await _go_to(ctx, draft, Step.EDIT if step == Step.CONFIRM else Step.CONFIRM)
    if verb == FIELD and step == Step.EDIT and act.args[0] in views.PART_NAMES:
        draft.editing = True
        draft.choices, draft.step = [], PARTS[act.args[0]]
        await dialogs.save(ctx, draft.to_state())
        return [_prompt(ctx, draft)]
    if verb == SEND and step == Step.CONFIRM:
        return await _send(ctx, draft)
    return _stale(ctx, draft)


async def _cancel(ctx: Context, draft: Draft) -> list[Reply]:
    await dialogs.close(ctx)
    t = ctx.t
    if draft.practice is not None:
        text = t._("Cancelled: your good practice #{number} is unchanged and still waits for "
                   "your changes. Type /practice to change it.").format(number=draft.practice)
    else:
        text = t._("Cancelled: nothing was sent and nothing was kept.")
    return [main_menu(ctx, text)]


async def _send(ctx: Context, draft: Draft) -> list[Reply]:
    """Store the practice (or the changed one) and tell the admins, in one transaction."""
    t, now, services = ctx.t, ctx.now, ctx.services
    if not is_volunteer(ctx):
        await dialogs.close(ctx)
        return not_a_writer(ctx)
    title, commune, what, result = draft.title, draft.commune, draft.what, draft.result
    if title is None or commune is None or what is None or result is None:
        return _stale(ctx, draft)  # Draft.from_state prevents it
    # Written in the language the writer reads the bot in; an admin may add the other one.
    content = Content(commune, title, what, result, draft.figures, draft.photo,
                      search_text(title, services.communes.display_name(commune), what),
                      language=t.locale)
    admins = outbox.merge(await outbox.admins(services), without=(ctx.user.id,))
    async with ctx.db.transaction() as conn:
        if draft.practice is not None:
            done = await practice_store.resubmit(conn, draft.practice, ctx.user.id, content,
                                                 now)
            number = draft.practice if done else None
        else:
            number = await practice_store.insert(conn, ctx.user.id, content, now)
        if number is not None:
            practice = Practice(number, ctx.user.id, commune, title, what, result,
                                draft.figures, draft.photo, PENDING, None, None,
                                now.isoformat(), None)
            for admin in admins:
                tr = services.translations.get(admin.locale)
                notice = views.new_notice(tr, services, practice,
                                          views.writer_name(tr, ctx.membership, False),
                                          again=draft.practice is not None)
                await outbox.notify(conn, admin, notice, now)
    await dialogs.close(ctx)
    if number is None:  # a second Send, or another one waiting
        waiting = await practice_store.open_of(ctx.db, ctx.user.id)
        if waiting is not None and waiting.status == PENDING:
            return _waiting(ctx, waiting)
        return [closed(ctx)]
    text = t._("📨 Thank you! Your good practice #{number} was sent to the admins. I will tell "
               "you here when it has been reviewed.").format(number=number)
    return [Reply(text, ((menu_button(t),),), edit=ctx.pressed)]
