"""Properties of what is typed for schools: the rules keep only clean, bounded names (a
student's never carries a digit or a link), and whatever a student types at the name question,
through the core on a real database, either joins them with exactly what the rules make of it
or gets a clear answer and changes nothing."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import App, open_app
from bot.channels.base import TEXT_ONLY
from bot.core.choices import NAV_WORDS, key
from bot.core.schools.rules import (
    MAX_CLASS,
    MAX_SCHOOL,
    MAX_STUDENT,
    MIN_STUDENT,
    check_class,
    check_school,
    check_student,
)
from bot.core.service import Core
from bot.core.shared.text import looks_like_link, normalize
from bot.storage import users
from tests.core.schools.test_classes import NOW, new_class
from tests.factories import Chat, Clock, make_config

APOLOGY = ("Sorry, something went wrong", "Xin lỗi, tôi đang gặp trục trặc")
TYPED = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["Lan", "  Ngọc   Ánh ", "1", "0", "/menu", "huỷ", "Lan 0912345678",
                     "https://x.vn", "@lan", "Nguyễn Thị Thanh Hương Giang Lan Anh", "8A",
                     "ﾗﾝ", "L", "\u200bLan", "Lan\nMinh"]),
)


@given(TYPED)
def test_the_rules_keep_only_clean_bounded_names(typed: str) -> None:
    for checked, limit in ((check_school(typed), MAX_SCHOOL), (check_class(typed), MAX_CLASS),
                           (check_student(typed), MAX_STUDENT)):
        assert (checked.value is None) != (checked.problem is None)
        if checked.value is not None:
            assert checked.value == normalize(typed) and 0 < len(checked.value) <= limit
    student = check_student(typed).value
    if student is not None:
        assert len(student) >= MIN_STUDENT and not re.search(r"\d", student)
        assert not looks_like_link(student)


def not_an_answer(typed: str) -> bool:
    """A command, or a navigation word or number: the core acts on it, no form gets it."""
    text = normalize(typed)
    words = {word for group in NAV_WORDS.values() for word in group}
    return text.startswith("/") or key(text) in words or text in ("0", "00")


class World(tuple[asyncio.AbstractEventLoop, App, Core, str]):
    """The loop, the app, its core and a class's code (shown short when a test fails)."""

    def __repr__(self) -> str:
        return "World(a class on a real database)"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[asyncio.AbstractEventLoop,
                                                                    App, Core, str]]:
    loop = asyncio.new_event_loop()
    directory: Path = tmp_path_factory.mktemp("schools")
    app = loop.run_until_complete(open_app(make_config(directory)))
    core = Core(app.services, clock=Clock(NOW))
    teacher = Chat(core, "70", "en", TEXT_ONLY)
    loop.run_until_complete(teacher.say("/start"))
    code = loop.run_until_complete(new_class(core, teacher))
    yield World((loop, app, core, code))
    loop.run_until_complete(app.close())
    loop.close()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(TYPED)
def test_a_typed_name_joins_with_exactly_the_rules_value_or_is_refused(
        world: tuple[asyncio.AbstractEventLoop, App, Core, str], typed: str) -> None:
    loop, app, core, code = world
    db = app.services.db

    async def attempt() -> None:
        student = Chat(core, "71", "en", TEXT_ONLY)
        await student.say("/start")
        await db.execute("DELETE FROM class_students")
        offered = await student.say(f"/join {code}")
        assert "Type the name your teacher knows you by" in offered.text
        reply = await student.say(typed)
        assert not any(a in reply.text for a in APOLOGY)
        user = await users.get(db, "telegram", "71")
        assert user is not None
        rows = await db.fetchall("SELECT display_name FROM class_students WHERE user_id = ?",
                                 (user.id,))
        expected = check_student(typed).value
        if rows:  # joined: with exactly what the rules make of the text
            assert [r[0] for r in rows] == [expected], reply.text
        else:  # refused (asked again), or not an answer: a command, the menu, Cancel
            assert reply.text
            assert expected is None or not_an_answer(typed), (typed, reply.text)

    loop.run_until_complete(attempt())
