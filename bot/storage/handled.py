"""Message ids already handled, for channels that number nothing (Zalo): a replay is dropped."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.storage.db import Database

KEPT = timedelta(days=2)  # redeliveries come within minutes; ids are forgotten after this


async def first_time(db: Database, channel: str, message_id: str, now: datetime) -> bool:
    """Record the message id; False when it was recorded before (a redelivery)."""
    rows = await db.execute(
        "INSERT INTO handled_messages (channel, message_id, at) VALUES (?, ?, ?) "
        "ON CONFLICT DO NOTHING RETURNING message_id", (channel, message_id, now.isoformat()))
    return bool(rows)


async def forget_old(db: Database, now: datetime) -> None:
    """Forget the ids recorded more than KEPT ago."""
    await db.execute("DELETE FROM handled_messages WHERE at < ?", ((now - KEPT).isoformat(),))
