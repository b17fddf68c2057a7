"""The outbox: messages for users other than the one who wrote, waiting for their channel."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.storage.db import Database, expect_row

MAX_ATTEMPTS = 5
BLOCKED = "blocked"


@dataclass(frozen=True)
class Pending:
    """A message not yet delivered, with where to deliver it."""

    id: int
    user_id: int
    channel: str
    external_id: str
    reply: str  # JSON written by bot.core.outbox
    attempts: int


@dataclass(frozen=True)
class Recipient:
    """A user to notify, in their language."""

    user_id: int
    locale: str
    # The account to message: of a person with linked accounts (/link), the one they used last
    # that can be reached; None: user_id.
    address: int | None = None


async def insert(conn: aiosqlite.Connection, user_id: int, reply: str, now: datetime) -> int:
    """Queue a message inside the caller's transaction; return its id."""
    cur = await conn.execute(
        "INSERT INTO outbox (user_id, reply, created_at) VALUES (?, ?, ?) RETURNING id",
        (user_id, reply, now.isoformat()))
    row = await cur.fetchone()
    await cur.close()
    row = expect_row(row, "queue a message")
    return int(row[0])


async def pending(db: Database, channel: str, limit: int = 50) -> list[Pending]:
    """The oldest undelivered messages for users of one channel, in the order written."""
    rows = await db.fetchall(
        "SELECT o.id, o.user_id, u.channel, u.external_id, o.reply, o.attempts FROM outbox o "
        "JOIN users u ON u.id = o.user_id "
        "WHERE o.sent_at IS NULL AND o.failed IS NULL AND u.channel = ? "
        "ORDER BY o.id LIMIT ?", (channel, limit))
    return [Pending(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]


async def mark_sent(db: Database, message_id: int, now: datetime) -> None:
    """Record a delivery."""
    async with db.transaction() as conn:
        await conn.execute("UPDATE outbox SET sent_at = ?, attempts = attempts + 1 WHERE id = ?",
                           (now.isoformat(), message_id))


async def mark_failed(db: Database, message_id: int, reason: str) -> bool:
    """Count a failed attempt; after MAX_ATTEMPTS give up with reason. True when given up."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, "
            "failed = CASE WHEN attempts + 1 >= ? THEN ? ELSE NULL END "
            "WHERE id = ? RETURNING failed", (MAX_ATTEMPTS, reason[:200], message_id))
        row = await cur.fetchone()
        await cur.close()
    return row is not None and row[0] is not None


async def give_up(db: Database, message_id: int, reason: str) -> None:
    """Stop trying at once (BLOCKED: the user blocked the bot, so retrying would only fail)."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, failed = ? WHERE id = ?",
            (reason, message_id))


async def recipients(db: Database, user_ids: Iterable[int], channels: tuple[str, ...] = ()
                     ) -> list[Recipient]:
    """These users with their language and the account to message on the channels (none
    given: their own), each once, in the order given; unknown ids dropped."""
    wanted = list(dict.fromkeys(user_ids))
    if not wanted:
        return []
    marks, on = ",".join("?" * len(wanted)), ",".join("?" * len(channels))
    last_used = ("(SELECT a.id FROM users a WHERE (a.id = u.id OR a.linked_to = u.id) AND "
                 f"a.blocked_at IS NULL AND a.channel IN ({on}) "
                 "ORDER BY a.last_seen_at DESC, a.id LIMIT 1)") if channels else "u.id"
    rows = await db.fetchall(f"SELECT u.id, u.locale, COALESCE({last_used}, u.id) FROM users u "
                             f"WHERE u.id IN ({marks})", [*channels, *wanted])
    found = {int(r[0]): Recipient(int(r[0]), str(r[1]), int(r[2])) for r in rows}
    return [found[uid] for uid in wanted if uid in found]
