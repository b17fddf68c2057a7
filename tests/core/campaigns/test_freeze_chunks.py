"""An ended campaign is frozen chunk by chunk: others' writes go on meanwhile, a crash resumes,
and visits logged after the freeze began are never in it."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.app import App
from bot.core.campaigns import ended_campaigns, start_freezing
from bot.storage import campaigns as store
from bot.storage import dialogs, teams
from bot.storage.db import migrations, open_database
from tests.core.visits.test_figures import SETUP, local, open_test_app, volunteer
from tests.factories import ANH_SON, add_many_visits, add_visit

AFTER = local(2026, 10, 12)  # two days after the campaign's last day


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    opened = await open_test_app(tmp_path)
    yield opened
    await opened.close()


async def _visits(app: App, count: int) -> list[int]:
    """count visits inside the campaign (every 50th deleted) and one before it; the ids of
    those the campaign's frozen copy must hold."""
    db = app.services.db
    team = await teams.create(db, "ANHSON1", "Tổ 1", ANH_SON, None, SETUP)
    me = await volunteer(app, "101", team)
    await add_visit(db, me, team.id, local(2026, 9, 20), "before the campaign")
    start = local(2026, 10, 2)
    await add_many_visits(db, [me], [team], [start.replace(minute=i % 60).isoformat()
                                             for i in range(count)])
    rows = await db.fetchall("SELECT id FROM visits WHERE visited_at >= ? AND deleted_at IS NULL "
                             "ORDER BY id", (local(2026, 10, 1, 0).isoformat(),))
    return [int(r[0]) for r in rows]


async def _until(found: Callable[[], Awaitable[object]]) -> None:
    """Let the loop run until found() returns something (the copy runs as another task)."""
    for _ in range(10_000):
        if await found():
            return
        await asyncio.sleep(0)
    raise AssertionError("the copy never started")


async def _frozen(app: App) -> list[int]:
    rows = await app.services.db.fetchall(
        "SELECT visit_id FROM frozen_visits WHERE campaign = 'oct' ORDER BY visit_id")
    return [int(r[0]) for r in rows]


async def _complete(app: App) -> bool:
    return bool(await store.complete_among(app.services.db, ["oct"]))


async def test_the_copy_goes_in_chunks_and_counts_only_when_complete(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "CHUNK", 7)
    expected = await _visits(app, 30)
    (due,) = ended_campaigns(app.services.config, AFTER)
    await store.claim(app.services.db, due, AFTER)
    assert not await store.copy_chunk(app.services.db, due, AFTER)
    assert 0 < len(await _frozen(app)) < len(expected)
    assert not await _complete(app)
    assert await store.freeze(app.services.db, [due], AFTER) == ["oct"]
    assert await _frozen(app) == expected and await _complete(app)
    assert await store.freeze(app.services.db, [due], AFTER) == []  # once


async def test_other_writes_go_between_the_chunks(app: App,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "CHUNK", 1)
    expected = await _visits(app, 300)
    db = app.services.db
    freezing = asyncio.create_task(
        app.services.freezer.ensure(db, ended_campaigns(app.services.config, AFTER), AFTER))
    await _until(lambda: db.fetchone("SELECT 1 FROM campaign_freezes"))  # the copy has begun
    user = (await db.fetchone("SELECT id FROM users"))[0]  # type: ignore[index]
    for n in range(3):  # someone's lesson going on meanwhile
        await dialogs.save_state(db, user, {"step": n}, AFTER)
        # Written while the copy is still going, not after it.
        assert len(await _frozen(app)) < len(expected) and not freezing.done()
    await freezing
    assert await _complete(app) and await _frozen(app) == expected


async def test_the_copy_starts_at_the_campaigns_first_visit(app: App) -> None:
    expected = await _visits(app, 5)
    (due,) = ended_campaigns(app.services.config, AFTER)
    await store.claim(app.services.db, due, AFTER)
    row = await app.services.db.fetchone(store.PROGRESS_SQL, (due.key,))
    assert row is not None
    copied_to, last = row[0], row[1]
    assert 1 <= copied_to < min(expected)  # past the visit before the campaign, none missed
    assert last == max(expected)


async def test_visits_logged_after_the_freeze_began_are_not_in_it(app: App) -> None:
    expected = await _visits(app, 5)
    db = app.services.db
    (due,) = ended_campaigns(app.services.config, AFTER)
    await store.claim(db, due, AFTER)
    team = await teams.by_code(db, "ANHSON1")
    assert team is not None
    me = (await db.fetchone("SELECT volunteer_id FROM visits LIMIT 1"))[0]  # type: ignore[index]
    await add_visit(db, me, team.id, local(2026, 10, 9), "logged late, dated back")
    await store.freeze(db, [due], AFTER)
    assert await _frozen(app) == expected


async def test_a_copy_cut_off_by_a_crash_resumes_where_it_stopped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "CHUNK", 4)
    app = await open_test_app(tmp_path)
    expected = await _visits(app, 21)
    (due,) = ended_campaigns(app.services.config, AFTER)
    await store.claim(app.services.db, due, AFTER)
    await store.copy_chunk(app.services.db, due, AFTER)
    await store.copy_chunk(app.services.db, due, AFTER)
    await app.close()  # the process ends with the copy half done
    app = await open_test_app(tmp_path)
    try:
        await start_freezing(app.services, AFTER)  # what the workers' minute does
        await app.services.freezer.ensure(app.services.db, [due], AFTER)
        assert await _frozen(app) == expected and await _complete(app)
    finally:
        await app.close()


async def test_closing_the_app_stops_a_copy_in_progress(app: App,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "CHUNK", 1)
    await _visits(app, 200)
    await start_freezing(app.services, AFTER)
    await _until(lambda: app.services.db.fetchone("SELECT 1 FROM frozen_visits"))
    await app.services.freezer.stop()
    assert not await _complete(app)


async def test_freezes_made_before_the_chunks_count_as_complete(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:  # a database as version 6 left it, one freeze made
        for version, _name, sql in migrations()[:6]:
            conn.executescript(f"{sql}\nPRAGMA user_version = {version};")
        conn.execute("INSERT INTO campaign_freezes (campaign, frozen_at) "
                     "VALUES ('oct', '2026-10-11T00:01:00+07:00')")
    conn.close()
    db = await open_database(path)
    try:
        assert await store.complete_among(db, ["oct", "nov"]) == {"oct"}
    finally:
        await db.close()
