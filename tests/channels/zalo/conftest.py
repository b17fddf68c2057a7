"""The fakes of both platforms, for tests running Telegram and Zalo in one process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.telegram import FakeBotApi
from tests.fakes.zalo import FakeZaloApi


@pytest.fixture
async def apis() -> AsyncIterator[tuple[FakeBotApi, FakeZaloApi]]:
    """A fake Telegram Bot API and a fake Zalo Bot API on 127.0.0.1."""
    async with FakeBotApi() as telegram, FakeZaloApi() as zalo:
        yield telegram, zalo
