"""The flood brake through the core on a real database: one account sending updates faster than
the limit gets one "slow down", then silence (nothing handled, nothing written), then answers
again once its bucket refills. The clock is the core's, moved by hand: no sleeping."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.app import App
from bot.config import load_config
from bot.core.service import (
    FLOOD_BURST,
    FLOOD_CALM,
    FLOOD_REFILL,
    FLOOD_TRACKED,
    Brake,
    Core,
    FloodBrake,
)
from bot.storage import dialogs, users
from tests.factories import ROOT, Chat, Clock, press, text

NOW = datetime(2026, 10, 3, 3, 0, tzinfo=UTC)
SLOW_DOWN = "You are sending messages very fast"
MESSAGE = "You are sending messages very fast; I'll answer again in a few seconds."


def braked_core(app: App, clock: Clock, burst: int = 5, calm: int = 3) -> Core:
    """The core with a small bucket (burst updates, one more a second)."""
    return Core(app.services, clock=clock, brake=FloodBrake(burst=burst, refill=1.0, calm=calm))


async def snapshot(app: App) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: what a write would change."""
    db = app.services.db
    tables = [r[0] for r in await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    return {name: [tuple(row) for row in await db.fetchall(f"SELECT * FROM {name}")]
            for name in sorted(tables)}


async def test_over_the_limit_one_gentle_answer_then_silence_then_normal(app: App) -> None:
    clock = Clock(NOW)
    chat = Chat(braked_core(app, clock), "1", locale="en")
    await chat.say("/start")
    await chat.say("/helpme")
    await chat.tap("Yes")  # the form asks for the first name
    for _ in range(2):
        assert "first name" in (await chat.say("🙂")).text  # the fifth update: bucket empty
    before = await snapshot(app)
    warned = await chat.say("Lan")
    assert chat.last == [warned]
    assert warned.text == MESSAGE
    assert not warned.buttons and not warned.edit
    for typed in ("Lan", "/helpme", "/deleteme", "/cancel"):
        assert await chat.core.handle(text(typed, "1", locale="en")) == []
    assert await chat.core.handle(press("hly", "1", locale="en")) == []
    assert await snapshot(app) == before  # nothing handled, nothing written
    user = await users.get(app.services.db, "telegram", "1")
    assert user is not None
    state = (await dialogs.load(app.services.db, user.id)).state
    assert state["step"] == "name" and state["name"] is None  # "Lan" was never taken
    clock.now += timedelta(seconds=1)  # one update's worth refilled: normal again
    assert "Which commune" in (await chat.say("Lan")).text
    clock.now += timedelta(seconds=1)
    assert "Which hamlet" in (await chat.say("anh son")).text


async def test_a_braked_user_slows_nobody_else(app: App) -> None:
    clock = Clock(NOW)
    core = braked_core(app, clock, burst=2)
    fast, other = Chat(core, "1", locale="en"), Chat(core, "2", locale="en")
    await fast.say("/start")
    await fast.say("/menu")
    assert SLOW_DOWN in (await fast.say("/menu")).text
    assert await core.handle(text("/menu", "1", locale="en")) == []
    assert SLOW_DOWN not in (await other.say("/start")).text
    assert SLOW_DOWN not in (await other.say("/menu")).text
    # The same user key on another channel is another identity, with a bucket of its own.
    elsewhere = dataclasses.replace(text("/start", "1", locale="en"), channel="console")
    replies = await core.handle(elsewhere)
    assert replies and all(SLOW_DOWN not in r.text for r in replies)


async def test_the_slow_down_is_in_the_language_the_user_chose(app: App) -> None:
    clock = Clock(NOW)
    core = braked_core(app, clock, burst=1)
    await Chat(core, "1", locale="vi").say("/start")
    user = await users.get(app.services.db, "telegram", "1")
    assert user is not None
    await users.set_locale(app.services.db, user.id, "en")
    replies = await core.handle(text("/menu", "1", locale="vi"))
    assert [r.text for r in replies] == [app.services.translations.get("en")._(MESSAGE)]
    # Someone who never wrote: the language their app asks for, and nothing is written.
    replies = await Core(app.services, clock=clock, brake=FloodBrake(burst=0)).handle(
        text("xin chào", "9", locale="vi"))
    assert [r.text for r in replies] == [app.services.translations.get("vi")._(MESSAGE)]
    assert await users.get(app.services.db, "telegram", "9") is None


async def test_a_new_rush_after_a_calm_is_told_again(app: App) -> None:
    clock = Clock(NOW)
    core = braked_core(app, clock, burst=4, calm=3)
    chat = Chat(core, "1", locale="en")
    for _ in range(4):
        await chat.say("/menu")
    assert SLOW_DOWN in (await chat.say("/menu")).text
    clock.now += timedelta(seconds=1)
    assert SLOW_DOWN not in (await chat.say("/menu")).text  # one update's worth
    assert await core.handle(text("/menu", "1", locale="en")) == []  # still the same rush
    clock.now += timedelta(seconds=3)  # calm enough: three updates' worth
    for _ in range(3):
        assert SLOW_DOWN not in (await chat.say("/menu")).text
    assert SLOW_DOWN in (await chat.say("/menu")).text  # told once more, once
    assert await core.handle(text("/menu", "1", locale="en")) == []


def test_the_bucket_refills_at_its_rate_and_a_clock_set_back_refills_nothing() -> None:
    brake = FloodBrake(burst=3, refill=2.0, calm=2)
    key = ("zalo", "42")
    assert [brake.admit(key, NOW) for _ in range(5)] == [
        Brake.PASS, Brake.PASS, Brake.PASS, Brake.WARN, Brake.DROP]
    earlier = NOW - timedelta(hours=1)
    assert brake.admit(key, earlier) is Brake.DROP  # set back an hour: nothing refilled
    later = earlier + timedelta(seconds=0.5)  # one update's worth at 2 a second from there
    assert [brake.admit(key, later) for _ in range(2)] == [Brake.PASS, Brake.DROP]


def test_the_buckets_stay_few_full_ones_forgotten_and_at_most_tracked() -> None:
    brake = FloodBrake(burst=5, refill=1.0, tracked=100)
    for n in range(10_000):  # a crowd of accounts: never more than tracked buckets
        assert brake.admit(("telegram", str(n)), NOW) is Brake.PASS
        assert len(brake) <= 100
    assert len(brake) == 100
    # Five seconds later every bucket is full again: the next update forgets all of them.
    assert brake.admit(("telegram", "new"), NOW + timedelta(seconds=5)) is Brake.PASS
    assert len(brake) == 1
    # A bucket forgotten for the cap starts full again (lenient), never emptier.
    small = FloodBrake(burst=2, refill=1.0, tracked=1)
    assert small.admit(("t", "a"), NOW) is Brake.PASS
    assert small.admit(("t", "b"), NOW) is Brake.PASS  # "a" is forgotten
    assert [small.admit(("t", "a"), NOW) for _ in range(3)] == [
        Brake.PASS, Brake.PASS, Brake.WARN]


async def test_the_core_brakes_by_default_at_the_documented_numbers(app: App) -> None:
    assert (FLOOD_BURST, FLOOD_REFILL, FLOOD_CALM, FLOOD_TRACKED) == (120, 1.0, 10, 10_000)
    shipped = load_config(ROOT / "config.yaml", {}).flood
    assert (shipped.burst, shipped.per_second) == (FLOOD_BURST, FLOOD_REFILL)
    clock = Clock(NOW)
    services = dataclasses.replace(
        app.services, config=dataclasses.replace(app.services.config, flood=shipped))
    core = Core(services, clock=clock)
    chat = Chat(core, "1", locale="en")
    assert SLOW_DOWN not in (await chat.say("/start")).text
    for _ in range(FLOOD_BURST - 1):  # the rest of a full bucket, at one instant
        assert core.brake.admit(("telegram", "1"), clock.now) is Brake.PASS
    assert SLOW_DOWN in (await chat.say("/menu")).text
    assert await core.handle(text("/menu", "1", locale="en")) == []
    clock.now += timedelta(seconds=1 / FLOOD_REFILL)
    assert SLOW_DOWN not in (await chat.say("/menu")).text
