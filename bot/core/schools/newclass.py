"""/newclass: a teacher names the commune, the school (one of the commune's, or typed), the
class, and whether they see students' names or numbers; the answer is the class's join code.

The draft lives in the dialog state; typing answers only the question shown last.
"""

from __future__ import annotations

from typing import Any

from bot.core import dialogs, teams
from bot.core.context import Context
from bot.core.events import Button, Nav, Reply
from bot.core.payloads import Action
from bot.core.schools.ids import CANCEL, COMMUNE, NAMES, SCHOOL
from bot.core.schools.rules import (
    MAX_CLASSES,
    check_class,
    check_school,
    refusal,
    school_key,
)
from bot.core.shared.menus import menu_button
from bot.core.shared.messages import clip
from bot.core.shared.text import normalize
from bot.storage import classes as class_store

FLOW = "newclass"
TYPED_ECHO = 60  # characters of a typed commune name quoted back
ASK_COMMUNE, ASK_SCHOOL, ASK_CLASS, ASK_NAMES = "commune", "school", "class", "names"


def _draft(ctx: Context) -> dict[str, Any] | None:
    return ctx.state if ctx.state.get("flow") == FLOW else None


def _cancel_row(ctx: Context) -> tuple[Button, ...]:
    return (Button(ctx.t._("✖ Cancel"), CANCEL(), Nav.CANCEL),)


def closed(ctx: Context) -> Reply:
    """The answer to a button of a /newclass form that is no longer open."""
    return Reply(ctx.t._("This form is already closed. Type /newclass to start again."),
                 ((menu_button(ctx.t),),))


async def begin(ctx: Context, _args: str) -> list[Reply]:
    """/newclass: ask for the commune of the school."""
    t = ctx.t
    if len(await class_store.of_teacher(ctx.db, ctx.user.id)) >= MAX_CLASSES:
        return [Reply(t._("You already have {count} classes, the most one teacher can hold. "
                          "Delete one you no longer teach from /class first.").format(
            count=MAX_CLASSES), ((menu_button(t),),))]
    await dialogs.save(ctx, {"flow": FLOW, "step": ASK_COMMUNE})
    return [_ask_commune(ctx, t._(
        "New class. Your students will join it with a code and learn the five digital skills "
        "here; you will see how far each has got.\n\nWhich commune is your school in? Type its "
        "name, with or without accents (for example: Kim Liên)."))]


def _ask_commune(ctx: Context, text: str, choices: list[Any] | None = None) -> Reply:
    rows: list[tuple[Button, ...]] = [(Button(c.name, COMMUNE(c.code)),) for c in choices or []]
    rows.append(_cancel_row(ctx))
    return Reply(text, tuple(rows), numbered=bool(choices), edit=ctx.pressed)


async def on_text(ctx: Context, text: str) -> list[Reply]:
    """A typed answer to the question shown last."""
    draft = _draft(ctx)
    if draft is None:
        return [closed(ctx)]
    step = draft.get("step")
    if step == ASK_SCHOOL:
        return await _school_typed(ctx, draft, text)
    if step == ASK_CLASS:
        return await _class_typed(ctx, draft, text)
    if step == ASK_NAMES:
        if text.strip() in ("1", "2"):  # typed where buttons are shown
            return await _create(ctx, draft, text.strip() == "1")
        return [_ask_names(ctx, draft, ctx.t._("Please choose one of the two: type 1 or 2."))]
    return await _commune_typed(ctx, text)


async def _commune_typed(ctx: Context, text: str) -> list[Reply]:
    t, communes = ctx.t, ctx.services.communes
    found = communes.find(text)
    if not found:
        return [_ask_commune(ctx, t._("No commune of {province} matches “{text}”. Type the "
                                      "name again:").format(
            province=communes.province, text=clip(normalize(text), TYPED_ECHO)))]
    if len(found) > 1:
        return [_ask_commune(ctx, t._("Several communes match. Choose one, or type the name "
                                      "again:"), found)]
    return await _ask_school(ctx, found[0].code)


async def pressed(ctx: Context, act: Action) -> list[Reply]:
    """The form's buttons: a commune, a school, names or numbers, cancel."""
    draft = _draft(ctx)
    if act.verb == CANCEL:
        if draft is not None:
            await dialogs.close(ctx)
        return [Reply(ctx.t._("No class was created."), ((menu_button(ctx.t),),),
                      edit=ctx.pressed)]
    if draft is None:
        return [closed(ctx)]
    step = draft.get("step")
    if act.verb == COMMUNE and step == ASK_COMMUNE:
        if ctx.services.communes.get(act.args[0]) is None:
            return [_ask_commune(ctx, ctx.t._("Type the commune's name again:"))]
        return await _ask_school(ctx, act.args[0])
    if act.verb == SCHOOL and step == ASK_SCHOOL:
        school = await class_store.school(ctx.db, int(act.args[0]))
        if school is None or school.commune_code != draft.get("commune"):
            return await _ask_school(ctx, str(draft.get("commune")))
        return await _ask_class(ctx, {**draft, "school": school.name})
    if act.verb == NAMES and step == ASK_NAMES:
        return await _create(ctx, draft, act.args[0] == "1")
    return [await _again(ctx, draft)]


async def _again(ctx: Context, draft: dict[str, Any]) -> Reply:
    """The open question again, for a button of another step."""
    step = draft.get("step")
    if step == ASK_SCHOOL:
        return (await _ask_school(ctx, str(draft.get("commune"))))[0]
    if step == ASK_CLASS:
        return (await _ask_class(ctx, draft))[0]
    if step == ASK_NAMES:
        return _ask_names(ctx, draft)
    return _ask_commune(ctx, ctx.t._("Which commune is your school in? Type its name:"))


async def _ask_school(ctx: Context, commune: str) -> list[Reply]:
    t = ctx.t
    await dialogs.save(ctx, {"flow": FLOW, "step": ASK_SCHOOL, "commune": commune})
    schools = await class_store.schools_in(ctx.db, commune)
    place = ctx.services.communes.display_name(commune)
    rows: list[tuple[Button, ...]] = [(Button(s.name, SCHOOL(s.id)),) for s in schools]
    rows.append(_cancel_row(ctx))
    if schools:
        text = t._("Commune: {commune}. Choose your school, or type its full name if it is not "
                   "listed (for example: Trường THCS Kim Liên).").format(commune=place)
    else:
        text = t._("Commune: {commune}. Type your school's full name (for example: Trường THCS "
                   "Kim Liên).").format(commune=place)
    return [Reply(text, tuple(rows), numbered=bool(schools), edit=ctx.pressed)]


async def _school_typed(ctx: Context, draft: dict[str, Any], text: str) -> list[Reply]:
    checked = check_school(text)
    if checked.value is None:
        return [Reply(refusal(ctx.t, checked), (_cancel_row(ctx),), numbered=False)]
    commune = str(draft.get("commune"))
    # A school another teacher named already is the same school, whatever its accents.
    known = {school_key(s.name): s.name for s in await class_store.schools_in(ctx.db, commune)}
    name = known.get(school_key(checked.value), checked.value)
    return await _ask_class(ctx, {**draft, "school": name})


async def _ask_class(ctx: Context, draft: dict[str, Any]) -> list[Reply]:
    state = {"flow": FLOW, "step": ASK_CLASS, "commune": draft.get("commune"),
             "school": draft.get("school")}
    await dialogs.save(ctx, state)
    text = ctx.t._("School: {school}. Now type the class's name (for example: 8A).").format(
        school=state["school"])
    return [Reply(text, (_cancel_row(ctx),), numbered=False, edit=ctx.pressed)]


async def _class_typed(ctx: Context, draft: dict[str, Any], text: str) -> list[Reply]:
    checked = check_class(text)
    if checked.value is None:
        return [Reply(refusal(ctx.t, checked), (_cancel_row(ctx),), numbered=False)]
    state = {**draft, "step": ASK_NAMES, "class": checked.value}
    await dialogs.save(ctx, state)
    return [_ask_names(ctx, state)]


def _ask_names(ctx: Context, draft: dict[str, Any], first: str | None = None) -> Reply:
    t = ctx.t
    text = t._("Class {name}. How do you want to see your students?\n\n"
               "• By name: each student types the name you know them by (a first name is "
               "enough).\n• By number: students get a number in the class and type no name; "
               "you match numbers to students yourself. Best for the youngest.").format(
        name=draft.get("class"))
    return Reply("\n\n".join(filter(None, [first, text])), (
        (Button(t._("👤 By name"), NAMES(1)),), (Button(t._("🔢 By number"), NAMES(0)),),
        _cancel_row(ctx)), edit=ctx.pressed)


async def _create(ctx: Context, draft: dict[str, Any], uses_names: bool) -> list[Reply]:
    t = ctx.t
    commune, school = str(draft.get("commune")), str(draft.get("school"))
    name = str(draft.get("class"))
    made = await teams.with_new_code(lambda code: class_store.create_class(
        ctx.db, commune, school, school_key(school), name, code, ctx.user.id, uses_names,
        ctx.now))
    await dialogs.close(ctx)
    text = "\n\n".join([
        t._("Class {name} of {school} created. Its code is {code}: each student types /join "
            "{code} in a chat with this bot.").format(
            name=made.name, school=made.school.name, code=made.join_code),
        t._("They will be told that you see their lessons and skills, nothing else. Type /class "
            "to see your class's figures."),
    ])
    return [Reply(text, ((menu_button(t),),), edit=ctx.pressed)]
