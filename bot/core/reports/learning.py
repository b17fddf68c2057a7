"""The learning side of a report: users, lessons completed, skills mastered, all five mastered.

A skill is mastered when every one of its lessons is completed (as /progress says), at the
moment its last lesson was first completed; a period counts the skills mastered in it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.context import Context
from bot.core.shared.skills import SKILLS
from bot.i18n import Translator
from bot.storage import reports as report_store
from bot.storage import summaries
from bot.storage.reports import Span


@dataclass(frozen=True)
class Learning:
    """Lessons and skills over a period, for the province or a team's members."""

    users: int  # users of the bot (a team: its members)
    new_users: int  # of whom new in the period (a team: joined in it)
    lessons_completed: int  # lessons first completed in the period
    learners: int  # people who completed at least one lesson in the period
    skills_mastered: int  # people x skills mastered in the period
    mastered_all: int  # people whose last of the five skills was mastered in the period


@dataclass
class Mastery:
    """Skills mastered in a period, counted as people's completions come in."""

    lessons: dict[str, str]  # lesson -> its skill (the five skills' lessons only)
    start: str  # the period's start (UTC ISO); completions come from before its end
    skills: int = 0
    everyone: int = 0  # people who mastered all five, the last in the period

    def __post_init__(self) -> None:
        self.sizes = Counter(self.lessons.values())  # skill -> how many lessons it has

    def add(self, completions: Iterable[tuple[int, str, str]]) -> None:
        """Count the skills of people whose every completion (before the end) is given."""
        done: dict[tuple[int, str], list[str]] = {}
        for user_id, lesson_id, completed_at in completions:
            if lesson_id in self.lessons:  # not the handbook, nor a lesson since removed
                done.setdefault((user_id, self.lessons[lesson_id]), []).append(completed_at)
        mastered: dict[int, list[str]] = {}  # person -> when each skill was mastered
        for (user_id, skill), stamps in done.items():
            if len(stamps) == self.sizes[skill]:
                mastered.setdefault(user_id, []).append(max(stamps))
        for stamps in mastered.values():
            self.skills += sum(1 for at in stamps if at >= self.start)
            if len(stamps) == len(SKILLS) and max(stamps) >= self.start:
                self.everyone += 1


def skill_lessons(ctx: Context) -> dict[str, str]:
    """Each lesson of the five skills, mapped to its skill."""
    return {lesson.id: skill for skill in SKILLS for lesson in ctx.catalog.by_skill(skill)}


async def learning(ctx: Context, span: Span, team_id: int | None) -> Learning:
    """The learning side over a scope's days, for the province or a team's members."""
    db, start, end = ctx.db, span.start, span.end
    people = await report_store.people(db, start, end, team_id)
    if team_id is None:  # the province: from the summaries, when the span is whole hours
        counts = await summaries.learning(db, start, end, skill_lessons(ctx), SKILLS)
        if counts is not None:
            return Learning(people.users, people.new_users, counts.completed, counts.learners,
                            counts.skills_mastered, counts.mastered_all)
    completed = await report_store.lessons_completed(db, start, end, team_id)
    who = await report_store.learners(db, start, end, team_id)
    mastery = Mastery(skill_lessons(ctx), start)
    async for batch in report_store.completions(db, who, end):
        mastery.add(batch)
    return Learning(people.users, people.new_users, completed, len(who), mastery.skills,
                    mastery.everyone)


def learning_lines(t: Translator, found: Learning, team: bool) -> list[str]:
    """Users, lessons completed, skills mastered, people who mastered all five."""
    n = t.number
    users = (t.ngettext("👤 {count} member", "👤 {count} members", found.users) if team else
             t.ngettext("👤 {count} user of the bot", "👤 {count} users of the bot", found.users))
    new = t._("{count} joined in this period") if team else t._("{count} new in this period")
    return [
        t._("📚 Learning"),
        users.format(count=n(found.users)) + " · " + new.format(count=n(found.new_users)),
        t.ngettext("📘 {count} lesson completed", "📘 {count} lessons completed",
                   found.lessons_completed).format(count=n(found.lessons_completed))
        + " · " + t.ngettext("by {count} person", "by {count} people", found.learners).format(
            count=n(found.learners)),
        t.ngettext("🎓 {count} skill mastered", "🎓 {count} skills mastered",
                   found.skills_mastered).format(count=n(found.skills_mastered)),
        t.ngettext("🌟 {count} person mastered all five skills",
                   "🌟 {count} people mastered all five skills", found.mastered_all).format(
            count=n(found.mastered_all)),
    ]
