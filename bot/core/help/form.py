"""The help request form: consent first, then first name, commune, hamlet, phone, and Send.

Nothing about the citizen is kept unless they agree; the draft lives in the dialog state and
is dropped on Cancel, so only a sent request is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from bot.core import dialogs
from bot.core.context import Context
from bot.core.events import Button, Nav, Reply
from bot.core.help import notify as help_notify
from bot.core.help.draft import Draft, Step
from bot.core.help.ids import AGREE, CANCEL, COMMUNE, REFUSE, SEND, SKIP_PHONE
from bot.core.help.rules import check_first_name, check_hamlet, check_phone
from bot.core.payloads import Action
from bot.core.shared import outbox
from bot.core.shared.menus import CONTINUE, OPEN_LESSON, main_menu, menu_button
from bot.core.shared.messages import clip
from bot.core.shared.text import Checked
from bot.storage import help_requests as request_store
from bot.storage.help_requests import HelpRequest

TYPED_ECHO = 60  # characters of a typed commune name quoted back
# Each request tells every volunteer of the commune: sending, cancelling and sending again is
# allowed DAILY_REQUESTS times in REQUEST_WINDOW (of any status: cancelled ones count), then the
# citizen is told when they may ask again. The texts say "24 hours".
DAILY_REQUESTS = 3
REQUEST_WINDOW = timedelta(hours=24)
# The steps answered by typing: the check of the answer, the draft's field, the next step.
_TYPED_STEPS: dict[Step, tuple[Callable[[str], Checked], str, Step]] = {
    Step.NAME: (check_first_name, "name", Step.COMMUNE),
    Step.HAMLET: (check_hamlet, "hamlet", Step.PHONE),
    Step.PHONE: (check_phone, "phone", Step.CONFIRM),
}


async def begin(ctx: Context, lesson_id: str | None) -> list[Reply]:
    """Open the form at the consent question (nothing personal is stored yet)."""
    draft = Draft(lesson=lesson_id)
    await dialogs.save(ctx, draft.to_state())
    prompt = _prompt(ctx, draft)
    # Asked from a lesson: keep the lesson's message on screen and ask below it.
    return [Reply(prompt.text, prompt.buttons, edit=False, numbered=prompt.numbered)]


def _cancel_row(ctx: Context) -> tuple[Button, ...]:
    return (Button(ctx.t._("✖ Cancel"), CANCEL(), Nav.CANCEL),)


def _consent_text(ctx: Context) -> str:
    t = ctx.t
    return "\n\n".join([
        t._("🙋 I can ask a volunteer of the Community Digital Technology Team of your commune "
            "to come and help you in person."),
        t._("For that I need to share:\n"
            "• your first name, your commune and your hamlet: the volunteers of your commune "
            "and the province's admins will see them;\n"
            "• a phone number, only if you choose to give one: only the volunteer who takes "
            "your request and the province's admins will see it."),
        t._("I never ask for ID numbers, passwords or OTP codes. Do you agree to share these "
            "details?"),
    ])


def _draft_lines(ctx: Context, draft: Draft) -> str:
    t, services = ctx.t, ctx.services
    lines = [t._("First name: {name}").format(name=draft.name),
             t._("Commune: {commune}").format(
                 commune=services.communes.display_name(draft.commune)),
             t._("Hamlet: {hamlet}").format(hamlet=draft.hamlet),
             t._("Phone: {phone}").format(phone=draft.phone or t._("not given"))]
    title = help_notify.lesson_title(services, draft.lesson, t.locale)
    if title:
        lines.append(t._("Lesson: {title}").format(title=title))
    return "\n".join(lines)


def _prompt(ctx: Context, draft: Draft) -> Reply:
    """The question of the current step."""
    t, step, edit = ctx.t, draft.step, ctx.pressed
    if step == Step.CONSENT:
        return Reply(_consent_text(ctx), ((Button(t._("✅ Yes, I agree"), AGREE()),),
                                          (Button(t._("✖ No, thanks"), REFUSE()),)), edit=edit)
    if step == Step.NAME:
        return Reply(t._("What is your first name? Only your first name, for example: Lan."),
                     (_cancel_row(ctx),), edit=edit, numbered=False)
    if step == Step.COMMUNE and draft.choices:
        rows = [(Button(ctx.services.communes.display_name(code), COMMUNE(code)),)
                for code in draft.choices]
        return Reply(t._("Several communes match “{typed}”. Which one is yours? You can also "
                         "type the name again.").format(typed=draft.typed),
                     (*rows, _cancel_row(ctx)), edit=edit)
    if step == Step.COMMUNE:
        return Reply(t._("Which commune or ward do you live in? Type its name, for example: "
                         "Anh Sơn."), (_cancel_row(ctx),), edit=edit, numbered=False)
    if step == Step.HAMLET:
        return Reply(t._("Which hamlet, village or residential group (thôn, xóm, bản, khối, tổ "
                         "dân phố)? For example: Xóm 3."), (_cancel_row(ctx),), edit=edit,
                     numbered=False)
    if step == Step.PHONE:
        return Reply(t._("A phone number lets the volunteer call you before coming. It is "
                         "optional. Type a mobile number such as 0912 345 678, or press Skip."),
                     ((Button(t._("⏭ Skip"), SKIP_PHONE(), Nav.SKIP),), _cancel_row(ctx)),
                     edit=edit, numbered=False)
    text = "\n\n".join([t._("Please check your request:"), _draft_lines(ctx, draft),
                        t._("Send it to the volunteers of your commune?")])
    return Reply(text, ((Button(t._("📨 Send"), SEND()),), _cancel_row(ctx)), edit=edit)


async def _go_to(ctx: Context, draft: Draft, step: Step) -> list[Reply]:
    draft.step = step
    await dialogs.save(ctx, draft.to_state())
    return [_prompt(ctx, draft)]


def _refused(ctx: Context, draft: Draft, checked: Checked) -> list[Reply]:
    """The reason an answer was refused, with the step's own buttons (Skip stays where the
    step had it, so a typed "bỏ qua" still works)."""
    if checked.problem is None:  # the rules give a reason whenever they refuse
        raise ValueError("an answer was refused without a reason")
    problem = ctx.t._(checked.problem).format(**checked.numbers)
    return [Reply(problem, _prompt(ctx, draft).buttons, numbered=False)]


async def refused_today(ctx: Context, lesson: str | None) -> Reply | None:
    """The answer when the citizen already made DAILY_REQUESTS requests in the last 24 hours
    (with when they may ask again), else None."""
    t, now = ctx.t, ctx.now
    made = await request_store.made_since(ctx.db, ctx.user.id, now - REQUEST_WINDOW,
                                          DAILY_REQUESTS)
    if len(made) < DAILY_REQUESTS:
        return None
    again = help_notify.asked_at(t, ctx.services, (made[-1] + REQUEST_WINDOW).isoformat())
    text = "\n\n".join([
        t.ngettext("You have already sent {count} help request in the last 24 hours: that is "
                   "the most for one day.",
                   "You have already sent {count} help requests in the last 24 hours: that is "
                   "the most for one day.", DAILY_REQUESTS).format(count=DAILY_REQUESTS),
        t._("The volunteers of your commune already know of your earlier request, so I am not "
            "sending a new one now. You can ask again from {moment}.").format(moment=again),
    ])
    return _after(ctx, Draft(lesson=lesson), text)


def closed(ctx: Context) -> Reply:
    """The answer to a button of a form that was sent or cancelled: nothing changes."""
    return main_menu(ctx, ctx.t._("That help request form is closed (it was sent or cancelled). "
                                  "Type /helpme to ask for help in person."))


def _stale(ctx: Context, draft: Draft) -> list[Reply]:
    current = _prompt(ctx, draft)
    note = ctx.t._("That button is from an older message. Here is where you are now:")
    return [replace(current, text=f"{note}\n\n{current.text}")]


async def show(ctx: Context) -> list[Reply]:
    """The open form's question again, when the user comes back to it."""
    draft = Draft.from_state(ctx.state)
    if draft is None:
        return [closed(ctx)]
    return [_prompt(ctx, draft)]


async def on_text(ctx: Context, text: str) -> list[Reply]:
    """An answer typed while the form is open."""
    draft = Draft.from_state(ctx.state)
    if draft is None:  # the router sends only this flow's text here
        return [closed(ctx)]
    if draft.step == Step.COMMUNE:
        return await _find_commune(ctx, draft, text)
    typed = _TYPED_STEPS.get(draft.step)
    if typed is not None:
        check, field, following = typed
        checked = check(text)
        if checked.value is None:
            return _refused(ctx, draft, checked)
        setattr(draft, field, checked.value)
        return await _go_to(ctx, draft, following)
    current = _prompt(ctx, draft)
    note = ctx.t._("Please answer with one of the buttons below.")
    return [Reply(f"{note}\n\n{current.text}", current.buttons)]


async def _find_commune(ctx: Context, draft: Draft, text: str) -> list[Reply]:
    found = ctx.services.communes.find(text)
    if len(found) == 1:
        draft.commune, draft.choices, draft.typed = found[0].code, [], ""
        return await _go_to(ctx, draft, Step.HAMLET)
    if found:
        draft.choices, draft.typed = [c.code for c in found], clip(text, TYPED_ECHO)
        return await _go_to(ctx, draft, Step.COMMUNE)
    draft.choices, draft.typed = [], ""
    await _go_to(ctx, draft, Step.COMMUNE)
    text = ctx.t._("I found no commune or ward called “{typed}” in {province}. Please check "
                   "the spelling and type it again, for example: Anh Sơn.").format(
        typed=clip(text, TYPED_ECHO), province=ctx.services.config.province)
    return [Reply(text, (_cancel_row(ctx),), numbered=False)]


async def on_button(ctx: Context, act: Action) -> list[Reply]:
    """A button of the form; checked against the step the form is at."""
    draft = Draft.from_state(ctx.state)
    if draft is None:
        return [closed(ctx)]
    step = draft.step
    if act.verb == CANCEL:
        await dialogs.close(ctx)
        return [_after(ctx, draft, ctx.t._("Cancelled: nothing was sent and nothing was kept."))]
    if act.verb == AGREE and step == Step.CONSENT:
        return await _go_to(ctx, draft, Step.NAME)
    if act.verb == REFUSE and step == Step.CONSENT:
        await dialogs.close(ctx)
        return [_after(ctx, draft, ctx.t._("All right: nothing was kept and nothing was sent. "
                                            "You can ask again at any time with /helpme."))]
    if act.verb == COMMUNE and step == Step.COMMUNE and act.args[0] in draft.choices:
        draft.commune, draft.choices, draft.typed = act.args[0], [], ""
        return await _go_to(ctx, draft, Step.HAMLET)
    if act.verb == SKIP_PHONE and step == Step.PHONE:
        draft.phone = None
        return await _go_to(ctx, draft, Step.CONFIRM)
    if act.verb == SEND and step == Step.CONFIRM:
        return await _send(ctx, draft)
    return _stale(ctx, draft)


def _after(ctx: Context, draft: Draft, text: str) -> Reply:
    """A closing message with the way back to the lesson the citizen was in."""
    t = ctx.t
    rows: list[tuple[Button, ...]] = []
    lesson = draft.lesson
    if lesson and lesson in ctx.catalog.lessons:
        rows.append((Button(t._("▶ Back to the lesson"), OPEN_LESSON(lesson)),))
    else:
        rows.append((Button(t._("▶ Continue"), CONTINUE()),))
    rows.append((menu_button(t),))
    return Reply(text, tuple(rows), edit=ctx.pressed)


async def _send(ctx: Context, draft: Draft) -> list[Reply]:
    """Store the request and notify the commune's volunteers (or admins) in one transaction."""
    services, now, t = ctx.services, ctx.now, ctx.t
    name, commune, hamlet = draft.name, draft.commune, draft.hamlet
    if name is None or commune is None or hamlet is None:  # Draft.from_state prevents it
        return _stale(ctx, draft)
    lesson = draft.lesson if draft.lesson in ctx.catalog.lessons else None
    told, has_team = await help_notify.volunteers_to_tell(services, commune, (ctx.user.id,))
    async with ctx.db.transaction() as conn:
        request_id = await request_store.insert(conn, ctx.user.id, name, commune, hamlet,
                                                draft.phone, lesson, now,
                                                now - REQUEST_WINDOW, DAILY_REQUESTS)
        if request_id is not None:
            request = HelpRequest(request_id, ctx.user.id, name, commune, hamlet, draft.phone,
                                  lesson, request_store.OPEN, None, None, None, None,
                                  now.isoformat())
            for recipient in told:
                notice = help_notify.new_notice(services.translations.get(recipient.locale),
                                                services, request)
                await outbox.notify(conn, recipient, notice, now)
    await dialogs.close(ctx)
    if request_id is None:  # a second Send, another request waiting, or the most for a day
        waiting = await request_store.active_of(ctx.db, ctx.user.id)
        refused = None if waiting else await refused_today(ctx, draft.lesson)
        return [refused or _after(ctx, draft, t._("You already have a help request waiting. "
                                                  "Type /helpme to see it."))]
    shown = services.communes.display_name(commune)
    if has_team:
        text = t._("📨 Your request #{number} was sent to the volunteers of {commune}. I will "
                   "tell you here who is coming.").format(number=request_id, commune=shown)
    else:
        text = t._("No volunteer is registered in {commune} yet. Your request #{number} is "
                   "kept and was passed to the province's admins, who will look for someone "
                   "to help you. I will tell you here who is coming.").format(
            commune=shown, number=request_id)
    return [_after(ctx, draft, text + "\n\n" + t._("To see or cancel it, type /helpme."))]
