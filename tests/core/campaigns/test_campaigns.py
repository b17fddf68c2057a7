"""Campaigns: which one is shown, and their figures frozen when they end."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.config import Campaign
from bot.core.campaigns import days_bounds
from bot.storage import campaigns as campaign_store
from bot.storage import teams
from tests.core.visits.test_figures import (
    CAMPAIGN,
    SETUP,
    TZ,
    block,
    chat,
    local,
    open_test_app,
    volunteer,
)
from tests.factories import ANH_SON, Clock, add_visit


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    opened = await open_test_app(tmp_path)
    yield opened
    await opened.close()


async def frozen_ids(app: App, campaign: str = "oct") -> list[int]:
    rows = await app.services.db.fetchall(
        "SELECT visit_id FROM frozen_visits WHERE campaign = ? ORDER BY visit_id", (campaign,))
    return [int(r[0]) for r in rows]


async def freezes(app: App) -> list[str]:
    rows = await app.services.db.fetchall(
        "SELECT campaign FROM campaign_freezes WHERE completed_at IS NOT NULL ORDER BY 1")
    return [str(r[0]) for r in rows]


async def test_edits_after_the_end_leave_the_campaign_figures_alone(app: App) -> None:
    db = app.services.db
    team = await teams.create(db, "ANHSON1", "Tổ 1", ANH_SON, None, SETUP)
    me = await volunteer(app, "101", team)
    first = await add_visit(db, me, team.id, local(2026, 10, 3), "ho a", 2,
                            outcomes=("vneid_level2",))
    second = await add_visit(db, me, team.id, local(2026, 10, 9), "ho b", 3)
    await add_visit(db, me, team.id, local(2026, 10, 4), "ho x", 8, deleted=True)
    await add_visit(db, me, team.id, local(2026, 10, 12), "ho c", 1)

    clock = Clock(local(2026, 10, 11, 8))
    before = await chat(app, "101", clock).say("/teamstats")
    ended = block(before, "🚩")
    assert "ended, figures frozen" in ended
    assert "🏠 2 households · 👥 5 people · 2 visits" in ended
    assert "✅ VNeID level 2 activated: 1" in ended
    assert await freezes(app) == ["oct"] and await frozen_ids(app) == [first, second]
    mine = block(await chat(app, "101", clock).say("/mystats"), "🚩")
    assert "🏠 2 households · 👥 5 people" in mine

    # What the /visit form does after the end: edit one visit, delete another, log one late
    # (dated back into the campaign). The campaign keeps its figures; all time moves on.
    clock.now = local(2026, 10, 13, 9)
    async with db.transaction() as conn:
        await conn.execute("UPDATE visits SET people = 9, o_vneid_level2 = 0 WHERE id = ?",
                           (first,))
        await conn.execute("UPDATE visits SET deleted_at = ?, deleted_by = ? WHERE id = ?",
                           (clock.now.isoformat(), me, second))
    await add_visit(db, me, team.id, local(2026, 10, 9), "ho late", 4)

    for command, campaign in (("/teamstats", ended), ("/mystats", mine)):
        after = await chat(app, "101", clock).say(command)
        assert block(after, "🚩") == campaign, command
        assert "🏠 3 households · 👥 14 people · 3 visits" in block(after, "🗂 All time")
        assert "VNeID" not in block(after, "🗂 All time")
    assert await frozen_ids(app) == [first, second]


async def test_freezing_waits_for_the_end_of_the_last_local_day(app: App) -> None:
    db = app.services.db
    team = await teams.create(db, "ANHSON1", "Tổ 1", ANH_SON, None, SETUP)
    me = await volunteer(app, "101", team)
    kept = [await add_visit(db, me, team.id, local(2026, 10, 1, 0, 0), "first minute"),
            await add_visit(db, me, team.id, local(2026, 10, 10, 23, 59), "last minute")]
    await add_visit(db, me, team.id, local(2026, 9, 30, 23, 59), "the day before")
    await add_visit(db, me, team.id, local(2026, 10, 11, 0, 0), "the day after")

    clock = Clock(local(2026, 10, 10, 23, 59))
    talk = chat(app, "101", clock)
    running = block(await talk.say("/mystats"), "🚩")
    assert "day 10 of 10" in running and "🏠 2 households" in running
    assert await freezes(app) == []
    clock.now = local(2026, 10, 11, 0, 0)
    assert "🏠 2 households" in block(await talk.say("/mystats"), "🚩")
    assert await frozen_ids(app) == kept


async def test_a_failed_copy_leaves_the_campaign_unfrozen(app: App) -> None:
    db = app.services.db
    team = await teams.create(db, "ANHSON1", "Tổ 1", ANH_SON, None, SETUP)
    me = await volunteer(app, "101", team)
    visit = await add_visit(db, me, team.id, local(2026, 10, 5), "ho a")
    async with db.transaction() as conn:  # the copy fails half-way, as a full disk would
        await conn.execute("CREATE TEMP TRIGGER fail BEFORE INSERT ON frozen_visits "
                           "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    talk = chat(app, "101", Clock(local(2026, 10, 12)))
    assert "something went wrong" in (await talk.say("/mystats")).text
    assert await freezes(app) == [] and await frozen_ids(app) == []
    async with db.transaction() as conn:
        await conn.execute("DROP TRIGGER fail")
    assert "🏠 1 household" in block(await talk.say("/mystats"), "🚩")
    assert await frozen_ids(app) == [visit]


async def test_a_campaign_is_frozen_once(app: App) -> None:
    db = app.services.db
    team = await teams.create(db, "ANHSON1", "Tổ 1", ANH_SON, None, SETUP)
    me = await volunteer(app, "101", team)
    await add_visit(db, me, team.id, local(2026, 10, 5), "ho a")
    clock = Clock(local(2026, 10, 12))
    # Two people asking at the same moment: one freezes, the other finds it done.
    await asyncio.gather(chat(app, "101", clock).say("/mystats"),
                         chat(app, "101", clock).say("/teamstats"))
    assert len(await frozen_ids(app)) == 1
    due = campaign_store.Due("oct", *days_bounds(CAMPAIGN.first_day, CAMPAIGN.last_day, TZ))
    assert await campaign_store.freeze(db, [due], clock.now) == []
    assert len(await frozen_ids(app)) == 1


async def test_the_campaign_shown_is_the_running_one_or_the_last_ended(tmp_path: Path) -> None:
    spring = Campaign("spring", "Mùa xuân số", date(2026, 3, 1), date(2026, 3, 31), None)
    summer = Campaign("summer", "Mùa hè số", date(2026, 6, 1), date(2026, 6, 30), 10)
    autumn = dataclasses.replace(CAMPAIGN, first_day=date(2026, 9, 25))
    app = await open_test_app(tmp_path, campaigns=(spring, summer, autumn, CAMPAIGN))
    try:
        db = app.services.db
        team = await teams.create(db, "ANHSON1", "Tổ 1", ANH_SON, None, SETUP - timedelta(300))
        me = await volunteer(app, "101", team)
        for day in (date(2026, 3, 5), date(2026, 6, 5), date(2026, 6, 6), date(2026, 10, 2)):
            await add_visit(db, me, team.id, local(day.year, day.month, day.day), f"h{day}")
        talk = chat(app, "101", Clock(local(2026, 7, 15)))
        reply = await talk.say("/teamstats")
        summer_block = block(reply, "🚩 Mùa hè số")
        assert "ended, figures frozen" in summer_block and "🏠 2 households" in summer_block
        assert "🎯 2 / 10 households" in summer_block
        assert await freezes(app) == ["spring", "summer"]
        # Two campaigns running at once: the one that started last is shown.
        talk.core.clock = Clock(local(2026, 10, 5))
        reply = await talk.say("/mystats")
        assert "day 5 of 10" in block(reply, "🚩 Đi từng ngõ")
    finally:
        await app.close()


async def test_nothing_is_frozen_while_no_campaign_has_ended(app: App) -> None:
    team = await teams.create(app.services.db, "ANHSON1", "Tổ 1", ANH_SON, None, SETUP)
    await volunteer(app, "101", team)
    await add_visit(app.services.db, None, team.id, local(2026, 10, 2), "ho a")
    await chat(app, "101", Clock(local(2026, 10, 10, 20))).say("/teamstats")
    assert await freezes(app) == [] and await frozen_ids(app) == []
