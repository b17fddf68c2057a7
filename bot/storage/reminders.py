"""Gentle reminders: who agreed to them, and who is due one (a lesson left for days)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.storage.db import Database


@dataclass(frozen=True)
class Due:
    """A learner to remind of the lesson they left, at its position."""

    user_id: int
    locale: str
    channel: str
    lesson_id: str
    position: int


async def choice(db: Database, user_id: int) -> bool | None:
    """True or False as the learner chose; None when they were never asked."""
    row = await db.fetchone("SELECT wanted FROM reminders WHERE user_id = ?", (user_id,))
    return None if row is None else bool(row[0])


async def choose(db: Database, user_id: int, wanted: bool, now: datetime) -> None:
    """Record the learner's choice (the last reminder's time is kept)."""
    await db.execute(
        "INSERT INTO reminders (user_id, wanted, decided_at) VALUES (?, ?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET wanted = excluded.wanted, "
        "decided_at = excluded.decided_at", (user_id, int(wanted), now.isoformat()))


# The most recent unfinished lesson of each learner who wants reminders, left before `left` (?1),
# when no reminder went since they last moved in it and none in the last week (`week`, ?2).
# A scan of those who agreed, run by a job off the event loop (read_fetchall).
_DUE = (
    "SELECT r.user_id, u.locale, u.channel, p.lesson_id, p.position "
    "FROM reminders r JOIN users u ON u.id = r.user_id "
    "JOIN lesson_progress p ON p.user_id = r.user_id AND p.status = 'in_progress' "
    "AND p.updated_at = (SELECT MAX(q.updated_at) FROM lesson_progress q "
    "WHERE q.user_id = r.user_id AND q.status = 'in_progress') "
    "WHERE r.wanted = 1 AND u.blocked_at IS NULL AND u.linked_to IS NULL "
    "AND p.updated_at <= ?1 AND (r.sent_at IS NULL OR "
    "(r.sent_at < p.updated_at AND r.sent_at <= ?2)) "
    "ORDER BY r.user_id LIMIT ?3")


async def due(db: Database, left: datetime, week: datetime, limit: int = 500) -> list[Due]:
    """Learners due a reminder now (at most limit, the rest next time)."""
    rows = await db.read_fetchall(_DUE, (left.isoformat(), week.isoformat(), limit))
    return [Due(int(r[0]), str(r[1]), str(r[2]), str(r[3]), int(r[4])) for r in rows]


async def mark_sent(conn: aiosqlite.Connection, user_id: int, now: datetime) -> None:
    """Record a reminder inside the transaction that queues it."""
    await conn.execute("UPDATE reminders SET sent_at = ? WHERE user_id = ?",
                       (now.isoformat(), user_id))
