"""What the admins' exports read: visits, teams, learning progress and classes, in batches.

Each function yields batches read with keyset pagination on the database's read-only
connection (so an export never holds up anyone's writes, and other reports' reads run between
its batches). The visits and learners queries walk an index (visits_by_time: visited_at, then
id as the rowid; lesson_progress_by_completion, then its primary key: user_id, lesson_id);
teams are a few hundred, and so are classes (their students and lessons are read a batch of
classes at a time, through class_students_by_class and lesson_progress's primary key).
Times are UTC ISO strings; [start, end) are the bounds of the local days exported.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from bot.storage.classes import Student
from bot.storage.db import Database
from bot.storage.visits import OUTCOME_KEYS, SKILL_KEYS

BATCH = 2000

HAS_ACTIVITY_SQL = (
    "SELECT EXISTS (SELECT 1 FROM visits WHERE visited_at >= ? AND visited_at < ? "
    "AND deleted_at IS NULL) "
    "OR EXISTS (SELECT 1 FROM lesson_progress WHERE completed_at >= ? AND completed_at < ?)"
)

# Only the visits that stand: a deleted one (by its volunteer, an admin, or because the household
# withdrew) is no longer the campaign's to share. The team is named and numbered (teams.id),
# never by its join code, which would let whoever holds the file join it. The volunteer's name
# is the one they gave their team (none once they left it or asked to be forgotten); no
# Telegram id, no phone.
VISITS_SQL = (
    "SELECT v.id, v.visited_at, v.commune_code, v.hamlet, v.household, v.people, "
    + ", ".join(f"v.s_{c}" for c in SKILL_KEYS) + ", "
    + ", ".join(f"v.o_{c}" for c in OUTCOME_KEYS) + ", "
    "v.follow_up_of, t.id AS team_no, t.name AS team_name, m.display_name AS volunteer_name "
    "FROM visits v LEFT JOIN teams t ON t.id = v.team_id "
    "LEFT JOIN memberships m ON m.user_id = v.volunteer_id "
    # (visited_at, id) after the last row sent: the index range starts at the last time.
    "WHERE v.visited_at >= ? AND v.visited_at < ? AND (v.visited_at > ? OR v.id > ?) "
    "AND v.deleted_at IS NULL "
    "ORDER BY v.visited_at, v.id LIMIT ?"
)

# Every team, in commune then name order (no join code); its figures count the period's visits
# that stand (not deleted), households among first visits as /teamstats does.
TEAMS_SQL = (
    "SELECT t.id, t.name, t.commune_code, t.created_at, "
    "(SELECT COUNT(*) FROM memberships m WHERE m.team_id = t.id) AS members, "
    "(SELECT COUNT(*) FROM memberships m WHERE m.team_id = t.id AND m.role = 'leader') "
    "AS leaders, "
    "(SELECT COUNT(*) FROM visits v WHERE v.team_id = t.id AND v.visited_at >= ? "
    "AND v.visited_at < ? AND v.deleted_at IS NULL) AS visits, "
    "(SELECT COUNT(DISTINCT v.household_key) FROM visits v WHERE v.team_id = t.id "
    "AND v.visited_at >= ? AND v.visited_at < ? AND v.deleted_at IS NULL "
    "AND v.follow_up_of IS NULL) AS households "
    "FROM teams t WHERE (t.commune_code, t.name, t.id) > (?, ?, ?) "
    "ORDER BY t.commune_code, t.name, t.id LIMIT ?"
)

# Learners: users who completed a lesson in the period, all at once (one pass over the
# period's completions: read a batch at a time, each batch read them all again)...
LEARNER_IDS_SQL = (
    "SELECT DISTINCT user_id FROM lesson_progress "
    "WHERE completed_at >= ? AND completed_at < ? ORDER BY user_id"
)
# ...then every lesson each of them had completed by the period's end (for skills mastered).
LEARNER_LESSONS_SQL = (
    "SELECT p.user_id, u.locale, p.lesson_id, p.completed_at FROM lesson_progress p "
    "JOIN users u ON u.id = p.user_id WHERE p.user_id IN ({marks}) "
    "AND p.completed_at IS NOT NULL AND p.completed_at < ? ORDER BY p.user_id, p.completed_at"
)

# Classes as they are now (not the period's): commune, school and class names, never the join
# code or the teacher...
HAS_CLASSES_SQL = "SELECT EXISTS (SELECT 1 FROM classes)"
CLASSES_SQL = (
    "SELECT c.id, s.commune_code, s.name AS school, c.name, c.created_at "
    "FROM classes c JOIN schools s ON s.id = c.school_id "
    "ORDER BY s.commune_code, s.folded, c.name, c.id"
)
# ...and, a batch of classes at a time, their students by number (never a name) and every
# lesson each of them started (to count the skills they started and finished).
CLASS_STUDENTS_SQL = (
    "SELECT class_id, user_id, number FROM class_students WHERE class_id IN ({marks}) "
    "ORDER BY class_id, number"
)
CLASS_PROGRESS_SQL = (
    "SELECT cs.class_id, p.user_id, p.lesson_id, p.status = 'done' FROM class_students cs "
    "JOIN lesson_progress p ON p.user_id = cs.user_id WHERE cs.class_id IN ({marks})"
)


@dataclass(frozen=True, slots=True)
class VisitRecord:
    """One visit that stands, as exported."""

    id: int
    visited_at: str
    commune_code: str
    hamlet: str
    household: str
    people: int
    skills: tuple[int, ...]  # 1/0 in SKILL_KEYS order
    outcomes: tuple[int, ...]  # 1/0 in OUTCOME_KEYS order
    follow_up_of: int | None
    team_no: int | None  # teams.id
    team_name: str | None
    volunteer_name: str | None


@dataclass(frozen=True, slots=True)
class TeamRecord:
    """One team with its members and its figures in the period."""

    id: int
    name: str
    commune_code: str
    created_at: str
    members: int
    leaders: int
    visits: int
    households: int


@dataclass(frozen=True, slots=True)
class LearnerRecord:
    """A learner (by internal user id) and every lesson completed by the period's end."""

    user_id: int
    locale: str
    completed: tuple[tuple[str, str], ...]  # (lesson id, completed at), oldest first


@dataclass(frozen=True, slots=True)
class ClassRecord:
    """A class now: where it is, its students (by number) and the lessons they started."""

    id: int
    commune_code: str
    school: str
    name: str
    created_at: str
    students: tuple[Student, ...]
    progress: tuple[tuple[int, str, bool], ...]  # (student, lesson, done)


async def has_activity(db: Database, start: str, end: str) -> bool:
    """True when the period has a visit that stands (not deleted) or a completed lesson."""
    row = await db.read_fetchone(HAS_ACTIVITY_SQL, (start, end, start, end))
    return bool(row and row[0])


_SKILLS_AT = 6  # the first skill flag's position in VISITS_SQL
_OUTCOMES_AT = _SKILLS_AT + len(SKILL_KEYS)
_AFTER_FLAGS = _OUTCOMES_AT + len(OUTCOME_KEYS)


async def visits(db: Database, start: str, end: str, size: int = BATCH
                 ) -> AsyncIterator[list[VisitRecord]]:
    """The period's visits that stand (not deleted), in time order, a batch at a time."""
    last_at, last_id = start, 0
    while True:
        rows = await db.read_fetchall(VISITS_SQL, (last_at, end, last_at, last_id, size))
        if not rows:
            return
        yield [VisitRecord(
            r[0], r[1], r[2], r[3], r[4], r[5],
            tuple(r[_SKILLS_AT:_OUTCOMES_AT]), tuple(r[_OUTCOMES_AT:_AFTER_FLAGS]),
            *r[_AFTER_FLAGS:]) for r in rows]
        last_at, last_id = rows[-1][1], rows[-1][0]
        if len(rows) < size:
            return


async def teams(db: Database, start: str, end: str, size: int = BATCH
                ) -> AsyncIterator[list[TeamRecord]]:
    """Every team with its counts, a batch at a time."""
    after: tuple[str, str, int] = ("", "", 0)
    while True:
        rows = await db.read_fetchall(TEAMS_SQL, (start, end, start, end, *after, size))
        if not rows:
            return
        yield [TeamRecord(*r) for r in rows]
        after = (rows[-1]["commune_code"], rows[-1]["name"], rows[-1]["id"])
        if len(rows) < size:
            return


async def learners(db: Database, start: str, end: str, size: int = BATCH // 4
                   ) -> AsyncIterator[list[LearnerRecord]]:
    """Users who completed a lesson in the period, with all they completed by its end."""
    everyone = [r[0] for r in await db.read_fetchall(LEARNER_IDS_SQL, (start, end))]
    for first in range(0, len(everyone), size):
        ids = everyone[first:first + size]
        rows = await db.read_fetchall(LEARNER_LESSONS_SQL.format(marks=",".join("?" * len(ids))),
                                      (*ids, end))
        found: dict[int, tuple[str, list[tuple[str, str]]]] = {}
        for r in rows:
            found.setdefault(r[0], (r[1], []))[1].append((r[2], r[3]))
        yield [LearnerRecord(user_id, locale, tuple(done))
               for user_id, (locale, done) in found.items()]


async def has_classes(db: Database) -> bool:
    """True when any school has a class (the export then has a sheet of classes)."""
    row = await db.read_fetchone(HAS_CLASSES_SQL)
    return bool(row and row[0])


async def classes(db: Database, size: int = BATCH // 20) -> AsyncIterator[list[ClassRecord]]:
    """Every class now, by commune, school and name, with its students and their lessons, a
    batch of classes at a time."""
    everyone = await db.read_fetchall(CLASSES_SQL)
    for first in range(0, len(everyone), size):
        batch = everyone[first:first + size]
        ids = [int(r[0]) for r in batch]
        marks = ",".join("?" * len(ids))
        students: dict[int, list[Student]] = {}
        for r in await db.read_fetchall(CLASS_STUDENTS_SQL.format(marks=marks), ids):
            students.setdefault(int(r[0]), []).append(Student(int(r[1]), int(r[0]), int(r[2]),
                                                              None))
        progress: dict[int, list[tuple[int, str, bool]]] = {}
        for r in await db.read_fetchall(CLASS_PROGRESS_SQL.format(marks=marks), ids):
            progress.setdefault(int(r[0]), []).append((int(r[1]), str(r[2]), bool(r[3])))
        yield [ClassRecord(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]),
                           tuple(students.get(int(r[0]), ())), tuple(progress.get(int(r[0]), ())))
               for r in batch]
