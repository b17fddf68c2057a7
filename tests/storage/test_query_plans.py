"""Every query a user can trigger walks an index: the plans of the statements the bot really
runs (captured with SQLite's statement trace while every command and button is tried by every
role, and the workers' storage calls are made) never read a whole big table. Big tables are
those that grow with the province (users, visits, lessons, deliveries, ...); the few statements
that must read one whole (a broadcast to everyone reads every user) are listed with why."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.config import Campaign
from bot.core import privacy as privacy_flow
from bot.core.service import Core
from bot.storage import (
    audiences,
    audit,
    broadcasts,
    campaigns,
    help_requests,
    outbox,
    privacy,
    progress,
    teams,
    users,
    visits,
)
from bot.storage.audiences import Audience
from tests.factories import Chat, Clock, add_visit, running_app

ADMIN, LEADER, VOLUNTEER, CITIZEN = "4242", "4243", "4244", "4245"
OCT = Campaign("oct", "Đi từng ngõ", date(2026, 10, 1), date(2026, 10, 10), 50)
NOV = Campaign("nov", "Tháng Mười Một", date(2026, 11, 20), date(2026, 11, 30), 50)
DURING = datetime(2026, 10, 5, 3, tzinfo=UTC)  # the October campaign is running
AFTER = datetime(2026, 12, 5, 3, tzinfo=UTC)  # both have ended: their figures are frozen
BIG = {"users", "visits", "lesson_progress", "quiz_answers", "deliveries", "outbox",
       "audit_log", "dialogs", "frozen_visits", "memberships", "help_requests", "join_failures",
       "span_members", "span_points", "commune_hours", "team_hours", "skill_progress",
       "user_mastery", "frozen_figures", "frozen_hours", "frozen_volunteers", "completion_hours"}
# Statements that read a whole big table, and why that is right (or whose owner is told).
ALLOWED = [
    ("users", r"FROM users u WHERE u\.channel = '\w+' AND u\.blocked_at IS NULL",
     "a broadcast's audience: every user it may reach is read once, when it is queued"),
    ("users", r"^SELECT \(SELECT COUNT\(\*\) FROM users\)",
     "the number of users of the bot (/stats): a count over the smallest index"),
    ("dialogs", r"^UPDATE dialogs SET options = '\[\]' WHERE user_id !=",
     "/deleteme blanks admins' remembered buttons naming the person (bot/storage/privacy.py)"),
    ("outbox", r"instr\(reply,",
     "/deleteme finds the notices quoting the person's help request by their text"),
    ("outbox", r"^DELETE FROM outbox WHERE \(sent_at IS NOT NULL",
     "the retention purge, once a minute: old notices are a small table"),
    ("help_requests", r"^UPDATE help_requests SET (first_name = ''|phone = NULL) WHERE",
     "the retention purge, once a minute"),
    ("join_failures", r"^DELETE FROM join_failures WHERE at <", "the retention purge"),
    ("frozen_visits", r"^UPDATE frozen_visits SET volunteer_id = NULL WHERE volunteer_id = \d+$",
     "/deleteme, until bot/storage/privacy.py names the frozen campaigns (campaign IN (SELECT "
     "campaign FROM campaign_freezes)) so that frozen_visits_by_volunteer finds the rows; an "
     "index of its own would slow every campaign's freeze by a quarter"),
    ("audit_log", r"^SELECT [^;]* FROM audit_log ORDER BY id DESC LIMIT \d+$",
     "the newest entries, read backwards along the primary key: as many rows as shown"),
    # A visit row is the parent of its follow-ups: for a statement that writes more than one
    # row (its triggers do), SQLite plans a look for follow-ups already pointing at the new
    # row, run only while deferred foreign-key violations are pending, which never happens.
    ("visits", r"^INSERT INTO visits \(", "planned, never run (see above)"),
]
_TABLE = re.compile(r"\b(?:FROM|JOIN|UPDATE|INTO)\s+([a-z_]+)(?:\s+(?:AS\s+)?([a-z]+))?",
                    re.IGNORECASE)
_KEYWORDS = {"where", "on", "join", "left", "inner", "cross", "group", "order", "limit",
             "using", "indexed", "not", "set", "values", "select", "as", "natural"}
_SKIP = re.compile(r"^\s*(--|PRAGMA|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|EXPLAIN|CREATE|DROP)",
                   re.IGNORECASE)



@pytest.fixture
async def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[App]:
    monkeypatch.setattr("bot.core.exports.run.EXPORT_DIR", tmp_path / "exports")
    async with running_app(tmp_path, admins=ADMIN, campaigns=(OCT, NOV)) as opened:
        yield opened


async def fill(app: App) -> dict[str, int]:
    """A small province: teams, volunteers, visits, lessons, a broadcast, notices."""
    db, at = app.services.db, DURING - timedelta(days=10)
    communes = [c.code for c in app.services.communes.all()[:6]]
    made = [await teams.create(db, f"T{i}", f"Tổ {i}", communes[i % 6], None, at)
            for i in range(12)]
    ids: dict[str, int] = {}
    for key, role in ((LEADER, teams.LEADER), (VOLUNTEER, teams.VOLUNTEER)):
        user = await users.touch(db, "telegram", key, "en", at)
        await teams.join(db, user.id, made[0].id, f"TNV {key}", at)
        await teams.set_role(db, user.id, made[0].id, role)
        ids[key] = user.id
    people = [(await users.touch(db, "telegram", str(9000 + i), "vi", at)).id
              for i in range(60)]
    for i, person in enumerate(people[:30]):
        await teams.join(db, person, made[i % 12].id, f"N {i}", at)
    lessons = list(app.services.catalog.lessons)
    for i in range(400):
        team = made[i % 12]
        await add_visit(db, people[i % 30], team.id, DURING - timedelta(hours=i % 90),
                        f"ho {i % 150}", 1 + i % 4, team.commune_code, ("payment",),
                        deleted=i % 40 == 0)
    for i, person in enumerate(people):
        for lesson in lessons[i % 5: i % 5 + 6]:
            await progress.start(db, person, lesson, at)
            await progress.complete(db, person, lesson, 0, 2, DURING - timedelta(hours=i))
    return ids


async def tour(app: App, now: datetime, depth_two: int = 3) -> None:
    """Every command for every role, every button of its answer, a few buttons further."""
    core = Core(app.services, clock=Clock(now))
    skip = {"deleteme"}  # last, below: it erases the role being toured

    def kept(action: str) -> bool:
        return action.split(":")[0] != privacy_flow.YES.name
    for key in (CITIZEN, VOLUNTEER, LEADER, ADMIN):
        chat = Chat(core, key, "en")
        for name in app.services.router.commands:
            if name in skip:
                continue
            await chat.say(f"/{name}")
            first = [b.action for reply in chat.last for b in reply.options()]
            for action in filter(kept, first):
                await chat.press(action)
                further = [b.action for r in chat.last for b in r.options()]
                for button in list(filter(kept, further))[:depth_two]:
                    await chat.press(button)
                await chat.say("/cancel")
        await chat.say("/stats 2026-10-02 2026-10-04")
        await chat.say("/stats Anh Sơn")
        await chat.say("vneid")  # free text: the lesson finder


async def workers(app: App, ids: dict[str, int]) -> None:
    """What the workers and the flows that need typed input run: visits, help requests,
    notices, a broadcast and its deliveries, the retention purge, /deleteme."""
    db, now = app.services.db, DURING
    record = visits.VisitRecord("17329", "thon 1", "ho a", "17329|thon 1|ho a", 2,
                                frozenset({"payment"}), frozenset(), None, None, now)
    number, _ = await visits.save_new(db, "plan-draft", ids[VOLUNTEER], 1, record, now)
    await visits.saved_from(db, "plan-draft")
    await visits.update(db, number, ids[VOLUNTEER], record, now)
    await visits.earlier_visits(db, record.household_key, number)
    await visits.recent_hamlets(db, ids[VOLUNTEER], "17329")
    await visits.latest_of(db, ids[VOLUNTEER])
    await visits.soft_delete(db, number, ids[VOLUNTEER], now)
    async with db.transaction() as conn:
        request = await help_requests.insert(conn, ids[VOLUNTEER] + 5, "Lan", "17329", "Xóm 3",
                                             "0912345678", None, now)
        if request is not None:
            await help_requests.take(conn, request, ids[VOLUNTEER], now)
            await outbox.insert(conn, ids[LEADER], '{"text": "hgo:1 Lan"}', now)
    await help_requests.active_of(db, ids[VOLUNTEER] + 5)
    await help_requests.not_escalated_since(db, now)
    await help_requests.recent(db, now - timedelta(days=7), "17329")
    await help_requests.taken_by(db, ids[VOLUNTEER])
    for waiting in await outbox.pending(db, "telegram"):
        await outbox.mark_sent(db, waiting.id, now)
    await outbox.recipients(db, [ids[LEADER], ids[VOLUNTEER]])
    for kind, value in ((audiences.EVERYONE, None), (audiences.VOLUNTEERS, None),
                        (audiences.LEADERS, None), (audiences.COMMUNE, "17329"),
                        (audiences.LANGUAGE, "vi"), (audiences.CITIZENS, None)):
        await audiences.count_recipients(db, Audience(kind, value), ("telegram",))
    made = await broadcasts.create(db, ids[LEADER], "Xin chào", None,
                                   Audience(audiences.EVERYONE), None, now, None,
                                   channels=("telegram",))
    assert made is not None
    job = made[0]
    await broadcasts.next_due(db, now, True)
    await broadcasts.start(db, job, now)
    for recipient in await broadcasts.pending_batch(db, job, 0):
        await broadcasts.record(db, job, recipient.user_id, broadcasts.SENT, now)
    await broadcasts.counts(db, [job])
    await broadcasts.finish(db, job, now)
    await audit.latest(db)
    await privacy.audit_page(db, None, 20)
    await privacy.stored_about(db, ids[VOLUNTEER])
    await privacy.purge_expired(db, now)
    await campaigns.complete_among(db, ["oct"])
    async with db.transaction() as conn:
        await privacy.delete_user(conn, ids[VOLUNTEER], privacy.actor_tag("user", 1), now)


def tables_of(sql: str) -> dict[str, str]:
    """Alias or name -> table, for the tables a statement names."""
    found: dict[str, str] = {}
    for table, alias in _TABLE.findall(sql):
        found[table.lower()] = table.lower()
        if alias and alias.lower() not in _KEYWORDS:
            found[alias.lower()] = table.lower()
    return found


async def whole_table_reads(app: App, statements: set[str], least: int = 0
                            ) -> list[tuple[str, str, str]]:
    """(table, plan step, statement) for every step that reads a whole big table (holding
    at least `least` rows here)."""
    sizes = {table: (await app.services.db.fetchall(f"SELECT COUNT(*) FROM {table}"))[0][0]
             for table in BIG}
    found = []
    for sql in sorted(statements):
        rows = await app.services.db.fetchall("EXPLAIN QUERY PLAN " + sql)
        names = tables_of(sql)
        for row in rows:
            step = str(row["detail"])
            match = re.match(r"^SCAN (\w+)", step)
            table = names.get(match.group(1).lower(), match.group(1)) if match else None
            if table not in BIG or sizes[table] < least:
                continue
            if any(t == table and re.search(p, sql) for t, p, _ in ALLOWED):
                continue
            found.append((table, step, sql[:300]))
    return found


async def captured(app: App) -> set[str]:
    """The statements the tour and the workers ran, once each."""
    seen: set[str] = set()

    def keep(sql: str) -> None:
        if not _SKIP.match(sql):
            seen.add(" ".join(sql.split()))

    ids = await fill(app)
    await app.services.db.trace(keep)
    try:
        for now in (DURING, AFTER):
            await tour(app, now)
        await workers(app, ids)
        leaving = Chat(Core(app.services, clock=Clock(DURING)), CITIZEN, "en")
        await leaving.say("/deleteme")
        await leaving.tap("Yes")
    finally:
        await app.services.db.trace(None)
    return seen


async def test_no_statement_reads_a_whole_big_table(app: App) -> None:
    statements = await captured(app)
    # The tour reached the features it is meant to cover (else the check proves nothing).
    for expected in ("FROM commune_hours", "FROM span_points", "FROM frozen_figures",
                     "FROM completion_hours", "LIMIT", "INSERT INTO visits",
                     "UPDATE lesson_progress", "FROM visits v LEFT JOIN teams t",
                     "DELETE FROM users", "INSERT INTO deliveries", "FROM frozen_volunteers"):
        assert any(expected in s for s in statements), expected
    assert len(statements) > 150
    assert await whole_table_reads(app, statements) == []
    # With SQLite's statistics too (the bot never gathers them, an operator might). They are
    # gathered on this small province, where reading a table of a few dozen rows whole is
    # SQLite's right choice: the tables filled like a province's are checked.
    async with app.services.db.transaction() as conn:
        await conn.execute("ANALYZE")
    assert await whole_table_reads(app, statements, least=300) == []


async def test_every_foreign_key_to_a_big_table_has_an_index(app: App) -> None:
    """Deleting a user finds the rows pointing at them through an index on each foreign key
    (SQLite reads the whole child table otherwise, under the write lock)."""
    db = app.services.db
    tables = [r[0] for r in await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    missing = []
    for table in tables:
        keys = await db.fetchall(f"SELECT * FROM pragma_foreign_key_list('{table}')")
        indexes = await db.fetchall(f"SELECT name FROM pragma_index_list('{table}')")
        leading = set()
        for index in indexes:
            columns = await db.fetchall(f"SELECT name FROM pragma_index_info('{index[0]}')")
            if columns:
                leading.add(columns[0][0])
        pk = await db.fetchall(f"SELECT name FROM pragma_table_info('{table}') WHERE pk = 1")
        leading.update(r[0] for r in pk)
        for key in keys:
            # visits are never deleted (they are marked deleted): a follow-up's link to the
            # visit it follows needs no index.
            if key["from"] not in leading and (table, key["from"]) != ("visits", "follow_up_of"):
                missing.append((table, key["from"], key["table"]))
    assert missing == []
