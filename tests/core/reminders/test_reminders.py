"""Gentle reminders on a real database, the clock moved by hand: offered at a lesson's first
step, one reminder after three days in the daytime, none a second time for the same stop, at
most one a week, none after /stopreminders, none without consent, none near Zalo's cap."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import App
from bot.channels.base import TEXT_ONLY
from bot.core.reminders import send_reminders
from bot.core.service import Core
from bot.storage import usage
from tests.factories import Chat, Clock, running_app

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LESSON = "vneid-level2"
START = datetime(2026, 10, 3, 9, tzinfo=TZ).astimezone(UTC)  # a Saturday morning in Nghệ An


async def reminders_queued(app: App) -> list[str]:
    rows = await app.services.db.fetchall("SELECT reply FROM outbox ORDER BY id")
    return [str(r[0]) for r in rows]


async def learner_at_step_four(app: App, clock: Clock, agree: bool | None = True,
                               key: str = "501") -> Chat:
    """A learner on a text-only app who opens a lesson, answers the offer by its number, and
    stops at step 4."""
    chat = Chat(Core(app.services, clock=clock), key, locale="en", caps=TEXT_ONLY)
    await chat.say("/start")
    step = await chat.press(f"open:{LESSON}")
    assert "Step 1 of" in step.text and "shall I remind you after 3 days" in step.text
    if agree is not None:
        label = "Yes, remind me" if agree else "No reminders"
        number = next(n for n, b in step.keyed_options() if label in b.label)
        answer = await chat.say(number)
        assert ("I will remind you" if agree else "No reminders") in answer.text
        step = await chat.tap("Back to")
        assert "Step 1 of" in step.text and "shall I remind" not in step.text  # asked once
    for _ in range(3):
        step = await chat.tap("Next")
    assert "Step 4 of" in step.text
    return chat


async def test_one_reminder_after_three_days_in_the_daytime_then_none_for_that_stop(
        tmp_path: Path) -> None:
    async with running_app(tmp_path) as app:
        clock = Clock(START)
        chat = await learner_at_step_four(app, clock)
        assert await send_reminders(app.services, START + timedelta(days=2, hours=23)) == 0
        night = datetime(2026, 10, 6, 21, tzinfo=TZ).astimezone(UTC)  # 3 days on, 21:00
        assert await send_reminders(app.services, night) == 0
        morning = datetime(2026, 10, 7, 8, tzinfo=TZ).astimezone(UTC)
        assert await send_reminders(app.services, morning) == 1
        [reminder] = await reminders_queued(app)
        assert "step 4 of" in reminder and "/continue" in reminder and "/stopreminders" in reminder
        assert await send_reminders(app.services, morning + timedelta(days=10)) == 0  # same stop

        clock.now = morning + timedelta(days=1)  # they came back, moved on and stopped again
        await chat.say("/continue")
        await chat.tap("Next")
        assert await send_reminders(app.services, morning + timedelta(days=5)) == 0  # a week
        assert await send_reminders(app.services, morning + timedelta(days=7)) == 1
        assert "step 5 of" in (await reminders_queued(app))[-1]


async def test_no_reminder_without_consent_or_after_stopreminders(tmp_path: Path) -> None:
    async with running_app(tmp_path) as app:
        clock = Clock(START)
        await learner_at_step_four(app, clock, agree=None, key="601")  # never answered
        await learner_at_step_four(app, clock, agree=False, key="602")
        stopping = await learner_at_step_four(app, clock, agree=True, key="603")
        assert "No more reminders" in (await stopping.say("/stopreminders")).text
        assert await send_reminders(app.services, START + timedelta(days=4)) == 0
        assert "Reminders are off" in (await stopping.say("/reminders")).text
        assert "I will remind you" in (await stopping.tap("Turn reminders on")).text
        assert await send_reminders(app.services, START + timedelta(days=4)) == 1


async def test_reminders_stop_first_when_zalos_month_nears_its_cap(tmp_path: Path) -> None:
    async with running_app(tmp_path) as app:
        clock = Clock(START)
        await learner_at_step_four(app, clock)
        await app.services.db.execute("UPDATE users SET channel = 'zalo'")
        zalo = dataclasses.replace(app.services.config.zalo, token="123:zalo-token",
                                   monthly_messages=100)
        services = dataclasses.replace(
            app.services, config=dataclasses.replace(app.services.config, zalo=zalo))
        when = START + timedelta(days=4)
        await usage.add_sent(app.services.db, "zalo", when.astimezone(TZ).strftime("%Y-%m"), 80)
        assert await send_reminders(services, when) == 0  # 80% used: replies keep the rest
        assert await send_reminders(app.services, when) == 1  # no cap: it goes
