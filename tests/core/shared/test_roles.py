"""Roles are checked in the core: the handbook is for volunteers and admins only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App
from tests.factories import ADMIN, Chat, payload_of, running_app


@pytest.fixture
async def admin_app(tmp_path: Path) -> AsyncIterator[App]:
    async with running_app(tmp_path) as opened:
        yield opened


def handbook_lesson(app: App) -> str:
    return app.services.catalog.by_skill("handbook")[0].id


async def test_a_citizen_sees_no_handbook_and_cannot_open_it(admin_app: App) -> None:
    chat = Chat(admin_app.core, user="1")
    await chat.say("/start")
    assert not any("Cẩm nang" in label for label in chat.labels())
    for payload in (payload_of("skill", "handbook"),
                    payload_of("open", handbook_lesson(admin_app))):
        reply = await chat.press(payload)
        assert "dành cho thành viên Tổ công nghệ số cộng đồng" in reply.text
    assert "chưa có bài nào đang học dở" in (await chat.say("/continue")).text


async def test_an_admin_from_the_config_reads_the_handbook(admin_app: App) -> None:
    chat = Chat(admin_app.core, user=ADMIN)
    await chat.say("/start")
    await chat.tap("Cẩm nang tình nguyện viên")
    reply = await chat.press(payload_of("open", handbook_lesson(admin_app)))
    assert "Bước 1/" in reply.text
