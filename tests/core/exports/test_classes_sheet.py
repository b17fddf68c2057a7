"""The Classes sheet and CSV file of an export (issue 17): every class as it is now, counts only,
read back from the workbook and the CSV file, from the chat and from the command line."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bot.app import App, open_app
from bot.core.exports import run as report
from bot.core.shared.skills import SKILLS
from bot.core.shared.text import fold
from bot.storage import audit, progress, users
from bot.storage import classes as class_store
from bot.storage.classes import SchoolClass
from tests.core.exports.test_exports import chat, run_cli, seed, sheet_rows, utc
from tests.factories import ANH_SON, VINH, make_config, running_app

CREATED = utc(20, 3, month=9)  # 20 September, 10:00 in Vietnam
JOIN_CODES = ("LOPBAA", "LOPBAB", "LOPMUOI")
NAMES = ("Zephyra", "Quillan", "Marisol")  # students' names: never exported
SKILL_NAMES = [name for _emoji, name in SKILLS.values()]
HEADERS = ["Commune code", "Commune", "School", "Class", "Students (on the day of the export)",
           *(f"{part}: {name}" for name in SKILL_NAMES for part in ("Started", "Finished")),
           "Finished all five skills", "Created on"]


@pytest.fixture
async def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[App]:
    monkeypatch.setattr(report, "EXPORT_DIR", tmp_path / "exports")
    async with running_app(tmp_path) as opened:
        yield opened


async def add_classes(app: App) -> dict[str, int]:
    """THCS Anh Sơn (8A: two students, 8B: none) and a school of Vinh (10A: one student); the
    students' lessons: all five skills, payment only, and one lesson started."""
    db, catalog = app.services.db, app.services.catalog
    teacher = await users.touch(db, "telegram", "700", "vi", CREATED)

    async def new(commune: str, school: str, name: str, code: str) -> SchoolClass:
        return await class_store.create_class(db, commune, school, fold(school), name, code,
                                              teacher.id, True, CREATED)

    made = [await new(ANH_SON, "THCS Anh Sơn", "8A", JOIN_CODES[0]),
            await new(ANH_SON, "THCS Anh Sơn", "8B", JOIN_CODES[1]),
            await new(VINH, "=THPT Vinh", "10A", JOIN_CODES[2])]  # formula-like: kept as text
    everything = [x.id for skill in SKILLS for x in catalog.by_skill(skill)]
    payment = [x.id for x in catalog.by_skill("payment")]
    ids: dict[str, int] = {}
    for key, (name, school_class, done, started) in enumerate((
            (NAMES[0], made[0], everything, []),
            (NAMES[1], made[0], payment, [catalog.by_skill("shopping")[0].id]),
            (NAMES[2], made[2], [], [catalog.by_skill("cyber_safety")[0].id]))):
        user = await users.touch(db, "telegram", f"91{key}", "vi", CREATED)
        await class_store.enrol(db, user.id, school_class.id, name, CREATED)
        for lesson in [*done, *started]:
            await progress.start(db, user.id, lesson, CREATED)
        for lesson in done:
            assert await progress.complete(db, user.id, lesson, 0, 3, CREATED)
        ids[name] = user.id
    return ids


def check_rows(rows: list[dict[str, Any]], created: object) -> None:
    """The three classes, ordered by commune code, with exactly these columns (no join code,
    no name, no user number) and the students' skills counted."""
    by_class = {(r["School"], r["Class"]): r for r in rows}
    assert list(rows[0]) == HEADERS
    assert set(by_class) == {("THCS Anh Sơn", "8A"), ("THCS Anh Sơn", "8B"),
                             ("=THPT Vinh", "10A")}
    first = by_class[("THCS Anh Sơn", "8A")]
    assert (first["Commune code"], first["Commune"]) == (ANH_SON, "Xã Anh Sơn")
    assert first["Students (on the day of the export)"] == 2
    started = [first[f"Started: {name}"] for name in SKILL_NAMES]
    finished = [first[f"Finished: {name}"] for name in SKILL_NAMES]
    # SKILLS order: public services, shopping, payment, cyber safety, other platforms.
    assert started == [1, 2, 2, 1, 1] and finished == [1, 1, 2, 1, 1]
    assert first["Finished all five skills"] == 1 and first["Created on"] == created
    empty = by_class[("THCS Anh Sơn", "8B")]
    assert empty["Students (on the day of the export)"] == 0
    assert [empty[f"Started: {name}"] for name in SKILL_NAMES] == [0] * 5
    vinh = by_class[("=THPT Vinh", "10A")]
    assert vinh["Commune"] == "Phường Thành Vinh" and vinh["Students (on the day of the export)"] \
        == 1 and vinh["Started: Staying safe online"] == 1
    assert vinh["Finished: Staying safe online"] == 0 and vinh["Finished all five skills"] == 0
    ordered = [(r["Commune code"], r["Class"]) for r in rows]
    assert ordered == sorted(ordered, key=lambda pair: pair[0])  # by commune, then school


async def test_the_chat_export_has_a_classes_sheet_and_csv_file(app: App) -> None:
    await seed(app)
    await add_classes(app)
    admin = chat(app)
    reply = await admin.say("/export 01/10/2026 10/10/2026")
    assert "4 visits, 2 teams, 1 learner." in reply.text
    assert "🏫 The Classes sheet has 3 classes as they are today, whatever the period" in \
        reply.text
    workbook, *csvs = (Path(p) for p in reply.documents)
    assert [p.name.split("_")[0] for p in csvs] == ["visits", "teams", "learning-progress",
                                                    "classes"]
    book = openpyxl.load_workbook(workbook)
    assert book.sheetnames == ["Visits", "Teams", "Learning progress", "Classes"]
    sheet = book["Classes"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    check_rows(sheet_rows(sheet), datetime(2026, 9, 20))
    assert sheet.cell(row=4, column=3).data_type == "s"  # "=THPT Vinh" is text, no formula

    raw = await asyncio.to_thread(csvs[-1].read_bytes)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["School"] for r in rows if r["Class"] == "10A"] == ["'=THPT Vinh"]
    for row in rows:
        row["School"] = row["School"].removeprefix("'")
    check_rows([{k: int(v) if v.isdigit() and k not in ("Commune code", "Class") else v
                 for k, v in r.items()} for r in rows], "2026-09-20")

    cells = [str(c) for s in book for row in s.iter_rows(values_only=True) for c in row]
    cells += [p.read_text("utf-8-sig") for p in csvs]
    assert not [code for code in JOIN_CODES if any(code in text for text in cells)]
    assert not [name for name in NAMES if any(name in text for text in cells)]
    entry = (await audit.latest(app.services.db))[0]  # after the classes' own entries
    event = audit.parse(entry.detail)
    assert entry.action == "export"
    assert event is not None and event["classes"] == 3 and event["visits"] == 4


async def test_without_a_class_there_is_no_classes_sheet(app: App) -> None:
    await seed(app)
    reply = await chat(app).say("/export 01/10/2026 10/10/2026")
    assert len(reply.documents) == 4 and "Classes" not in reply.text
    assert openpyxl.load_workbook(reply.documents[0]).sheetnames == [
        "Visits", "Teams", "Learning progress"]


async def test_an_empty_period_exports_nothing_even_with_classes(app: App) -> None:
    await seed(app)
    await add_classes(app)
    reply = await chat(app).say("/export 01/01/2026 31/01/2026")
    assert "Nothing to export" in reply.text and not reply.documents


def test_the_command_line_writes_the_classes_sheet_and_csv_file(tmp_path: Path) -> None:
    async def prepare() -> None:
        opened = await open_app(make_config(tmp_path))
        try:
            await seed(opened)
            await add_classes(opened)
        finally:
            await opened.close()

    asyncio.run(prepare())
    out, csv_dir = tmp_path / "report.xlsx", tmp_path / "csv"
    done = run_cli(tmp_path, "--from", "2026-10-01", "--to", "2026-10-10", "--out", str(out),
                   "--csv", str(csv_dir), "--locale", "en")
    assert done.returncode == 0, done.stderr
    assert "4 visits, 2 teams, 1 learners, 3 classes" in done.stdout
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[-1] == "Classes"
    check_rows(sheet_rows(book["Classes"]), datetime(2026, 9, 20))
    assert (csv_dir / "classes_2026-10-01_2026-10-10.csv").exists()
