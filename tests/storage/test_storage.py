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
        assert (await db.execute("PRAGMA foreign_keys"))[0][0] == 1
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


async def test_a_deleted_users_id_is_never_given_to_someone_new(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.db")
    try:
        first = await users.touch(db, "telegram", "1", "vi", NOW)
        last = await users.touch(db, "telegram", "2", "vi", NOW)
        async with db.transaction() as conn:
            await conn.execute("DELETE FROM users WHERE id = ?", (last.id,))
        newcomer = await users.touch(db, "telegram", "3", "vi", NOW)
        assert newcomer.id not in (first.id, last.id)
    finally:
        await db.close()


async def test_rebuilding_users_keeps_every_row_and_reference(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:  # a database as the previous version left it
        for version, _name, sql in migrations()[:4]:
            conn.executescript(f"{sql}\nPRAGMA user_version = {version};")
        conn.execute("INSERT INTO users (channel, external_id, locale, created_at, "
                     "last_seen_at, blocked_at) VALUES ('telegram', '5', 'en', 'a', 'b', 'c')")
        conn.execute("INSERT INTO dialogs (user_id, state, updated_at) VALUES (1, '{}', 'b')")
    conn.close()
    db = await open_database(path)
    try:
        row = await db.fetchone("SELECT id, external_id, locale, blocked_at FROM users")
        assert row is not None and tuple(row) == (1, "5", "en", "c")
        assert await db.fetchall("PRAGMA foreign_key_check") == []
        async with db.transaction() as connection:  # the dialog still cascades with its user
            await connection.execute("DELETE FROM users WHERE id = 1")
        assert await db.fetchall("SELECT * FROM dialogs") == []
        assert (await db.execute("PRAGMA foreign_keys"))[0][0] == 1
    finally:
        await db.close()
