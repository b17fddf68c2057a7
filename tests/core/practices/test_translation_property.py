"""Property: whatever an admin types at each step of a practice's translation (words, numbers,
navigation words, commands, links, odd Unicode), it either fills that step with exactly what
the writer's rules make of it, or is refused with the question asked again; nothing is stored
before the last step, and the original practice never changes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import App, open_app
from bot.channels.base import TEXT_ONLY
from bot.core.practices.rules import check_result, check_title, check_what
from bot.core.service import Core
from bot.storage import practices as practice_store
from bot.storage import teams
from tests.core.practices.helpers import NOW, admin, member
from tests.core.practices.test_translations import submit_in_vietnamese
from tests.factories import ADMIN, ANH_SON, Chat, Clock, make_config

APOLOGY = ("Sorry, something went wrong", "Xin lỗi, tôi đang gặp trục trặc")
TYPED = st.one_of(st.text(max_size=80), st.sampled_from(
    ["1", "0", "9", "/menu", "huỷ", "cancel", "x" * 700, "see t.me/x", "@abc", "  ", "Ổn\nđịnh"]))
CHECKS = (check_title, check_what, check_result)
World = tuple[asyncio.AbstractEventLoop, App, Core]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    loop = asyncio.new_event_loop()
    directory: Path = tmp_path_factory.mktemp("translations")
    app = loop.run_until_complete(open_app(make_config(directory, BOT_ADMINS=ADMIN)))
    core = Core(app.services, clock=Clock(NOW))

    async def setup() -> None:
        team = await teams.create(app.services.db, "AS1K7Q", "Tổ Thôn 1", ANH_SON, None, NOW)
        await submit_in_vietnamese(await member(app, core, "11", team, "Minh", locale="vi"))
        await (await admin(core)).press("gpa:1")

    loop.run_until_complete(setup())
    yield loop, app, core
    loop.run_until_complete(app.close())
    loop.close()


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, 2), TYPED)
def test_a_typed_part_fills_its_own_step_or_is_refused(world: World, step: int, typed: str
                                                        ) -> None:
    loop, app, core = world
    db = app.services.db

    async def attempt() -> None:
        boss = Chat(core, ADMIN, "en", TEXT_ONLY)
        before = await practice_store.get(db, 1)
        await boss.press("gpt:1")
        for part in ("A title", "What was done.", "The result.")[:step]:
            await boss.say(part)
        reply = await boss.say(typed)
        assert not any(a in reply.text for a in APOLOGY)
        after = await practice_store.get(db, 1)
        assert before is not None and after is not None
        assert (after.title, after.what, after.result) == (before.title, before.what,
                                                           before.result)
        expected = CHECKS[step](typed).value
        if step < 2 or expected is None:
            assert after.translation == before.translation  # nothing stored yet
        if expected is None and f"Step {step + 1} of 3" not in reply.text:
            assert reply.text  # left the form (a command, the menu word): a clear answer
        if expected is not None and step == 2 and "Saved" in reply.text:
            assert after.translation is not None and after.translation.result == expected
        await boss.press("gpu")

    loop.run_until_complete(attempt())
