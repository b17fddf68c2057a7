"""Linked accounts: one person on two chat apps (Telegram and Zalo) as one user."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from bot.storage import audit
from bot.storage.db import Database


class Linked(StrEnum):
    """What came of typing a code."""

    LINKED = "linked"
    SAME = "same"  # the code belongs to this very account
    TWO_TEAMS = "two_teams"  # both accounts are in a team: one must leave first
    ALREADY = "already"  # this account is linked to another one already


async def new_code(db: Database, user_id: int, code: str, expires: datetime) -> None:
    """Give the user this code (their earlier codes stop working)."""
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM link_codes WHERE user_id = ?", (user_id,))
        await conn.execute("INSERT INTO link_codes (code, user_id, expires_at) VALUES (?, ?, ?)",
                           (code, user_id, expires.isoformat()))


async def owner_of(db: Database, code: str, now: datetime) -> int | None:
    """The account a code still valid belongs to."""
    row = await db.fetchone("SELECT user_id FROM link_codes WHERE code = ? AND expires_at > ?",
                            (code, now.isoformat()))
    return int(row[0]) if row else None


async def link(db: Database, identity: int, owner: int, code: str,
               typed_by: int | None = None, now: datetime | None = None) -> Linked:
    """Make the account identity act as owner, moving its data there, in one transaction
    (with its audit entry when typed_by and now are given: who typed the code, when)."""
    if identity == owner:
        return Linked.SAME
    async with db.transaction() as conn:
        rows = await conn.execute_fetchall(
            "SELECT linked_to, (SELECT COUNT(*) FROM memberships WHERE user_id IN (?, ?)) "
            "FROM users WHERE id = ?", (identity, owner, identity))
        linked_to, teams = next(iter(rows), (None, 0))
        if linked_to is not None:
            return Linked.ALREADY
        if teams > 1:
            return Linked.TWO_TEAMS
        for sql in _MOVES:
            await conn.execute(sql, {"from": identity, "to": owner})
        await conn.execute("UPDATE users SET linked_to = ? WHERE id = ?", (owner, identity))
        # Accounts linked to identity before follow it: a person is one account and links.
        await conn.execute("UPDATE users SET linked_to = ? WHERE linked_to = ?",
                           (owner, identity))
        await conn.execute("DELETE FROM link_codes WHERE code = ?", (code,))
        if typed_by is not None and now is not None:
            other = identity if typed_by == owner else owner  # the account the code came from
            await audit.record(conn, typed_by, "link",
                               audit.detail("accounts_linked", user=other), now)
    return Linked.LINKED


# What the account that typed the code brings along. A lesson both have keeps the further of
# the two (done before in progress, then the later step) and its first completion.
_FURTHER = ("(f.status = 'done' AND t.status != 'done') OR "
            "(f.status = t.status AND f.position > t.position)")
_MOVES = (
    f"UPDATE lesson_progress AS t SET "
    f"status = CASE WHEN {_FURTHER} THEN f.status ELSE t.status END, "
    f"position = CASE WHEN {_FURTHER} THEN f.position ELSE t.position END, "
    "started_at = MIN(t.started_at, f.started_at), updated_at = MAX(t.updated_at, f.updated_at), "
    "completed_at = COALESCE(MIN(t.completed_at, f.completed_at), t.completed_at, "
    "f.completed_at) FROM lesson_progress AS f "
    "WHERE t.user_id = :to AND f.user_id = :from AND f.lesson_id = t.lesson_id",
    "DELETE FROM lesson_progress WHERE user_id = :from AND lesson_id IN "
    "(SELECT lesson_id FROM lesson_progress WHERE user_id = :to)",
    "UPDATE lesson_progress SET user_id = :to WHERE user_id = :from",
    "DELETE FROM quiz_answers WHERE user_id = :from AND lesson_id IN "
    "(SELECT lesson_id FROM quiz_answers WHERE user_id = :to)",
    "UPDATE quiz_answers SET user_id = :to WHERE user_id = :from",
    "UPDATE memberships SET user_id = :to WHERE user_id = :from",
    "UPDATE visits SET volunteer_id = :to WHERE volunteer_id = :from",
    "UPDATE visits SET deleted_by = :to WHERE deleted_by = :from",
    # An ended campaign's visits too, so /mystats counts them (through its index).
    "UPDATE frozen_visits SET volunteer_id = :to WHERE volunteer_id = :from "
    "AND campaign IN (SELECT campaign FROM campaign_freezes)",
    "UPDATE help_requests SET citizen_id = :to WHERE citizen_id = :from",
    "UPDATE help_requests SET taken_by = :to WHERE taken_by = :from",
    # A class: the person keeps the one they act as has, else takes the other's.
    "DELETE FROM class_students WHERE user_id = :from AND EXISTS "
    "(SELECT 1 FROM class_students WHERE user_id = :to)",
    "UPDATE class_students SET user_id = :to WHERE user_id = :from",
    "UPDATE classes SET teacher_id = :to WHERE teacher_id = :from",
    "DELETE FROM dialogs WHERE user_id = :from",
    "DELETE FROM link_codes WHERE user_id = :from",
)


async def linked_ids(db: Database, user_id: int) -> list[int]:
    """The accounts linked to this one."""
    rows = await db.fetchall("SELECT id FROM users WHERE linked_to = ?", (user_id,))
    return [int(row[0]) for row in rows]


async def accounts(db: Database, user_id: int) -> list[tuple[str, str]]:
    """(channel, id there) of the person's every account: the one they act as (user_id),
    then those linked to it."""
    rows = await db.fetchall(
        "SELECT channel, external_id FROM users WHERE id = ?1 UNION ALL "
        "SELECT channel, external_id FROM users WHERE linked_to = ?1", (user_id,))
    return [(str(row[0]), str(row[1])) for row in rows]
