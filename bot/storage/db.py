"""Open the SQLite database, set its pragmas, apply migrations, and serialise transactions."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^v(\d{3})_[a-z0-9_]+\.sql$")


class DatabaseError(Exception):
    """The database cannot be used by this version of the bot."""


class Database:
    """One SQLite connection shared by the bot; every statement runs under one lock.

    aiosqlite runs statements of one connection on one thread, so a transaction opened by one
    coroutine would swallow the statements of another that ran meanwhile. The lock keeps each
    transaction whole.
    """

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run the block in one write transaction; commit on success, roll back on error."""
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self._conn.rollback()
                raise
            else:
                await self._conn.commit()

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        """Run a read query and return its first row."""
        async with self._lock, self._conn.execute(sql, tuple(params)) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """Run a read query and return all its rows."""
        async with self._lock, self._conn.execute(sql, tuple(params)) as cur:
            return list(await cur.fetchall())

    async def close(self) -> None:
        """Close the connection (waits for the statement in progress)."""
        async with self._lock:
            await self._conn.close()


async def open_database(path: Path | str) -> Database:
    """Open (creating if needed) the database at path and bring its schema up to date."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    try:
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        # FULL: a confirmed write survives a power cut, not only a killed process.
        await conn.execute("PRAGMA synchronous=FULL")
        await conn.execute("PRAGMA busy_timeout=5000")
        await _migrate(conn)
    except BaseException:
        await conn.close()
        raise
    return Database(conn)


def migrations() -> list[tuple[int, str, str]]:
    """The packaged migrations as (version, name, sql), in order."""
    found = []
    for entry in resources.files("bot.storage.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    for expected, (version, name, _) in enumerate(found, start=1):
        if version != expected:
            raise DatabaseError(f"migration {name} is out of sequence (expected v{expected:03d})")
    return found


async def _migrate(conn: aiosqlite.Connection) -> None:
    known = migrations()
    async with conn.execute("PRAGMA user_version") as cur:
        row = await cur.fetchone()
    current = int(row[0]) if row else 0
    latest = len(known)
    if current > latest:
        raise DatabaseError(
            f"the database is at schema version {current}, newer than this bot knows "
            f"({latest}); it was written by a newer version. Upgrade the bot, or restore a "
            "backup made with this version."
        )
    if current == latest:
        return
    # SQLite's procedure for rebuilding a table (ALTER TABLE docs): foreign keys off while the
    # migration runs, so dropping a rebuilt table does not cascade, then checked before commit.
    await conn.execute("PRAGMA foreign_keys=OFF")
    try:
        for version, name, sql in known[current:]:
            await _apply(conn, version, name, sql)
    finally:
        await conn.execute("PRAGMA foreign_keys=ON")


async def _apply(conn: aiosqlite.Connection, version: int, name: str, sql: str) -> None:
    log.info("applying migration %s", name)
    # executescript commits implicitly, so the statements are wrapped in our own
    # transaction inside the script itself to keep each migration all-or-nothing.
    try:
        await conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version};")
        async with conn.execute("PRAGMA foreign_key_check") as cur:
            broken = list(await cur.fetchall())
        if broken:
            raise DatabaseError(f"migration {name} broke {len(broken)} foreign key(s), "
                                f"e.g. {tuple(broken[0])}")
        await conn.commit()
    except BaseException:
        if conn.in_transaction:
            await conn.rollback()
        raise
