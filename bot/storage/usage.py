"""Messages sent per channel and month, for channels whose plan caps them."""

from __future__ import annotations

from bot.storage.db import Database


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
