"""A class's figures: per skill, the students who started it and who finished it (every one of
its lessons completed, as /progress counts a skill mastered), and who finished all five."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.core.context import Context
from bot.core.shared.skills import SKILLS
from bot.storage import classes as class_store
from bot.storage.classes import Student


@dataclass(frozen=True)
class SkillCount:
    """How many students started a skill and how many finished it."""

    started: int = 0
    finished: int = 0


@dataclass(frozen=True)
class StudentFigures:
    """One student's lessons and the skills they finished."""

    student: Student
    lessons_started: int
    lessons_done: int
    finished: frozenset[str]  # the skills of which every lesson is done

    @property
    def mastered_all(self) -> bool:
        """Whether they finished all five skills."""
        return len(self.finished) == len(SKILLS)


@dataclass(frozen=True)
class ClassFigures:
    """A class's (or a school's) students and skills, counted."""

    students: tuple[StudentFigures, ...]
    skills: Mapping[str, SkillCount] = field(default_factory=dict)

    @property
    def mastered_all(self) -> tuple[StudentFigures, ...]:
        """The students who finished all five skills."""
        return tuple(s for s in self.students if s.mastered_all)


def count(students: Iterable[Student], progress: Iterable[tuple[int, str, bool]],
          lessons: Mapping[str, str]) -> ClassFigures:
    """The figures of these students from their progress rows (student, lesson, done); lessons
    maps each lesson of the five skills to its skill."""
    sizes: dict[str, int] = {}
    for skill in lessons.values():
        sizes[skill] = sizes.get(skill, 0) + 1
    started: dict[int, set[str]] = {}
    done: dict[int, dict[str, int]] = {}
    lessons_started: dict[int, int] = {}
    lessons_done: dict[int, int] = {}
    for user_id, lesson_id, is_done in progress:
        if lesson_id not in lessons:  # the handbook, or a lesson since removed
            continue
        skill = lessons[lesson_id]
        lessons_started[user_id] = lessons_started.get(user_id, 0) + 1
        started.setdefault(user_id, set()).add(skill)
        if is_done:
            lessons_done[user_id] = lessons_done.get(user_id, 0) + 1
            per_skill = done.setdefault(user_id, {})
            per_skill[skill] = per_skill.get(skill, 0) + 1
    rows = []
    for student in students:
        finished = frozenset(skill for skill, n in done.get(student.user_id, {}).items()
                             if n == sizes[skill])
        rows.append(StudentFigures(student, lessons_started.get(student.user_id, 0),
                                   lessons_done.get(student.user_id, 0), finished))
    skills = {skill: SkillCount(
        sum(1 for r in rows if skill in started.get(r.student.user_id, ())),
        sum(1 for r in rows if skill in r.finished)) for skill in SKILLS}
    return ClassFigures(tuple(rows), skills)


def skill_lessons(ctx: Context) -> dict[str, str]:
    """Each lesson of the five skills, mapped to its skill."""
    return {lesson.id: skill for skill in SKILLS for lesson in ctx.catalog.by_skill(skill)}


async def class_figures(ctx: Context, class_id: int) -> ClassFigures:
    """The figures of one class, from its students' progress now."""
    students = await class_store.roster(ctx.db, class_id)
    found = await class_store.progress(ctx.db, (s.user_id for s in students))
    return count(students, found, skill_lessons(ctx))
