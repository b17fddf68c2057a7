"""/class: a teacher's classes and one class's figures (students per skill, who finished all
five, each student by the name or number they show), its chart and spreadsheets, a new code,
deleting it; a student's own class. Only the class's teacher sees it: every button checks."""

from __future__ import annotations

from bot.core import teams
from bot.core.context import Context
from bot.core.events import Button, Nav, Reply
from bot.core.payloads import Action
from bot.core.schools import chart, enrol, files
from bot.core.schools.figures import ClassFigures, StudentFigures, class_figures
from bot.core.schools.ids import (
    CHART,
    DELETE,
    DELETE_CONFIRMED,
    EXPORT,
    NEW_CODE,
    OPEN,
    SCHOOL_EXPORT,
)
from bot.core.shared.menus import main_menu, menu_button
from bot.core.shared.messages import clip
from bot.core.shared.skills import SKILLS, skill_label
from bot.storage import classes as class_store
from bot.storage.classes import SchoolClass

SHOWN_STUDENTS = 60  # students listed in the chat; the spreadsheet has them all
ALL_CLASSES = 0  # OPEN(0): the list of the teacher's classes


async def class_command(ctx: Context, _args: str) -> list[Reply]:
    """/class: a teacher's classes (the one class at once), else a student's class."""
    t = ctx.t
    taught = await class_store.of_teacher(ctx.db, ctx.user.id)
    if len(taught) == 1:
        return await _show(ctx, taught[0])
    if taught:
        rows = tuple((Button(enrol.class_label(ctx, c), OPEN(c.id)),) for c in taught)
        return [Reply(t._("🏫 Your classes. Choose one:"), (*rows, (menu_button(t),)),
                      edit=ctx.pressed)]
    own = await enrol.own_class(ctx)
    if own is not None:
        return own
    return [main_menu(ctx, t._("You are not in a class. A student types /join and the code the "
                               "teacher gave; a teacher creates a class with /newclass."))]


async def _taught(ctx: Context, act: Action) -> SchoolClass | None:
    """The class a button names, if the user teaches it."""
    found = await class_store.by_id(ctx.db, int(act.args[0]))
    return found if found is not None and found.teacher_id == ctx.user.id else None


def _not_yours(ctx: Context) -> list[Reply]:
    return [Reply(ctx.t._("That class is not one of yours, or it was deleted. Type /class to "
                          "see your classes."), ((menu_button(ctx.t),),), edit=ctx.pressed)]


async def pressed(ctx: Context, act: Action) -> list[Reply]:
    """A teacher's buttons on a class."""
    if act.verb == OPEN and act.args[0] == str(ALL_CLASSES):
        return await class_command(ctx, "")
    school_class = await _taught(ctx, act)
    if school_class is None:
        return _not_yours(ctx)
    if act.verb == OPEN:
        return await _show(ctx, school_class)
    if act.verb == CHART:
        return await _chart(ctx, school_class)
    if act.verb in (EXPORT, SCHOOL_EXPORT):
        return await _spreadsheet(ctx, school_class, act.verb == SCHOOL_EXPORT)
    if act.verb == NEW_CODE:
        return await _new_code(ctx, school_class)
    return await _delete(ctx, school_class, act.verb == DELETE_CONFIRMED)


def _who(ctx: Context, row: StudentFigures) -> str:
    if row.student.name:
        return ctx.t._("{number}. {name}").format(number=row.student.number,
                                                 name=clip(row.student.name))
    return ctx.t._("Student {number}").format(number=row.student.number)


def figures_text(ctx: Context, school_class: SchoolClass, found: ClassFigures) -> str:
    """The class's figures as the teacher reads them."""
    t, n = ctx.t, ctx.t.number
    lines = [t._("🏫 Class {label}").format(label=enrol.class_label(ctx, school_class)),
             t._("🔑 Code {code}: students type /join {code}").format(code=school_class.join_code),
             t.ngettext("👧 {count} student", "👧 {count} students", len(found.students)).format(
                 count=n(len(found.students))), "", t._("Skills: started · finished")]
    for skill in SKILLS:
        counted = found.skills[skill]
        lines.append(t._("{skill}: {started} · {finished}").format(
            skill=skill_label(skill, t), started=n(counted.started),
            finished=n(counted.finished)))
    everyone = found.mastered_all
    lines += ["", t.ngettext("🌟 {count} student finished all five skills",
                             "🌟 {count} students finished all five skills",
                             len(everyone)).format(count=n(len(everyone)))]
    if everyone:
        lines.append(", ".join(_who(ctx, row) for row in everyone[:SHOWN_STUDENTS]))
    if found.students:
        lines += ["", t._("Students (lessons finished · skills finished):")]
        for row in found.students[:SHOWN_STUDENTS]:
            lines.append(t._("{who}: {lessons} · {skills}/5").format(
                who=_who(ctx, row), lessons=n(row.lessons_done), skills=len(row.finished)))
        if len(found.students) > SHOWN_STUDENTS:
            lines.append(t._("…and {count} more: see the spreadsheet.").format(
                count=n(len(found.students) - SHOWN_STUDENTS)))
    else:
        lines += ["", t._("No student has joined yet: give them the code.")]
    return "\n".join(lines)


def _buttons(ctx: Context, school_class: SchoolClass, several: bool
             ) -> tuple[tuple[Button, ...], ...]:
    t, key = ctx.t, school_class.id
    rows: list[tuple[Button, ...]] = [
        (Button(t._("📈 Chart"), CHART(key)), Button(t._("📄 Class spreadsheet"), EXPORT(key))),
        (Button(t._("🏫 School spreadsheet"), SCHOOL_EXPORT(key)),),
        (Button(t._("🔑 New code"), NEW_CODE(key)), Button(t._("🗑 Delete class"), DELETE(key))),
    ]
    if several:
        rows.append((Button(t._("◀ My classes"), OPEN(ALL_CLASSES), Nav.BACK),))
    rows.append((menu_button(t),))
    return tuple(rows)


async def _show(ctx: Context, school_class: SchoolClass) -> list[Reply]:
    found = await class_figures(ctx, school_class.id)
    several = len(await class_store.of_teacher(ctx.db, ctx.user.id)) > 1
    return [Reply(figures_text(ctx, school_class, found), _buttons(ctx, school_class, several),
                  edit=ctx.pressed)]


async def _chart(ctx: Context, school_class: SchoolClass) -> list[Reply]:
    t = ctx.t
    found = await class_figures(ctx, school_class.id)
    back = ((Button(t._("🏫 The class"), OPEN(school_class.id)), menu_button(t)),)
    if not found.students:
        return [Reply(t._("No student has joined yet: there is nothing to draw."), back)]
    path = await chart.render(ctx, school_class, found)
    return [Reply(t._("📈 Class {name}: students who started and finished each skill.").format(
        name=school_class.name), back, image=path)]


async def _spreadsheet(ctx: Context, school_class: SchoolClass, school: bool) -> list[Reply]:
    t = ctx.t
    back = ((Button(t._("🏫 The class"), OPEN(school_class.id)), menu_button(t)),)
    try:
        if school:
            path = await files.school_file(ctx, school_class)
        else:
            path = await files.class_file(ctx, school_class,
                                          await class_figures(ctx, school_class.id))
    except OSError:
        return [Reply(t._("I could not write the spreadsheet (the server's disk may be full). "
                          "Please try again later."), back)]
    text = (t._("🏫 {school}: each class's students and skills, counted (no names).").format(
        school=school_class.school.name) if school else
        t._("📄 Class {name}: each student's lessons and skills. Keep it within the school.")
        .format(name=school_class.name))
    return [Reply(text, back, documents=(str(path),))]


async def _new_code(ctx: Context, school_class: SchoolClass) -> list[Reply]:
    t = ctx.t
    async def give(code: str) -> str:
        await class_store.set_code(ctx.db, school_class.id, code, ctx.user.id, ctx.now)
        return code

    code = await teams.with_new_code(give)
    return [Reply(t._("Class {name} has a new code: {code}. The old code no longer works; "
                      "students already in the class stay in it.").format(
        name=school_class.name, code=code),
        ((Button(t._("🏫 The class"), OPEN(school_class.id)), menu_button(t)),),
        edit=ctx.pressed)]


async def _delete(ctx: Context, school_class: SchoolClass, confirmed: bool) -> list[Reply]:
    t = ctx.t
    if not confirmed:
        return [Reply(t._("Delete class {name}? Its students leave it (their lessons stay "
                          "theirs) and its code stops working. This cannot be undone.").format(
            name=school_class.name),
            ((Button(t._("🗑 Yes, delete it"), DELETE_CONFIRMED(school_class.id)),),
             (Button(t._("◀ No, keep it"), OPEN(school_class.id), Nav.BACK),)),
            edit=ctx.pressed)]
    left = await class_store.delete_class(ctx.db, school_class.id, ctx.user.id, ctx.now)
    return [Reply(t.ngettext("Class {name} deleted; {count} student left it.",
                             "Class {name} deleted; {count} students left it.", left).format(
        name=school_class.name, count=t.number(left)), ((menu_button(t),),), edit=ctx.pressed)]

