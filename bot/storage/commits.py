"""Group commit: the writes queued meanwhile run on the connection's thread, in one trip.

A write is one statement or several that must stand or fall together; each runs in a savepoint
of one transaction, so one that fails leaves nothing of itself and fails for its caller only.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

import aiosqlite

_T = TypeVar("_T")
Statement = tuple[str, tuple[Any, ...]]
Write = tuple[Statement, ...]
# What became of one write: the rows each of its statements returned, or its error.
Outcome = list[list[sqlite3.Row]] | BaseException


def commit_together(conn: sqlite3.Connection, writes: list[Write]) -> list[Outcome]:
    """Run the writes in one transaction, each all or nothing (a savepoint); their outcomes."""
    if len(writes) == 1 and len(writes[0]) == 1:  # alone, autocommit is the same guarantee
        sql, params = writes[0][0]
        try:
            return [[conn.execute(sql, params).fetchall()]]
        except sqlite3.Error as exc:
            return [exc]
    outcomes: list[Outcome] = []
    conn.execute("BEGIN IMMEDIATE")
    try:
        for write in writes:
            conn.execute("SAVEPOINT one_write")
            try:
                outcomes.append([conn.execute(sql, params).fetchall() for sql, params in write])
            except sqlite3.Error as exc:
                conn.execute("ROLLBACK TO one_write")
                outcomes.append(exc)
            conn.execute("RELEASE one_write")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return outcomes


async def in_thread(conn: aiosqlite.Connection, function: Callable[..., _T], *args: Any) -> _T:
    """Run function(sqlite3 connection, *args) on the connection's own thread, in one trip.

    aiosqlite runs each of its methods this way but keeps the door private (_execute); a
    batch of statements as one function is one trip instead of one per statement.
    """
    run = cast("Callable[..., Awaitable[_T]]", conn._execute)
    return await run(function, conn._conn, *args)
