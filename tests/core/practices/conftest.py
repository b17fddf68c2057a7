"""Fixtures of the good practices' tests: an app on a real database, its core, two teams."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App
from bot.core.service import Core
from bot.storage import teams
from bot.storage.teams import Team
from tests.core.practices.helpers import NOW
from tests.factories import ANH_SON, CON_CUONG, Clock, running_app


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    async with running_app(tmp_path) as opened:
        yield opened


@pytest.fixture
def core(app: App) -> Core:
    """The core with its clock at NOW."""
    return Core(app.services, clock=Clock(NOW))


@pytest.fixture
async def team(app: App) -> Team:
    """The team of Anh Sơn."""
    return await teams.create(app.services.db, "AS1K7Q", "Tổ Thôn 1", ANH_SON, None, NOW)


@pytest.fixture
async def other_team(app: App) -> Team:
    """A team of Con Cuông."""
    return await teams.create(app.services.db, "CC1K7Q", "Tổ Con Cuông", CON_CUONG, None, NOW)
