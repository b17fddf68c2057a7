"""Household visits logged by volunteers: saved once per draft, edited in place, soft-deleted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.storage import audit
from bot.storage.db import Database, expect_row

# The columns s_<key> and o_<key> of the visits table, in the order the form shows them.
SKILL_KEYS = ("public_services", "shopping", "payment", "cyber_safety", "other_platforms")
OUTCOME_KEYS = ("vneid_level2", "public_service", "payment_account", "biometrics",
                "first_payment", "two_factor", "scam_talk")
_FLAGS = [f"s_{k}" for k in SKILL_KEYS] + [f"o_{k}" for k in OUTCOME_KEYS]
_FIELDS = ["commune_code", "hamlet", "household", "household_key", "people", *_FLAGS, "note",
           "follow_up_of", "visited_at"]
_COLUMNS = ("id, draft_id, volunteer_id, team_id, " + ", ".join(_FIELDS)
            + ", created_at, updated_at, deleted_at, deleted_by")


@dataclass(frozen=True)
class VisitRecord:
    """What the volunteer filled in: the part of a visit the form writes."""

    commune_code: str
    hamlet: str
    household: str
    household_key: str
    people: int
    skills: frozenset[str]
    outcomes: frozenset[str]
    note: str | None
    follow_up_of: int | None
    visited_at: datetime  # aware

    def values(self) -> list[object]:
        """The values of _FIELDS, in order."""
        flags = [int(k in self.skills) for k in SKILL_KEYS]
        flags += [int(k in self.outcomes) for k in OUTCOME_KEYS]
        return [self.commune_code, self.hamlet, self.household, self.household_key, self.people,
                *flags, self.note, self.follow_up_of, self.visited_at.isoformat()]


@dataclass(frozen=True)
class Visit:
    """A saved visit."""

    id: int
    draft_id: str
    volunteer_id: int | None
    team_id: int | None
    record: VisitRecord
    created_at: datetime
    updated_at: datetime
    deleted_at: str | None
    deleted_by: int | None


@dataclass(frozen=True)
class EarlierVisit:
    """A visit to the same household, with the name its volunteer shows their team."""

    id: int
    volunteer_id: int | None
    display_name: str | None
    visited_at: datetime
    team_id: int | None = None


def _visit(row: aiosqlite.Row) -> Visit:
    record = VisitRecord(
        row["commune_code"], row["hamlet"], row["household"], row["household_key"],
        int(row["people"]), frozenset(k for k in SKILL_KEYS if row[f"s_{k}"]),
        frozenset(k for k in OUTCOME_KEYS if row[f"o_{k}"]), row["note"], row["follow_up_of"],
        datetime.fromisoformat(row["visited_at"]))
    return Visit(int(row["id"]), row["draft_id"], row["volunteer_id"], row["team_id"], record,
                 datetime.fromisoformat(row["created_at"]),
                 datetime.fromisoformat(row["updated_at"]), row["deleted_at"], row["deleted_by"])


async def save_new(db: Database, draft_id: str, volunteer_id: int, team_id: int,
                   record: VisitRecord, now: datetime, agreed_at: datetime | None = None
                   ) -> tuple[int, bool]:
    """Save a visit once per draft, with when the household agreed to be recorded (by default
    now): (its number, True) or (the number saved before, False)."""
    marks = ", ".join("?" * (len(_FIELDS) + 6))
    async with db.transaction() as conn:
        cur = await conn.execute(
            f"INSERT INTO visits (draft_id, volunteer_id, team_id, {', '.join(_FIELDS)}, "
            f"created_at, updated_at, consent_at) VALUES ({marks}) "
            "ON CONFLICT (draft_id) DO NOTHING RETURNING id",
            (draft_id, volunteer_id, team_id, *record.values(), now.isoformat(),
             now.isoformat(), (agreed_at or now).isoformat()))
        row = await cur.fetchone()
        await cur.close()
        if row is not None:
            return int(row[0]), True
        cur = await conn.execute("SELECT id FROM visits WHERE draft_id = ?", (draft_id,))
        row = await cur.fetchone()
        await cur.close()
    row = expect_row(row, "find the visit of a draft")
    return int(row[0]), False


async def household_secret(db: Database) -> bytes:
    """The random key household keys are hashed with (v018)."""
    row = await db.fetchone("SELECT value FROM secrets WHERE name = 'household'")
    return bytes(expect_row(row, "read the households' key")[0])


async def saved_from(db: Database, draft_id: str) -> int | None:
    """The number of the visit saved from this draft, if it was saved."""
    row = await db.fetchone("SELECT id FROM visits WHERE draft_id = ?", (draft_id,))
    return int(row[0]) if row else None


async def get(db: Database, visit_id: int) -> Visit | None:
    """The visit with this number, deleted or not."""
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM visits WHERE id = ?", (visit_id,))
    return _visit(row) if row else None


async def update(db: Database, visit_id: int, volunteer_id: int, record: VisitRecord,
                 now: datetime) -> bool:
    """Replace what the volunteer filled in; False unless it is theirs and not deleted."""
    sets = ", ".join(f"{name} = ?" for name in _FIELDS)
    async with db.transaction() as conn:
        cur = await conn.execute(
            f"UPDATE visits SET {sets}, updated_at = ? "
            "WHERE id = ? AND volunteer_id = ? AND deleted_at IS NULL",
            (*record.values(), now.isoformat(), visit_id, volunteer_id))
        return cur.rowcount == 1


async def soft_delete(db: Database, visit_id: int, volunteer_id: int, now: datetime) -> bool:
    """Mark the volunteer's visit deleted: the row stays for the record, without the
    household's label, note or key (a household that withdrew is named nowhere). False if it
    was not theirs or is gone."""
    async with db.transaction() as conn:
        # One statement: the triggers see the old key and move the household's figures on.
        cur = await conn.execute(
            "UPDATE visits SET deleted_at = ?, deleted_by = ?, updated_at = ?, household = '', "
            "note = NULL, household_key = 'deleted:' || id "
            "WHERE id = ? AND volunteer_id = ? AND deleted_at IS NULL",
            (now.isoformat(), volunteer_id, now.isoformat(), visit_id, volunteer_id))
        return cur.rowcount == 1


async def remove(db: Database, visit_id: int, by: int, now: datetime) -> bool:
    """Delete any standing visit for a household that withdrew, as soft_delete does, with its
    audit entry in the same transaction (by: who deleted it). False if it was gone."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE visits SET deleted_at = ?, deleted_by = ?, updated_at = ?, household = '', "
            "note = NULL, household_key = 'deleted:' || id WHERE id = ? AND deleted_at IS NULL",
            (now.isoformat(), by, now.isoformat(), visit_id))
        if cur.rowcount != 1:
            return False
        await audit.record(conn, by, "visit", audit.detail("visit_deleted", visit=visit_id), now)
        return True


@dataclass(frozen=True)
class Succession:
    """What deleting a visit does to its household's figures (households, people)."""

    first: bool  # it is the household's first visit, the one its figures count through
    next_first: int | None  # the visit that would count as the first after it, if any


async def succession(db: Database, visit: Visit) -> Succession:
    """Whether the visit is the only first visit of its household still standing, and which
    visit would become the first once it is deleted (the rule of migration v009)."""
    if visit.record.follow_up_of is not None or visit.deleted_at is not None:
        return Succession(False, None)
    row = await db.fetchone(
        "SELECT EXISTS (SELECT 1 FROM visits WHERE household_key = ?1 AND deleted_at IS NULL "
        "AND follow_up_of IS NULL AND id != ?2) AS other_first, (SELECT id FROM visits "
        "WHERE household_key = ?1 AND deleted_at IS NULL AND id != ?2 "
        "ORDER BY visited_at, id LIMIT 1) AS next_id", (visit.record.household_key, visit.id))
    row = expect_row(row, "look for the household's next visit")
    if row["other_first"]:
        return Succession(False, None)
    return Succession(True, None if row["next_id"] is None else int(row["next_id"]))


async def latest_of(db: Database, volunteer_id: int, limit: int = 10) -> list[Visit]:
    """The volunteer's most recent visits that are not deleted, newest first."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM visits WHERE volunteer_id = ? AND deleted_at IS NULL "
        "ORDER BY visited_at DESC, id DESC LIMIT ?", (volunteer_id, limit))
    return [_visit(r) for r in rows]


async def earlier_visits(db: Database, key: str, except_id: int | None = None
                         ) -> list[EarlierVisit]:
    """Visits to the household with this key that are not deleted, newest first."""
    rows = await db.fetchall(
        "SELECT v.id, v.volunteer_id, m.display_name, v.visited_at, v.team_id FROM visits v "
        "LEFT JOIN memberships m ON m.user_id = v.volunteer_id "
        "WHERE v.household_key = ? AND v.deleted_at IS NULL AND v.id IS NOT ? "
        "ORDER BY v.visited_at DESC, v.id DESC", (key, except_id))
    return [EarlierVisit(int(r["id"]), r["volunteer_id"], r["display_name"],
                         datetime.fromisoformat(r["visited_at"]), r["team_id"]) for r in rows]


async def recent_hamlets(db: Database, volunteer_id: int, commune_code: str, limit: int = 20
                         ) -> list[str]:
    """Hamlets the volunteer logged visits in within this commune, most recently used first."""
    rows = await db.fetchall(
        "SELECT hamlet FROM visits WHERE volunteer_id = ? AND commune_code = ? "
        "AND deleted_at IS NULL GROUP BY hamlet ORDER BY MAX(created_at) DESC LIMIT ?",
        (volunteer_id, commune_code, limit))
    return [r["hamlet"] for r in rows]
