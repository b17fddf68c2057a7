"""Good practices: what a team did that worked, its review by an admin, and the approved feed.

Every change of status is a conditional UPDATE (from pending only, or from "changes asked" by
the writer only), so a double tap, two admins deciding at once or an old button can never move
a practice twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

import aiosqlite

from bot.storage import audit
from bot.storage.db import Database


class Status(StrEnum):
    """Where a practice stands (the values are stored in the database)."""

    PENDING = "pending"  # sent, waiting for an admin
    CHANGES = "changes"  # an admin asked the writer for changes
    APPROVED = "approved"  # in the feed
    REJECTED = "rejected"  # not accepted


PENDING, CHANGES, APPROVED, REJECTED = (Status.PENDING, Status.CHANGES, Status.APPROVED,
                                        Status.REJECTED)


@dataclass(frozen=True)
class Content:
    """What the writer gave: the practice's text, its place and its optional parts."""

    commune_code: str
    title: str
    what: str
    result: str
    figures: str | None  # the team's figures line, when attached
    photo: str | None  # a photo reference
    search: str  # title, commune and what, folded, as " word word "
    language: str = "vi"  # the language it is written in


@dataclass(frozen=True)
class Translation:
    """A practice's title, what was done and result in the other language."""

    title: str
    what: str
    result: str


@dataclass(frozen=True)
class Practice:
    """One good practice."""

    id: int
    submitted_by: int | None
    commune_code: str
    title: str
    what: str
    result: str
    figures: str | None
    photo: str | None
    status: Status
    note: str | None  # the admin's reason, when changes were asked or it was rejected
    reviewed_by: int | None
    created_at: str
    reviewed_at: str | None
    language: str = "vi"  # the language it was written in
    translation: Translation | None = None  # an admin's translation into the other one

    def in_language(self, locale: str) -> Practice:
        """The practice as a reader of locale sees it: the translation when there is one."""
        if self.translation is None or locale == self.language:
            return self
        found = self.translation
        return replace(self, title=found.title, what=found.what, result=found.result)


_COLUMNS = ("id, submitted_by, commune_code, title, what, result, figures, photo, status, "
            "note, reviewed_by, created_at, reviewed_at, language, translation")


def _row(row: aiosqlite.Row) -> Practice:
    parts = json.loads(row[14]) if row[14] else None
    translated = (Translation(str(parts["title"]), str(parts["what"]), str(parts["result"]))
                  if isinstance(parts, dict) else None)
    return Practice(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7],
                    Status(row[8]), row[9], row[10], row[11], row[12], row[13], translated)


async def insert(conn: aiosqlite.Connection, user_id: int, content: Content, now: datetime
                 ) -> int | None:
    """Add a pending practice in the caller's transaction; None if the writer has one waiting."""
    # The check and the insert are one statement: a double tap on Send cannot make two.
    cur = await conn.execute(
        "INSERT INTO practices (submitted_by, commune_code, title, what, result, figures, photo, "
        "search, language, status, created_at) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ? "
        "WHERE NOT EXISTS (SELECT 1 FROM practices WHERE submitted_by = ? "
        "AND status IN ('pending', 'changes')) RETURNING id",
        (user_id, content.commune_code, content.title, content.what, content.result,
         content.figures, content.photo, content.search, content.language, now.isoformat(),
         user_id))
    row = await cur.fetchone()
    await cur.close()
    return int(row[0]) if row else None


async def resubmit(conn: aiosqlite.Connection, practice_id: int, user_id: int, content: Content,
                   now: datetime) -> bool:
    """The writer's changed practice back to pending; False unless changes were asked of it."""
    cur = await conn.execute(
        "UPDATE practices SET commune_code = ?, title = ?, what = ?, result = ?, figures = ?, "
        "photo = ?, search = ?, language = ?, translation = NULL, status = 'pending', "
        "created_at = ? WHERE id = ? AND submitted_by = ? AND status = 'changes'",
        (content.commune_code, content.title, content.what, content.result, content.figures,
         content.photo, content.search, content.language, now.isoformat(), practice_id,
         user_id))
    return cur.rowcount == 1


async def decide(conn: aiosqlite.Connection, practice_id: int, status: Status, admin_id: int,
                 note: str | None, now: datetime) -> bool:
    """An admin's decision on a pending practice; False when it is not pending any more."""
    if status == PENDING:
        raise ValueError("a decision moves a practice out of pending")
    cur = await conn.execute(
        "UPDATE practices SET status = ?, note = ?, reviewed_by = ?, reviewed_at = ? "
        "WHERE id = ? AND status = 'pending'",
        (status.value, note, admin_id, now.isoformat(), practice_id))
    return cur.rowcount == 1


async def get(db: Database, practice_id: int) -> Practice | None:
    """The practice with this id."""
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM practices WHERE id = ?", (practice_id,))
    return _row(row) if row else None


async def open_of(db: Database, user_id: int) -> Practice | None:
    """The writer's practice waiting for an admin or for their changes, if any."""
    row = await db.fetchone(
        f"SELECT {_COLUMNS} FROM practices WHERE submitted_by = ? "
        "AND status IN ('pending', 'changes') ORDER BY id DESC LIMIT 1", (user_id,))
    return _row(row) if row else None


async def pending(db: Database, limit: int) -> list[Practice]:
    """Practices waiting for review, oldest first."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM practices WHERE status = 'pending' ORDER BY id LIMIT ?",
        (limit,))
    return [_row(r) for r in rows]


async def approved(db: Database, offset: int, limit: int) -> list[Practice]:
    """Approved practices, the most recently approved first: limit of them after offset."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM practices WHERE status = 'approved' "
        "ORDER BY reviewed_at DESC, id DESC LIMIT ? OFFSET ?", (limit, offset))
    return [_row(r) for r in rows]


async def search(db: Database, words: list[str], limit: int) -> list[Practice]:
    """Approved practices with a word starting with each of words, newest decision first."""
    if not words:
        return []
    where = " AND ".join("search LIKE ?" for _ in words)
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM practices WHERE status = 'approved' AND {where} "
        "ORDER BY reviewed_at DESC, id DESC LIMIT ?",
        [*(f"% {word}%" for word in words), limit])
    return [_row(r) for r in rows]


async def translate(db: Database, practice_id: int, translation: Translation, search: str,
                    admin_id: int, now: datetime) -> bool:
    """Store an approved practice's translation (and its words for search) with its audit
    entry; False when the practice is no longer approved."""
    text = json.dumps({"title": translation.title, "what": translation.what,
                       "result": translation.result}, ensure_ascii=False)
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE practices SET translation = ?, search = ? WHERE id = ? "
            "AND status = 'approved'", (text, search, practice_id))
        if cur.rowcount != 1:
            return False
        await audit.record(conn, admin_id, "practice",
                           audit.detail("practice_translated", practice=practice_id), now)
    return True
