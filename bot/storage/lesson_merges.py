"""Learners' progress in a lesson merged into another moves to that lesson, once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot.storage.db import Database

# A learner who had both keeps the new lesson's place, done if either was done, and the
# earliest completion. The old lesson's quiz answers are dropped: its questions are not the
# new lesson's. A lesson still in progress starts again at the new lesson's first step.
_MOVES = (
    "UPDATE lesson_progress AS t SET "
    "status = CASE WHEN f.status = 'done' THEN 'done' ELSE t.status END, "
    "started_at = MIN(t.started_at, f.started_at), updated_at = MAX(t.updated_at, f.updated_at), "
    "completed_at = COALESCE(MIN(t.completed_at, f.completed_at), t.completed_at, "
    "f.completed_at) FROM lesson_progress AS f "
    "WHERE t.lesson_id = :into AND f.lesson_id = :old AND f.user_id = t.user_id",
    "DELETE FROM lesson_progress WHERE lesson_id = :old AND user_id IN "
    "(SELECT user_id FROM lesson_progress WHERE lesson_id = :into)",
    "UPDATE lesson_progress SET lesson_id = :into, position = 0 WHERE lesson_id = :old",
    "DELETE FROM quiz_answers WHERE lesson_id = :old",
    "UPDATE help_requests SET lesson_id = :into WHERE lesson_id = :old",
    "INSERT INTO lesson_merges (old_id, into_id, merged_at) VALUES (:old, :into, :now)",
)


async def carry_merged(db: Database, merged: Mapping[str, str], now: datetime) -> list[str]:
    """Move progress of each merged lesson not moved before; return the old ids moved."""
    if not merged:
        return []
    done = {r[0] for r in await db.fetchall("SELECT old_id FROM lesson_merges")}
    todo = sorted(old for old in merged if old not in done)
    if todo:
        async with db.transaction() as conn:
            for old in todo:
                names = {"old": old, "into": merged[old], "now": now.isoformat()}
                for sql in _MOVES:
                    await conn.execute(sql, names)
    return todo
