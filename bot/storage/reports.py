"""The admins' reports: figures by commune and team, visits per hour, rankings, learning.

A report reads either live visits between two UTC ISO bounds [start, end) or an ended
campaign's frozen copy (`Span.frozen`). Figures are summed as in bot/storage/figures.py:
households and people over first visits, skills and outcomes over every visit, deleted
visits never. At a province's scale (a million visits) summing the visits takes seconds, so
periods of whole UTC hours (local days in Vietnam are) are read from the summaries v006's
triggers keep exact (bot/storage/summaries.py), and an ended campaign's figures are summed
once from its frozen visits; other periods read the visits through their indexes (*_SQL;
tests/core/reports/test_reports.py and tests/storage/test_query_plans.py check that every
query walks one).
A running campaign's leaderboard keeps the campaign's hours (keep=True, migration v026): its
households per team and per volunteer are then kept whole by triggers, one row each. The chart
reads the province's visits per hour and its top communes' hours (hourly_top), not a row per
commune and hour.
Every read goes through the database's read-only connection, so a report never holds up
anyone's writes (keeping a span writes once, in one short transaction).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import NamedTuple

from bot.storage import summaries
from bot.storage.db import Database, expect_row
from bot.storage.figures import SUMS, Figures, figures_of
from bot.storage.summaries import SUM_COLUMNS

_LIVE = "visited_at >= ? AND visited_at < ? AND deleted_at IS NULL"
# A frozen campaign is read through its index even when SQLite's statistics say that one
# campaign is most of the table (as it is after the first one ends): later it is a fraction.
_FROZEN = "frozen_visits INDEXED BY frozen_visits_by_team"

# By commune (the province's figures are their sums: a household belongs to one commune), and
# by team.
COMMUNES_SQL = (f"SELECT commune_code AS key, {SUMS} FROM visits WHERE {_LIVE} "
                "GROUP BY commune_code")
FROZEN_COMMUNES_SQL = (f"SELECT commune_code AS key, {SUMS} FROM {_FROZEN} "
                       "WHERE campaign = ? GROUP BY commune_code")
TEAMS_SQL = f"SELECT team_id AS key, {SUMS} FROM visits WHERE {_LIVE} GROUP BY team_id"
FROZEN_TEAMS_SQL = (f"SELECT team_id AS key, {SUMS} FROM {_FROZEN} WHERE campaign = ? "
                    "GROUP BY team_id")

# One commune: its totals and its teams (a team of another commune that helped there too).
COMMUNE_SQL = f"SELECT {SUMS} FROM visits WHERE commune_code = ? AND {_LIVE}"
FROZEN_COMMUNE_SQL = f"SELECT {SUMS} FROM {_FROZEN} WHERE campaign = ? AND commune_code = ?"
COMMUNE_TEAMS_SQL = (f"SELECT team_id AS key, {SUMS} FROM visits WHERE commune_code = ? "
                     f"AND {_LIVE} GROUP BY team_id")
FROZEN_COMMUNE_TEAMS_SQL = (f"SELECT team_id AS key, {SUMS} FROM {_FROZEN} "
                            "WHERE campaign = ? AND commune_code = ? GROUP BY team_id")

# Households each volunteer helped (first visits): the volunteers' ranking.
VOLUNTEERS_SQL = ("SELECT volunteer_id AS key, COUNT(DISTINCT household_key) AS households "
                  f"FROM visits WHERE {_LIVE} AND follow_up_of IS NULL GROUP BY volunteer_id")
FROZEN_VOLUNTEERS_SQL = (
    "SELECT volunteer_id AS key, COUNT(DISTINCT household_key) AS households "
    "FROM frozen_visits INDEXED BY frozen_visits_by_volunteer "
    "WHERE campaign = ? AND follow_up_of IS NULL GROUP BY volunteer_id")

# Visits (follow-ups too) per UTC hour: the chart's days are made of local hours in Python,
# so a day starts at the local midnight whatever the time zone (whole-hour offsets).
HOURLY_SQL = ("SELECT commune_code AS key, substr(visited_at, 1, 13) AS hour, "
              f"COUNT(*) AS visits FROM visits WHERE {_LIVE} GROUP BY commune_code, hour")
FROZEN_HOURLY_SQL = ("SELECT commune_code AS key, substr(visited_at, 1, 13) AS hour, "
                     f"COUNT(*) AS visits FROM {_FROZEN} WHERE campaign = ? "
                     "GROUP BY commune_code, hour")
TEAM_HOURLY_SQL = ("SELECT substr(visited_at, 1, 13) AS hour, COUNT(*) AS visits FROM visits "
                   f"WHERE team_id = ? AND {_LIVE} GROUP BY hour")
FROZEN_TEAM_HOURLY_SQL = ("SELECT substr(visited_at, 1, 13) AS hour, COUNT(*) AS visits "
                          f"FROM {_FROZEN} WHERE campaign = ? AND team_id = ? GROUP BY hour")

# Names and teams of the volunteers shown in a ranking (a few dozen; the IN list is filled in).
NAMES_SQL = ("SELECT m.user_id, m.display_name, t.name AS team, t.commune_code FROM memberships m "
             "JOIN teams t ON t.id = m.team_id WHERE m.user_id IN ({marks})")

# The learning side. Users of the bot (a few hundred thousand rows at most; no visits here)
# are people: accounts linked to another (/link, users.linked_to) are the same person as it,
# and a person is new in the period their first account was created in. So: accounts counted
# on an index (users_by_created), corrected by the few people with linked accounts, read
# through users_linked (per person: when the account linked to was created, when the first
# of them all was, and how many of the linked ones were created in the period).
_LINKED_PEOPLE = ("SELECT o.created_at AS own, MIN(o.created_at, MIN(l.created_at)) AS first, "
                  "SUM(l.created_at >= ?1 AND l.created_at < ?2) AS linked "
                  "FROM users l JOIN users o ON o.id = l.linked_to "
                  "WHERE l.linked_to IS NOT NULL GROUP BY l.linked_to")
USERS_SQL = (
    "SELECT (SELECT COUNT(*) FROM users) "
    "- (SELECT COUNT(*) FROM users WHERE linked_to IS NOT NULL) AS users, "
    "(SELECT COUNT(*) FROM users WHERE created_at >= ?1 AND created_at < ?2) "
    "+ (SELECT COALESCE(SUM((first >= ?1 AND first < ?2) - (own >= ?1 AND own < ?2) - linked), "
    f"0) FROM ({_LINKED_PEOPLE})) AS new_users")
MEMBERS_SQL = ("SELECT COUNT(*) AS users, COALESCE(SUM(joined_at >= ? AND joined_at < ?), 0) "
               "AS new_users FROM memberships WHERE team_id = ?")
COMPLETED_SQL = ("SELECT COUNT(*) FROM lesson_progress "
                 "WHERE completed_at >= ? AND completed_at < ?")
# CROSS JOIN keeps the team's members as the outer loop: a few people, each a key lookup.
TEAM_COMPLETED_SQL = ("SELECT COUNT(*) FROM memberships m CROSS JOIN lesson_progress p "
                      "ON p.user_id = m.user_id WHERE m.team_id = ? "
                      "AND p.completed_at >= ? AND p.completed_at < ?")

# Who completed a lesson in [start, end) (a skill mastered in the period was mastered by one
# of them), then their completions, a few hundred people at a time: a team's learning side,
# and the province's over periods the summaries cannot answer (summaries.learning).
LEARNERS_SQL = ("SELECT DISTINCT user_id FROM lesson_progress "
                "WHERE completed_at >= ? AND completed_at < ?")
TEAM_LEARNERS_SQL = ("SELECT DISTINCT p.user_id FROM memberships m CROSS JOIN lesson_progress p "
                     "ON p.user_id = m.user_id WHERE m.team_id = ? "
                     "AND p.completed_at >= ? AND p.completed_at < ?")
COMPLETIONS_SQL = ("SELECT user_id, lesson_id, completed_at FROM lesson_progress "
                   "WHERE user_id IN ({marks}) AND completed_at < ?")
BATCH = 500  # learners per COMPLETIONS_SQL

# What the province-wide learning queries need (for the lead's next migration): without it
# COMPLETED_SQL and LEARNERS_SQL read the whole of lesson_progress. user_id makes it covering.
PROPOSED_INDEXES = (
    "CREATE INDEX IF NOT EXISTS lesson_progress_by_completion "
    "ON lesson_progress (completed_at, user_id) WHERE completed_at IS NOT NULL",
)

_CLAIM_FROZEN = ("INSERT INTO frozen_summaries (campaign, built_at) VALUES (?, ?) "
                 "ON CONFLICT (campaign) DO NOTHING")
_INSERT_FROZEN = (f"INSERT INTO frozen_figures (campaign, kind, key, households, "
                  f"{', '.join(SUM_COLUMNS)}) VALUES ({', '.join('?' * (4 + len(SUM_COLUMNS)))})")


@dataclass(frozen=True)
class Span:
    """Which visits a report reads: live ones in [start, end) (UTC ISO), or a frozen copy."""

    start: str
    end: str
    frozen: str | None = None  # an ended campaign's key: its frozen visits are read instead


class Ranked(NamedTuple):
    """A volunteer in a ranking: households helped, and how to name them (a tuple: a
    province's ranking makes 15,000 of them for each leaderboard)."""

    user_id: int
    households: int
    name: str | None  # the name they agreed to show admins; None if they gave none or left
    team: str | None  # their team's name now (None if they left it)
    commune_code: str | None


@dataclass(frozen=True)
class People:
    """Users of the bot (a team: its members), and how many came in a period: people, each
    once whatever the chat apps they use (linked accounts, /link)."""

    users: int
    new_users: int  # first account created (a team: joined) in the period


def _key(value: object) -> str:
    return "" if value is None else str(value)


async def _grouped(db: Database, sql: str, params: Iterable[object]) -> dict[str, Figures]:
    rows = await db.read_fetchall(sql, params)
    return {_key(row["key"]): figures_of(row) for row in rows}


async def summarize_frozen(db: Database, campaign: str) -> None:
    """Sum an ended campaign's frozen visits once (a few seconds at a province's scale, on
    the read-only connection), so its reports read a few hundred rows afterwards."""
    if await db.read_fetchone(summaries.QUERIES["frozen_built"], (campaign,)):
        return
    communes = await db.read_fetchall(FROZEN_COMMUNES_SQL, (campaign,))
    teams = await db.read_fetchall(FROZEN_TEAMS_SQL, (campaign,))
    hourly_rows = await db.read_fetchall(FROZEN_HOURLY_SQL, (campaign,))
    ranking = await db.read_fetchall(FROZEN_VOLUNTEERS_SQL, (campaign,))
    figures = [(campaign, kind, _key(r["key"]), r["households"], *(r[c] for c in SUM_COLUMNS))
               for kind, rows in (("c", communes), ("t", teams)) for r in rows]
    async with db.transaction() as conn:
        cur = await conn.execute(_CLAIM_FROZEN, (campaign, datetime.now(UTC).isoformat()))
        claimed = cur.rowcount == 1
        await cur.close()
        if not claimed:
            return  # summed meanwhile by another report: the same figures
        await conn.executemany(_INSERT_FROZEN, figures)
        await conn.executemany(
            "INSERT INTO frozen_hours (campaign, commune_code, hour, visits) VALUES (?, ?, ?, ?)",
            [(campaign, r["key"], r["hour"], r["visits"]) for r in hourly_rows])
        await conn.executemany(
            "INSERT INTO frozen_volunteers (campaign, volunteer_id, households) VALUES (?, ?, ?)",
            [(campaign, r["key"], r["households"]) for r in ranking if r["key"] is not None])


async def _frozen(db: Database, campaign: str, kind: str) -> dict[str, Figures]:
    await summarize_frozen(db, campaign)
    return await summaries.frozen_figures(db, campaign, kind)


async def by_commune(db: Database, span: Span) -> dict[str, Figures]:
    """Figures of each commune that has visits, by commune code."""
    return await _figures_by(db, span, "c", COMMUNES_SQL)


async def by_team(db: Database, span: Span) -> dict[str, Figures]:
    """Figures of each team that has visits, by team id ("" for visits of a deleted team)."""
    return await _figures_by(db, span, "t", TEAMS_SQL)


async def _kept_bounds(db: Database, span: Span, keep: bool) -> tuple[str, str] | None:
    """The span's summary hours (None when not whole hours, or frozen); kept from now on when
    keep (a running campaign's: its counts are then read whole, v026)."""
    bounds = summaries.hours(span.start, span.end)
    if bounds is None or span.frozen:
        return None
    if keep:
        await summaries.keep_span(db, *bounds)
    return bounds


async def team_households(db: Database, span: Span, keep: bool = False) -> dict[str, int]:
    """Households helped by each team, by team id: the leaderboard's one figure, without the
    sums of every other column (a third of the time at a province's scale)."""
    bounds = await _kept_bounds(db, span, keep)
    if bounds is not None:
        return {key: n for key, n in (await summaries.distinct(db, "t", *bounds)).items() if n}
    return {key: f.households for key, f in (await by_team(db, span)).items()}


async def _figures_by(db: Database, span: Span, kind: str, raw_sql: str) -> dict[str, Figures]:
    """From an ended campaign's frozen figures, else the summaries (whole hours), else the
    visits themselves."""
    if span.frozen:
        return await _frozen(db, span.frozen, kind)
    bounds = summaries.hours(span.start, span.end)
    if bounds is not None:
        return await summaries.figures(db, kind, *bounds)
    return await _grouped(db, raw_sql, (span.start, span.end))


async def commune(db: Database, span: Span, commune_code: str) -> Figures:
    """One commune's figures."""
    if span.frozen:
        return figures_of(await db.read_fetchone(FROZEN_COMMUNE_SQL,
                                                 (span.frozen, commune_code)))
    return figures_of(await db.read_fetchone(COMMUNE_SQL,
                                             (commune_code, span.start, span.end)))


async def commune_teams(db: Database, span: Span, commune_code: str) -> dict[str, Figures]:
    """Figures of each team that visited households of one commune, by team id."""
    if span.frozen:
        return await _grouped(db, FROZEN_COMMUNE_TEAMS_SQL, (span.frozen, commune_code))
    return await _grouped(db, COMMUNE_TEAMS_SQL, (commune_code, span.start, span.end))


async def volunteers(db: Database, span: Span, keep: bool = False) -> list[Ranked]:
    """Households helped by each volunteer (most first), without their names (named() adds
    them to the few shown); keep as in team_households."""
    bounds = await _kept_bounds(db, span, keep)
    if span.frozen:
        await summarize_frozen(db, span.frozen)
        rows = await db.read_fetchall(summaries.QUERIES["frozen_ranking"], (span.frozen,))
        found = [(r["key"], r["households"]) for r in rows]
    elif bounds is not None:  # whole hours: the summaries ('' is a visit with no volunteer)
        found = [(int(k), n) for k, n in (await summaries.distinct(db, "v", *bounds)).items()
                 if k and n]
    else:
        rows = await db.read_fetchall(VOLUNTEERS_SQL, (span.start, span.end))
        found = [(r["key"], r["households"]) for r in rows]
    # A volunteer who deleted their data left their visits without a name: not ranked.
    counts = [(int(key), int(n)) for key, n in found if key is not None]
    # Most households first, then by id: two stable sorts on C keys (15,000 volunteers).
    counts.sort(key=itemgetter(0))
    counts.sort(key=itemgetter(1), reverse=True)
    return [Ranked(user_id, households, None, None, None) for user_id, households in counts]


async def named(db: Database, ranked: list[Ranked]) -> list[Ranked]:
    """The same volunteers with their names and teams filled in."""
    if not ranked:
        return []
    ids = [r.user_id for r in ranked]
    rows = await db.read_fetchall(NAMES_SQL.format(marks=",".join("?" * len(ids))), ids)
    found = {int(r["user_id"]): r for r in rows}
    result = []
    for r in ranked:
        row = found.get(r.user_id)
        result.append(Ranked(r.user_id, r.households, row["display_name"] if row else None,
                             row["team"] if row else None, row["commune_code"] if row else None))
    return result


async def hourly(db: Database, span: Span) -> list[tuple[str, str, int]]:
    """Visits per commune and UTC hour: (commune code, "YYYY-MM-DDTHH", visits)."""
    bounds = summaries.hours(span.start, span.end)
    if span.frozen:
        await summarize_frozen(db, span.frozen)
        rows = await db.read_fetchall(summaries.QUERIES["frozen_hours"], (span.frozen,))
    elif bounds is not None:
        rows = await db.read_fetchall(summaries.QUERIES["hourly"], bounds)
    else:
        rows = await db.read_fetchall(HOURLY_SQL, (span.start, span.end))
    return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]


Hourly = list[tuple[str, str, int]]  # (commune code, UTC hour "YYYY-MM-DDTHH", visits)


async def hourly_top(db: Database, span: Span, top: int) -> tuple[list[tuple[str, int]], Hourly]:
    """Visits per UTC hour in the province, and per hour in each of the top communes (the most
    visits in the span, then by code): the chart's data, a few hundred rows where hourly()
    gives one per commune and hour (20,000 in a province's campaign)."""
    bounds = summaries.hours(span.start, span.end)
    if span.frozen:
        await summarize_frozen(db, span.frozen)
        totals = await db.read_fetchall(summaries.QUERIES["frozen_hourly_totals"],
                                        (span.frozen,))
        rows = await db.read_fetchall(summaries.QUERIES["frozen_hourly_top"],
                                      (span.frozen, top))
    elif bounds is not None:
        totals = await db.read_fetchall(summaries.QUERIES["hourly_totals"], bounds)
        rows = await db.read_fetchall(summaries.QUERIES["hourly_top"], (*bounds, top))
    else:  # not whole hours: from the visits, summed here
        every = await hourly(db, span)
        by_hour: dict[str, int] = {}
        by_commune: dict[str, int] = {}
        for commune_code, hour, visits in every:
            by_hour[hour] = by_hour.get(hour, 0) + visits
            by_commune[commune_code] = by_commune.get(commune_code, 0) + visits
        chosen = set(sorted(by_commune, key=lambda c: (-by_commune[c], c))[:max(top, 0)])
        return sorted(by_hour.items()), [row for row in every if row[0] in chosen]
    return ([(str(r[0]), int(r[1])) for r in totals],
            [(str(r[0]), str(r[1]), int(r[2])) for r in rows])


async def team_hourly(db: Database, span: Span, team_id: int) -> list[tuple[str, str, int]]:
    """A team's visits per UTC hour: (team id, "YYYY-MM-DDTHH", visits)."""
    if span.frozen:
        rows = await db.read_fetchall(FROZEN_TEAM_HOURLY_SQL, (span.frozen, team_id))
    else:
        rows = await db.read_fetchall(TEAM_HOURLY_SQL, (team_id, span.start, span.end))
    return [(str(team_id), str(r["hour"]), int(r["visits"])) for r in rows]


async def people(db: Database, start: str, end: str, team_id: int | None = None) -> People:
    """Users of the bot (people: linked accounts count once) and the new ones in [start, end);
    a team's members and newcomers."""
    if team_id is None:
        row = await db.read_fetchone(USERS_SQL, (start, end))
    else:
        row = await db.read_fetchone(MEMBERS_SQL, (start, end, team_id))
    row = expect_row(row, "sum a report")  # an aggregate answers one row
    return People(int(row["users"]), int(row["new_users"]))


async def lessons_completed(db: Database, start: str, end: str, team_id: int | None = None
                            ) -> int:
    """Lessons first completed in [start, end), in the province or by a team's members."""
    bounds = summaries.hours(start, end)
    if team_id is not None:
        row = await db.read_fetchone(TEAM_COMPLETED_SQL, (team_id, start, end))
    elif bounds is not None:
        row = await db.read_fetchone(summaries.QUERIES["completed"], bounds)
    else:
        row = await db.read_fetchone(COMPLETED_SQL, (start, end))
    return int(row[0]) if row else 0


async def learners(db: Database, start: str, end: str, team_id: int | None = None
                   ) -> list[int]:
    """Who completed a lesson in [start, end), in the province or in a team."""
    if team_id is None:
        rows = await db.read_fetchall(LEARNERS_SQL, (start, end))
    else:
        rows = await db.read_fetchall(TEAM_LEARNERS_SQL, (team_id, start, end))
    return [int(row[0]) for row in rows]


async def completions(db: Database, user_ids: list[int], end: str
                      ) -> AsyncIterator[list[tuple[int, str, str]]]:
    """(user, lesson, first completed) of lessons completed before end, a batch of people at a
    time; each person's completions all come in one batch."""
    for first in range(0, len(user_ids), BATCH):
        batch = user_ids[first:first + BATCH]
        rows = await db.read_fetchall(COMPLETIONS_SQL.format(marks=",".join("?" * len(batch))),
                                      (*batch, end))
        yield [(int(r["user_id"]), str(r["lesson_id"]), str(r["completed_at"])) for r in rows]
