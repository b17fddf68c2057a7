"""Lesson progress and quiz answers."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import aiosqlite

from bot.storage.db import Database


class Status(StrEnum):
    """Where a user is in a lesson (the values are stored)."""

    IN_PROGRESS = "in_progress"
    DONE = "done"


IN_PROGRESS, DONE = Status.IN_PROGRESS, Status.DONE


@dataclass(frozen=True)
class LessonProgress:
    """A user's place in one lesson."""

    lesson_id: str
    position: int
    status: Status
    updated_at: str
    completed_at: str | None


def _row(row: aiosqlite.Row) -> LessonProgress:
    return LessonProgress(row["lesson_id"], row["position"], Status(row["status"]),
                          row["updated_at"], row["completed_at"])


_COLUMNS = "lesson_id, position, status, updated_at, completed_at"


async def get(db: Database, user_id: int, lesson_id: str) -> LessonProgress | None:
    """The user's progress in one lesson, if they ever opened it."""
    row = await db.fetchone(
        f"SELECT {_COLUMNS} FROM lesson_progress WHERE user_id = ? AND lesson_id = ?",
        (user_id, lesson_id))
    return _row(row) if row else None


async def all_for(db: Database, user_id: int) -> list[LessonProgress]:
    """Every lesson the user opened."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM lesson_progress WHERE user_id = ?", (user_id,))
    return [_row(r) for r in rows]


async def latest_unfinished(db: Database, user_id: int, excluding: Collection[str] = ()
                            ) -> LessonProgress | None:
    """The lesson the user was in most recently and has not finished (not one excluded)."""
    left_out = f"AND lesson_id NOT IN ({', '.join('?' * len(excluding))}) " if excluding else ""
    row = await db.fetchone(
        f"SELECT {_COLUMNS} FROM lesson_progress WHERE user_id = ? AND status = ? {left_out}"
        "ORDER BY updated_at DESC, rowid DESC LIMIT 1", (user_id, IN_PROGRESS, *excluding))
    return _row(row) if row else None


async def start(db: Database, user_id: int, lesson_id: str, now: datetime) -> None:
    """Open a lesson at its first step (a finished lesson is taken again; its date is kept)."""
    stamp = now.isoformat()
    await db.execute_all((
        ("INSERT INTO lesson_progress (user_id, lesson_id, position, status, started_at, "
         "updated_at) VALUES (?, ?, 0, ?, ?, ?) ON CONFLICT (user_id, lesson_id) DO UPDATE "
         "SET position = 0, status = excluded.status, started_at = excluded.started_at, "
         "updated_at = excluded.updated_at",
         (user_id, lesson_id, IN_PROGRESS, stamp, stamp)),
        ("DELETE FROM quiz_answers WHERE user_id = ? AND lesson_id = ?", (user_id, lesson_id))))


async def touch(db: Database, user_id: int, lesson_id: str, now: datetime) -> None:
    """Mark the lesson as the one the user is in now (for /continue)."""
    await db.execute(
        "UPDATE lesson_progress SET updated_at = ? WHERE user_id = ? AND lesson_id = ?",
        (now.isoformat(), user_id, lesson_id))


async def move(db: Database, user_id: int, lesson_id: str, expected: int, target: int,
               now: datetime) -> bool:
    """Move from position expected to target; False if the user was not at expected."""
    moved = await db.execute(
        "UPDATE lesson_progress SET position = ?, updated_at = ? WHERE user_id = ? AND "
        "lesson_id = ? AND position = ? AND status = ? RETURNING 1",
        (target, now.isoformat(), user_id, lesson_id, expected, IN_PROGRESS))
    return len(moved) == 1


async def complete(db: Database, user_id: int, lesson_id: str, expected: int, end: int,
                   now: datetime) -> bool:
    """Finish the lesson from position expected; keep the first completion date."""
    stamp = now.isoformat()
    done = await db.execute(
        "UPDATE lesson_progress SET position = ?, status = ?, updated_at = ?, "
        "completed_at = COALESCE(completed_at, ?) WHERE user_id = ? AND lesson_id = ? "
        "AND position = ? AND status = ? RETURNING 1",
        (end, DONE, stamp, stamp, user_id, lesson_id, expected, IN_PROGRESS))
    return len(done) == 1


async def record_answer(db: Database, user_id: int, lesson_id: str, question: int, choice: int,
                        correct: bool, now: datetime) -> bool:
    """Keep the first answer to a question; False if it was already answered."""
    kept = await db.execute(
        "INSERT INTO quiz_answers (user_id, lesson_id, question, choice, correct, "
        "answered_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING 1",
        (user_id, lesson_id, question, choice, int(correct), now.isoformat()))
    return len(kept) == 1


async def first_try_score(db: Database, user_id: int, lesson_id: str) -> tuple[int, int]:
    """(right at the first try, answered) for the lesson's current attempt."""
    row = await db.fetchone(
        "SELECT COALESCE(SUM(correct), 0), COUNT(*) FROM quiz_answers "
        "WHERE user_id = ? AND lesson_id = ?", (user_id, lesson_id))
    return (int(row[0]), int(row[1])) if row else (0, 0)


async def answered(db: Database, user_id: int, lesson_id: str, question: int) -> bool:
    """True when the user has answered this question in the current attempt."""
    row = await db.fetchone(
        "SELECT 1 FROM quiz_answers WHERE user_id = ? AND lesson_id = ? AND question = ?",
        (user_id, lesson_id, question))
    return row is not None
