"""The statements the admins' side of schools runs (the /stats block and list, the Classes sheet
of an export, a broadcast to a school's students) walk an index: none reads a whole table that
grows with the province, class_students included (tests/storage/test_query_plans.py checks the
rest of the bot the same way, on a province without classes)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App
from bot.core.exports import run as report
from tests.core.reports.test_schools import OCT, chat, three_schools
from tests.factories import running_app
from tests.storage.test_query_plans import _SKIP, ALLOWED, BIG, tables_of

GROWING = BIG | {"class_students"}  # a student each: as many rows as the province's pupils


@pytest.fixture
async def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[App]:
    monkeypatch.setattr(report, "EXPORT_DIR", tmp_path / "exports")
    async with running_app(tmp_path, campaigns=(OCT,)) as opened:
        yield opened


async def test_the_schools_statements_walk_an_index(app: App) -> None:
    await three_schools(app)
    db, seen = app.services.db, set()

    def keep(sql: str) -> None:
        if not _SKIP.match(sql):
            seen.add(" ".join(sql.split()))

    admin = chat(app)
    await db.trace(keep)
    try:
        await admin.say("/stats")
        await admin.tap("🏫 Schools")
        await admin.say("/export 01/09/2026 10/10/2026")
        assert "Classes sheet" in admin.last[-1].text
        await admin.say("/broadcast")
        await admin.say("Họp phụ huynh")
        await admin.tap("Students of a school")
        await admin.tap("Xã Anh Sơn")
        await admin.tap("THCS Anh Sơn")
        await admin.tap("Skip")
        await admin.tap("Send now")
        assert "starts in a moment" in admin.last[-1].text
    finally:
        await db.trace(None)
    for expected in ("FROM class_students cs JOIN lesson_progress p", "FROM schools s WHERE",
                     "FROM class_students WHERE class_id", "c.school_id = CAST("):
        assert any(expected in s for s in seen), expected
    whole = []
    for sql in sorted(seen):
        names = tables_of(sql)
        for row in await db.fetchall("EXPLAIN QUERY PLAN " + sql):
            step = str(row["detail"])
            match = re.match(r"^SCAN (\w+)", step)
            table = names.get(match.group(1).lower(), match.group(1)) if match else None
            if table in GROWING and not any(t == table and re.search(p, sql)
                                            for t, p, _ in ALLOWED):
                whole.append((table, step, sql[:200]))
    assert whole == []
