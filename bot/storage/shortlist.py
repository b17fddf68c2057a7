"""The reward shortlist: teams and volunteers an admin nominated for a campaign's rewards, each
with a short reason (migration v025), and the approved good practices shown beside them.

A nominee is a team or a volunteer (a user), never both; one nomination per team and per
volunteer in a campaign. The figures are never stored here: they are read from the reports
when the list is shown or exported, so they always match /leaderboard. /deleteme removes a
volunteer's nomination (ON DELETE CASCADE), and a team's removal its team's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import aiosqlite

from bot.storage.db import Database


class Kind(StrEnum):
    """What is nominated (the values travel in buttons)."""

    TEAM = "t"
    VOLUNTEER = "v"


TEAM, VOLUNTEER = Kind.TEAM, Kind.VOLUNTEER
_COLUMN = {TEAM: "team_id", VOLUNTEER: "user_id"}


@dataclass(frozen=True)
class Nominee:
    """One nomination: who, and why."""

    kind: Kind
    target: int  # the team's id or the volunteer's user id
    reason: str
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class Written:
    """An approved good practice, its writer and the writer's team now (None if they left it
    or deleted their data)."""

    title: str
    writer: int | None
    team_id: int | None


async def nominees(db: Database, campaign: str) -> list[Nominee]:
    """The campaign's nominations, in the order they were made."""
    rows = await db.read_fetchall(
        "SELECT team_id, user_id, reason, created_at, updated_at FROM shortlist "
        "WHERE campaign = ? ORDER BY id", (campaign,))
    return [Nominee(TEAM if r["team_id"] is not None else VOLUNTEER,
                    int(r["team_id"] if r["team_id"] is not None else r["user_id"]),
                    str(r["reason"]), str(r["created_at"]), str(r["updated_at"])) for r in rows]


async def nominate(conn: aiosqlite.Connection, campaign: str, kind: Kind, target: int,
                   reason: str, now: datetime) -> bool:
    """Nominate, or give a nominee a new reason, in the caller's transaction; True when the
    nomination is new."""
    column, stamp = _COLUMN[kind], now.isoformat()
    cur = await conn.execute(
        f"UPDATE shortlist SET reason = ?, updated_at = ? WHERE campaign = ? AND {column} = ?",
        (reason, stamp, campaign, target))
    if cur.rowcount:
        return False
    await conn.execute(
        f"INSERT INTO shortlist (campaign, {column}, reason, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?)", (campaign, target, reason, stamp, stamp))
    return True


async def remove(conn: aiosqlite.Connection, campaign: str, kind: Kind, target: int) -> bool:
    """Take a nominee off the shortlist in the caller's transaction; False if it was not on
    it (removed meanwhile)."""
    cur = await conn.execute(
        f"DELETE FROM shortlist WHERE campaign = ? AND {_COLUMN[kind]} = ?", (campaign, target))
    return cur.rowcount == 1


async def approved_practices(db: Database, start: str, end: str) -> list[Written]:
    """Good practices approved in [start, end) (UTC ISO), the oldest first, with the team their
    writer is in now."""
    rows = await db.read_fetchall(
        "SELECT p.title, p.submitted_by, m.team_id FROM practices p "
        "LEFT JOIN memberships m ON m.user_id = p.submitted_by "
        "WHERE p.status = 'approved' AND p.reviewed_at >= ? AND p.reviewed_at < ? "
        "ORDER BY p.reviewed_at, p.id", (start, end))
    return [Written(str(r["title"]), r["submitted_by"], r["team_id"]) for r in rows]
