"""Fixtures of the reward shortlist's tests: an app on a real database with two campaigns, its
small province, and an admin on a text-only chat."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App
from bot.channels.base import TEXT_ONLY
from bot.core.service import Core
from tests.core.rewards.helpers import NOW, OCT, SEPT, Province, province
from tests.factories import ADMIN, Chat, Clock, running_app


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    async with running_app(tmp_path, campaigns=(SEPT, OCT)) as opened:
        yield opened


@pytest.fixture
def clock() -> Clock:
    """The core's clock, at NOW (day 7 of the October campaign); a test may move it."""
    return Clock(NOW)


@pytest.fixture
def core(app: App, clock: Clock) -> Core:
    return Core(app.services, clock=clock)


@pytest.fixture
async def world(app: App) -> Province:
    return await province(app)


@pytest.fixture
async def admin(core: Core) -> Chat:
    """The configured admin, on a chat app without buttons (they type the numbers shown)."""
    chat = Chat(core, ADMIN, "en", TEXT_ONLY)
    await chat.say("/start")
    return chat
