"""Help requests: a citizen asking for a volunteer to come in person, and who took it.

Every state change is a conditional UPDATE, so two volunteers pressing "I'll go" at once, a
double tap, or a button on an old message can never move a request twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import aiosqlite

from bot.storage.db import Database


class Status(StrEnum):
    """Where a request stands (the values are stored in the database)."""

    OPEN = "open"  # waiting for a volunteer
    TAKEN = "taken"  # a volunteer said "I'll go"
    DONE = "done"  # the volunteer marked it done
    CANCELLED = "cancelled"  # the citizen withdrew it (or deleted their data)


OPEN, TAKEN, DONE, CANCELLED = Status.OPEN, Status.TAKEN, Status.DONE, Status.CANCELLED


@dataclass(frozen=True)
class HelpRequest:
    """One request for in-person help."""

    id: int
    citizen_id: int | None
    first_name: str
    commune_code: str
    hamlet: str
    phone: str | None  # shown only to the taker and to admins
    lesson_id: str | None
    status: Status
    taken_by: int | None
    taken_at: str | None
    escalated_at: str | None
    done_at: str | None
    created_at: str


_COLUMNS = ("id, citizen_id, first_name, commune_code, hamlet, phone, lesson_id, status, "
            "taken_by, taken_at, escalated_at, done_at, created_at")


def _row(row: aiosqlite.Row) -> HelpRequest:
    values = [row[i] for i in range(13)]
    values[7] = Status(values[7])
    return HelpRequest(*values)


async def insert(conn: aiosqlite.Connection, citizen_id: int, first_name: str,
                 commune_code: str, hamlet: str, phone: str | None, lesson_id: str | None,
                 now: datetime, since: datetime | None = None, most: int = 0) -> int | None:
    """Add an open request inside the caller's transaction; None if the citizen has one already
    or, given since, has made `most` requests (of any status) after that moment.

    The checks and the insert are one statement, so a double tap on Send cannot make two.
    """
    limit = ("" if since is None else
             " AND (SELECT COUNT(*) FROM help_requests WHERE citizen_id = ? "
             "AND created_at > ?) < ?")
    cur = await conn.execute(
        "INSERT INTO help_requests (citizen_id, first_name, commune_code, hamlet, phone, "
        "lesson_id, status, created_at) SELECT ?, ?, ?, ?, ?, ?, 'open', ? "
        "WHERE NOT EXISTS (SELECT 1 FROM help_requests WHERE citizen_id = ? "
        f"AND status IN ('open', 'taken')){limit} RETURNING id",
        (citizen_id, first_name, commune_code, hamlet, phone, lesson_id, now.isoformat(),
         citizen_id, *(() if since is None else (citizen_id, since.isoformat(), most))))
    row = await cur.fetchone()
    await cur.close()
    return int(row[0]) if row else None


async def made_since(db: Database, citizen_id: int, since: datetime, limit: int
                     ) -> list[datetime]:
    """When the citizen made their requests (of any status) after a moment: at most limit of
    them, newest first (along the index of a citizen's requests, in id order)."""
    rows = await db.fetchall(
        "SELECT created_at FROM help_requests WHERE citizen_id = ? AND created_at > ? "
        "ORDER BY id DESC LIMIT ?", (citizen_id, since.isoformat(), limit))
    return [datetime.fromisoformat(r[0]) for r in rows]


async def get(db: Database, request_id: int) -> HelpRequest | None:
    """The request with this id."""
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM help_requests WHERE id = ?", (request_id,))
    return _row(row) if row else None


async def active_of(db: Database, citizen_id: int) -> HelpRequest | None:
    """The citizen's request still waiting or being handled (open or taken), if any."""
    row = await db.fetchone(
        f"SELECT {_COLUMNS} FROM help_requests WHERE citizen_id = ? "
        "AND status IN ('open', 'taken') ORDER BY id DESC LIMIT 1", (citizen_id,))
    return _row(row) if row else None


async def take(conn: aiosqlite.Connection, request_id: int, user_id: int, now: datetime
               ) -> bool:
    """Give an open request to user_id; False if someone else was first (or it is closed)."""
    cur = await conn.execute(
        "UPDATE help_requests SET status = 'taken', taken_by = ?, taken_at = ? "
        "WHERE id = ? AND status = 'open'", (user_id, now.isoformat(), request_id))
    return cur.rowcount == 1


async def release(conn: aiosqlite.Connection, request_id: int, user_id: int) -> bool:
    """Put a request taken by user_id back to open; False if it is not theirs or not taken."""
    cur = await conn.execute(
        "UPDATE help_requests SET status = 'open', taken_by = NULL, taken_at = NULL "
        "WHERE id = ? AND status = 'taken' AND taken_by = ?", (request_id, user_id))
    return cur.rowcount == 1


async def finish(conn: aiosqlite.Connection, request_id: int, user_id: int, now: datetime
                 ) -> bool:
    """Mark a request taken by user_id done; False if it is not theirs or not taken."""
    cur = await conn.execute(
        "UPDATE help_requests SET status = 'done', done_at = ? "
        "WHERE id = ? AND status = 'taken' AND taken_by = ?",
        (now.isoformat(), request_id, user_id))
    return cur.rowcount == 1


async def cancel(conn: aiosqlite.Connection, request_id: int, citizen_id: int) -> bool:
    """The citizen withdraws their open or taken request; False if it is not theirs or closed."""
    cur = await conn.execute(
        "UPDATE help_requests SET status = 'cancelled' "
        "WHERE id = ? AND citizen_id = ? AND status IN ('open', 'taken')",
        (request_id, citizen_id))
    return cur.rowcount == 1


async def not_escalated_since(db: Database, created_before: datetime) -> list[HelpRequest]:
    """Open requests created before a moment and never escalated, oldest first."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM help_requests WHERE status = 'open' AND escalated_at IS NULL "
        "AND created_at <= ? ORDER BY id", (created_before.isoformat(),))
    return [_row(r) for r in rows]


async def mark_escalated(conn: aiosqlite.Connection, request_id: int, now: datetime) -> bool:
    """Record that an open request went to leaders and admins; False if done already."""
    cur = await conn.execute(
        "UPDATE help_requests SET escalated_at = ? "
        "WHERE id = ? AND status = 'open' AND escalated_at IS NULL",
        (now.isoformat(), request_id))
    return cur.rowcount == 1


async def recent(db: Database, since: datetime, commune_code: str | None = None,
                 limit: int = 30) -> list[HelpRequest]:
    """Open and taken requests created since a moment (of one commune, if given), newest first."""
    where = "status IN ('open', 'taken') AND created_at >= ?"
    params: list[object] = [since.isoformat()]
    if commune_code is not None:
        where += " AND commune_code = ?"
        params.append(commune_code)
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM help_requests WHERE {where} ORDER BY id DESC LIMIT ?",
        [*params, limit])
    return [_row(r) for r in rows]


async def taken_by(db: Database, user_id: int) -> list[HelpRequest]:
    """The requests a volunteer has taken and not yet finished, oldest first."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM help_requests WHERE taken_by = ? AND status = 'taken' "
        "ORDER BY id", (user_id,))
    return [_row(r) for r in rows]
