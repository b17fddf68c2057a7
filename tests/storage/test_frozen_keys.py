"""An ended campaign's frozen copy names no household (#15): it keeps a keyed hash of each
visit's household key, the same for the same household, so households are still counted."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from bot.core.visits import household_key
from bot.storage import campaigns, visits
from bot.storage.db import keyed_hash, migrations, open_database
from tests.factories import add_visit
from tests.storage.test_summaries import rebuilt, tables

NOW = datetime(2026, 10, 5, 3, 0, tzinfo=UTC)


async def test_frozen_visits_keep_a_keyed_hash_and_count_the_same_households(
        tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.db")
    try:
        for household in ("nguyen van a", "nguyen van a", "tran thi b"):
            await add_visit(db, None, None, NOW, household=household)
        await campaigns.freeze(db, [campaigns.Due("oct", "", "9999")], NOW)
        keys = [str(r[0]) for r in await db.fetchall(
            "SELECT household_key FROM frozen_visits ORDER BY visit_id")]
        assert len(keys) == 3 and keys[0] == keys[1] != keys[2]
        assert not any("nguyen" in key or "tran" in key or "|" in key for key in keys)
        secret = await db.fetchone("SELECT value FROM secrets WHERE name = 'household'")
        assert secret is not None and len(bytes(secret[0])) == 32
        assert keys[2] == keyed_hash(bytes(secret[0]), "17329|thon 1|tran thi b")
    finally:
        await db.close()


def test_the_hash_depends_on_the_key() -> None:
    assert keyed_hash(b"k1", "a") == keyed_hash(b"k1", "a") != keyed_hash(b"k2", "a")
    assert keyed_hash(None, "a") is None and keyed_hash(b"k1", None) is None


async def test_the_live_keys_are_hashed_once_and_follow_ups_keep_their_first_visit(
        tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:  # as v018 left it
        conn.create_function("keyed_hash", 2, keyed_hash, deterministic=True)
        for version, _name, sql in migrations()[:18]:
            conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;")
        # A household visited first, then twice as a follow-up; another household once.
        for number, (household, follow) in enumerate(
                [("nguyen van a", None), ("nguyen van a", 1), ("nguyen van a", 1),
                 ("tran thi b", None)], start=1):
            at = f"2026-10-0{number}T03:00:00+00:00"
            conn.execute(
                "INSERT INTO visits (id, draft_id, commune_code, hamlet, household, "
                "household_key, people, follow_up_of, visited_at, created_at, updated_at, "
                "consent_at) VALUES (?, ?, '17329', 'thon 1', ?, ?, 2, ?, ?, ?, ?, ?)",
                (number, f"d{number}", household, f"17329|thon 1|{household}", follow, at, at,
                 at, at))
    db = await open_database(path)  # applies v019 only
    try:
        rows = await db.fetchall("SELECT id, household_key, follow_up_of FROM visits "
                                 "ORDER BY id")
        assert [(r[0], r[2]) for r in rows] == [(1, None), (2, 1), (3, 1), (4, None)]
        assert rows[0][1] == rows[1][1] == rows[2][1] != rows[3][1]
        assert not any("|" in str(r[1]) or "nguyen" in str(r[1]) for r in rows)
        assert await tables(db) == await rebuilt(db)  # the summaries hold the same keys
        secret = await visits.household_secret(db)
        assert rows[3][1] == household_key("17329", "Thôn 1", "Trần Thị B", secret)
    finally:
        await db.close()
