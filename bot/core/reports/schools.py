"""Schools in an admin's report (issue 17): a short block in /stats when any class exists, and
the list of schools by commune, paged, with each school's classes, students and skills.

Figures are counts only (the teacher alone sees students' names), and they are the schools as
they are now, whatever the report's period: a class's figures are its students' lessons to
date. A skill is finished when every one of its lessons is completed, as /progress says it is
mastered (bot/core/schools counts it the same way for the teacher).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.payloads import Action
from bot.core.reports.ids import SCHOOLS, STATS
from bot.core.reports.scope import Scope
from bot.core.reports.views import pack, pressed_scope
from bot.core.schools import ClassFigures, count, skill_lessons
from bot.core.shared.menus import menu_button
from bot.core.shared.messages import clip
from bot.core.shared.skills import SKILLS
from bot.core.shared.text import fold
from bot.i18n import Translator
from bot.storage import classes as class_store
from bot.storage.classes import School, Student

PAGE_SIZE = 8  # schools on one page of the list
LAST_PAGE = 999  # a page number fits a button's NUMBER argument
NAME_LIMIT = 60  # characters of a school's name shown


@dataclass(frozen=True)
class SchoolFigures:
    """One school now: its classes and its students' skills."""

    school: School
    classes: int
    figures: ClassFigures

    @property
    def students(self) -> int:
        """How many students its classes have."""
        return len(self.figures.students)


async def schools_now(ctx: Context) -> list[SchoolFigures]:
    """Every school with a class, by commune code and name, with its figures now."""
    classes = await class_store.every_class(ctx.db)
    schools: dict[int, School] = {}
    class_counts: dict[int, int] = {}
    students: dict[int, list[Student]] = {}
    for row in classes:
        school = row.school_class.school
        schools.setdefault(school.id, school)
        class_counts[school.id] = class_counts.get(school.id, 0) + 1
        students.setdefault(school.id, [])
        if row.students:  # an empty class has no roster to read
            students[school.id] += await class_store.roster(ctx.db, row.school_class.id)
    progress: dict[int, list[tuple[int, str, bool]]] = {}
    everyone = [s.user_id for group in students.values() for s in group]
    for found in await class_store.progress(ctx.db, everyone):
        progress.setdefault(found[0], []).append(found)
    lessons = skill_lessons(ctx)
    return [SchoolFigures(school, class_counts[key], count(
        students[key], [p for s in students[key] for p in progress.get(s.user_id, ())],
        lessons)) for key, school in schools.items()]


def block(t: Translator, found: list[SchoolFigures]) -> str:
    """The /stats block: schools, classes, students, skills finished, all five finished."""
    n = t.number
    classes = sum(s.classes for s in found)
    students = sum(s.students for s in found)
    finished = sum(len(f.finished) for s in found for f in s.figures.students)
    everything = sum(len(s.figures.mastered_all) for s in found)
    return "\n".join([
        t._("🏫 Schools (now, whatever the period)"),
        " · ".join([
            t.ngettext("{count} school", "{count} schools", len(found)).format(
                count=n(len(found))),
            t.ngettext("{count} class", "{count} classes", classes).format(count=n(classes)),
            t.ngettext("{count} student", "{count} students", students).format(
                count=n(students))]),
        t.ngettext("🎓 {count} skill finished", "🎓 {count} skills finished", finished).format(
            count=n(finished)) + " · " + t.ngettext(
            "🌟 {count} student finished all five skills",
            "🌟 {count} students finished all five skills", everything).format(
            count=n(everything)),
    ])


def button(ctx: Context, scope: Scope) -> Button:
    """The report's button opening the list of schools."""
    return Button(ctx.t._("🏫 Schools"), SCHOOLS(scope.token, 0))


def _school_lines(t: Translator, found: SchoolFigures) -> list[str]:
    n = t.number
    head = " · ".join([
        t.ngettext("{count} class", "{count} classes", found.classes).format(
            count=n(found.classes)),
        t.ngettext("{count} student", "{count} students", found.students).format(
            count=n(found.students)),
        t._("🌟 {count} finished all five").format(count=n(len(found.figures.mastered_all)))])
    skills = " · ".join(
        f"{emoji} {n(found.figures.skills[key].started)}/{n(found.figures.skills[key].finished)}"
        for key, (emoji, _name) in SKILLS.items())
    return [f"🏫 {clip(found.school.name, NAME_LIMIT)}: {head}", f"    {skills}"]


def _legend(t: Translator) -> str:
    names = ", ".join(f"{emoji} {t._(name)}" for emoji, name in SKILLS.values())
    return t._("Each skill: students who started it / who finished it (all its lessons "
               "completed). {skills}.").format(skills=names)


async def pressed(ctx: Context, act: Action) -> list[Reply]:
    """🏫 Schools: every school by commune, a page at a time (admins only)."""
    t, scope = ctx.t, await pressed_scope(ctx, act.args[0], province=True)
    if not isinstance(scope, Scope):
        return scope
    commune = ctx.services.communes.display_name
    found = sorted(await schools_now(ctx), key=lambda s: (
        fold(commune(s.school.commune_code)), s.school.commune_code, fold(s.school.name),
        s.school.id))
    pages = max(1, -(-len(found) // PAGE_SIZE))
    page = min(act.number(1), pages - 1)
    shown = found[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
    head = t._("🏫 Schools by commune (now, whatever the period)")
    if pages > 1:
        head += "\n" + t._("Page {page} of {pages}").format(page=t.number(page + 1),
                                                           pages=t.number(pages))
    blocks = [head]
    if not found:
        blocks.append(t._("No school has a class yet. Teachers create classes with /newclass."))
    else:
        blocks.append(_legend(t))
    for school in shown:
        where = f"📍 {commune(school.school.commune_code)}"
        if not blocks[-1].startswith(where):  # a new commune starts a block
            blocks.append(where)
        blocks[-1] += "\n" + "\n".join(_school_lines(t, school))
    rows: list[tuple[Button, ...]] = []
    turns = ([Button(t._("◀ Previous"), SCHOOLS(scope.token, page - 1))] if page else []) + \
        ([Button(t._("More ▸"), SCHOOLS(scope.token, page + 1))]
         if page + 1 < pages and page < LAST_PAGE else [])
    if turns:
        rows.append(tuple(turns))
    rows.append((Button(t._("📊 Report"), STATS(scope.token)), menu_button(t)))
    return pack(ctx, blocks, tuple(rows), edit=False)
