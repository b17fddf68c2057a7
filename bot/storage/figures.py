"""Volunteers' and teams' figures: households, people, skills and outcomes over a period.

Live figures read `visits` between two UTC ISO bounds [start, end); an ended campaign's
figures read its frozen copy in `frozen_visits`. Every query walks an index (a test checks
the plans): visits_by_volunteer, visits_by_team, frozen_visits_by_volunteer,
frozen_visits_by_team, teams_by_commune; and runs on the read-only connection, beside writes.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from bot.storage.db import Database
from bot.storage.teams import Team

SKILL_COLUMNS = ("public_services", "shopping", "payment", "cyber_safety", "other_platforms")
OUTCOME_COLUMNS = ("vneid_level2", "public_service", "payment_account", "biometrics",
                   "first_payment", "two_factor", "scam_talk")

# Households: distinct households among first visits; people: summed over those same visits;
# skills and outcomes: how many visits (follow-ups too) guided or achieved each.
_SUMS = ", ".join([
    "COUNT(*) AS visits",
    "COUNT(DISTINCT CASE WHEN follow_up_of IS NULL THEN household_key END) AS households",
    "COALESCE(SUM(CASE WHEN follow_up_of IS NULL THEN people END), 0) AS people",
    *(f"COALESCE(SUM(s_{c}), 0) AS s_{c}" for c in SKILL_COLUMNS),
    *(f"COALESCE(SUM(o_{c}), 0) AS o_{c}" for c in OUTCOME_COLUMNS),
])

VOLUNTEER_SQL = (f"SELECT {_SUMS} FROM visits WHERE volunteer_id = ? "
                 "AND visited_at >= ? AND visited_at < ? AND deleted_at IS NULL")
TEAM_SQL = (f"SELECT {_SUMS} FROM visits WHERE team_id = ? "
            "AND visited_at >= ? AND visited_at < ? AND deleted_at IS NULL")
FROZEN_VOLUNTEER_SQL = f"SELECT {_SUMS} FROM frozen_visits WHERE campaign = ? AND volunteer_id = ?"
FROZEN_TEAM_SQL = f"SELECT {_SUMS} FROM frozen_visits WHERE campaign = ? AND team_id = ?"

# Households of every team of a commune, teams created before the campaign ended included
# even with none (they are in the ranking too).
COMMUNE_SQL = (
    "SELECT t.id AS team_id, COUNT(DISTINCT v.household_key) AS households FROM teams t "
    "LEFT JOIN visits v ON v.team_id = t.id AND v.visited_at >= ? AND v.visited_at < ? "
    "AND v.deleted_at IS NULL AND v.follow_up_of IS NULL "
    "WHERE t.commune_code = ? AND t.created_at < ? GROUP BY t.id"
)
FROZEN_COMMUNE_SQL = (
    "SELECT t.id AS team_id, COUNT(DISTINCT f.household_key) AS households FROM teams t "
    "LEFT JOIN frozen_visits f ON f.campaign = ? AND f.team_id = t.id "
    "AND f.follow_up_of IS NULL "
    "WHERE t.commune_code = ? AND t.created_at < ? GROUP BY t.id"
)

# The admins' pick list (teams are few: hundreds per province, not visits' millions).
ALL_TEAMS_SQL = "SELECT id, join_code, name, commune_code FROM teams"

# Bounds that take in every visit, for the all-time figures (ISO times sort as text).
EVER = ("", "9999")


@dataclass(frozen=True)
class Figures:
    """What a volunteer or a team did over a period."""

    visits: int  # every visit, follow-ups included
    households: int  # distinct households among first visits
    people: int  # people guided at those first visits
    skills: dict[str, int]  # skill -> visits that guided it
    outcomes: dict[str, int]  # outcome -> visits that achieved it


def _figures(row: aiosqlite.Row | None) -> Figures:
    if row is None:  # an aggregate always answers one row; kept for the type checker
        return Figures(0, 0, 0, dict.fromkeys(SKILL_COLUMNS, 0),
                       dict.fromkeys(OUTCOME_COLUMNS, 0))
    return Figures(
        int(row["visits"]), int(row["households"]), int(row["people"]),
        {c: int(row[f"s_{c}"]) for c in SKILL_COLUMNS},
        {c: int(row[f"o_{c}"]) for c in OUTCOME_COLUMNS},
    )


# The same sums and their reading, for reports that group them by commune or team
# (bot/storage/reports.py), so every report counts alike.
SUMS = _SUMS


def figures_of(row: aiosqlite.Row | None) -> Figures:
    """A row of the SUMS columns as Figures."""
    return _figures(row)


async def of_volunteer(db: Database, volunteer_id: int, start: str, end: str) -> Figures:
    """A volunteer's figures from visits made in [start, end) (UTC ISO times)."""
    return _figures(await db.read_fetchone(VOLUNTEER_SQL, (volunteer_id, start, end)))


async def of_team(db: Database, team_id: int, start: str, end: str) -> Figures:
    """A team's figures from visits made in [start, end) (UTC ISO times)."""
    return _figures(await db.read_fetchone(TEAM_SQL, (team_id, start, end)))


async def frozen_of_volunteer(db: Database, campaign: str, volunteer_id: int) -> Figures:
    """A volunteer's figures in an ended (frozen) campaign."""
    return _figures(await db.read_fetchone(FROZEN_VOLUNTEER_SQL, (campaign, volunteer_id)))


async def frozen_of_team(db: Database, campaign: str, team_id: int) -> Figures:
    """A team's figures in an ended (frozen) campaign."""
    return _figures(await db.read_fetchone(FROZEN_TEAM_SQL, (campaign, team_id)))


async def commune_households(db: Database, commune_code: str, start: str, end: str
                             ) -> dict[int, int]:
    """Households per team of a commune (teams created before end) in a running campaign."""
    rows = await db.read_fetchall(COMMUNE_SQL, (start, end, commune_code, end))
    return {int(r["team_id"]): int(r["households"]) for r in rows}


async def frozen_commune_households(db: Database, campaign: str, commune_code: str,
                                    end: str) -> dict[int, int]:
    """Households per team of a commune (teams created before end) in a frozen campaign."""
    rows = await db.read_fetchall(FROZEN_COMMUNE_SQL, (campaign, commune_code, end))
    return {int(r["team_id"]): int(r["households"]) for r in rows}


async def all_teams(db: Database) -> list[Team]:
    """Every team, for an admin to pick one."""
    rows = await db.read_fetchall(ALL_TEAMS_SQL)
    return [Team(r["id"], r["join_code"], r["name"], r["commune_code"]) for r in rows]
