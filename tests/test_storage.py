"""Storage on a real SQLite file: pragmas, migrations, transactions."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.storage import dialogs, progress, users
from bot.storage.db import DatabaseError, migrations, open_database

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


async def test_a_new_database_is_migrated_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "sub" / "bot.db")
    try:
        assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"  # type: ignore[index]
        assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1  # type: ignore[index]
        version = (await db.fetchone("PRAGMA user_version"))[0]  # type: ignore[index]
        assert version == len(migrations())
    finally:
        await db.close()


async def test_reopening_applies_nothing_twice_and_keeps_data(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.db")
    user = await users.touch(db, "telegram", "7", "vi", NOW)
    assert user.is_new
    await db.close()
    db = await open_database(tmp_path / "bot.db")
    try:
        again = await users.touch(db, "telegram", "7", "en", NOW)
        assert again.id == user.id and not again.is_new and again.locale == "vi"
    finally:
        await db.close()


async def test_a_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    with pytest.raises(DatabaseError, match="newer"):
        await open_database(path)


async def test_a_failed_transaction_writes_nothing(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.db")
    try:
        user = await users.touch(db, "telegram", "1", "vi", NOW)
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await conn.execute("UPDATE users SET locale = 'en' WHERE id = ?", (user.id,))
                raise RuntimeError("half-way")
        assert (await users.get(db, "telegram", "1")).locale == "vi"  # type: ignore[union-attr]
    finally:
        await db.close()


async def test_progress_moves_only_from_the_expected_position(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.db")
    try:
        user = await users.touch(db, "telegram", "1", "vi", NOW)
        await progress.start(db, user.id, "lesson-a", NOW)
        assert await progress.move(db, user.id, "lesson-a", 0, 1, NOW)
        assert not await progress.move(db, user.id, "lesson-a", 0, 1, NOW)
        assert await progress.complete(db, user.id, "lesson-a", 1, 2, NOW)
        row = await progress.get(db, user.id, "lesson-a")
        assert row is not None and row.status == progress.DONE and row.completed_at
        await progress.start(db, user.id, "lesson-a", NOW.replace(day=29))  # taken again
        again = await progress.get(db, user.id, "lesson-a")
        assert again is not None and again.completed_at == row.completed_at
        assert again.status == progress.IN_PROGRESS and again.position == 0
    finally:
        await db.close()


async def test_dialog_options_round_trip(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.db")
    try:
        user = await users.touch(db, "console", "x", "vi", NOW)
        assert (await dialogs.load(db, user.id)).options == ()
        await dialogs.save_options(db, user.id, [dialogs.Option("Tiếp ▶", "go:a:0:1")], NOW)
        await dialogs.save_state(db, user.id, {"flow": "x"}, NOW)
        loaded = await dialogs.load(db, user.id)
        assert loaded.options == (dialogs.Option("Tiếp ▶", "go:a:0:1"),)
        assert loaded.state == {"flow": "x"}
    finally:
        await db.close()
