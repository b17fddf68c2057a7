"""Database.execute commits writes that arrive together in one transaction (group commit)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.storage.db import open_database

INSERT = ("INSERT INTO users (channel, external_id, locale, created_at, last_seen_at) "
          "VALUES ('telegram', ?, 'vi', '2026-11-28', '2026-11-28') RETURNING id, external_id")


def _external_ids(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:  # another connection: sees only what was committed
        return sorted(row[0] for row in conn.execute("SELECT external_id FROM users"))


async def test_writes_arriving_together_are_all_committed_in_fewer_transactions(
        tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.db")
    statements: list[str] = []
    await db.trace(statements.append)
    try:
        results = await asyncio.gather(*(db.execute(INSERT, (str(n),)) for n in range(50)))
    finally:
        await db.trace(None)
    assert [row[1] for rows in results for row in rows] == [str(n) for n in range(50)]
    assert len({rows[0][0] for rows in results}) == 50  # each caller got its own row back
    assert _external_ids(tmp_path / "bot.db") == sorted(str(n) for n in range(50))
    transactions = sum(1 for s in statements if s.startswith("BEGIN"))
    assert 1 <= transactions < 25  # batched, not one transaction per write
    await db.close()


async def test_a_failing_write_fails_only_for_its_caller(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.db")
    await db.execute(INSERT, ("taken",))
    outcomes = await asyncio.gather(
        db.execute(INSERT, ("a",)), db.execute(INSERT, ("taken",)),
        db.execute(INSERT, ("b",)), return_exceptions=True)
    assert isinstance(outcomes[1], sqlite3.IntegrityError)
    assert not isinstance(outcomes[0], BaseException)
    assert not isinstance(outcomes[2], BaseException)
    assert _external_ids(tmp_path / "bot.db") == ["a", "b", "taken"]
    await db.close()


async def test_a_failing_statement_leaves_nothing_of_itself(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.db")
    await db.execute(INSERT, ("taken",))
    two_rows = ("INSERT INTO users (channel, external_id, locale, created_at, last_seen_at) "
                "VALUES ('telegram', 'new', 'vi', 'x', 'x'), ('telegram', 'taken', 'vi', 'x', 'x')")
    outcomes = await asyncio.gather(db.execute(INSERT, ("c",)), db.execute(two_rows),
                                    return_exceptions=True)
    assert isinstance(outcomes[1], sqlite3.IntegrityError)
    assert _external_ids(tmp_path / "bot.db") == ["c", "taken"]  # no "new"
    await db.close()


async def test_closing_commits_the_writes_already_asked_for(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.db")
    pending = [asyncio.create_task(db.execute(INSERT, (str(n),))) for n in range(10)]
    await asyncio.sleep(0)  # the writes are queued, not yet committed
    await db.close()
    assert all(task.done() and not task.exception() for task in pending)
    assert len(_external_ids(tmp_path / "bot.db")) == 10


async def test_writes_and_transactions_interleave_without_swallowing_each_other(
        tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.db")

    async def in_transaction(name: str) -> None:
        async with db.transaction() as conn:
            await conn.execute(INSERT.split(" RETURNING")[0], (name,))
            await asyncio.sleep(0)  # let queued writes try to get in meanwhile
            raise RuntimeError("rolled back")

    outcomes = await asyncio.gather(
        *(db.execute(INSERT, (f"w{n}",)) for n in range(5)), in_transaction("t"),
        *(db.execute(INSERT, (f"x{n}",)) for n in range(5)), return_exceptions=True)
    assert sum(isinstance(o, RuntimeError) for o in outcomes) == 1
    names = _external_ids(tmp_path / "bot.db")
    assert "t" not in names and len(names) == 10
    await db.close()


@pytest.mark.parametrize("count", [1, 2])
async def test_returning_rows_come_back_for_one_or_several(tmp_path: Path, count: int) -> None:
    db = await open_database(tmp_path / "bot.db")
    results = await asyncio.gather(*(db.execute(INSERT, (f"r{n}",)) for n in range(count)))
    assert [rows[0]["external_id"] for rows in results] == [f"r{n}" for n in range(count)]
    await db.close()


async def test_several_statements_as_one_write_stand_or_fall_together(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.db")
    await db.execute(INSERT, ("taken",))
    kept, failed, alone = await asyncio.gather(
        db.execute_all([(INSERT, ("p",)), (INSERT, ("q",))]),
        db.execute_all([(INSERT, ("r",)), (INSERT, ("taken",))]),
        db.execute_all([(INSERT, ("s",))]), return_exceptions=True)
    assert not isinstance(kept, BaseException)
    assert [rows[0]["external_id"] for rows in kept] == ["p", "q"]
    assert isinstance(failed, sqlite3.IntegrityError)
    assert not isinstance(alone, BaseException)
    assert _external_ids(tmp_path / "bot.db") == ["p", "q", "s", "taken"]  # no "r"
    with pytest.raises(sqlite3.IntegrityError):  # alone in its batch too
        await db.execute_all([(INSERT, ("u",)), (INSERT, ("taken",))])
    assert "u" not in _external_ids(tmp_path / "bot.db")
    await db.close()
