"""Users: one row per person per channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.storage.db import Database, expect_row


@dataclass(frozen=True)
class User:
    """A person using the bot through one channel."""

    id: int
    channel: str
    external_id: str
    locale: str
    locale_chosen: bool
    created_at: str
    is_new: bool = False


_COLUMNS = "id, channel, external_id, locale, locale_chosen, created_at"


def _row(row: aiosqlite.Row, is_new: bool = False) -> User:
    return User(row["id"], row["channel"], row["external_id"], row["locale"],
                bool(row["locale_chosen"]), row["created_at"], is_new)


async def touch(db: Database, channel: str, external_id: str, locale: str,
                now: datetime) -> User:
    """Return the user, creating them with locale on first contact; record that they wrote."""
    row = await db.fetchone(
        "SELECT " + _COLUMNS + ", last_seen_at, blocked_at FROM users "
        "WHERE channel = ? AND external_id = ?", (channel, external_id))
    if row is not None and not needs_touch(row, now):
        return _row(row)
    return await _record_contact(db, channel, external_id, locale, now)


def needs_touch(row: aiosqlite.Row, now: datetime) -> bool:
    """True when a users row (with last_seen_at, blocked_at) must record this contact."""
    # The day they were last seen is all that is kept: one write a day, not one a message.
    return row["blocked_at"] is not None or row["last_seen_at"][:10] != now.isoformat()[:10]


async def _record_contact(db: Database, channel: str, external_id: str, locale: str,
                          now: datetime) -> User:
    stamp = now.isoformat()
    async with db.transaction() as conn:
        # Writing again means they unblocked the bot: broadcasts include them again.
        cur = await conn.execute(
            "UPDATE users SET last_seen_at = ?, blocked_at = NULL "
            "WHERE channel = ? AND external_id = ? RETURNING " + _COLUMNS,
            (stamp, channel, external_id))
        row = await cur.fetchone()
        await cur.close()
        is_new = row is None
        if is_new:
            cur = await conn.execute(
                "INSERT INTO users (channel, external_id, locale, created_at, last_seen_at) "
                "VALUES (?, ?, ?, ?, ?) RETURNING " + _COLUMNS,
                (channel, external_id, locale, stamp, stamp))
            row = await cur.fetchone()
            await cur.close()
    row = expect_row(row, "insert a user")
    return _row(row, is_new=is_new)


async def acting_as(db: Database, user: User) -> User:
    """The account this one acts as: itself, or the one it was linked to (/link)."""
    row = await db.fetchone(
        "SELECT " + ", ".join(f"u.{c}" for c in _COLUMNS.split(", ")) + " FROM users i "
        "JOIN users u ON u.id = i.linked_to WHERE i.id = ?", (user.id,))
    return _row(row) if row else user


async def get(db: Database, channel: str, external_id: str) -> User | None:
    """The user with this channel id, if they ever wrote."""
    row = await db.fetchone(
        "SELECT " + _COLUMNS + " FROM users WHERE channel = ? AND external_id = ?",
        (channel, external_id))
    return _row(row) if row else None


async def set_locale(db: Database, user_id: int, locale: str) -> None:
    """Store the language the user chose."""
    async with db.transaction() as conn:
        await conn.execute("UPDATE users SET locale = ?, locale_chosen = 1 WHERE id = ?",
                           (locale, user_id))
