"""Shared fixtures: a real config, a real SQLite database, the real core."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App, open_app
from bot.config import Config
from tests.factories import make_config


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """The shipped configuration with a fresh database file."""
    return make_config(tmp_path)


@pytest.fixture
async def app(config: Config) -> AsyncIterator[App]:
    """The core on a fresh database."""
    opened = await open_app(config)
    yield opened
    await opened.close()
