"""Schools in the admins' /stats (issue 17): the block, the list of schools by commune, paged,
and who may see them; classes, students and lessons made through storage, read by the core."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.app import App
from bot.channels.base import TEXT_ONLY
from bot.config import Campaign
from bot.core.events import Reply
from bot.core.service import Core
from bot.core.shared.text import fold
from bot.storage import classes as class_store
from bot.storage import progress, teams, users
from bot.storage.classes import SchoolClass
from tests.factories import ADMIN, ANH_SON, VINH, Chat, Clock, payload_of, running_app

SETUP = datetime(2026, 9, 1, 3, 0, tzinfo=UTC)
NOW = datetime(2026, 10, 7, 3, 0, tzinfo=UTC)  # day 7 of the campaign
OCT = Campaign("oct", "Đi từng ngõ", date(2026, 10, 1), date(2026, 10, 10), 50)
STUDENT_NAMES = ("Zephyra", "Quillan", "Marisol", "Thornby", "Ombrelle", "Vestrid")
SKILL_ORDER = ("public_services", "shopping", "payment", "cyber_safety", "other_platforms")
_codes = itertools.count(1)


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    async with running_app(tmp_path, campaigns=(OCT,)) as opened:
        yield opened


def chat(app: App, key: str = ADMIN, text_only: bool = False) -> Chat:
    core = Core(app.services, clock=Clock(NOW))
    if text_only:
        return Chat(core, key, locale="en", caps=TEXT_ONLY)
    return Chat(core, key, locale="en")


def text_of(replies: list[Reply]) -> str:
    return "\n\n".join(r.text for r in replies)


def block(replies: list[Reply], start: str) -> str:
    for paragraph in text_of(replies).split("\n\n"):
        if paragraph.startswith(start):
            return paragraph
    raise AssertionError(f"no paragraph {start!r} in {text_of(replies)}")


@dataclass
class Schools:
    teacher: int
    classes: dict[str, SchoolClass]
    students: dict[str, int]  # name -> user id


async def new_class(app: App, teacher: int, commune: str, school: str, name: str
                    ) -> SchoolClass:
    return await class_store.create_class(app.services.db, commune, school, fold(school), name,
                                          f"LOP{next(_codes):04d}", teacher, True, SETUP)


async def student(app: App, key: str, school_class: SchoolClass, name: str,
                  completed: Sequence[str] = (), started: Sequence[str] = ()) -> int:
    """A student of the class who completed these lessons and started those."""
    db = app.services.db
    user = await users.touch(db, "telegram", key, "en", SETUP)
    await class_store.enrol(db, user.id, school_class.id, name, SETUP)
    for lesson in [*completed, *started]:
        await progress.start(db, user.id, lesson, SETUP)
    for lesson in completed:
        assert await progress.complete(db, user.id, lesson, 0, 3, SETUP)
    return user.id


def lessons(app: App, skill: str) -> list[str]:
    return [x.id for x in app.services.catalog.by_skill(skill)]


async def three_schools(app: App) -> Schools:
    """Two schools in Anh Sơn (three classes), one in Vinh; six students, their lessons."""
    teacher = (await users.touch(app.services.db, "telegram", "700", "en", SETUP)).id
    made = {
        "8A": await new_class(app, teacher, ANH_SON, "THCS Anh Sơn", "8A"),
        "8B": await new_class(app, teacher, ANH_SON, "THCS Anh Sơn", "8B"),
        "5A": await new_class(app, teacher, ANH_SON, "Tiểu học Anh Sơn", "5A"),
        "10A1": await new_class(app, teacher, VINH, "THPT Huỳnh Thúc Kháng", "10A1"),
    }
    everything = [x for skill in SKILL_ORDER for x in lessons(app, skill)]
    payment, shopping = lessons(app, "payment"), lessons(app, "shopping")
    ids = {
        # All five skills finished.
        STUDENT_NAMES[0]: await student(app, "801", made["8A"], STUDENT_NAMES[0], everything),
        # Payment finished; shopping started, not finished.
        STUDENT_NAMES[1]: await student(app, "802", made["8A"], STUDENT_NAMES[1], payment,
                                        started=shopping[:1]),
        # One lesson of public services completed: started, not finished.
        STUDENT_NAMES[2]: await student(app, "803", made["8B"], STUDENT_NAMES[2],
                                        lessons(app, "public_services")[:1]),
        STUDENT_NAMES[3]: await student(app, "804", made["5A"], STUDENT_NAMES[3]),  # nothing yet
        STUDENT_NAMES[4]: await student(app, "805", made["10A1"], STUDENT_NAMES[4], payment),
        # The handbook is not one of the five skills: nothing counted.
        STUDENT_NAMES[5]: await student(app, "806", made["10A1"], STUDENT_NAMES[5],
                                        lessons(app, "handbook")),
    }
    return Schools(teacher, made, ids)


async def test_the_report_shows_the_schools_block_and_button_when_a_class_exists(app: App
                                                                                 ) -> None:
    admin = chat(app)
    await admin.say("/stats")
    assert "🏫" not in text_of(admin.last) and "🏫 Schools" not in admin.labels()
    await three_schools(app)
    await admin.say("/stats")
    found = block(admin.last, "🏫 Schools")
    assert found.splitlines() == [
        "🏫 Schools (now, whatever the period)",
        "3 schools · 4 classes · 6 students",
        # 5 (all five) + 1 (payment) + 1 (payment) skills finished; one student all five.
        "🎓 7 skills finished · 🌟 1 student finished all five skills",
    ]
    assert "🏫 Schools" in admin.labels()
    # The same now, whatever days the report covers.
    await admin.say("/stats 2026-11-01 2026-11-02")
    assert block(admin.last, "🏫 Schools").splitlines()[1] == "3 schools · 4 classes · 6 students"
    assert not any(name in text_of(admin.last) for name in STUDENT_NAMES)


async def test_the_list_of_schools_by_commune(app: App) -> None:
    await three_schools(app)
    admin = chat(app)
    await admin.say("/stats")
    await admin.tap("🏫 Schools")
    listing = text_of(admin.last)
    assert listing.startswith("🏫 Schools by commune (now, whatever the period)")
    assert "Page" not in listing  # one page
    assert "Each skill: students who started it / who finished it" in listing
    # Communes by name (Phường before Xã), schools by name inside each.
    vinh = block(admin.last, "📍 Phường Thành Vinh").splitlines()
    assert vinh == ["📍 Phường Thành Vinh",
                    "🏫 THPT Huỳnh Thúc Kháng: 1 class · 2 students · 🌟 0 finished all five",
                    "    🏛 0/0 · 🛒 0/0 · 💳 1/1 · 🛡 0/0 · 📱 0/0"]
    anh_son = block(admin.last, "📍 Xã Anh Sơn").splitlines()
    assert anh_son == ["📍 Xã Anh Sơn",
                       "🏫 THCS Anh Sơn: 2 classes · 3 students · 🌟 1 finished all five",
                       "    🏛 2/1 · 🛒 2/1 · 💳 2/2 · 🛡 1/1 · 📱 1/1",
                       "🏫 Tiểu học Anh Sơn: 1 class · 1 student · 🌟 0 finished all five",
                       "    🏛 0/0 · 🛒 0/0 · 💳 0/0 · 🛡 0/0 · 📱 0/0"]
    assert listing.index("Phường Thành Vinh") < listing.index("Xã Anh Sơn")
    assert not any(name in listing for name in STUDENT_NAMES)  # counts only
    assert admin.labels() == ["📊 Report", "☰ Menu"]
    await admin.tap("Report")
    assert admin.last[0].text.startswith("📊 Report for Nghệ An")


async def test_a_student_who_leaves_or_deletes_their_data_is_no_longer_counted(app: App
                                                                               ) -> None:
    made = await three_schools(app)
    assert await class_store.leave(app.services.db, made.students[STUDENT_NAMES[0]])
    gone = Chat(Core(app.services, clock=Clock(NOW)), "805", locale="en")
    await gone.say("/deleteme")
    await gone.tap("Yes, delete")
    admin = chat(app)
    await admin.say("/stats")
    assert block(admin.last, "🏫 Schools").splitlines()[1:] == [
        "3 schools · 4 classes · 4 students",
        "🎓 1 skill finished · 🌟 0 students finished all five skills"]


async def test_many_schools_are_paged_and_typed_numbers_choose_on_a_text_only_chat(
        app: App) -> None:
    teacher = (await users.touch(app.services.db, "telegram", "700", "en", SETUP)).id
    for i in range(19):
        await new_class(app, teacher, ANH_SON, f"Trường số {i:02d}", "6A")
    admin = chat(app, text_only=True)
    await admin.say("/stats")
    keyed = {button.label: key for key, button in admin.last[-1].keyed_options()}
    await admin.say(keyed["🏫 Schools"])
    first = text_of(admin.last)
    assert "Page 1 of 3" in first and "Trường số 00" in first and "Trường số 07" in first
    assert "Trường số 08" not in first
    assert all(len(r.text) <= TEXT_ONLY.max_text for r in admin.last)
    keyed = {button.label: key for key, button in admin.last[-1].keyed_options()}
    assert list(keyed) == ["More ▸", "📊 Report", "☰ Menu"]
    await admin.say(keyed["More ▸"])
    second = text_of(admin.last)
    assert "Page 2 of 3" in second and "Trường số 08" in second and "Trường số 00" not in second
    assert second.count("📍 Xã Anh Sơn") == 1  # the commune named again at the page's top
    assert [b.label for b in admin.last[-1].options()] == ["◀ Previous", "More ▸", "📊 Report",
                                                           "☰ Menu"]
    last = await admin.press(payload_of("rsh", "c0", 999))  # past the end: the last page
    assert "Page 3 of 3" in text_of(admin.last) and "Trường số 18" in text_of(admin.last)
    assert [b.label for b in last.options()] == ["◀ Previous", "📊 Report", "☰ Menu"]


async def test_only_admins_see_schools(app: App) -> None:
    await three_schools(app)
    team = await teams.create(app.services.db, "ANHSON1", "Tổ thôn 1", ANH_SON, None, SETUP)
    lead = await users.touch(app.services.db, "telegram", "101", "en", SETUP)
    await teams.join(app.services.db, lead.id, team.id, "Lan", SETUP)
    await teams.set_role(app.services.db, lead.id, team.id, teams.LEADER)
    leader = chat(app, "101")
    await leader.say("/stats")
    assert "🏫" not in text_of(leader.last) and "🏫 Schools" not in leader.labels()
    refused = await leader.press(payload_of("rsh", "c0", 0))
    assert refused.text.startswith("That part of the report is for admins")
    for key in ("700", "801", "999"):  # the teacher, a student, a newcomer
        someone = chat(app, key)
        reply = await someone.press(payload_of("rsh", "c0", 0))
        assert reply.text.startswith("Reports are for admins and team leaders"), reply.text
        assert "THCS" not in reply.text
    admin = chat(app)
    assert "That button is from an old message" in (await admin.press("rsh:c9:0")).text
    assert "I don't recognise that button" in (await admin.press("rsh:c0:1000")).text


async def test_no_school_yet(app: App) -> None:
    admin = chat(app)
    await admin.press(payload_of("rsh", "c0", 0))  # forged before any class exists
    assert "No school has a class yet." in text_of(admin.last)
    assert admin.labels() == ["📊 Report", "☰ Menu"]
