"""/join CODE: a team's code makes a volunteer, a class's code a student (after a screen saying
what the teacher will see, and the name they show if the class uses names); a student's own
class and leaving it.

The class a code named is kept in the dialog state: the Join button and the typed name count
only for that class, so a forged button cannot put anyone in a class whose code they lack.
"""

from __future__ import annotations

from bot.core import dialogs, teams
from bot.core.context import Context
from bot.core.events import Button, Nav, Reply
from bot.core.payloads import Action
from bot.core.schools.ids import JOIN, JOIN_CANCEL, LEAVE, LEAVE_CONFIRMED
from bot.core.schools.rules import check_student, refusal
from bot.core.shared.menus import main_menu, menu_button
from bot.core.shared.messages import clip
from bot.core.shared.text import normalize
from bot.storage import classes as class_store
from bot.storage import teams as team_store
from bot.storage.classes import SchoolClass

FLOW = "joinclass"
CODE_ECHO = 20  # characters of a wrong code quoted back


def class_label(ctx: Context, school_class: SchoolClass) -> str:
    """"8A · Trường THCS Kim Liên (Kim Liên)"."""
    return ctx.t._("{name} · {school} ({commune})").format(
        name=school_class.name, school=school_class.school.name,
        commune=ctx.services.communes.display_name(school_class.school.commune_code))


async def join(ctx: Context, args: str) -> list[Reply]:
    """/join CODE: join the team or the class with that code."""
    t = ctx.t
    code = normalize(args).upper().replace(" ", "")
    if not code:
        return [Reply(t._("Type /join and the code you were given, for example: /join NA4K7Q. "
                          "Your team leader, your commune or your teacher gives you the code."))]
    refused = await teams.guessing_refusal(ctx)
    if refused:
        return [Reply(refused)]
    if teams.JOIN_CODE.match(code):
        team = await team_store.by_code(ctx.db, code)
        if team is not None:
            return await teams.join_team(ctx, team)
        school_class = await class_store.by_code(ctx.db, code)
        if school_class is not None:
            return await _offer(ctx, school_class)
    left = await teams.wrong_code(ctx)
    return [Reply(t._("No team or class has the code {code}. Check it with whoever gave it to "
                      "you.").format(code=clip(code, CODE_ECHO)) + " " + t.ngettext(
        "You can try {count} more time this hour.", "You can try {count} more times this hour.",
        left).format(count=left))]


async def _offer(ctx: Context, school_class: SchoolClass) -> list[Reply]:
    t = ctx.t
    if school_class.teacher_id == ctx.user.id:
        return [Reply(t._("You teach this class: your students type this code. Type /class to "
                          "see it."), ((menu_button(t),),))]
    if school_class.teacher_id is None:  # the teacher deleted their data: nobody would look
        return [Reply(t._("This class no longer has a teacher in the bot, so it takes no new "
                          "students. Ask your teacher for a new code."), ((menu_button(t),),))]
    place = await class_store.student_of(ctx.db, ctx.user.id)
    if place is not None and place[1].id == school_class.id:
        return [Reply(t._("You are already in class {label}.").format(
            label=class_label(ctx, school_class)), ((menu_button(t),),))]
    await dialogs.save(ctx, {"flow": FLOW, "class": school_class.id})
    lines = [t._("Class {label}.").format(label=class_label(ctx, school_class)),
             t._("If you join, your teacher will see which lessons you started and finished and "
                 "which of the five skills you have learned, nothing else: not your messages, "
                 "not your phone number. You can leave the class, or delete everything with "
                 "/deleteme, at any time.")]
    if place is not None:
        lines.append(t._("You are now in class {label}: joining this one takes you out of "
                         "it.").format(label=class_label(ctx, place[1])))
    cancel = (Button(t._("✖ Cancel"), JOIN_CANCEL(), Nav.CANCEL),)
    if school_class.uses_names:
        lines.append(t._("Type the name your teacher knows you by (your first name is enough), "
                         "or Cancel:"))
        return [Reply("\n\n".join(lines), (cancel,), numbered=False)]
    lines.append(t._("Your teacher sees you by a number in the class, not by name."))
    return [Reply("\n\n".join(lines), ((Button(t._("✅ Join the class"), JOIN(school_class.id)),),
                                       cancel))]


def _pending(ctx: Context) -> int | None:
    if ctx.state.get("flow") != FLOW:
        return None
    found = ctx.state.get("class")
    return found if isinstance(found, int) else None


async def name_typed(ctx: Context, text: str) -> list[Reply]:
    """The name a student shows their teacher, typed after the class's screen."""
    class_id = _pending(ctx)
    school_class = await class_store.by_id(ctx.db, class_id) if class_id else None
    if school_class is None:
        await dialogs.close(ctx)
        return [main_menu(ctx, ctx.t._("That class no longer exists. Ask your teacher for its "
                                       "code."))]
    if not school_class.uses_names:
        return [Reply(ctx.t._("Please choose: type 1 to join the class, or Cancel."),
                      ((Button(ctx.t._("✅ Join the class"), JOIN(school_class.id)),),
                       (Button(ctx.t._("✖ Cancel"), JOIN_CANCEL(), Nav.CANCEL),)))]
    checked = check_student(text)
    if checked.value is None:
        cancel = Button(ctx.t._("✖ Cancel"), JOIN_CANCEL(), Nav.CANCEL)
        return [Reply(refusal(ctx.t, checked), ((cancel,),), numbered=False)]
    return await _enrol(ctx, school_class, checked.value)


async def pressed(ctx: Context, act: Action) -> list[Reply]:
    """Join the class the code named (numbers-only classes), or cancel."""
    t = ctx.t
    class_id = _pending(ctx)
    if act.verb == JOIN_CANCEL:
        if class_id is not None:
            await dialogs.close(ctx)
        return [Reply(t._("You did not join the class."), ((menu_button(t),),),
                      edit=ctx.pressed)]
    school_class = await class_store.by_id(ctx.db, class_id) if class_id else None
    if school_class is None or int(act.args[0]) != class_id:
        return [Reply(t._("Type /join and your class's code to join it."),
                      ((menu_button(t),),), edit=ctx.pressed)]
    return await _enrol(ctx, school_class, None)


async def _enrol(ctx: Context, school_class: SchoolClass, name: str | None) -> list[Reply]:
    t = ctx.t
    student = await class_store.enrol(ctx.db, ctx.user.id, school_class.id, name, ctx.now)
    await dialogs.close(ctx)
    shown = (t._("Your teacher sees you as “{name}” (number {number}).") if student.name else
             t._("Your number in the class is {number}.")).format(
        name=student.name, number=student.number)
    text = "\n\n".join([
        t._("You joined class {label}.").format(label=class_label(ctx, school_class)), shown,
        t._("Start with the lessons: type /lessons. Type /class to see your class or to leave "
            "it."),
    ])
    return [Reply(text, ((menu_button(t),),), edit=ctx.pressed)]


async def own_class(ctx: Context) -> list[Reply] | None:
    """A student's class and the Leave button; None when they are in none."""
    t = ctx.t
    place = await class_store.student_of(ctx.db, ctx.user.id)
    if place is None:
        return None
    student, school_class = place
    shown = (t._("Your teacher sees you as “{name}” (number {number}).") if student.name else
             t._("Your number in the class is {number}.")).format(
        name=student.name, number=student.number)
    text = "\n\n".join([t._("🏫 Your class: {label}.").format(
        label=class_label(ctx, school_class)), shown, t._(
        "Your teacher sees which lessons you started and finished, nothing else.")])
    return [Reply(text, ((Button(t._("🚪 Leave the class"), LEAVE()),), (menu_button(t),)),
                  edit=ctx.pressed)]


async def leave(ctx: Context, act: Action) -> list[Reply]:
    """Leave the class: asked first, then done (the lessons stay the student's)."""
    t = ctx.t
    place = await class_store.student_of(ctx.db, ctx.user.id)
    if place is None:
        return [Reply(t._("You are not in a class."), ((menu_button(t),),), edit=ctx.pressed)]
    if act.verb == LEAVE:
        return [Reply(t._("Leave class {label}? Your teacher will no longer see your lessons; "
                          "your lessons stay yours.").format(label=class_label(ctx, place[1])),
                      ((Button(t._("🚪 Yes, leave"), LEAVE_CONFIRMED()),), (menu_button(t),)),
                      edit=ctx.pressed)]
    await class_store.leave(ctx.db, ctx.user.id)
    return [Reply(t._("You left class {label}.").format(label=class_label(ctx, place[1])),
                  ((menu_button(t),),), edit=ctx.pressed)]
