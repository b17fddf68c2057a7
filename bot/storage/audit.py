"""The audit log of privileged actions.

An entry's detail is a small JSON object, {"event": "<name>", ...}, holding ids, codes, counts
and dates only (never names, phones or message text); /audit turns it into a sentence in the
reader's language. Entries written before that are English free text, shown as they are.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

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


# The values an event may carry: ids, codes, counts, ISO dates and flags.
Param = int | str | bool | None


def detail(event: str, **params: Param) -> str:
    """The detail of an entry: {"event": event, **params} as compact JSON."""
    return json.dumps({"event": event, **params}, ensure_ascii=False, separators=(",", ":"))


def record_outside(path: Path, action: str, detail_text: str, now: datetime) -> None:
    """Write an entry from a command run beside the bot (a backup), on a connection of its
    own: the command line is the actor (actor_id NULL)."""
    with closing(sqlite3.connect(path, timeout=30)) as conn, conn:
        conn.execute("INSERT INTO audit_log (actor_id, action, detail, at) VALUES (NULL, ?, ?, "
                     "?)", (action, detail_text[:500], now.isoformat()))


def parse(text: str) -> dict[str, Any] | None:
    """The event of a detail written by detail(); None for free text (older entries)."""
    if not text.startswith("{"):
        return None
    try:
        found = json.loads(text)
    except ValueError:
        return None
    return found if isinstance(found, dict) and isinstance(found.get("event"), str) else None


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
