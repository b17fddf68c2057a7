"""The exported tables (visits, teams, learning progress, and classes when a school has one):
their columns, headed in the admin's language, and their rows.

Only what the reports need goes out (Law 91/2025: the minimum). Visits carry the household
label and the volunteer's team name as the visit form recorded them, never a Telegram id or
a phone number; deleted visits are left out. Teams appear under their number and name, never
their join code (whoever held a shared file could join them). Learners appear under the bot's
internal user number, a pseudonym. Classes are counts only (students, skills started and
finished), as they are on the day of the export: no join code, no name, no user number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.core.exports.table import Column, Kind, Row
from bot.core.shared.communes import Communes
from bot.core.shared.outcomes import OUTCOMES
from bot.core.shared.skills import DOMAINS, SKILLS
from bot.i18n import N_, Translator
from bot.storage.exports import ClassRecord, LearnerRecord, TeamRecord, VisitRecord
from bot.storage.visits import OUTCOME_KEYS, SKILL_KEYS

if TYPE_CHECKING:  # bot.core.schools imports this package (its teachers' spreadsheets)
    from bot.core.schools import ClassFigures

# The flag columns follow the stored visit's order.
if tuple(SKILLS) != SKILL_KEYS or tuple(OUTCOMES) != OUTCOME_KEYS:
    raise ValueError("the exported flag columns must follow the stored visit's order")


@dataclass(frozen=True)
class Table:
    """One table: its file name (no extension), its sheet's title and its columns."""

    name: str
    title: str
    columns: list[Column]


@dataclass(frozen=True)
class Setting:
    """What turns stored rows into exported ones: the language, the time zone, the names."""

    t: Translator
    tz: ZoneInfo
    communes: Communes
    skill_lessons: Mapping[str, frozenset[str]]  # each of the five skills -> its lesson ids
    # Each lesson's domain of the learners' digital competence framework (Circular 02/2025).
    lesson_domains: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def lesson_skills(self) -> dict[str, str]:
        """Each lesson of the five skills, mapped to its skill."""
        return {lesson: skill for skill, lessons in self.skill_lessons.items()
                for lesson in lessons}

    def local(self, stamp: str | None) -> datetime | None:
        """A stored UTC time as local time to the second, without a zone (spreadsheets have
        none)."""
        if not stamp:
            return None
        moment = datetime.fromisoformat(stamp).astimezone(self.tz)
        return moment.replace(tzinfo=None, microsecond=0)

    def commune(self, code: str) -> str:
        """The commune's name ("" if the province list no longer has the code)."""
        found = self.communes.get(code)
        return found.name if found else ""


def _col(t: Translator, header: str, kind: Kind, width: float) -> Column:
    return Column(t._(header), kind, width)


def visits_table(t: Translator) -> Table:
    """Columns of the visits sheet."""
    skill = t._("Guided: {skill}")
    outcome = t._("Result: {outcome}")
    return Table("visits", t._("Visits"), [
        _col(t, N_("Visit no."), Kind.NUMBER, 9),
        _col(t, N_("Date and time"), Kind.DATETIME, 17),
        _col(t, N_("Commune code"), Kind.TEXT, 10),
        _col(t, N_("Commune"), Kind.TEXT, 22),
        _col(t, N_("Hamlet"), Kind.TEXT, 18),
        _col(t, N_("Household"), Kind.TEXT, 22),
        _col(t, N_("People"), Kind.NUMBER, 8),
        *(Column(skill.format(skill=t._(name)), Kind.NUMBER, 13)
          for _emoji, name in SKILLS.values()),
        *(Column(outcome.format(outcome=t._(name)), Kind.NUMBER, 15)
          for name in OUTCOMES.values()),
        _col(t, N_("Follow-up of visit no."), Kind.NUMBER, 10),
        _col(t, N_("Team no."), Kind.NUMBER, 8),
        _col(t, N_("Team"), Kind.TEXT, 24),
        _col(t, N_("Volunteer"), Kind.TEXT, 20),
    ])


def visit_row(s: Setting, v: VisitRecord) -> Row:
    """One visit's cells, in the visits table's order."""
    return (v.id, s.local(v.visited_at), v.commune_code, s.commune(v.commune_code), v.hamlet,
            v.household, v.people, *v.skills, *v.outcomes, v.follow_up_of, v.team_no,
            v.team_name, v.volunteer_name)


def teams_table(t: Translator) -> Table:
    """Columns of the teams sheet."""
    return Table("teams", t._("Teams"), [
        _col(t, N_("Team no."), Kind.NUMBER, 8),
        _col(t, N_("Team"), Kind.TEXT, 28),
        _col(t, N_("Commune code"), Kind.TEXT, 10),
        _col(t, N_("Commune"), Kind.TEXT, 22),
        _col(t, N_("Created on"), Kind.DATE, 12),
        _col(t, N_("Members"), Kind.NUMBER, 10),
        _col(t, N_("Leaders"), Kind.NUMBER, 10),
        _col(t, N_("Visits in the period"), Kind.NUMBER, 12),
        _col(t, N_("Households in the period"), Kind.NUMBER, 14),
    ])


def team_row(s: Setting, r: TeamRecord) -> Row:
    """One team's cells, in the teams table's order."""
    created = s.local(r.created_at)
    return (r.id, r.name, r.commune_code, s.commune(r.commune_code),
            created.date() if created else None, r.members, r.leaders, r.visits, r.households)


def learners_table(t: Translator) -> Table:
    """Columns of the learning progress sheet."""
    mastered = t._("Mastered: {skill}")
    by_domain = t._("Lessons completed, domain: {domain}")
    return Table("learning-progress", t._("Learning progress"), [
        _col(t, N_("Learner (pseudonymous no.)"), Kind.NUMBER, 14),
        _col(t, N_("Language"), Kind.TEXT, 10),
        _col(t, N_("Lessons completed in the period"), Kind.NUMBER, 14),
        _col(t, N_("Lessons completed by the end of the period"), Kind.NUMBER, 16),
        _col(t, N_("Last lesson completed"), Kind.DATETIME, 17),
        _col(t, N_("Skills mastered in the period"), Kind.NUMBER, 14),
        *(Column(mastered.format(skill=t._(name)), Kind.NUMBER, 14)
          for _emoji, name in SKILLS.values()),
        _col(t, N_("All five skills mastered"), Kind.NUMBER, 12),
        *(Column(by_domain.format(domain=t._(name)), Kind.NUMBER, 14)
          for name in DOMAINS.values()),
    ])


def learner_row(s: Setting, start: str, r: LearnerRecord) -> Row:
    """One learner's cells; start is the period's first moment (UTC ISO).

    A skill is mastered when all its lessons are completed, at the latest of those
    completions (as /progress counts it).
    """
    done = dict(r.completed)
    mastered_at = {skill: max(done[x] for x in lessons)
                   for skill, lessons in s.skill_lessons.items()
                   if lessons and lessons <= done.keys()}
    flags = [int(skill in mastered_at) for skill in SKILLS]
    return (r.user_id, r.locale, sum(1 for _, at in r.completed if at >= start),
            len(r.completed), s.local(max(done.values())),
            sum(1 for at in mastered_at.values() if at >= start), *flags,
            int(all(flags)),
            *(sum(1 for x in done if s.lesson_domains.get(x) == domain) for domain in DOMAINS))


def classes_table(t: Translator) -> Table:
    """Columns of the classes sheet (the classes as they are on the day of the export)."""
    started = t._("Started: {skill}")
    finished = t._("Finished: {skill}")
    return Table("classes", t._("Classes"), [
        _col(t, N_("Commune code"), Kind.TEXT, 10),
        _col(t, N_("Commune"), Kind.TEXT, 22),
        _col(t, N_("School"), Kind.TEXT, 28),
        _col(t, N_("Class"), Kind.TEXT, 10),
        _col(t, N_("Students (on the day of the export)"), Kind.NUMBER, 14),
        *(column for _emoji, name in SKILLS.values() for column in (
            Column(started.format(skill=t._(name)), Kind.NUMBER, 14),
            Column(finished.format(skill=t._(name)), Kind.NUMBER, 14))),
        _col(t, N_("Finished all five skills"), Kind.NUMBER, 12),
        _col(t, N_("Created on"), Kind.DATE, 12),
    ])


def class_row(s: Setting, r: ClassRecord, figures: ClassFigures) -> Row:
    """One class's cells: its students, and how many of them started and finished each skill
    (every lesson of it completed), from the class's figures (bot.core.schools.count)."""
    created = s.local(r.created_at)
    per_skill = [value for skill in SKILLS
                 for value in (figures.skills[skill].started, figures.skills[skill].finished)]
    return (r.commune_code, s.commune(r.commune_code), r.school, r.name, len(r.students),
            *per_skill, len(figures.mastered_all), created.date() if created else None)
