"""Exports: /export for admins (XLSX and CSV as documents), the command line, and the writers."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.app import App, open_app
from bot.core.exports import Column, Kind, Setting, XlsxWriter
from bot.core.exports import run as report
from bot.core.service import Core
from bot.core.shared.communes import Communes
from bot.core.shared.dates import DateRangeError, DayRange, Problem, parse_range
from bot.core.shared.skills import DOMAINS
from bot.storage import audit, teams, users
from bot.storage import exports as store
from bot.storage.db import Database, open_database
from bot.storage.teams import LEADER
from tests.factories import ADMIN, ANH_SON, ROOT, Chat, make_config, payload_of, running_app
from tests.fakes.harness import running_bot
from tests.fakes.telegram import FakeBotApi

CITIZEN = "888"
NOW = datetime(2026, 10, 12, 3, 0, tzinfo=UTC)  # two days after the campaign (1-10 October)
TELEGRAM_IDS = ("5550001111", "5550002222", "5550003333")  # the volunteers' and learner's
CAMPAIGN = DayRange(date(2026, 10, 1), date(2026, 10, 10))
JOIN_CODES = ("ANHSON1", "VINHLOC1")
DELETED_HOUSEHOLD = "Hộ đã rút"  # a deleted visit's label, as rows deleted long ago keep it


def utc(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 10) -> datetime:
    """A moment in UTC (Vietnam is 7 hours ahead)."""
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


@dataclass(frozen=True)
class Seeded:
    """Ids of what seed() inserted."""

    team: int
    learner: int
    visits: dict[str, int]
    payment_lessons: int


async def add_visit(db: Database, volunteer: int, team: int, when: datetime, household: str,
                    *, s_payment: int = 0, o_vneid_level2: int = 0,
                    follow_up_of: int | None = None, deleted_at: datetime | None = None) -> int:
    async with db.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO visits (draft_id, volunteer_id, team_id, commune_code, hamlet, "
            "household, household_key, people, s_payment, o_vneid_level2, follow_up_of, "
            "visited_at, created_at, updated_at, deleted_at) "
            "VALUES (?, ?, ?, ?, 'Thôn 3', ?, ?, 3, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (f"d{when.timestamp()}{household}", volunteer, team, ANH_SON, household,
             f"{ANH_SON}|thon 3|{household.lower()}", s_payment, o_vneid_level2, follow_up_of,
             when.isoformat(), when.isoformat(), when.isoformat(),
             deleted_at.isoformat() if deleted_at else None))
        row = await cur.fetchone()
        await cur.close()
    assert row is not None
    return int(row[0])


async def complete(db: Database, user: int, lesson: str, when: datetime) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO lesson_progress (user_id, lesson_id, position, status, started_at, "
            "updated_at, completed_at) VALUES (?, ?, 5, 'done', ?, ?, ?)",
            (user, lesson, when.isoformat(), when.isoformat(), when.isoformat()))


async def seed(app: App) -> Seeded:
    """Two teams, two volunteers, visits in and around the campaign (one deleted), one
    learner."""
    db = app.services.db
    lan, minh, learner = [await users.touch(db, "telegram", tid, "vi", NOW)
                          for tid in TELEGRAM_IDS]
    await users.set_locale(db, learner.id, "en")
    team = await teams.create(db, "ANHSON1", "Tổ công nghệ số thôn 3", ANH_SON, None,
                              utc(20, 3, month=9))
    vinh_loc = Communes(40).find("vinh loc")[0].code
    await teams.create(db, "VINHLOC1", "Tổ khối 2", vinh_loc, None, NOW)
    await teams.join(db, lan.id, team.id, "Lan", NOW)
    await teams.join(db, minh.id, team.id, "Minh", NOW)
    await teams.set_role(db, minh.id, team.id, LEADER)
    first = await add_visit(db, lan.id, team.id, utc(1, 17, 30), "Nguyễn Văn A", s_payment=1,
                            o_vneid_level2=1)  # 2 October, 00:30 in Vietnam
    visits = {
        "first": first,
        "follow_up": await add_visit(db, lan.id, team.id, utc(3, 2), "Nguyễn Văn A",
                                     follow_up_of=first),
        "formula": await add_visit(db, minh.id, team.id, utc(4, 3), "=1+2"),
        "deleted": await add_visit(db, minh.id, team.id, utc(4, 5), DELETED_HOUSEHOLD,
                                   deleted_at=utc(4, 6)),
        "last_second": await add_visit(db, minh.id, team.id, utc(10, 16, 59, 59), "Hồ Thị B"),
        "day_before": await add_visit(db, lan.id, team.id, utc(30, 16, 59, month=9), "Trước"),
        "day_after": await add_visit(db, lan.id, team.id, utc(10, 17), "Sau"),
    }
    payment = [x.id for x in app.services.catalog.by_skill("payment")]
    for i, lesson in enumerate(payment):
        await complete(db, learner.id, lesson, utc(5, 2 + i))
    await complete(db, learner.id, app.services.catalog.by_skill("shopping")[0].id,
                   utc(20, 3, month=9))
    await complete(db, lan.id, app.services.catalog.by_skill("shopping")[0].id,
                   utc(20, 3, month=9))  # before the campaign: Lan is no learner of it
    return Seeded(team.id, learner.id, visits, len(payment))


@pytest.fixture
async def admin_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[App]:
    monkeypatch.setattr(report, "EXPORT_DIR", tmp_path / "exports")
    async with running_app(tmp_path) as opened:
        yield opened


def chat(app: App, user: str = ADMIN, now: datetime = NOW) -> Chat:
    return Chat(Core(app.services, clock=lambda: now), user=user, locale="en")


def sheet_rows(ws: Any) -> list[dict[str, Any]]:
    header = [c.value for c in ws[1]]
    return [dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2,
                                                                        values_only=True)]


async def test_an_admin_exports_the_campaign_as_a_workbook_and_csv(admin_app: App) -> None:
    seeded = await seed(admin_app)
    admin = chat(admin_app)
    asked = await admin.say("/export")
    assert "Choose the period" in asked.text
    reply = await admin.tap("📅")
    assert "Export for Oct 1, 2026 – Oct 10, 2026: 4 visits, 2 teams, 1 learner." in reply.text
    workbook, *csvs = (Path(p) for p in reply.documents)
    assert workbook.suffix == ".xlsx" and [p.name.split("_")[0] for p in csvs] == [
        "visits", "teams", "learning-progress"]
    book = openpyxl.load_workbook(workbook)
    assert book.sheetnames == ["Visits", "Teams", "Learning progress"]
    ws = book["Visits"]
    assert ws.freeze_panes == "A2" and ws["A1"].font.b
    assert ws.column_dimensions["B"].width >= 15
    visits = {r["Visit no."]: r for r in sheet_rows(ws)}
    ids = seeded.visits
    assert set(visits) == {ids["first"], ids["follow_up"], ids["formula"], ids["last_second"]}
    first = visits[ids["first"]]
    assert first["Date and time"] == datetime(2026, 10, 2, 0, 30)  # local time
    assert ws["B2"].is_date and ws["B2"].number_format.startswith("dd/mm/yyyy")
    assert (first["Commune code"], first["Commune"]) == (ANH_SON, "Xã Anh Sơn")
    assert (first["Team no."], first["Team"], first["Volunteer"], first["People"]) == (
        seeded.team, "Tổ công nghệ số thôn 3", "Lan", 3)
    assert first["Guided: Online payment"] == 1 and first["Guided: Online shopping"] == 0
    assert first["Result: VNeID level 2 activated"] == 1
    assert visits[ids["follow_up"]]["Follow-up of visit no."] == ids["first"]
    assert visits[ids["formula"]]["Household"] == "=1+2"  # text, never a formula
    assert visits[ids["last_second"]]["Date and time"] == datetime(2026, 10, 10, 23, 59, 59)

    team = {r["Team no."]: r for r in sheet_rows(book["Teams"])}[seeded.team]
    assert (team["Team"], team["Commune"], team["Members"], team["Leaders"]) == (
        "Tổ công nghệ số thôn 3", "Xã Anh Sơn", 2, 1)
    assert (team["Visits in the period"], team["Households in the period"]) == (4, 3)
    assert team["Created on"] == datetime(2026, 9, 20)

    [learner] = sheet_rows(book["Learning progress"])
    assert learner["Learner (pseudonymous no.)"] == seeded.learner
    assert learner["Language"] == "en"
    assert learner["Lessons completed in the period"] == seeded.payment_lessons
    assert learner["Lessons completed by the end of the period"] == seeded.payment_lessons + 1
    assert learner["Skills mastered in the period"] == 1
    assert learner["Mastered: Online payment"] == 1 and learner["All five skills mastered"] == 0
    by_domain = {name: learner[f"Lessons completed, domain: {name}"] for name in DOMAINS.values()}
    assert sum(by_domain.values()) == seeded.payment_lessons + 1  # each lesson has its domain

    everything = [str(c) for s in book for row in s.iter_rows(values_only=True) for c in row]
    everything += [p.read_text("utf-8-sig") for p in csvs]
    assert not [tid for tid in TELEGRAM_IDS if any(tid in text for text in everything)]

    admin_id = (await users.get(admin_app.services.db, "telegram", ADMIN)).id  # type: ignore
    [entry] = await audit.latest(admin_app.services.db)
    assert (entry.actor_id, entry.action) == (admin_id, "export")
    event = audit.parse(entry.detail)  # ids, dates and counts only
    assert event is not None and set(event) == {"event", "via", "first", "last", "visits",
                                                "teams", "learners"}
    assert (event["event"], event["via"], event["first"], event["last"], event["visits"]) \
        == ("export", "chat", "2026-10-01", "2026-10-10", 4)


async def test_the_csv_files_open_in_excel_with_vietnamese_intact(admin_app: App) -> None:
    await seed(admin_app)
    admin = chat(admin_app)
    reply = await admin.say("/export 01/10/2026 10/10/2026")
    visits_csv = Path(reply.documents[1])
    raw = await asyncio.to_thread(visits_csv.read_bytes)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 4
    assert {r["Household"] for r in rows} == {"Nguyễn Văn A", "'=1+2", "Hồ Thị B"}
    assert rows[0]["Commune"] == "Xã Anh Sơn" and rows[0]["Date and time"] == (
        "2026-10-02 00:30:00")


async def test_typed_dates_and_their_mistakes(admin_app: App) -> None:
    await seed(admin_app)
    admin = chat(admin_app)
    await admin.say("/export")
    assert "before the first day" in (await admin.say("10/10/2026 01/10/2026")).text
    assert "I found no dates" in (await admin.say("last week please")).text
    assert "“31/02/2026” is not a date" in (await admin.say("31/02/2026 03/03/2026")).text
    assert "just two dates" in (await admin.say("1/10/2026 2/10/2026 3/10/2026")).text
    assert await audit.latest(admin_app.services.db) == []
    reply = await admin.say("2026-10-02 2026-10-03")
    assert "2 visits" in reply.text and len(reply.documents) == 4
    closed = await admin.press(payload_of("exw"))  # the form closed with the export
    assert "already closed" in closed.text and not closed.documents


async def test_an_empty_period_exports_nothing(admin_app: App) -> None:
    await seed(admin_app)
    admin = chat(admin_app)
    await admin.say("/export")
    reply = await admin.say("01/01/2026 31/01/2026")
    assert "Nothing to export" in reply.text and not reply.documents
    assert "🗓 Last 7 days" in admin.labels()  # the question stays open
    assert await audit.latest(admin_app.services.db) == []
    assert not (report.EXPORT_DIR.exists() and any(report.EXPORT_DIR.iterdir()))
    assert "Nothing was exported" in (await admin.tap("Cancel")).text


async def test_the_last_seven_days_are_counted_when_pressed(admin_app: App) -> None:
    await seed(admin_app)
    admin = chat(admin_app, now=utc(5, 3))  # 5 October: 29 September to 5 October
    await admin.say("/export")
    reply = await admin.tap("Last 7 days")
    assert "Sep 29, 2026 – Oct 5, 2026: 4 visits" in reply.text


async def test_only_admins_export_even_with_a_forged_or_forwarded_button(
        admin_app: App) -> None:
    await seed(admin_app)
    citizen = chat(admin_app, user=CITIZEN)
    assert "Only admins can export data." in (await citizen.say("/export")).text
    for payload in (payload_of("exd", "20261001", "20261010"), payload_of("exw"),
                    payload_of("exx")):
        refused = await citizen.press(payload)
        assert "Only admins" in refused.text and not refused.documents
    admin = chat(admin_app)
    assert "already closed" in (await admin.press(payload_of("exd", "20261001", "20261010"))).text
    await admin.say("/export")
    assert "before the first day" in (await admin.press(payload_of("exd", "20261010",
                                                               "20261001"))).text
    assert "is not a date" in (await admin.press(payload_of("exd", "20261399", "20261010"))).text
    assert await audit.latest(admin_app.services.db) == []


async def test_batches_return_every_row_once_across_equal_times(admin_app: App) -> None:
    seeded = await seed(admin_app)
    db = admin_app.services.db
    same = utc(6, 1)
    extra = [await add_visit(db, 1, seeded.team, same, f"Hộ {i}") for i in range(5)]
    start, end = report.bounds(report_setting(admin_app), CAMPAIGN)
    got = [v.id for batch in [b async for b in store.visits(db, start, end, size=2)]
           for v in batch]
    assert len(got) == len(set(got)) == 9 and set(extra) <= set(got)
    names = [t.name for b in [b async for b in store.teams(db, start, end, size=1)]
             for t in b]
    assert sorted(names) == ["Tổ công nghệ số thôn 3", "Tổ khối 2"]  # each once
    learners = [b async for b in store.learners(db, start, end, size=1)]
    assert [[r.user_id for r in b] for b in learners] == [[seeded.learner]]


def report_setting(app: App) -> Setting:
    return Setting(app.services.translations.get("en"), app.services.config.timezone,
                          app.services.communes, report.skill_lessons(app.services.catalog),
                          report.lesson_domains(app.services.catalog))


def test_old_exports_are_removed_after_an_hour(tmp_path: Path) -> None:
    old, recent = tmp_path / "export-old", tmp_path / "export-new"
    for folder in (old, recent):
        folder.mkdir()
        (folder / "report.xlsx").write_bytes(b"x")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    assert report.remove_old_exports(tmp_path) == 1
    assert not old.exists() and recent.exists()


def test_the_workbook_writer_keeps_text_as_text(tmp_path: Path) -> None:
    book = XlsxWriter(tmp_path)
    sheet = book.add_sheet("Tên: thử/[1]", [Column("Text", Kind.TEXT), Column("N", Kind.NUMBER),
                                             Column("Day", Kind.DATE)])
    sheet.append([("a\x00b<&>", True, date(2026, 10, 1)), ("  padded ", 2.5, None)])
    with pytest.raises(ValueError, match="time zones"):
        sheet.append([("x", 1, datetime(2026, 10, 1, tzinfo=UTC))])
    with pytest.raises(ValueError, match="expected 3 values"):
        sheet.append([("x", 1)])
    book.save(tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert ws is not None and ws.title == "Tên  thử  1 "
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=2)] == [
        ["ab<&>", 1, datetime(2026, 10, 1)], ["  padded ", 2.5, None]]


@given(st.text(max_size=60))
def test_typed_text_is_a_range_or_a_clear_problem(text: str) -> None:
    try:
        period = parse_range(text)
    except DateRangeError as exc:
        assert isinstance(exc.problem, Problem)
    else:
        assert period.first <= period.last


@given(st.dates(date(2000, 1, 1), date(2100, 12, 31)),
       st.dates(date(2000, 1, 1), date(2100, 12, 31)), st.booleans(), st.booleans())
def test_typed_dates_are_read_back_exactly(a: date, b: date, iso: bool, padded: bool) -> None:
    def written(day: date) -> str:
        if iso:
            return day.isoformat()
        return day.strftime("%d/%m/%Y") if padded else f"{day.day}/{day.month}/{day.year}"
    text = f"{written(a)} đến {written(b)}"
    if b < a:
        with pytest.raises(DateRangeError):
            parse_range(text)
    else:
        assert parse_range(text) == DayRange(a, b)


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "BOT_DATABASE": str(tmp_path / "bot.db")}
    return subprocess.run([sys.executable, "-m", "bot", "export", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_command_line_writes_the_workbook_and_the_csv_files(tmp_path: Path) -> None:
    async def prepare() -> None:
        app = await open_app(make_config(tmp_path))
        try:
            await seed(app)
        finally:
            await app.close()

    asyncio.run(prepare())
    out, csv_dir = tmp_path / "out" / "report.xlsx", tmp_path / "csv"
    done = run_cli(tmp_path, "--from", "2026-10-01", "--to", "10/10/2026", "--out", str(out),
                   "--csv", str(csv_dir), "--locale", "en")
    assert done.returncode == 0, done.stderr
    assert "4 visits, 2 teams, 1 learners" in done.stdout and str(out) in done.stdout
    assert openpyxl.load_workbook(out).sheetnames == ["Visits", "Teams", "Learning progress"]
    assert sorted(p.name for p in csv_dir.iterdir()) == [
        f"{name}_2026-10-01_2026-10-10.csv" for name in ("learning-progress", "teams", "visits")]

    reversed_dates = run_cli(tmp_path, "--from", "2026-10-10", "--to", "2026-10-01",
                             "--out", str(tmp_path / "r.xlsx"))
    assert reversed_dates.returncode == 2 and "before" in reversed_dates.stderr
    not_a_date = run_cli(tmp_path, "--from", "2026-13-01", "--to", "2026-10-01",
                         "--out", str(tmp_path / "r.xlsx"))
    assert not_a_date.returncode == 2 and "is not a date" in not_a_date.stderr
    empty = run_cli(tmp_path, "--from", "2025-01-01", "--to", "2025-01-31",
                    "--out", str(tmp_path / "r.xlsx"))
    assert empty.returncode == 1 and "Nothing to export" in empty.stderr
    assert not (tmp_path / "r.xlsx").exists()

    async def audited() -> list[audit.AuditEntry]:
        db = await open_database(tmp_path / "bot.db")
        try:
            return await audit.latest(db)
        finally:
            await db.close()

    [entry] = asyncio.run(audited())
    event = audit.parse(entry.detail)
    assert entry.actor_id is None and event is not None
    assert (event["event"], event["via"], event["first"]) == ("export", "command line",
                                                               "2026-10-01")


async def test_the_files_reach_telegram_as_documents(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report, "EXPORT_DIR", tmp_path / "exports")
    setup = await open_app(make_config(tmp_path))
    try:
        await seed(setup)
    finally:
        await setup.close()
    async with FakeBotApi() as api, running_bot(api, tmp_path, BOT_ADMINS="6001"):
        api.send_text(6001, "/export 01/10/2026 10/10/2026", language_code="en")
        await api.wait_text(6001, "Export for")
        await api.wait_idle()
        documents = [c.params["document"] for c in api.sent_to(6001)
                     if c.method == "sendDocument"]
    assert [d.filename.split("_")[0] for d in documents] == [
        "cnscd", "visits", "teams", "learning-progress"]
    book = openpyxl.load_workbook(io.BytesIO(documents[0].data))
    assert len(sheet_rows(book["Visits"])) == 4
