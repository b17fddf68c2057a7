"""The help request form: consent first, then first name, commune, hamlet, phone, and Send.

Nothing about the citizen is kept unless they agree; the draft lives in the dialog state and
is dropped on Cancel, so only a sent request is stored.
"""

from __future__ import annotations

from typing import Any

from bot.core import dialogs as flows
from bot.core.actions import Action, action
from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.help import notify as help_notify
from bot.core.help.rules import Checked, check_first_name, check_hamlet, check_phone
from bot.core.shared import outbox
from bot.core.shared.menus import CONTINUE, OPEN_LESSON, main_menu, menu_button
from bot.storage import help_requests as store
from bot.storage.help_requests import HelpRequest

FLOW = "helpme"
AGREE, REFUSE, COMMUNE, SKIP_PHONE, SEND, CANCEL = "hly", "hln", "hlc", "hlk", "hls", "hlx"
TYPED_STEPS = {"name", "hamlet", "phone"}


async def begin(ctx: Context, lesson_id: str | None) -> list[Reply]:
    """Open the form at the consent question (nothing personal is stored yet)."""
    await flows.save(ctx, {"flow": FLOW, "step": "consent", "lesson": lesson_id})
    prompt = _prompt(ctx, ctx.state)
    # Asked from a lesson: keep the lesson's message on screen and ask below it.
    return [Reply(prompt.text, prompt.buttons, edit=False, numbered=prompt.numbered)]


def _cancel_row(ctx: Context) -> tuple[Button, ...]:
    return (Button(ctx.t._("✖ Cancel"), CANCEL),)


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


def _draft_lines(ctx: Context, state: dict[str, Any]) -> str:
    t, services = ctx.t, ctx.services
    lines = [t._("First name: {name}").format(name=state["name"]),
             t._("Commune: {commune}").format(
                 commune=help_notify.commune_name(services, state["commune"])),
             t._("Hamlet: {hamlet}").format(hamlet=state["hamlet"]),
             t._("Phone: {phone}").format(phone=state.get("phone") or t._("not given"))]
    title = help_notify.lesson_title(services, state.get("lesson"), t.locale)
    if title:
        lines.append(t._("Lesson: {title}").format(title=title))
    return "\n".join(lines)


def _prompt(ctx: Context, state: dict[str, Any]) -> Reply:
    """The question of the current step."""
    t, step, edit = ctx.t, state.get("step"), ctx.pressed
    if step == "consent":
        return Reply(_consent_text(ctx), ((Button(t._("✅ Yes, I agree"), AGREE),),
                                          (Button(t._("✖ No, thanks"), REFUSE),)), edit=edit)
    if step == "name":
        return Reply(t._("What is your first name? Only your first name, for example: Lan."),
                     (_cancel_row(ctx),), edit=edit, numbered=False)
    if step == "commune" and state.get("choices"):
        rows = [(Button(help_notify.commune_name(ctx.services, code), action(COMMUNE, code)),)
                for code in state["choices"]]
        return Reply(t._("Several communes match “{typed}”. Which one is yours? You can also "
                         "type the name again.").format(typed=state.get("typed", "")),
                     (*rows, _cancel_row(ctx)), edit=edit)
    if step == "commune":
        return Reply(t._("Which commune or ward do you live in? Type its name, for example: "
                         "Anh Sơn."), (_cancel_row(ctx),), edit=edit, numbered=False)
    if step == "hamlet":
        return Reply(t._("Which hamlet, village or residential group (thôn, xóm, bản, khối, tổ "
                         "dân phố)? For example: Xóm 3."), (_cancel_row(ctx),), edit=edit,
                     numbered=False)
    if step == "phone":
        return Reply(t._("A phone number lets the volunteer call you before coming. It is "
                         "optional. Type a mobile number such as 0912 345 678, or press Skip."),
                     ((Button(t._("⏭ Skip"), SKIP_PHONE),), _cancel_row(ctx)), edit=edit,
                     numbered=False)
    text = "\n\n".join([t._("Please check your request:"), _draft_lines(ctx, state),
                        t._("Send it to the volunteers of your commune?")])
    return Reply(text, ((Button(t._("📨 Send"), SEND),), _cancel_row(ctx)), edit=edit)


async def _go_to(ctx: Context, state: dict[str, Any], step: str, **changes: Any) -> list[Reply]:
    state = {**state, **changes, "step": step, "free_text": step in TYPED_STEPS}
    if step == "commune":
        state["free_text"] = not state.get("choices")
    await flows.save(ctx, state)
    return [_prompt(ctx, state)]


def _refused(ctx: Context, checked: Checked) -> list[Reply]:
    assert checked.problem is not None
    return [Reply(ctx.t._(checked.problem), (_cancel_row(ctx),), numbered=False)]


def closed(ctx: Context) -> Reply:
    """The answer to a button of a form that was sent or cancelled: nothing changes."""
    return main_menu(ctx, ctx.t._("That help request form is closed (it was sent or cancelled). "
                                  "Type /helpme to ask for help in person."))


def _stale(ctx: Context, state: dict[str, Any]) -> list[Reply]:
    current = _prompt(ctx, state)
    note = ctx.t._("That button is from an older message. Here is where you are now:")
    return [Reply(f"{note}\n\n{current.text}", current.buttons, edit=current.edit,
                  numbered=current.numbered)]


async def on_text(ctx: Context, text: str) -> list[Reply]:
    """An answer typed while the form is open."""
    state = dict(ctx.state)
    step = state.get("step")
    if step == "name":
        checked = check_first_name(text)
        return (await _go_to(ctx, state, "commune", name=checked.value) if checked.value
                else _refused(ctx, checked))
    if step == "commune":
        return await _find_commune(ctx, state, text)
    if step == "hamlet":
        checked = check_hamlet(text)
        return (await _go_to(ctx, state, "phone", hamlet=checked.value) if checked.value
                else _refused(ctx, checked))
    if step == "phone":
        checked = check_phone(text)
        return (await _go_to(ctx, state, "confirm", phone=checked.value) if checked.value
                else _refused(ctx, checked))
    current = _prompt(ctx, state)
    note = ctx.t._("Please answer with one of the buttons below.")
    return [Reply(f"{note}\n\n{current.text}", current.buttons)]


async def _find_commune(ctx: Context, state: dict[str, Any], text: str) -> list[Reply]:
    found = ctx.services.communes.find(text)
    if len(found) == 1:
        return await _go_to(ctx, state, "hamlet", commune=found[0].code, choices=[], typed="")
    if found:
        return await _go_to(ctx, state, "commune", choices=[c.code for c in found],
                            typed=text[:60])
    await _go_to(ctx, state, "commune", choices=[], typed="")
    text = ctx.t._("I found no commune or ward called “{typed}” in {province}. Please check "
                   "the spelling and type it again, for example: Anh Sơn.").format(
        typed=text[:60], province=ctx.services.config.province)
    return [Reply(text, (_cancel_row(ctx),), numbered=False)]


async def on_button(ctx: Context, act: Action) -> list[Reply]:
    """A button of the form; checked against the step the form is at."""
    state = flows.current(ctx, FLOW)
    if state is None:
        return [closed(ctx)]
    state, step = dict(state), state.get("step")
    if act.verb == CANCEL:
        await flows.close(ctx)
        return [_after(ctx, state, ctx.t._("Cancelled: nothing was sent and nothing was kept."))]
    if act.verb == AGREE and step == "consent":
        return await _go_to(ctx, state, "name")
    if act.verb == REFUSE and step == "consent":
        await flows.close(ctx)
        return [_after(ctx, state, ctx.t._("All right: nothing was kept and nothing was sent. "
                                            "You can ask again at any time with /helpme."))]
    if act.verb == COMMUNE and step == "commune" and act.args[0] in state.get("choices", []):
        return await _go_to(ctx, state, "hamlet", commune=act.args[0], choices=[], typed="")
    if act.verb == SKIP_PHONE and step == "phone":
        return await _go_to(ctx, state, "confirm", phone=None)
    if act.verb == SEND and step == "confirm":
        return await _send(ctx, state)
    return _stale(ctx, state)


def _after(ctx: Context, state: dict[str, Any], text: str) -> Reply:
    """A closing message with the way back to the lesson the citizen was in."""
    t = ctx.t
    rows: list[tuple[Button, ...]] = []
    lesson = state.get("lesson")
    if lesson and lesson in ctx.catalog.lessons:
        rows.append((Button(t._("▶ Back to the lesson"), OPEN_LESSON(lesson)),))
    else:
        rows.append((Button(t._("▶ Continue"), CONTINUE()),))
    rows.append((menu_button(t),))
    return Reply(text, tuple(rows), edit=ctx.pressed)


async def _send(ctx: Context, state: dict[str, Any]) -> list[Reply]:
    """Store the request and notify the commune's volunteers (or admins) in one transaction."""
    services, now, t = ctx.services, ctx.now, ctx.t
    commune = str(state["commune"])
    lesson = state.get("lesson") if state.get("lesson") in ctx.catalog.lessons else None
    told, has_team = await help_notify.volunteers_to_tell(services, commune, (ctx.user.id,))
    async with ctx.db.transaction() as conn:
        request_id = await store.insert(conn, ctx.user.id, state["name"], commune,
                                        state["hamlet"], state.get("phone"), lesson, now)
        if request_id is not None:
            request = HelpRequest(request_id, ctx.user.id, state["name"], commune,
                                  state["hamlet"], state.get("phone"), lesson, store.OPEN, None,
                                  None, None, None, now.isoformat())
            for recipient in told:
                notice = help_notify.new_notice(services.translations.get(recipient.locale),
                                                services, request)
                await outbox.notify(conn, recipient.user_id, notice, now)
    await flows.close(ctx)
    if request_id is None:  # a second Send, or another request already waiting
        return [_after(ctx, state, t._("You already have a help request waiting. Type /helpme "
                                       "to see it."))]
    name = help_notify.commune_name(services, commune)
    if has_team:
        text = t._("📨 Your request #{number} was sent to the volunteers of {commune}. I will "
                   "tell you here who is coming.").format(number=request_id, commune=name)
    else:
        text = t._("No volunteer is registered in {commune} yet. Your request #{number} is "
                   "kept and was passed to the province's admins, who will look for someone "
                   "to help you. I will tell you here who is coming.").format(
            commune=name, number=request_id)
    return [_after(ctx, state, text + "\n\n" + t._("To see or cancel it, type /helpme."))]
