"""Long reads (reports, exports) run on a read-only connection of their own: a write, and
another user's whole update, complete while such a read is in progress."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import open_app
from bot.core.events import Reply
from bot.storage import teams, users
from bot.storage.db import Database, open_database
from tests.factories import ADMIN, Chat, add_visit, make_config

WAIT = 20.0  # seconds: a guard against hanging, never a measure


@asynccontextmanager
async def reads_held(db: Database) -> AsyncIterator[threading.Event]:
    """Hold the first statement the read-only connection runs (its thread waits inside
    SQLite's statement trace) until the block ends; yields the event set when it is held."""
    held, release = threading.Event(), threading.Event()
    reader: list[threading.Thread] = []  # the long reads' thread, told by a first statement

    def hold(sql: str) -> None:
        if not reader:
            reader.append(threading.current_thread())
        elif threading.current_thread() is reader[0] and not held.is_set():
            held.set()
            release.wait(WAIT)

    await db.trace(hold)
    await db.read_fetchone("SELECT 1")  # on the long reads' connection
    try:
        yield held
    finally:
        release.set()
        await db.trace(None)


async def wait_held(held: threading.Event) -> None:
    """Until a read is held."""
    assert await asyncio.to_thread(held.wait, WAIT), "no read started"


async def test_a_write_completes_while_a_long_read_is_in_progress(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.db")
    try:
        assert db.has_reader
        async with reads_held(db) as held:
            reading = asyncio.create_task(db.read_fetchall("SELECT COUNT(*) FROM users"))
            await wait_held(held)
            now = datetime.now(UTC)
            user = await asyncio.wait_for(users.touch(db, "telegram", "1", "vi", now), WAIT)
            assert not reading.done()  # still held: the write did not wait for it
        assert await reading  # released: the read finishes too
        # A committed write is seen by the next read at once.
        found = await db.read_fetchone("SELECT id FROM users WHERE external_id = '1'")
        assert found is not None and found[0] == user.id
    finally:
        await db.close()


async def test_the_read_connection_cannot_write(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.db")
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            await db.read_fetchall("INSERT INTO audit_log (action, detail, at) "
                                   "VALUES ('x', 'y', 'z')")
    finally:
        await db.close()


async def test_an_in_memory_database_reads_on_its_one_connection() -> None:
    db = await open_database(":memory:")
    try:
        assert not db.has_reader
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO audit_log (action, detail, at) "
                               "VALUES ('x', 'y', 'z')")
        row = await db.read_fetchone("SELECT COUNT(*) FROM audit_log")
        assert row is not None and row[0] == 1
    finally:
        await db.close()


async def test_close_closes_every_connection(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.db")
    await db.close()
    with pytest.raises(ValueError, match=r"no active connection|Connection closed"):
        await db.read_fetchone("SELECT 1")
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        await db.fetchone("SELECT 1")


async def test_short_reads_run_on_the_event_loop_and_see_each_commit(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.db")
    threads: list[threading.Thread] = []
    await db.trace(lambda sql: threads.append(threading.current_thread())
                   if "external_id" in sql and sql.startswith("SELECT") else None)
    try:
        for n in range(5):
            user = await users.touch(db, "telegram", str(n), "vi", datetime.now(UTC))
            found = await db.fetchone("SELECT id FROM users WHERE external_id = ?", (str(n),))
            assert found is not None and found[0] == user.id  # committed, seen at once
    finally:
        await db.trace(None)
        await db.close()
    assert threads and set(threads) == {threading.current_thread()}


class _BusyConnection:
    """Stands in for the short-read connection when SQLite answers "database is locked"."""

    def execute(self, sql: str, params: tuple[Any, ...]) -> sqlite3.Cursor:
        raise sqlite3.OperationalError("database is locked")


async def test_a_busy_database_sends_short_reads_to_the_long_read_connection(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = await open_database(tmp_path / "bot.db")
    try:
        await users.touch(db, "telegram", "1", "vi", datetime.now(UTC))
        monkeypatch.setattr(db, "_quick", _BusyConnection())
        row = await db.fetchone("SELECT COUNT(*) FROM users")
        assert row is not None and row[0] == 1
        with pytest.raises(sqlite3.OperationalError, match="no such table"):
            await db.fetchone("SELECT * FROM no_such_table")  # its errors come through
    finally:
        monkeypatch.undo()
        await db.close()


async def test_a_slow_short_read_is_logged_once(tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    db = await open_database(tmp_path / "bot.db")
    slow = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) "
            "SELECT COUNT(*) FROM n")
    try:
        for _ in range(2):
            assert (await db.fetchone(slow)) is not None
        assert (await db.fetchone("SELECT 1")) is not None
    finally:
        await db.close()
    warned = [r for r in caplog.records if "short read held" in r.getMessage()]
    assert len(warned) == 1 and "RECURSIVE" in warned[0].getMessage()


async def _stats(admin: Chat) -> Reply:
    return await admin.say("/stats 2026-10-01 2026-10-10")


async def _export(admin: Chat) -> Reply:
    return await admin.say("/export 01/10/2026 10/10/2026")


@pytest.mark.parametrize("feature", [_stats, _export], ids=["stats", "export"])
async def test_another_user_is_answered_while_a_report_reads(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        feature: Callable[[Chat], Coroutine[Any, Any, Reply]]) -> None:
    monkeypatch.setattr("bot.core.exports.run.EXPORT_DIR", tmp_path / "exports")
    app = await open_app(make_config(tmp_path, BOT_ADMINS=ADMIN))
    try:
        db = app.services.db
        team = await teams.create(db, "T1", "Tổ 1", "17329", None, datetime.now(UTC))
        volunteer = await users.touch(db, "telegram", "77", "vi", datetime.now(UTC))
        await teams.join(db, volunteer.id, team.id, "Lan", datetime.now(UTC))
        day = datetime(2026, 10, 3, 3, tzinfo=UTC)
        for i in range(5):
            await add_visit(db, volunteer.id, team.id, day + timedelta(minutes=i), f"ho {i}")
        admin, citizen = Chat(app.core, ADMIN, "en"), Chat(app.core, "555", "en")
        await admin.say("/start")
        async with reads_held(db) as held:
            running = asyncio.create_task(feature(admin))
            await wait_held(held)
            menu = await asyncio.wait_for(citizen.say("/start"), WAIT)  # writes the new user
            assert menu.buttons and not running.done()
        await asyncio.wait_for(running, WAIT)
        assert "Sorry" not in admin.last[-1].text
    finally:
        await app.close()
