"""Teams, their volunteers and leaders, and wrong join codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import aiosqlite

from bot.storage import audit
from bot.storage.db import Database, expect_row


class Role(StrEnum):
    """A member's role in a team (the values are stored)."""

    VOLUNTEER = "volunteer"
    LEADER = "leader"


VOLUNTEER, LEADER = Role.VOLUNTEER, Role.LEADER


@dataclass(frozen=True)
class Team:
    """A community digital technology team of one commune."""

    id: int
    join_code: str
    name: str
    commune_code: str


@dataclass(frozen=True)
class Membership:
    """A user's place in a team."""

    user_id: int
    team: Team
    role: Role
    display_name: str | None
    joined_at: str

    @property
    def is_leader(self) -> bool:
        """True for the team's leaders."""
        return self.role == LEADER


_TEAM = "t.id, t.join_code, t.name, t.commune_code"


def _team(row: aiosqlite.Row) -> Team:
    return Team(row["id"], row["join_code"], row["name"], row["commune_code"])


def _membership(row: aiosqlite.Row) -> Membership:
    return Membership(row["user_id"], _team(row), Role(row["role"]), row["display_name"],
                      row["joined_at"])


def membership_from(row: aiosqlite.Row) -> Membership | None:
    """The membership in a row with user_id, role, display_name, joined_at and the team's
    columns (id, join_code, name, commune_code), None when they are NULL (no team)."""
    return _membership(row) if row["role"] is not None else None


async def create(db: Database, join_code: str, name: str, commune_code: str,
                 created_by: int | None, now: datetime, audited: bool = False) -> Team:
    """Create a team (audited: with its audit entry, in the same transaction); the join code
    must be unused (raises aiosqlite.IntegrityError)."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO teams (join_code, name, commune_code, created_by, created_at) "
            "VALUES (?, ?, ?, ?, ?) RETURNING id",
            (join_code.upper(), name, commune_code, created_by, now.isoformat()))
        row = await cur.fetchone()
        await cur.close()
        row = expect_row(row, "insert a team")
        if audited:
            await audit.record(conn, created_by, "team", audit.detail(
                "team_created", team=int(row[0]), code=join_code.upper(),
                commune=commune_code), now)
    return Team(int(row[0]), join_code.upper(), name, commune_code)


async def create_many(db: Database, teams: list[tuple[str, str, str]], created_by: int | None,
                      now: datetime, audited: bool = False) -> int:
    """Create (join_code, name, commune_code) teams all in one transaction; all or none;
    audited, the import is recorded (a teams_imported event with the count)."""
    async with db.transaction() as conn:
        if audited:
            await audit.record(conn, created_by, "team",
                               audit.detail("teams_imported", count=len(teams)), now)
        await conn.executemany(
            "INSERT INTO teams (join_code, name, commune_code, created_by, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [(code.upper(), name, commune, created_by, now.isoformat())
             for code, name, commune in teams])
    return len(teams)


async def existing_codes(db: Database, codes: list[str]) -> set[str]:
    """Which of these join codes are taken already (by a team or a class)."""
    if not codes:
        return set()
    marks = ",".join("?" * len(codes))
    upper = [c.upper() for c in codes]
    rows = await db.fetchall(f"SELECT join_code FROM teams WHERE join_code IN ({marks}) "
                             f"UNION SELECT join_code FROM classes WHERE join_code IN ({marks})",
                             upper + upper)
    return {row[0] for row in rows}


async def by_code(db: Database, join_code: str) -> Team | None:
    """The team with this join code (any case)."""
    row = await db.fetchone(f"SELECT {_TEAM} FROM teams t WHERE t.join_code = ?",
                            (join_code.strip().upper(),))
    return _team(row) if row else None


async def by_id(db: Database, team_id: int) -> Team | None:
    """The team with this id."""
    row = await db.fetchone(f"SELECT {_TEAM} FROM teams t WHERE t.id = ?", (team_id,))
    return _team(row) if row else None


async def in_commune(db: Database, commune_code: str) -> list[Team]:
    """The teams of one commune."""
    rows = await db.fetchall(f"SELECT {_TEAM} FROM teams t WHERE t.commune_code = ? "
                             "ORDER BY t.name", (commune_code,))
    return [_team(r) for r in rows]


async def membership_of(db: Database, user_id: int) -> Membership | None:
    """The user's team and role, if they joined one."""
    row = await db.fetchone(
        f"SELECT m.user_id, m.role, m.display_name, m.joined_at, {_TEAM} FROM memberships m "
        "JOIN teams t ON t.id = m.team_id WHERE m.user_id = ?", (user_id,))
    return _membership(row) if row else None


async def members(db: Database, team_id: int) -> list[Membership]:
    """A team's volunteers and leaders, leaders first."""
    rows = await db.fetchall(
        f"SELECT m.user_id, m.role, m.display_name, m.joined_at, {_TEAM} FROM memberships m "
        "JOIN teams t ON t.id = m.team_id WHERE m.team_id = ? "
        "ORDER BY m.role = 'leader' DESC, m.display_name", (team_id,))
    return [_membership(r) for r in rows]


async def join(db: Database, user_id: int, team_id: int, display_name: str | None,
               now: datetime) -> None:
    """Make the user a volunteer of the team (moving them from any other team)."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO memberships (user_id, team_id, role, display_name, joined_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
            "team_id = excluded.team_id, role = excluded.role, "
            "display_name = excluded.display_name, joined_at = excluded.joined_at",
            (user_id, team_id, VOLUNTEER, display_name, now.isoformat()))


async def set_role(db: Database, user_id: int, team_id: int, role: str,
                   actor: int | None = None, now: datetime | None = None) -> bool:
    """Make a member a leader or a volunteer, with the actor's audit entry in the same
    transaction when one is given; False if they are not in that team."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE memberships SET role = ? WHERE user_id = ? AND team_id = ?",
            (role, user_id, team_id))
        changed = cur.rowcount == 1
        if changed and actor is not None and now is not None:
            await audit.record(conn, actor, "role", audit.detail(
                "member_role", user=user_id, team=team_id, role=str(role)), now)
        return changed


async def remove(conn: aiosqlite.Connection, user_id: int, team_id: int) -> bool:
    """Take a member out of the team, in the caller's transaction; their visits stay. False
    if they were not in it."""
    cur = await conn.execute("DELETE FROM memberships WHERE user_id = ? AND team_id = ?",
                             (user_id, team_id))
    removed = cur.rowcount == 1
    await cur.close()
    return removed


async def code_is_free(db: Database, code: str) -> bool:
    """Whether no team and no class has this join code."""
    return await db.fetchone("SELECT 1 FROM teams WHERE join_code = ?1 UNION ALL "
                             "SELECT 1 FROM classes WHERE join_code = ?1", (code,)) is None


async def set_code(conn: aiosqlite.Connection, team_id: int, code: str) -> None:
    """Give the team a new join code, in the caller's transaction: the old one stops working
    (a code another team has meanwhile raises IntegrityError)."""
    await conn.execute("UPDATE teams SET join_code = ? WHERE id = ?", (code.upper(), team_id))


async def failures_since(db: Database, identity: str, since: datetime) -> list[str]:
    """Times of a chat identity's wrong codes since a moment, oldest first."""
    rows = await db.fetchall(
        "SELECT at FROM join_failures WHERE identity = ? AND at > ? ORDER BY at",
        (identity, since.isoformat()))
    return [row[0] for row in rows]


async def failures_everywhere(db: Database, since: datetime) -> int:
    """Wrong codes typed by anyone since a moment."""
    row = await db.fetchone("SELECT COUNT(*) FROM join_failures WHERE at > ?",
                            (since.isoformat(),))
    return int(row[0]) if row else 0


async def record_failure(db: Database, identity: str, now: datetime) -> None:
    """Remember a wrong code typed by a chat identity ("<channel>:<id>")."""
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO join_failures (identity, at) VALUES (?, ?)",
                           (identity, now.isoformat()))
