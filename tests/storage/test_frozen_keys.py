"""An ended campaign's frozen copy names no household (#15): it keeps a keyed hash of each
visit's household key, the same for the same household, so households are still counted."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.storage import campaigns
from bot.storage.db import keyed_hash, open_database
from tests.factories import add_visit

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
