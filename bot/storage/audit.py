"""The audit log of privileged actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.storage.db import Database


@dataclass(frozen=True)
class AuditEntry:
    """Who did what, when."""

    id: int
    actor_id: int | None
    action: str
    detail: str
    at: str


async def record(conn: aiosqlite.Connection, actor_id: int | None, action: str, detail: str,
                 now: datetime) -> None:
    """Write an entry inside the caller's transaction (the action and its record go together)."""
    await conn.execute("INSERT INTO audit_log (actor_id, action, detail, at) VALUES (?, ?, ?, ?)",
                       (actor_id, action, detail[:500], now.isoformat()))


async def latest(db: Database, limit: int = 20) -> list[AuditEntry]:
    """The most recent entries, newest first."""
    rows = await db.fetchall(
        "SELECT id, actor_id, action, detail, at FROM audit_log ORDER BY id DESC LIMIT ?",
        (limit,))
    return [AuditEntry(r["id"], r["actor_id"], r["action"], r["detail"], r["at"]) for r in rows]
