"""Schools and classes through the core on a real database: a teacher creates a class on a
text-only chat, students join it (by name, or by number), learn, and the teacher's figures,
chart and spreadsheets follow; /deleteme, leaving, forged buttons, codes never shared with a
team."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite
import pytest
from openpyxl import load_workbook

from bot.app import App
from bot.channels.base import TEXT_ONLY
from bot.core.service import Core
from bot.storage import classes as class_store
from bot.storage import progress, teams, users
from tests.core.lessons.test_journey import answer_all, walk_to_quiz
from tests.factories import ANH_SON, Chat, Clock, payload_of, running_app

NOW = datetime(2026, 10, 5, 3, 0, tzinfo=UTC)
CODE = re.compile(r"/join ([A-Z0-9]{6})")


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    async with running_app(tmp_path) as opened:
        yield opened


@pytest.fixture
def core(app: App) -> Core:
    return Core(app.services, clock=Clock(NOW))


async def uid(app: App, key: str) -> int:
    user = await users.get(app.services.db, "telegram", key)
    assert user is not None
    return user.id


async def new_class(core: Core, teacher: Chat, school: str = "Trường THCS Anh Sơn",
                    name: str = "8A", by_name: bool = True) -> str:
    """The teacher types the whole form (a text-only chat: numbers pick); the class's code."""
    asked = await teacher.say("/newclass")
    assert "Which commune" in asked.text and not asked.numbered
    asked = await teacher.say("anh son")
    assert "Type your school's full name" in asked.text or "Choose your school" in asked.text
    asked = await teacher.say(school)
    assert f"School: {school}" in asked.text
    asked = await teacher.say(name)
    assert "How do you want to see your students" in asked.text
    done = await teacher.say("1" if by_name else "2")
    found = CODE.search(done.text)
    assert found, done.text
    return found.group(1)


async def finish(app: App, user_id: int, lesson_ids: list[str]) -> None:
    for lesson_id in lesson_ids:
        end = len(app.services.catalog.lessons[lesson_id].steps)
        await progress.start(app.services.db, user_id, lesson_id, NOW)
        assert await progress.complete(app.services.db, user_id, lesson_id, 0, end, NOW)


def lessons_of(app: App, skill: str) -> list[str]:
    return [lesson.id for lesson in app.services.catalog.by_skill(skill)]


def every_lesson(app: App) -> list[str]:
    skills = ("public_services", "shopping", "payment", "cyber_safety", "other_platforms")
    return [lesson_id for skill in skills for lesson_id in lessons_of(app, skill)]


async def test_a_teacher_creates_a_class_students_join_and_the_figures_follow(
        app: App, core: Core) -> None:
    teacher = Chat(core, "70", "en", TEXT_ONLY)
    await teacher.say("/start")
    code = await new_class(core, teacher)
    lan = Chat(core, "71", "en")  # buttons
    minh = Chat(core, "72", "en", TEXT_ONLY)  # typed numbers
    hoa = Chat(core, "73", "en")
    for chat, name in ((lan, "Lan"), (minh, "Minh"), (hoa, "Hoa")):
        await chat.say("/start")
        shown = await chat.say(f"/join {code.lower()}")
        assert "your teacher will see which lessons you started" in shown.text
        assert "Type the name your teacher knows you by" in shown.text
        joined = await chat.say(name)
        assert "You joined class 8A" in joined.text and f"“{name}”" in joined.text
    # Lan finishes all five skills; Minh one skill and a lesson of another; Hoa nothing.
    await finish(app, await uid(app, "71"), every_lesson(app))
    await finish(app, await uid(app, "72"), lessons_of(app, "payment"))
    await finish(app, await uid(app, "72"), lessons_of(app, "shopping")[:1])
    # One lesson taken through the chat as a student would: it counts the same.
    await walk_to_quiz(hoa, "passwords-otp-2fa", app)
    await answer_all(hoa, "passwords-otp-2fa", app)
    view = await teacher.say("/class")
    assert "👧 3 students" in view.text
    assert "💳 Online payment: 2 · 2" in view.text
    assert "🛒 Online shopping: 2 · 1" in view.text
    assert "🏛 Online public services: 1 · 1" in view.text
    assert "🛡 Staying safe online: 2 · 1" in view.text  # Hoa finished one of its lessons
    assert "🌟 1 student finished all five skills" in view.text
    assert "1. Lan: " in view.text and "3. Hoa: 1 · 0/5" in view.text
    assert view.numbered  # a text-only chat types the numbers shown
    chart = await teacher.say(str(1 + [b.label for b in view.options()].index("📈 Chart")))
    assert chart.image
    head = await asyncio.to_thread(Path(chart.image).read_bytes)
    assert head[:4] == b"\x89PNG"
    await teacher.say("/class")
    sheet = await teacher.tap("Class spreadsheet")
    book = load_workbook(sheet.documents[0], read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:4] == ("Number", "Name", "Lessons started", "Lessons finished")
    assert [r[1] for r in rows[1:]] == ["Lan", "Minh", "Hoa"]
    last = len(rows[0]) - 1  # "All five skills"; a read-only sheet drops empty last cells
    assert rows[1][last] == "yes" and (rows[2] + (None,) * 10)[last] is None
    await teacher.say("/class")
    school = await teacher.tap("School spreadsheet")
    sheet_rows = list(load_workbook(school.documents[0], read_only=True).active.iter_rows(
        values_only=True))
    assert sheet_rows[1][:2] == ("8A", 3) and sheet_rows[1][-1] == 1
    assert "Lan" not in str(sheet_rows)  # counts only
    # A student's /deleteme takes them out of the class's figures.
    await lan.say("/deleteme")
    await lan.tap("Yes, delete")
    view = await teacher.say("/class")
    assert "👧 2 students" in view.text and "Lan" not in view.text
    assert "🌟 0 students finished all five skills" in view.text


async def test_a_class_by_number_keeps_no_name_and_a_typed_1_joins(app: App, core: Core
                                                                   ) -> None:
    teacher = Chat(core, "70", "en")
    await teacher.say("/start")
    code = await new_class(core, teacher, by_name=False)
    student = Chat(core, "75", "en", TEXT_ONLY)
    await student.say("/start")
    shown = await student.say(f"/join {code}")
    assert "by a number in the class, not by name" in shown.text
    assert (await student.say("Lan")).text.startswith("Please choose")  # no name is taken
    joined = await student.say("1")
    assert "Your number in the class is 1." in joined.text
    rows = await app.services.db.fetchall("SELECT display_name, number FROM class_students")
    assert [(r[0], r[1]) for r in rows] == [(None, 1)]
    assert "Student 1: 0 · 0/5" in (await teacher.say("/class")).text


async def test_buttons_of_a_class_are_the_teachers_alone_and_joining_needs_the_code(
        app: App, core: Core) -> None:
    teacher = Chat(core, "70", "en")
    await teacher.say("/start")
    code = await new_class(core, teacher)
    found = await class_store.by_code(app.services.db, code)
    assert found is not None
    other = Chat(core, "76", "en")
    await other.say("/start")
    for verb in ("clo", "clg", "cle", "clx", "clc", "cly"):
        reply = await other.press(payload_of(verb, found.id))
        assert "not one of yours" in reply.text and not reply.documents and not reply.image
    assert (await class_store.by_id(app.services.db, found.id)) is not None  # not deleted
    assert (await class_store.by_code(app.services.db, code)) is not None  # code unchanged
    forged = await other.press(payload_of("cjy", found.id))
    assert "Type /join and your class's code" in forged.text
    assert await class_store.roster(app.services.db, found.id) == []


async def test_wrong_codes_are_counted_and_a_student_can_leave(app: App, core: Core) -> None:
    teacher = Chat(core, "70", "en")
    await teacher.say("/start")
    code = await new_class(core, teacher)
    student = Chat(core, "77", "en")
    await student.say("/start")
    wrong = await student.say("/join ZZZZZZ")
    assert "No team or class has the code ZZZZZZ" in wrong.text and "4 more times" in wrong.text
    await student.say(f"/join {code}")
    await student.say("Lan 0912345678")  # digits: refused, still asked
    assert "no numbers or links" in student.last[-1].text
    await student.say("Lan")
    own = await student.say("/class")
    assert "Your class: 8A" in own.text
    await student.tap("Leave")
    left = await student.tap("Yes, leave")
    assert "You left class 8A" in left.text
    assert await class_store.student_of(app.services.db, await uid(app, "77")) is None


async def test_the_school_typed_again_another_way_is_the_same_school(app: App, core: Core
                                                                     ) -> None:
    first = Chat(core, "70", "en")
    await first.say("/start")
    await new_class(core, first, school="Trường THCS Anh Sơn", name="8A")
    second = Chat(core, "78", "en", TEXT_ONLY)
    await second.say("/start")
    await second.say("/newclass")
    listed = await second.say("Anh Sơn")
    assert "1. Trường THCS Anh Sơn" in listed.text or "Trường THCS Anh Sơn" in str(
        [b.label for b in listed.options()])
    asked = await second.say("thcs anh son")  # typed without accents or "Trường"
    assert "School: Trường THCS Anh Sơn" in asked.text
    schools = await class_store.schools_in(app.services.db, ANH_SON)
    assert len(schools) == 1


async def test_a_code_is_a_teams_or_a_classs_never_both(app: App, core: Core) -> None:
    teacher = Chat(core, "70", "en")
    await teacher.say("/start")
    code = await new_class(core, teacher)
    with pytest.raises(aiosqlite.IntegrityError):
        await teams.create(app.services.db, code, "Tổ 1", ANH_SON, None, NOW)
    team = await teams.create(app.services.db, "AS9K7Q", "Tổ 2", ANH_SON, None, NOW)
    found = await class_store.by_code(app.services.db, code)
    assert found is not None
    with pytest.raises(aiosqlite.IntegrityError):
        await class_store.set_code(app.services.db, found.id, team.join_code, 1, NOW)
    assert not await teams.code_is_free(app.services.db, code)
