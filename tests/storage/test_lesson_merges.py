"""A lesson merged into another: learners keep what they did, once, on a real database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.storage import lesson_merges
from bot.storage.db import Database, open_database

NOW = datetime(2026, 12, 5, 9, tzinfo=UTC)


async def add_user(db: Database, user_id: int) -> None:
    await db.execute("INSERT INTO users (id, channel, external_id, locale, created_at, "
                     "last_seen_at) VALUES (?, 'console', ?, 'vi', ?, ?)",
                     (user_id, str(user_id), NOW.isoformat(), NOW.isoformat()))


async def add_progress(db: Database, user_id: int, lesson: str, status: str, position: int,
                       completed: str | None) -> None:
    await db.execute("INSERT INTO lesson_progress (user_id, lesson_id, position, status, "
                     "started_at, updated_at, completed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (user_id, lesson, position, status, "2026-10-01T00:00:00+00:00",
                      "2026-10-02T00:00:00+00:00", completed))


async def rows(db: Database) -> set[tuple[int, str, str, int, str | None]]:
    found = await db.fetchall("SELECT user_id, lesson_id, status, position, completed_at "
                              "FROM lesson_progress")
    return {(r[0], r[1], r[2], r[3], r[4]) for r in found}


async def test_progress_moves_to_the_lesson_it_became_and_only_once(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.db")
    try:
        for user in (1, 2, 3):
            await add_user(db, user)
        await add_progress(db, 1, "old", "done", 5, "2026-10-03T00:00:00+00:00")
        await add_progress(db, 2, "old", "in_progress", 3, None)
        await add_progress(db, 3, "old", "done", 5, "2026-10-01T08:00:00+00:00")
        await add_progress(db, 3, "new", "in_progress", 2, None)
        await db.execute("INSERT INTO quiz_answers (user_id, lesson_id, question, choice, "
                         "correct, answered_at) VALUES (2, 'old', 0, 1, 1, ?)",
                         (NOW.isoformat(),))

        moved = await lesson_merges.carry_merged(db, {"old": "new"}, NOW)

        assert moved == ["old"]
        assert await rows(db) == {
            (1, "new", "done", 0, "2026-10-03T00:00:00+00:00"),
            (2, "new", "in_progress", 0, None),  # the old place means nothing in the new one
            (3, "new", "done", 2, "2026-10-01T08:00:00+00:00"),  # done in either: done
        }
        assert await db.fetchall("SELECT * FROM quiz_answers") == []
        await add_progress(db, 1, "old", "in_progress", 1, None)  # an old id seen again
        assert await lesson_merges.carry_merged(db, {"old": "new"}, NOW) == []
        assert (1, "old", "in_progress", 1, None) in await rows(db)
    finally:
        await db.close()
