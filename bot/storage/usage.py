"""Messages sent per channel and month, and users per channel, for plans that cap them."""

from __future__ import annotations

from bot.storage.db import Database

WARN_AT = (70, 85, 95)  # % of the plan's messages or users at which admins are told
USERS = "users"  # channel_usage.month of the row keeping the users warnings (not a month)


def warn_level(used: int, allowed: int) -> int:
    """The highest warning level (%) reached, 0 for none."""
    percent = used * 100 // allowed
    return max((level for level in WARN_AT if percent >= level), default=0)


async def add_sent(db: Database, channel: str, month: str, count: int = 1) -> tuple[int, int]:
    """Count sent messages; the month's total so far, and the highest warning given."""
    rows = await db.execute(
        "INSERT INTO channel_usage (channel, month, sent) VALUES (?, ?, ?) "
        "ON CONFLICT (channel, month) DO UPDATE SET sent = sent + excluded.sent "
        "RETURNING sent, warned", (channel, month, count))
    return (int(rows[0][0]), int(rows[0][1])) if rows else (count, 0)


async def warned(db: Database, channel: str, month: str, level: int) -> bool:
    """Record that admins were warned at level (%); False when they already were."""
    rows = await db.execute(
        "UPDATE channel_usage SET warned = ? WHERE channel = ? AND month = ? AND warned < ? "
        "RETURNING warned", (level, channel, month, level))
    return bool(rows)


async def sent_in(db: Database, channel: str, month: str) -> int:
    """Messages sent on the channel in the month."""
    row = await db.fetchone("SELECT sent FROM channel_usage WHERE channel = ? AND month = ?",
                            (channel, month))
    return int(row[0]) if row else 0


async def users_in(db: Database, channel: str) -> int:
    """The bot's users on a channel (a linked account counts: the plan counts it)."""
    row = await db.fetchone("SELECT COUNT(*) FROM users WHERE channel = ?", (channel,))
    return int(row[0]) if row else 0


async def warned_users(db: Database, channel: str, level: int) -> bool:
    """Record that admins were warned at level (%) of the users the plan allows; False when
    they already were. Kept in the row whose month is USERS: the count never renews."""
    rows = await db.execute(
        "INSERT INTO channel_usage (channel, month, warned) VALUES (?, ?, ?) "
        "ON CONFLICT (channel, month) DO UPDATE SET warned = excluded.warned "
        "WHERE warned < excluded.warned RETURNING warned", (channel, USERS, level))
    return bool(rows)
