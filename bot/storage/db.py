"""Open the SQLite database, set its pragmas, apply migrations, and serialise transactions.

Long reads (reports, exports) go through a second, read-only connection on its own thread, and
the short reads of every update through a third, read-only too, run right on the event loop:
in WAL mode readers and the writer do not wait for each other, so a ten-second export holds
neither the lock every update needs for its writes nor the reads of the next update.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite

from bot.storage.commits import Write, commit_together, in_thread

log = logging.getLogger(__name__)

_SLOW_READ = 0.05  # seconds: a short read taking longer holds every update up that long
_MIGRATION_NAME = re.compile(r"^v(\d{3})_[a-z0-9_]+\.sql$")


_Row = TypeVar("_Row")


class DatabaseError(Exception):
    """The database cannot be used by this version of the bot."""


def expect_row(row: _Row | None, what: str) -> _Row:
    """The row a statement must return (an INSERT ... RETURNING, an aggregate); DatabaseError if
    it returned none, which only a broken database or schema can cause."""
    if row is None:
        raise DatabaseError(f"{what}: the database returned no row")
    return row


class Database:
    """The bot's SQLite writer connection, its statements under one lock, plus read-only ones.

    aiosqlite runs statements of one connection on one thread, so a transaction opened by one
    coroutine would swallow the statements of another that ran meanwhile. The lock keeps each
    transaction (and each batch of execute() writes) whole. read_fetchone/read_fetchall use
    the reader connection (its own thread and lock) when there is one: they see every
    committed write, never the writer's uncommitted ones, and neither side waits for the other.
    """

    def __init__(self, conn: aiosqlite.Connection, reader: aiosqlite.Connection | None = None,
                 quick: sqlite3.Connection | None = None) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self._reader = reader
        # Without a reader (":memory:"), reads share the writer's connection and lock.
        self._read_lock = asyncio.Lock() if reader is not None else self._lock
        self._quick = quick
        self._slow_reads: set[str] = set()
        self._queued: list[tuple[Write, asyncio.Future[list[list[aiosqlite.Row]]]]] = []
        self._committer: asyncio.Task[None] | None = None

    @property
    def has_reader(self) -> bool:
        """True when long reads run on their own read-only connection."""
        return self._reader is not None

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

    # Short reads (an indexed lookup: tens of microseconds) run on the event loop itself: a trip
    # to a connection's thread and back costs several times more CPU than the query, and every
    # update makes a few. They see every committed write (each update commits before it
    # answers) and never wait: in WAL mode nobody holds a reader up, and in the rare case
    # SQLite says busy the read goes to the long-read connection, which may wait on its thread.

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        """Run a short read query (one row expected) and return its first row."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """Run a short read query (an indexed lookup, a few rows) and return all its rows."""
        values = tuple(params)
        if self._quick is None:
            async with self._lock:
                return list(await self._conn.execute_fetchall(sql, values))
        started = time.perf_counter()
        try:
            rows: list[aiosqlite.Row] = self._quick.execute(sql, values).fetchall()
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                raise
            return await self.read_fetchall(sql, values)
        self._check_duration(sql, time.perf_counter() - started)
        return rows

    def _check_duration(self, sql: str, seconds: float) -> None:
        """Warn (once per statement) when a short read held the event loop up noticeably."""
        if seconds >= _SLOW_READ and sql not in self._slow_reads:
            self._slow_reads.add(sql)
            log.warning("a short read held every update up for %.0f ms (the disk cache cold "
                        "after a start, or a read for the long-read connection, read_fetchall): "
                        "%s", seconds * 1000, sql[:200])

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """Run one writing statement, committed before this returns; return the rows it RETURNs.

        Statements that arrive together are committed together (group commit): one trip to
        the connection's thread and one sync to disk for all of them, each statement still
        all or nothing (a savepoint), its failure raised to its own caller only.
        """
        return (await self.execute_all(((sql, params),)))[0]

    async def execute_all(self, statements: Iterable[tuple[str, Iterable[Any]]]
                          ) -> list[list[aiosqlite.Row]]:
        """Run writing statements as one write, all or nothing, committed with the group (as
        execute); return the rows each RETURNs. Cheaper than a transaction(): one trip to the
        connection's thread, where a transaction makes one per statement and its own sync."""
        write = tuple((sql, tuple(params)) for sql, params in statements)
        done = asyncio.get_running_loop().create_future()
        self._queued.append((write, done))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_queued())
        rows: list[list[aiosqlite.Row]] = await done
        return rows

    async def _commit_queued(self) -> None:
        """Commit what execute() queued, batch after batch, until nothing is left."""
        while self._queued:
            async with self._lock:
                batch, self._queued = self._queued, []
                writes = [write for write, _ in batch]
                try:
                    outcomes = await in_thread(self._conn, commit_together, writes)
                except Exception as exc:  # the transaction itself failed: nothing was kept
                    outcomes = [exc] * len(batch)
                except BaseException:  # cancelled (shutting down): nobody is told "saved"
                    for _, done in batch:
                        done.cancel()
                    raise
            for (_, done), outcome in zip(batch, outcomes, strict=True):
                if done.cancelled():
                    continue
                if isinstance(outcome, BaseException):
                    done.set_exception(outcome)
                else:
                    done.set_result(outcome)

    async def read_fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        """Run a read query on the read-only connection and return its first row."""
        async with self._read_lock:
            rows = await self._read_conn.execute_fetchall(sql, tuple(params))
        return next(iter(rows), None)

    async def read_fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """Run a read query on the read-only connection and return all its rows."""
        async with self._read_lock:
            return list(await self._read_conn.execute_fetchall(sql, tuple(params)))

    async def trace(self, callback: Callable[[str], object] | None) -> None:
        """Call callback with each statement either connection runs (None stops); the tests
        check the query plan of every statement the bot runs this way."""
        # aiosqlite's annotation leaves out None, which sqlite3 takes to stop tracing.
        given = cast("Callable[..., Any]", callback)
        await self._conn.set_trace_callback(given)
        if self._reader is not None:
            await self._reader.set_trace_callback(given)
        if self._quick is not None:
            self._quick.set_trace_callback(given)

    @property
    def _read_conn(self) -> aiosqlite.Connection:
        return self._reader if self._reader is not None else self._conn

    async def close(self) -> None:
        """Close the connections (each waits for its statement in progress)."""
        try:
            if self._quick is not None:
                self._quick.close()
            if self._reader is not None:
                async with self._read_lock:
                    await self._reader.close()
        finally:
            if self._committer is not None:
                await self._committer  # the writes already promised are committed first
            async with self._lock:
                await self._conn.close()


async def open_database(path: Path | str, reader: bool = True) -> Database:
    """Open (creating if needed) the database at path and bring its schema up to date; with
    reader, long reads and short reads each get a read-only connection (not for ":memory:").

    A path that cannot be a database (a directory, a file that is not SQLite, a folder that
    cannot be created or written) raises DatabaseError saying which and why, in one line.
    """
    if str(path) != ":memory:":
        _check_usable(Path(path))
    return await _open_database(path, reader)


def _check_usable(path: Path) -> None:
    """Create the folder and open the file once, on this thread: a failed aiosqlite.connect
    leaves its worker thread to report to an event loop that may be closed by then. Errors
    later on (a migration, say) are not the path's fault and are not reworded."""
    try:
        _private_folders(path.parent)
        if not path.exists():
            # Created private (SQLite gives its -wal and -shm files the same mode): it holds
            # personal data. os.open applies the mode at creation: no moment readable by all.
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        probe = sqlite3.connect(path)
        try:
            probe.execute("PRAGMA schema_version")  # a file that is not SQLite fails here
        finally:
            probe.close()
    except (OSError, sqlite3.Error) as exc:
        raise DatabaseError(_unusable(path, exc)) from exc


def _private_folders(folder: Path) -> None:
    """Create the folder and its missing parents, each 0700 (existing ones are left)."""
    missing = [level for level in (folder, *folder.parents) if not level.exists()]
    for level in reversed(missing):
        level.mkdir(mode=0o700, exist_ok=True)


def _unusable(path: Path, exc: OSError | sqlite3.Error) -> str:
    """One line saying why the database at path cannot be used."""
    if path.is_dir():
        why = "it is a directory; name a file, e.g. " + str(path / "bot.db")
    elif isinstance(exc, FileExistsError | NotADirectoryError):  # creating its folder failed
        blocker = next((p for p in path.parents if p.exists()), path.parent)
        why = f"{blocker} is a file, not a folder"
    elif isinstance(exc, OSError):
        why = f"cannot create the folder {exc.filename or path.parent}: {exc.strerror or exc}"
    elif "not a database" in str(exc):
        why = "the file is not a SQLite database"
    elif not os.access(path if path.exists() else path.parent, os.W_OK):
        why = f"no permission to write it ({exc})"
    else:
        why = str(exc)
    return (f"cannot use {path} as the database: {why}. The path comes from `database` in "
            "the configuration, or BOT_DATABASE.")


def keyed_hash(key: bytes | None, text: str | None) -> str | None:
    """HMAC-SHA256 of text under key, 32 hex digits: the same text, the same value; without
    the key nobody can tell which text it was (a household's name, say)."""
    if key is None or text is None:
        return None
    return hmac.new(bytes(key), text.encode(), hashlib.sha256).hexdigest()[:32]


async def _open_database(path: Path | str, reader: bool) -> Database:
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    try:
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        # FULL: a confirmed write survives a power cut, not only a killed process.
        await conn.execute("PRAGMA synchronous=FULL")
        await conn.execute("PRAGMA busy_timeout=5000")
        # For the migrations and the frozen copies (bot/storage/campaigns.py); the readers
        # have it too, so that any statement can be planned on any connection.
        await conn.create_function("keyed_hash", 2, keyed_hash, deterministic=True)
        await _migrate(conn)
        second = await _open_reader(Path(path)) if reader and str(path) != ":memory:" else None
        third = _open_quick_reader(Path(path)) if second is not None else None
    except BaseException:
        await conn.close()
        raise
    return Database(conn, second, third)


def _read_only_uri(path: Path) -> str:
    # A URI, so that mode=ro applies; as_uri() escapes "?" and "#" in the path.
    return path.absolute().as_uri() + "?mode=ro"


async def _open_reader(path: Path) -> aiosqlite.Connection | None:
    """A read-only connection to the database the writer has just opened (WAL, migrated)."""
    try:
        reader = await aiosqlite.connect(_read_only_uri(path), uri=True, isolation_level=None)
    except sqlite3.Error as exc:  # e.g. a directory where the -shm file cannot be read
        log.warning("no read-only connection (%s): long reads share the writer's", exc)
        return None
    try:
        reader.row_factory = aiosqlite.Row
        await reader.execute("PRAGMA busy_timeout=5000")
        await reader.create_function("keyed_hash", 2, keyed_hash, deterministic=True)
    except BaseException:
        await reader.close()
        raise
    return reader


def _open_quick_reader(path: Path) -> sqlite3.Connection:
    """A read-only connection used on the event loop's own thread; it never waits for a lock
    (timeout 0): a busy database sends the read to a connection that may wait."""
    quick = sqlite3.connect(_read_only_uri(path), uri=True, isolation_level=None, timeout=0)
    quick.row_factory = sqlite3.Row
    quick.create_function("keyed_hash", 2, keyed_hash, deterministic=True)
    return quick


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in str(exc)


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
