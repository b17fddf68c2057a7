"""Schools, classes and their students (issue 17): a teacher's classes, a student's class, and
the progress a class's figures are counted from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.storage import audit
from bot.storage.db import Database, expect_row


@dataclass(frozen=True)
class School:
    """A school of a commune, as teachers named it."""

    id: int
    commune_code: str
    name: str


@dataclass(frozen=True)
class SchoolClass:
    """A class of a school, with the code its students join with."""

    id: int
    name: str
    join_code: str
    school: School
    teacher_id: int | None
    uses_names: bool  # False: the teacher sees students by their number only


@dataclass(frozen=True)
class Student:
    """A student of a class: their number in it and, in a class that uses names, their name."""

    user_id: int
    class_id: int
    number: int
    name: str | None


@dataclass(frozen=True)
class ClassRow:
    """One class with its student count, for admins' figures and broadcasts."""

    school_class: SchoolClass
    students: int


_CLASS = ("c.id, c.name, c.join_code, c.teacher_id, c.uses_names, "
          "s.id AS school_id, s.commune_code, s.name AS school_name")
_FROM = "FROM classes c JOIN schools s ON s.id = c.school_id"


def _class(row: aiosqlite.Row) -> SchoolClass:
    school = School(int(row["school_id"]), str(row["commune_code"]), str(row["school_name"]))
    teacher = row["teacher_id"]
    return SchoolClass(int(row["id"]), str(row["name"]), str(row["join_code"]), school,
                       int(teacher) if teacher is not None else None, bool(row["uses_names"]))


def _student(row: aiosqlite.Row) -> Student:
    name = row["display_name"]
    return Student(int(row["user_id"]), int(row["class_id"]), int(row["number"]),
                   str(name) if name is not None else None)


async def schools_in(db: Database, commune_code: str) -> list[School]:
    """The schools teachers have named in a commune, by name."""
    rows = await db.fetchall("SELECT id, commune_code, name FROM schools WHERE commune_code = ? "
                             "ORDER BY folded", (commune_code,))
    return [School(int(r[0]), str(r[1]), str(r[2])) for r in rows]


async def school(db: Database, school_id: int) -> School | None:
    """The school with this id."""
    row = await db.fetchone("SELECT id, commune_code, name FROM schools WHERE id = ?",
                            (school_id,))
    return School(int(row[0]), str(row[1]), str(row[2])) if row else None


async def create_class(db: Database, commune_code: str, school_name: str, folded: str,
                       class_name: str, join_code: str, teacher_id: int, uses_names: bool,
                       now: datetime) -> SchoolClass:
    """A new class (its school too when the commune has none of that name), audited; a taken
    join code raises IntegrityError."""
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO schools (commune_code, name, folded, created_at) "
                           "VALUES (?, ?, ?, ?) ON CONFLICT (commune_code, folded) DO NOTHING",
                           (commune_code, school_name, folded, now.isoformat()))
        found = await conn.execute_fetchall(
            "SELECT id FROM schools WHERE commune_code = ? AND folded = ?", (commune_code, folded))
        school_id = int(next(iter(found))[0])
        cursor = await conn.execute(
            "INSERT INTO classes (school_id, name, join_code, teacher_id, uses_names, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (school_id, class_name, join_code, teacher_id, int(uses_names), now.isoformat()))
        class_id = int(expect_row(cursor.lastrowid, "create a class"))
        await audit.record(conn, teacher_id, "class_created",
                           audit.detail("class_created", **{"class": class_id}), now)
    return expect_row(await by_id(db, class_id), "read a class just created")


async def by_code(db: Database, join_code: str) -> SchoolClass | None:
    """The class with this join code."""
    row = await db.fetchone(f"SELECT {_CLASS} {_FROM} WHERE c.join_code = ?",
                            (join_code.strip().upper(),))
    return _class(row) if row else None


async def by_id(db: Database, class_id: int) -> SchoolClass | None:
    """The class with this id."""
    row = await db.fetchone(f"SELECT {_CLASS} {_FROM} WHERE c.id = ?", (class_id,))
    return _class(row) if row else None


async def of_teacher(db: Database, teacher_id: int) -> list[SchoolClass]:
    """A teacher's classes, by school then class name."""
    rows = await db.fetchall(f"SELECT {_CLASS} {_FROM} WHERE c.teacher_id = ? "
                             "ORDER BY s.folded, c.name, c.id", (teacher_id,))
    return [_class(r) for r in rows]


async def in_school(db: Database, school_id: int) -> list[ClassRow]:
    """A school's classes with their student counts, by name."""
    rows = await db.fetchall(
        f"SELECT {_CLASS}, (SELECT COUNT(*) FROM class_students cs WHERE cs.class_id = c.id) "
        f"AS students {_FROM} WHERE c.school_id = ? ORDER BY c.name, c.id", (school_id,))
    return [ClassRow(_class(r), int(r["students"])) for r in rows]


async def every_class(db: Database) -> list[ClassRow]:
    """Every class of the province with its student count, by commune, school and name."""
    rows = await db.read_fetchall(
        f"SELECT {_CLASS}, (SELECT COUNT(*) FROM class_students cs WHERE cs.class_id = c.id) "
        f"AS students {_FROM} ORDER BY s.commune_code, s.folded, c.name, c.id")
    return [ClassRow(_class(r), int(r["students"])) for r in rows]


async def student_of(db: Database, user_id: int) -> tuple[Student, SchoolClass] | None:
    """The user's place in a class, if they joined one."""
    row = await db.fetchone(
        f"SELECT cs.user_id, cs.class_id, cs.number, cs.display_name, {_CLASS} "
        f"FROM class_students cs JOIN classes c ON c.id = cs.class_id "
        f"JOIN schools s ON s.id = c.school_id WHERE cs.user_id = ?", (user_id,))
    return (_student(row), _class(row)) if row else None


async def enrol(db: Database, user_id: int, class_id: int, name: str | None,
                now: datetime) -> Student:
    """Put the user in the class (leaving any other) with the class's next number."""
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM class_students WHERE user_id = ?", (user_id,))
        found = await conn.execute_fetchall(
            "UPDATE classes SET next_number = next_number + 1 WHERE id = ? "
            "RETURNING next_number - 1, uses_names", (class_id,))
        number, uses_names = next(iter(found))
        kept = name if uses_names else None  # a class without names keeps none
        await conn.execute("INSERT INTO class_students (user_id, class_id, number, display_name,"
                           " joined_at) VALUES (?, ?, ?, ?, ?)",
                           (user_id, class_id, number, kept, now.isoformat()))
    return Student(user_id, class_id, int(number), kept)


async def leave(db: Database, user_id: int) -> bool:
    """Take the user out of their class; False when they were in none."""
    rows = await db.execute("DELETE FROM class_students WHERE user_id = ? RETURNING class_id",
                            (user_id,))
    return bool(rows)


async def roster(db: Database, class_id: int) -> list[Student]:
    """A class's students, by number."""
    rows = await db.fetchall("SELECT user_id, class_id, number, display_name FROM class_students"
                             " WHERE class_id = ? ORDER BY number", (class_id,))
    return [_student(r) for r in rows]


async def progress(db: Database, user_ids: Iterable[int]
                   ) -> list[tuple[int, str, bool]]:
    """(student, lesson, done) for every lesson these students started."""
    ids = list(user_ids)
    found: list[tuple[int, str, bool]] = []
    for first in range(0, len(ids), 500):  # SQLite's bound parameters are limited
        batch = ids[first:first + 500]
        rows = await db.read_fetchall(
            f"SELECT user_id, lesson_id, status = 'done' FROM lesson_progress "
            f"WHERE user_id IN ({','.join('?' * len(batch))})", batch)
        found.extend((int(r[0]), str(r[1]), bool(r[2])) for r in rows)
    return found


async def set_code(db: Database, class_id: int, code: str, by: int, now: datetime) -> None:
    """Give the class a new join code (a taken one raises IntegrityError), audited."""
    async with db.transaction() as conn:
        await conn.execute("UPDATE classes SET join_code = ? WHERE id = ?", (code, class_id))
        await audit.record(conn, by, "class_code",
                           audit.detail("class_code_changed", **{"class": class_id}), now)


async def delete_class(db: Database, class_id: int, by: int, now: datetime) -> int:
    """Delete a class (its students leave it; their lessons stay theirs), audited; how many
    students it had."""
    async with db.transaction() as conn:
        rows = await conn.execute_fetchall(
            "DELETE FROM class_students WHERE class_id = ? RETURNING user_id", (class_id,))
        await conn.execute("DELETE FROM classes WHERE id = ?", (class_id,))
        await audit.record(conn, by, "class_deleted",
                           audit.detail("class_deleted", **{"class": class_id}), now)
        return len(list(rows))


async def students_of_school(db: Database, school_id: int) -> list[int]:
    """The user ids of a school's students (a broadcast's audience)."""
    rows = await db.fetchall("SELECT cs.user_id FROM class_students cs JOIN classes c "
                             "ON c.id = cs.class_id WHERE c.school_id = ?", (school_id,))
    return [int(r[0]) for r in rows]
