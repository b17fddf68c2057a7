"""After a crash Telegram sends again the updates the bot fetched but had not confirmed; one
already handled is recognised by its number and not handled twice."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App, open_app
from bot.channels.base import TELEGRAM
from bot.core.events import Incoming, Reply
from bot.core.service import Core
from tests.factories import Clock, make_config, press, text


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    opened = await open_app(make_config(tmp_path))
    yield opened
    await opened.close()


class Numbered:
    """A Telegram user whose events carry increasing update ids, as Telegram numbers them."""

    def __init__(self, core: Core, user: str = "7") -> None:
        self.core, self.user, self.next = core, user, 500
        self.sent: list[Incoming] = []

    async def say(self, body: str) -> list[Reply]:
        return await self._send(text(body, self.user, TELEGRAM, "en"))

    async def tap(self, replies: list[Reply], label_part: str) -> list[Reply]:
        chosen = next(b for b in replies[-1].options() if label_part in b.label)
        return await self._send(press(chosen.action, self.user, TELEGRAM, "en"))

    async def again(self, event: Incoming) -> list[Reply]:
        """The same update delivered a second time."""
        return await self.core.handle(event)

    async def _send(self, event: Incoming) -> list[Reply]:
        self.next += 1
        numbered = dataclasses.replace(event, sequence=self.next, event_id=str(self.next))
        self.sent.append(numbered)
        return await self.core.handle(numbered)


async def test_a_typed_answer_delivered_twice_fills_one_step(app: App) -> None:
    citizen = Numbered(Core(app.services))
    await citizen.tap(await citizen.say("/helpme"), "Yes")
    assert "commune" in (await citizen.say("Lan"))[-1].text
    assert await citizen.again(citizen.sent[-1]) == []  # not "found no commune called Lan"
    assert "hamlet" in (await citizen.say("anh son"))[-1].text.lower()
    assert await citizen.again(citizen.sent[-1]) == []
    await citizen.say("Xóm 3")
    assert await citizen.again(citizen.sent[-1]) == []
    summary = (await citizen.say("0912 345 678"))[-1].text
    assert "Lan" in summary and "Xóm 3" in summary and "0912345678" in summary


async def test_a_press_delivered_twice_is_answered_once(app: App) -> None:
    citizen = Numbered(Core(app.services))
    menu = await citizen.say("/start")
    assert menu and await citizen.again(citizen.sent[-1]) == []
    assert await citizen.tap(menu, "") != []
    assert await citizen.again(citizen.sent[-1]) == []


async def test_numbers_are_trusted_for_a_day_only(app: App) -> None:
    # After a week without updates Telegram numbers the next ones afresh, maybe lower.
    clock = Clock(datetime(2026, 10, 3, 2, tzinfo=UTC))
    citizen = Numbered(Core(app.services, clock))
    await citizen.say("/start")
    clock.now += timedelta(days=8)
    citizen.next = 10  # much lower than before
    assert await citizen.say("/menu") != []
    assert await citizen.say("/help") != []


async def test_channels_without_numbers_are_always_handled(app: App) -> None:
    core = Core(app.services)
    event = text("/start", "8", TELEGRAM, "en")  # the terminal and tests: no sequence
    assert await core.handle(event) != [] and await core.handle(event) != []
