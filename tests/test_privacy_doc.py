"""docs/PRIVACY.md names every table of the database (#15): the ones holding personal data in
its table, with what, about whom and why, and the others in the line after it."""

from __future__ import annotations

import re
from pathlib import Path

from bot.storage.db import open_database
from tests.factories import ROOT


async def test_every_table_of_the_schema_is_in_the_privacy_document(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.db")
    try:
        rows = await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table' "
                                 "AND name NOT LIKE 'sqlite_%'")
    finally:
        await db.close()
    tables = {str(row[0]) for row in rows}
    text = (ROOT / "docs" / "PRIVACY.md").read_text(encoding="utf-8")
    stored = text.split("## What is stored", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`([a-z_]+)`", stored))
    assert tables - named == set(), "tables missing from docs/PRIVACY.md"
    described = {name for line in stored.splitlines() if line.startswith("| `")
                 for name in re.findall(r"`([a-z_]+)`", line.split("|")[1])}
    assert described <= tables, f"described but not in the schema: {described - tables}"
