"""Reading the report summaries that v006's triggers keep exact, and rebuilding them.

A province's campaign is a million visits and millions of lessons: summing them for each
/stats takes seconds, so the triggers keep, in the same transaction as every change, sums
per UTC hour (commune_hours, team_hours, completion_hours) and the points that make distinct
counts (households, learners) exact over any range of hours (span_points; see the migration).
Reports over whole UTC hours (local days in Vietnam are) read a few thousand summary rows;
other periods read the raw tables (bot/storage/reports.py). A running campaign's span can be
kept (keep_span, migration v026): its distinct counts are then kept whole per group by
triggers too, one row per group instead of a point per member and hour (the volunteers'
ranking: 15,000 rows instead of half a million). Skills mastered need the catalog's skills,
which only the bot knows: sync_skills writes them and counts again when they change.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import aiosqlite

from bot.storage.db import Database
from bot.storage.figures import OUTCOME_COLUMNS, SKILL_COLUMNS, Figures

SUM_COLUMNS = ("visits", "people", *(f"s_{c}" for c in SKILL_COLUMNS),
               *(f"o_{c}" for c in OUTCOME_COLUMNS))
_HOUR_SUMS = ", ".join(f"SUM({c}) AS {c}" for c in SUM_COLUMNS)
SPAN_KINDS = ("c", "l", "t", "v")  # the kinds of span_members (v006, v023)
_WHOLE_HOUR = re.compile(r"\d{4}-\d\d-\d\dT\d\d:00:00(?:\+00:00)?")

# Hours are 'YYYY-MM-DDTHH' (UTC). A distinct count over [first, last) sums the points there
# whose member was not active since before first.
QUERIES = {
    "commune_hours": (f"SELECT commune_code AS key, {_HOUR_SUMS} FROM commune_hours "
                      "WHERE hour >= ? AND hour < ? GROUP BY commune_code"),
    "team_hours": (f"SELECT team AS key, {_HOUR_SUMS} FROM team_hours "
                   "WHERE hour >= ? AND hour < ? GROUP BY team"),
    "distinct": ("SELECT grp AS key, SUM(n) AS members FROM span_points WHERE kind = ? "
                 "AND hour >= ? AND hour < ? AND prev_hour < ? GROUP BY grp"),
    # A kept span's totals, in one statement (one snapshot) with the row saying it is kept
    # (members -1): a span no longer kept is read from span_points instead.
    "totals": ("SELECT '' AS key, -1 AS members FROM kept_spans WHERE first_hour = ?2 "
               "AND last_hour = ?3 UNION ALL SELECT grp, members FROM span_totals "
               "WHERE kind = ?1 AND first_hour = ?2 AND last_hour = ?3"),
    "kept": "SELECT 1 FROM kept_spans WHERE first_hour = ? AND last_hour = ?",
    "hourly": "SELECT commune_code, hour, visits FROM commune_hours WHERE hour >= ? AND hour < ?",
    # The chart's data without a row per commune and hour: the province's visits per hour,
    # and the hours of the communes with the most visits (ties by code).
    "hourly_totals": ("SELECT hour, SUM(visits) FROM commune_hours WHERE hour >= ? AND hour < ? "
                      "GROUP BY hour"),
    "hourly_top": ("SELECT commune_code, hour, visits FROM commune_hours WHERE hour >= ?1 "
                   "AND hour < ?2 AND commune_code IN (SELECT commune_code FROM commune_hours "
                   "WHERE hour >= ?1 AND hour < ?2 GROUP BY commune_code "
                   "ORDER BY SUM(visits) DESC, commune_code LIMIT ?3)"),
    "frozen_hourly_totals": ("SELECT hour, SUM(visits) FROM frozen_hours WHERE campaign = ? "
                             "GROUP BY hour"),
    "frozen_hourly_top": ("SELECT commune_code, hour, visits FROM frozen_hours "
                          "WHERE campaign = ?1 AND commune_code IN (SELECT commune_code "
                          "FROM frozen_hours WHERE campaign = ?1 GROUP BY commune_code "
                          "ORDER BY SUM(visits) DESC, commune_code LIMIT ?2)"),
    "completed": ("SELECT COALESCE(SUM(completed), 0) FROM completion_hours "
                  "WHERE hour >= ? AND hour < ?"),
    "mastered": "SELECT COUNT(*) FROM skill_progress WHERE mastered_at >= ? AND mastered_at < ?",
    "mastered_all": "SELECT COUNT(*) FROM user_mastery WHERE all_at >= ? AND all_at < ?",
    "lesson_skills": "SELECT lesson_id, skill FROM lesson_skills",
    "skill_catalog": "SELECT skill, lessons FROM skill_catalog",
    # An ended campaign's figures, summed once (bot/storage/reports.py summarize_frozen); a
    # volunteer who has since deleted their data is no longer ranked, and one who has since
    # linked their two accounts (/link) is ranked once, as the account they act as: their
    # frozen visits keep the id they were logged with, so the two accounts' households add up
    # (a household each account logged a first visit to counts twice; rare).
    "frozen_built": "SELECT 1 FROM frozen_summaries WHERE campaign = ?",
    "frozen_figures": (f"SELECT key, households, {', '.join(SUM_COLUMNS)} FROM frozen_figures "
                       "WHERE campaign = ? AND kind = ?"),
    "frozen_hours": "SELECT commune_code, hour, visits FROM frozen_hours WHERE campaign = ?",
    "frozen_ranking": ("SELECT COALESCE(u.linked_to, u.id) AS key, SUM(f.households) "
                       "AS households FROM frozen_volunteers f "
                       "JOIN users u ON u.id = f.volunteer_id WHERE f.campaign = ? GROUP BY 1"),
}

_SKILLS = (
    "DELETE FROM skill_progress",
    "INSERT INTO skill_progress (user_id, skill, done, mastered_at) "
    "SELECT p.user_id, k.skill, COUNT(*), "
    "CASE WHEN COUNT(*) = MAX(c.lessons) THEN MAX(p.completed_at) END "
    "FROM lesson_progress p JOIN lesson_skills k ON k.lesson_id = p.lesson_id "
    "JOIN skill_catalog c ON c.skill = k.skill WHERE p.completed_at IS NOT NULL "
    "GROUP BY p.user_id, k.skill",
    "DELETE FROM user_mastery",
    "INSERT INTO user_mastery (user_id, all_at) SELECT user_id, MAX(mastered_at) "
    "FROM skill_progress WHERE mastered_at IS NOT NULL GROUP BY user_id "
    "HAVING COUNT(*) = (SELECT COUNT(*) FROM skill_catalog)",
)
_FLAG_SUMS = ", ".join(f"SUM({c})" for c in SUM_COLUMNS[2:])
_FIRST_PEOPLE = "SUM(CASE WHEN follow_up_of IS NULL THEN people ELSE 0 END)"
_LIVE_FIRST = "FROM visits WHERE deleted_at IS NULL AND follow_up_of IS NULL"
# Every summary computed from the raw tables, as v006 did for the rows already there. Run with
# the triggers dropped (bench/generate.py after a bulk load); the tests compare the summaries
# the triggers kept with these.
REBUILD = (
    "DELETE FROM commune_hours",
    f"INSERT INTO commune_hours (hour, commune_code, {', '.join(SUM_COLUMNS)}) "
    f"SELECT substr(visited_at, 1, 13), commune_code, COUNT(*), {_FIRST_PEOPLE}, {_FLAG_SUMS} "
    "FROM visits WHERE deleted_at IS NULL GROUP BY 1, 2",
    "DELETE FROM team_hours",
    f"INSERT INTO team_hours (hour, team, {', '.join(SUM_COLUMNS)}) "
    "SELECT substr(visited_at, 1, 13), IFNULL(CAST(team_id AS TEXT), ''), COUNT(*), "
    f"{_FIRST_PEOPLE}, {_FLAG_SUMS} FROM visits WHERE deleted_at IS NULL GROUP BY 1, 2",
    "DELETE FROM span_members",
    "INSERT INTO span_members (kind, grp, member, hour, n) SELECT 'c', commune_code, "
    f"household_key, substr(visited_at, 1, 13), COUNT(*) {_LIVE_FIRST} GROUP BY 2, 3, 4",
    "INSERT INTO span_members (kind, grp, member, hour, n) SELECT 't', "
    "IFNULL(CAST(team_id AS TEXT), ''), household_key, substr(visited_at, 1, 13), COUNT(*) "
    f"{_LIVE_FIRST} GROUP BY 2, 3, 4",
    "INSERT INTO span_members (kind, grp, member, hour, n) SELECT 'v', "
    "IFNULL(CAST(volunteer_id AS TEXT), ''), household_key, substr(visited_at, 1, 13), "
    f"COUNT(*) {_LIVE_FIRST} GROUP BY 2, 3, 4",
    "INSERT INTO span_members (kind, grp, member, hour, n) SELECT 'l', '', "
    "CAST(user_id AS TEXT), substr(completed_at, 1, 13), COUNT(*) FROM lesson_progress "
    "WHERE completed_at IS NOT NULL GROUP BY 3, 4",
    "DELETE FROM span_points",
    "INSERT INTO span_points (kind, hour, grp, prev_hour, n) "
    "SELECT kind, hour, grp, prev_hour, COUNT(*) FROM (SELECT kind, hour, grp, "
    "IFNULL(LAG(hour) OVER (PARTITION BY kind, grp, member ORDER BY hour), '') AS prev_hour "
    "FROM span_members) GROUP BY 1, 2, 3, 4",
    "DELETE FROM span_totals",
    "INSERT INTO span_totals (kind, grp, first_hour, last_hour, members) "
    "SELECT m.kind, m.grp, s.first_hour, s.last_hour, COUNT(DISTINCT m.member) "
    "FROM kept_spans s JOIN span_members m ON m.hour >= s.first_hour AND m.hour < s.last_hour "
    "GROUP BY 1, 2, 3, 4",
    "DELETE FROM completion_hours",
    "INSERT INTO completion_hours (hour, completed) SELECT substr(completed_at, 1, 13), "
    "COUNT(*) FROM lesson_progress WHERE completed_at IS NOT NULL GROUP BY 1",
    *_SKILLS,
)


@dataclass(frozen=True)
class LearningCounts:
    """The province's learning over a period."""

    completed: int  # lessons first completed in the period
    learners: int  # people who completed at least one
    skills_mastered: int  # people x skills mastered in the period
    mastered_all: int  # people whose last skill (of every skill) was mastered in the period


def hours(start: str, end: str) -> tuple[str, str] | None:
    """[start, end) as summary hours, or None when the bounds are not whole UTC hours."""
    first = "0" if start == "" else start[:13] if _WHOLE_HOUR.fullmatch(start) else None
    last = end if end == "9999" else end[:13] if _WHOLE_HOUR.fullmatch(end) else None
    return (first, last) if first is not None and last is not None else None


def figures_with(row: aiosqlite.Row, households: int) -> Figures:
    """A row of the SUM_COLUMNS as Figures, with its households."""
    return Figures(int(row["visits"]), households, int(row["people"]),
                   {c: int(row[f"s_{c}"]) for c in SKILL_COLUMNS},
                   {c: int(row[f"o_{c}"]) for c in OUTCOME_COLUMNS})


async def distinct(db: Database, kind: str, first: str, last: str) -> dict[str, int]:
    """Members active in [first, last) by group: households ("c", "t", "v" for volunteers)
    or learners ("l"); from the span's totals when it is kept."""
    rows = await db.read_fetchall(QUERIES["totals"], (kind, first, last))
    if any(int(row["members"]) < 0 for row in rows):
        return {str(row["key"]): int(row["members"]) for row in rows if row["members"] > 0}
    rows = await db.read_fetchall(QUERIES["distinct"], (kind, first, last, first))
    return {str(row["key"]): int(row["members"]) for row in rows}


async def keep_span(db: Database, first: str, last: str) -> None:
    """Keep [first, last)'s distinct counts whole from now on (a running campaign's hours):
    counted once from span_points (a few hundred milliseconds at a province's scale, in one
    transaction so no change slips between the count and the triggers), then kept by the
    triggers. Kept spans that ended before this one starts are let go (an ended campaign is
    read from its frozen copy)."""
    if await db.read_fetchone(QUERIES["kept"], (first, last)):
        return
    async with db.transaction() as conn:
        cur = await conn.execute("INSERT INTO kept_spans (first_hour, last_hour) VALUES (?, ?) "
                                 "ON CONFLICT DO NOTHING", (first, last))
        claimed = cur.rowcount == 1
        await cur.close()
        if not claimed:
            return  # kept meanwhile by another report
        await conn.execute("DELETE FROM span_totals WHERE last_hour <= ?", (first,))
        await conn.execute("DELETE FROM kept_spans WHERE last_hour <= ?", (first,))
        for kind in SPAN_KINDS:  # one range of span_points' key per kind
            await conn.execute(
                "INSERT INTO span_totals (kind, grp, first_hour, last_hour, members) "
                "SELECT kind, grp, ?2, ?3, SUM(n) FROM span_points WHERE kind = ?1 "
                "AND hour >= ?2 AND hour < ?3 AND prev_hour < ?2 GROUP BY grp",
                (kind, first, last))


async def figures(db: Database, kind: str, first: str, last: str) -> dict[str, Figures]:
    """Figures by commune ("c") or team ("t", "" for none) over [first, last) hours."""
    query = QUERIES["commune_hours" if kind == "c" else "team_hours"]
    rows = await db.read_fetchall(query, (first, last))
    households = await distinct(db, kind, first, last)
    return {str(row["key"]): figures_with(row, households.get(str(row["key"]), 0))
            for row in rows}


async def frozen_figures(db: Database, campaign: str, kind: str) -> dict[str, Figures]:
    """An ended campaign's figures by commune ("c") or team ("t"), once it is summarized."""
    rows = await db.read_fetchall(QUERIES["frozen_figures"], (campaign, kind))
    return {str(row["key"]): figures_with(row, int(row["households"])) for row in rows}


async def sync_skills(db: Database, lessons: Mapping[str, str], skills: Collection[str]
                      ) -> bool:
    """Give the summaries the catalog's skills (lesson -> skill); when they changed, count
    every user's skills again (seconds at a province's scale, once). True if they changed."""
    sizes = {skill: sum(1 for s in lessons.values() if s == skill) for skill in skills}
    known = {r[0]: r[1] for r in await db.read_fetchall(QUERIES["lesson_skills"])}
    known_sizes = {r[0]: r[1] for r in await db.read_fetchall(QUERIES["skill_catalog"])}
    if known == dict(lessons) and known_sizes == sizes:
        return False
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM lesson_skills")
        await conn.executemany("INSERT INTO lesson_skills (lesson_id, skill) VALUES (?, ?)",
                               sorted(lessons.items()))
        await conn.execute("DELETE FROM skill_catalog")
        await conn.executemany("INSERT INTO skill_catalog (skill, lessons) VALUES (?, ?)",
                               sorted(sizes.items()))
        for statement in _SKILLS:
            await conn.execute(statement)
    return True


async def learning(db: Database, start: str, end: str, lessons: Mapping[str, str],
                   skills: Collection[str]) -> LearningCounts | None:
    """The province's lessons completed, learners and skills mastered in [start, end); None
    when the bounds are not whole hours (then count them from the lessons themselves)."""
    bounds = hours(start, end)
    if bounds is None:
        return None
    await sync_skills(db, lessons, skills)
    completed = await db.read_fetchone(QUERIES["completed"], bounds)
    learned = await distinct(db, "l", *bounds)
    mastered = await db.read_fetchone(QUERIES["mastered"], (start, end))
    everything = await db.read_fetchone(QUERIES["mastered_all"], (start, end))
    return LearningCounts(int(completed[0]) if completed else 0, sum(learned.values()),
                          int(mastered[0]) if mastered else 0,
                          int(everything[0]) if everything else 0)
