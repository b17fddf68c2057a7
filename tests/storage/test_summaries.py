"""The report summaries (v006) stay exact: after random visits, edits, deletions, lessons and
departures, every report read from them equals the same report summed from the raw rows, and
the tables the triggers kept equal the same tables computed from scratch."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.reports import Mastery
from bot.core.shared.skills import SKILLS
from bot.storage import campaigns as campaign_store
from bot.storage import privacy, progress, reports, summaries, teams, users, visits
from bot.storage.db import Database, keyed_hash, migrations, open_database
from bot.storage.figures import Figures, figures_of
from bot.storage.reports import Span

BASE = datetime(2026, 10, 1, tzinfo=UTC)
HOURS = 60  # the visits and lessons fall in these hours after BASE
COMMUNES = ("17329", "16681")
SUMMARY_TABLES = ("commune_hours", "team_hours", "span_members", "span_points",
                  "completion_hours", "skill_progress", "user_mastery", "span_totals")
# Two lessons per skill make mastering every skill reachable in a short random history.
LESSONS = {f"{skill}-{n}": skill for skill in SKILLS for n in (1, 2)}
OTHER_LESSONS = ("handbook-1", "removed-lesson")


def moment(rng: random.Random) -> datetime:
    """A random moment in the hours, often exactly on the hour (the bounds' edge)."""
    at = BASE + timedelta(hours=rng.randrange(HOURS))
    return at if rng.random() < 0.3 else at + timedelta(seconds=rng.randrange(1, 3600))


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    opened = await open_database(tmp_path / "bot.db")
    yield opened
    await opened.close()


class History:
    """Random changes made through the storage functions the bot uses."""

    def __init__(self, db: Database, rng: random.Random) -> None:
        self.db, self.rng = db, rng
        self.volunteers: dict[int, int] = {}  # user -> team
        self.people: list[int] = []
        self.visit_ids: list[int] = []
        self.drafts = 0

    async def setup(self) -> None:
        """Three teams in two communes, eight volunteers, six other users."""
        made = [await teams.create(self.db, f"T{i}", f"Tổ {i}", COMMUNES[i % 2], None, BASE)
                for i in range(3)]
        for i in range(14):
            user = await users.touch(self.db, "telegram", str(500 + i), "vi",
                                     BASE - timedelta(days=i))
            self.people.append(user.id)
            if i < 8:
                await teams.join(self.db, user.id, made[i % 3].id, f"TNV {i}", BASE)
                self.volunteers[user.id] = made[i % 3].id

    def record(self) -> visits.VisitRecord:
        """A visit as the form fills it: a household from a small pool, so some repeat."""
        rng = self.rng
        commune = rng.choice(COMMUNES)
        household = f"ho {rng.randrange(12)}"
        follow = rng.choice(self.visit_ids) if self.visit_ids and rng.random() < 0.3 else None
        return visits.VisitRecord(
            commune, "thon 1", household, f"{commune}|thon 1|{household}", rng.randint(1, 5),
            frozenset(k for k in visits.SKILL_KEYS if rng.random() < 0.4),
            frozenset(k for k in visits.OUTCOME_KEYS if rng.random() < 0.3), None, follow,
            moment(rng))

    async def step(self) -> None:
        """One random change."""
        rng, db, now = self.rng, self.db, BASE + timedelta(days=5)
        choice = rng.random()
        live = [v for v in self.volunteers if v in self.people]
        if choice < 0.4 and live:
            volunteer = rng.choice(live)
            self.drafts += 1
            number, _ = await visits.save_new(db, f"d{self.drafts}", volunteer,
                                              self.volunteers[volunteer], self.record(), now)
            self.visit_ids.append(number)
        elif choice < 0.55 and self.visit_ids:
            found = await visits.get(db, rng.choice(self.visit_ids))
            if found is not None and found.volunteer_id is not None:
                await visits.update(db, found.id, found.volunteer_id, self.record(), now)
        elif choice < 0.63 and self.visit_ids:
            found = await visits.get(db, rng.choice(self.visit_ids))
            if found is not None and found.volunteer_id is not None:
                await visits.soft_delete(db, found.id, found.volunteer_id, now)
        elif choice < 0.66 and self.visit_ids:  # not done by the bot; the trigger must hold
            last = self.visit_ids[-1]
            async with db.transaction() as conn:
                cur = await conn.execute("DELETE FROM visits WHERE id = ? AND NOT EXISTS "
                                         "(SELECT 1 FROM visits f WHERE f.follow_up_of = ?)",
                                         (last, last))
                if cur.rowcount:
                    self.visit_ids.pop()
        elif choice < 0.68:  # a team removed: its visits lose it (ON DELETE SET NULL)
            team = rng.randint(1, 3)
            async with db.transaction() as conn:
                await conn.execute("DELETE FROM teams WHERE id = ?", (team,))
            self.volunteers = {v: t for v, t in self.volunteers.items() if t != team}
        elif choice < 0.95:
            await self.lesson(rng.choice(self.people))
        elif choice < 0.97:
            async with db.transaction() as conn:  # un-completed: not done by the bot either
                await conn.execute("UPDATE lesson_progress SET completed_at = NULL "
                                   "WHERE user_id = ?", (rng.choice(self.people),))
        elif len(self.people) > 4:
            gone = self.people.pop(rng.randrange(len(self.people)))
            async with db.transaction() as conn:
                await privacy.delete_user(conn, gone, "[user:x] ", now)

    async def lesson(self, user: int) -> None:
        """Finish a lesson through the bot's steps, or write a finished one as of a moment."""
        lesson = self.rng.choice([*LESSONS, *OTHER_LESSONS])
        if self.rng.random() < 0.5:
            async with self.db.transaction() as conn:
                at = moment(self.rng).isoformat()
                await conn.execute(
                    "INSERT OR IGNORE INTO lesson_progress (user_id, lesson_id, position, "
                    "status, started_at, updated_at, completed_at) "
                    "VALUES (?, ?, 3, 'done', ?, ?, ?)", (user, lesson, at, at, at))
        else:
            await progress.start(self.db, user, lesson, moment(self.rng))
            await progress.complete(self.db, user, lesson, 0, 3, moment(self.rng))


async def raw(db: Database, sql: str, params: tuple[Any, ...]) -> dict[str, Figures]:
    """A report summed from the visits themselves."""
    rows = await db.read_fetchall(sql, params)
    return {"" if r["key"] is None else str(r["key"]): figures_of(r) for r in rows}


async def mastery(db: Database, start: str, end: str) -> tuple[int, int, int, int]:
    """The learning side as the core counts it from the lessons themselves."""
    who = await reports.learners(db, start, end)
    counted = Mastery(LESSONS, start)
    async for batch in reports.completions(db, who, end):
        counted.add(batch)
    completed = await db.read_fetchone(reports.COMPLETED_SQL, (start, end))
    assert completed is not None
    return int(completed[0]), len(who), counted.skills, counted.everyone


async def same_top(db: Database, span: Span, raw_rows: list[Any]) -> None:
    """The chart's data (visits per hour, and the hours of the top communes) equals the same
    summed from the rows of the visits, for the top commune, both and none."""
    every = sorted((str(r[0]), str(r[1]), int(r[2])) for r in raw_rows)
    by_hour: dict[str, int] = {}
    by_commune: dict[str, int] = {}
    for commune, hour, count in every:
        by_hour[hour] = by_hour.get(hour, 0) + count
        by_commune[commune] = by_commune.get(commune, 0) + count
    for top in (0, 1, len(COMMUNES)):
        chosen = sorted(by_commune, key=lambda c: (-by_commune[c], c))[:top]
        totals, rows = await reports.hourly_top(db, span, top)
        assert sorted(totals) == sorted(by_hour.items())
        assert sorted(rows) == [row for row in every if row[0] in chosen]


def bounds(rng: random.Random) -> list[tuple[str, str]]:
    """Whole-hour periods: random ones, a single hour, everything."""
    found = [("", "9999"), (BASE.isoformat(), (BASE + timedelta(hours=1)).isoformat())]
    for _ in range(6):
        first = rng.randrange(-2, HOURS + 2)
        last = rng.randrange(first + 1, HOURS + 4)
        found.append(((BASE + timedelta(hours=first)).isoformat(),
                      (BASE + timedelta(hours=last)).isoformat()))
    return found


async def tables(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every summary table's rows, sorted."""
    return {t: sorted(tuple(r) for r in await db.read_fetchall(f"SELECT * FROM {t}"))
            for t in SUMMARY_TABLES}


async def rebuilt(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """The summary tables computed from scratch (the triggers dropped, then put back)."""
    async with db.transaction() as conn:
        cur = await conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        triggers = list(await cur.fetchall())
        for name, _ in triggers:
            await conn.execute(f"DROP TRIGGER {name}")
        for statement in summaries.REBUILD:
            await conn.execute(statement)
        for _, sql in triggers:
            await conn.execute(sql)
    return await tables(db)


@pytest.mark.parametrize("seed", range(5))
async def test_reports_from_summaries_equal_reports_from_the_rows(db: Database, seed: int
                                                                   ) -> None:
    rng = random.Random(seed)
    history = History(db, rng)
    await history.setup()
    await summaries.sync_skills(db, LESSONS, SKILLS)
    periods = bounds(rng)
    # Spans kept whole by the triggers (v026): one from the start, one from the middle of the
    # history (counted then from span_points), and one that ends before the latter starts,
    # let go when it is kept.
    early = (BASE.isoformat(), (BASE + timedelta(hours=2)).isoformat())
    await reports.team_households(db, Span(*early), keep=True)
    await reports.volunteers(db, Span(*periods[2]), keep=True)
    for _ in range(125):
        await history.step()
    await reports.volunteers(db, Span(*periods[3]), keep=True)
    later = (BASE + timedelta(hours=3)).isoformat(), (BASE + timedelta(hours=HOURS)).isoformat()
    await reports.volunteers(db, Span(*later), keep=True)
    periods.append(later)
    for _ in range(125):
        await history.step()
    assert await db.read_fetchone("SELECT COUNT(*) FROM visits") != (0,)
    kept = {(r[0], r[1]) for r in await db.read_fetchall("SELECT * FROM kept_spans")}
    assert summaries.hours(*early) not in kept and summaries.hours(*later) in kept
    for start, end in periods:
        span = Span(start, end)
        assert summaries.hours(start, end) is not None
        assert await reports.by_commune(db, span) == await raw(db, reports.COMMUNES_SQL,
                                                               (start, end))
        assert await reports.by_team(db, span) == await raw(db, reports.TEAMS_SQL, (start, end))
        teams = await raw(db, reports.TEAMS_SQL, (start, end))
        assert await reports.team_households(db, span) == {
            key: f.households for key, f in teams.items() if f.households}
        ranked = await db.read_fetchall(reports.VOLUNTEERS_SQL, (start, end))
        assert [(r.user_id, r.households) for r in await reports.volunteers(db, span)] == sorted(
            ((int(r[0]), int(r[1])) for r in ranked if r[0] is not None),
            key=lambda pair: (-pair[1], pair[0]))
        hourly = await db.read_fetchall(reports.HOURLY_SQL, (start, end))
        assert sorted(await reports.hourly(db, span)) == sorted(
            (str(r[0]), str(r[1]), int(r[2])) for r in hourly)
        await same_top(db, span, hourly)
        counts = await summaries.learning(db, start, end, LESSONS, SKILLS)
        assert counts is not None
        assert (counts.completed, counts.learners, counts.skills_mastered,
                counts.mastered_all) == await mastery(db, start, end)
    # A period not made of whole hours: summed from the visits themselves.
    odd = ((BASE + timedelta(minutes=30)).isoformat(), (BASE + timedelta(hours=30)).isoformat())
    assert summaries.hours(*odd) is None
    await same_top(db, Span(*odd), await db.read_fetchall(reports.HOURLY_SQL, odd))
    assert await tables(db) == await rebuilt(db)


async def test_a_change_of_catalog_counts_skills_again(db: Database) -> None:
    rng = random.Random(7)
    history = History(db, rng)
    await history.setup()
    assert await summaries.sync_skills(db, LESSONS, SKILLS)
    assert not await summaries.sync_skills(db, LESSONS, SKILLS)  # unchanged: nothing to do
    for _ in range(200):
        await history.lesson(rng.choice(history.people))
    mastered_before = await summaries.learning(db, "", "9999", LESSONS, SKILLS)
    assert mastered_before is not None and mastered_before.skills_mastered > 0
    fewer = {lesson: skill for lesson, skill in LESSONS.items() if not lesson.endswith("-2")}
    counts = await summaries.learning(db, "", "9999", fewer, SKILLS)  # a lesson per skill now
    assert counts is not None
    counted = Mastery(fewer, "")
    async for batch in reports.completions(db, await reports.learners(db, "", "9999"), "9999"):
        counted.add(batch)
    assert (counts.skills_mastered, counts.mastered_all) == (counted.skills, counted.everyone)
    assert counts.skills_mastered > mastered_before.skills_mastered
    assert await tables(db) == await rebuilt(db)


def test_periods_not_made_of_whole_hours_are_read_from_the_rows() -> None:
    assert summaries.hours("2026-09-30T17:00:00+00:00", "2026-10-10T17:00:00+00:00") == (
        "2026-09-30T17", "2026-10-10T17")
    assert summaries.hours("", "9999") == ("0", "9999")
    assert summaries.hours("2026-09-30T17:30:00+00:00", "2026-10-10T17:00:00+00:00") is None
    assert summaries.hours("2026-09-30T17:00:00+05:30", "2026-10-10T17:00:00+00:00") is None
    assert summaries.hours("2026-09-30T17:00:00.5+00:00", "9999") is None


async def test_an_ended_campaign_is_summed_once_and_keeps_its_figures(db: Database) -> None:
    rng = random.Random(3)
    history = History(db, rng)
    await history.setup()
    for _ in range(150):
        await history.step()
    start, end = BASE.isoformat(), (BASE + timedelta(hours=HOURS)).isoformat()
    await campaign_store.freeze(db, [campaign_store.Due("oct", start, end)], BASE)
    frozen = Span(start, end, "oct")
    expected = {"c": await raw(db, reports.FROZEN_COMMUNES_SQL, ("oct",)),
                "t": await raw(db, reports.FROZEN_TEAMS_SQL, ("oct",))}
    ranking = await reports.volunteers(db, frozen)  # sums the campaign once
    assert await reports.by_commune(db, frozen) == expected["c"]
    assert await reports.by_team(db, frozen) == expected["t"]
    raw_hours = await db.read_fetchall(reports.FROZEN_HOURLY_SQL, ("oct",))
    assert sorted(await reports.hourly(db, frozen)) == sorted(
        (str(r[0]), str(r[1]), int(r[2])) for r in raw_hours)
    await same_top(db, frozen, raw_hours)
    rows = await db.read_fetchall(reports.FROZEN_VOLUNTEERS_SQL, ("oct",))
    assert {(r.user_id, r.households) for r in ranking} == {
        (int(r["key"]), int(r["households"])) for r in rows if r["key"] is not None}
    # Later changes to the visits leave the campaign's figures as they were.
    for _ in range(60):
        await history.step()
    assert await reports.by_commune(db, frozen) == expected["c"]
    # A volunteer who deletes their data is no longer ranked.
    gone = ranking[0].user_id
    async with db.transaction() as conn:
        await privacy.delete_user(conn, gone, "[user:x] ", BASE)
    assert gone not in {r.user_id for r in await reports.volunteers(db, frozen)}


async def test_the_migration_sums_the_rows_already_there(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:  # a database as version 5 left it, with data
        for version, _name, sql in migrations()[:5]:
            conn.executescript(f"{sql}\nPRAGMA user_version = {version};")
    db = await open_database(tmp_path / "new.db")
    try:
        history = History(db, random.Random(11))
        await history.setup()
        for _ in range(200):
            await history.step()
        # v009 gives a first visit to households left with follow-ups only, which the random
        # follow-ups here make (the bot never does): done here too, the tables compare.
        v009 = migrations()[8][2]
        start = v009.index("UPDATE visits")
        async with db.transaction() as conn:
            await conn.execute(v009[start:v009.index(";", start)])
        expected = await tables(db)
        names = ("users", "teams", "memberships", "visits", "lesson_progress")
        copies = {name: await db.read_fetchall(f"SELECT * FROM {name}") for name in names}
    finally:
        await db.close()
    with sqlite3.connect(path) as conn:
        for name, rows in copies.items():
            if rows:  # the columns the old schema has (later migrations add some)
                columns = [c[1] for c in conn.execute(f"PRAGMA table_info({name})")]
                marks = ", ".join("?" * len(columns))
                conn.executemany(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})",
                                 [tuple(r[c] for c in columns) for r in rows])
    migrated = await open_database(path)  # applies v006, which sums these rows
    try:
        found = await tables(migrated)
        secret = bytes((await migrated.fetchone(
            "SELECT value FROM secrets WHERE name = 'household'") or [b""])[0])
    finally:
        await migrated.close()
    # v019 hashed the households' keys with the old database's own secret: the same members.
    expected["span_members"] = sorted(
        (kind, grp, keyed_hash(secret, member) if kind in ("c", "t", "v") else member, *rest)
        for kind, grp, member, *rest in expected["span_members"])
    found["span_members"] = sorted(found["span_members"])
    # Skills wait for the catalog (sync_skills); everything else is summed by the migration.
    skip = {"skill_progress", "user_mastery"}
    assert {k: v for k, v in found.items() if k not in skip} == {
        k: v for k, v in expected.items() if k not in skip}
