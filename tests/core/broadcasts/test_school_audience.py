"""The broadcast audience "Students of a school" (issue 17): chosen by commune then school, on
Telegram and on a text-only chat, counted before sending, and reaching exactly that school's
students: not another school's, not their teachers, not the commune's volunteers."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.channels.base import TEXT_ONLY
from bot.core.service import Core
from bot.core.shared.text import fold
from bot.storage import audiences, teams, users
from bot.storage import broadcasts as store
from bot.storage import classes as class_store
from bot.storage.audiences import Audience
from bot.storage.classes import SchoolClass
from bot.storage.db import Database
from tests.factories import ADMIN, ANH_SON, VINH, Chat, Clock, payload_of, running_app

DAY = datetime(2026, 10, 3, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam
_codes = itertools.count(1)


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    async with running_app(tmp_path) as opened:
        yield opened


@dataclass
class Province:
    """Who is where: the students of each school, a teacher, a volunteer."""

    schools: dict[str, int]  # school name -> id
    students: dict[str, set[int]]  # school name -> its students' user ids
    teacher: int
    volunteer: int


async def new_class(db: Database, teacher: int, commune: str, school: str, name: str
                    ) -> SchoolClass:
    return await class_store.create_class(db, commune, school, fold(school), name,
                                          f"LOP{next(_codes):04d}", teacher, True, DAY)


async def province(app: App) -> Province:
    """THCS Anh Sơn (8A: two students, 8B: one), Tiểu học Anh Sơn (one), THPT Vinh (one); the
    teacher of them all; a volunteer of Anh Sơn's team who is no student."""
    db = app.services.db
    teacher = (await users.touch(db, "telegram", "700", "vi", DAY)).id
    made = [await new_class(db, teacher, ANH_SON, "THCS Anh Sơn", "8A"),
            await new_class(db, teacher, ANH_SON, "THCS Anh Sơn", "8B"),
            await new_class(db, teacher, ANH_SON, "Tiểu học Anh Sơn", "5A"),
            await new_class(db, teacher, VINH, "THPT Huỳnh Thúc Kháng", "10A1")]
    students: dict[str, set[int]] = {}
    for key, school_class in enumerate([made[0], made[0], made[1], made[2], made[3]]):
        user = await users.touch(db, "telegram", f"80{key}", "vi", DAY)
        await class_store.enrol(db, user.id, school_class.id, f"HS {key}", DAY)
        students.setdefault(school_class.school.name, set()).add(user.id)
    team = await teams.create(db, "ANHSON1", "Tổ thôn 1", ANH_SON, None, DAY)
    volunteer = (await users.touch(db, "telegram", "600", "vi", DAY)).id
    await teams.join(db, volunteer, team.id, "Lan", DAY)
    return Province({c.school.name: c.school.id for c in made}, students, teacher, volunteer)


async def admin(app: App, text_only: bool = False) -> Chat:
    core = Core(app.services, clock=Clock(DAY))
    chat = Chat(core, ADMIN, locale="en", caps=TEXT_ONLY) if text_only else \
        Chat(core, ADMIN, locale="en")
    await chat.say("/start")
    return chat


async def queued(db: Database) -> set[int]:
    return {int(r[0]) for r in await db.fetchall("SELECT user_id FROM deliveries")}


async def choose(chat: Chat, label: str) -> None:
    """Type the number a text-only chat shows for the option with this label."""
    keys = {button.label: key for key, button in chat.last[-1].keyed_options()}
    await chat.say(keys[label])


async def test_a_broadcast_to_a_schools_students_reaches_them_only(app: App) -> None:
    db = app.services.db
    world = await province(app)
    thcs = world.schools["THCS Anh Sơn"]
    chat = await admin(app)
    await chat.say("/broadcast")
    await chat.say("Họp phụ huynh lúc 8h")
    assert "Students of a school" in chat.labels()
    await chat.tap("Students of a school")
    assert chat.last[-1].text == "Which commune is the school in? Choose it, or type its name:"
    assert chat.labels() == ["Phường Thành Vinh", "Xã Anh Sơn", "✖ Cancel"]
    await chat.tap("Xã Anh Sơn")
    assert chat.last[-1].text.startswith("Which school of Xã Anh Sơn?")
    assert chat.labels() == ["THCS Anh Sơn", "Tiểu học Anh Sơn", "✖ Cancel"]
    await chat.tap("THCS Anh Sơn")
    await chat.tap("Skip")
    assert chat.last[0].text.startswith(
        "📣 Broadcast to Students of THCS Anh Sơn, Xã Anh Sơn: 3 people.")
    await chat.tap("Send now")
    assert "Broadcast #1 to 3 people starts in a moment" in chat.last[-1].text
    assert await queued(db) == world.students["THCS Anh Sơn"]
    assert world.teacher not in await queued(db) and world.volunteer not in await queued(db)
    [(raw,)] = [tuple(r) for r in await db.fetchall("SELECT audience FROM broadcasts")]
    assert Audience.decode(raw) == Audience(audiences.SCHOOL, str(thcs))
    [(detail,)] = [tuple(r) for r in await db.fetchall(
        "SELECT detail FROM audit_log WHERE action = 'broadcast'")]
    event: dict[str, Any] = json.loads(detail)
    assert (event["audience"], event["value"], event["recipients"]) == ("school", str(thcs), 3)
    listed = await chat.say("/broadcasts")
    assert "Students of THCS Anh Sơn, Xã Anh Sơn" in listed.text


async def test_counts_follow_the_classes_as_they_are(app: App) -> None:
    db = app.services.db
    world = await province(app)

    async def count(school: str) -> int:
        return await audiences.count_recipients(
            db, Audience(audiences.SCHOOL, str(world.schools[school])), ("telegram",))

    assert [await count(s) for s in world.schools] == [3, 1, 1]
    moving = min(world.students["THCS Anh Sơn"])
    vinh_class = (await class_store.in_school(db, world.schools["THPT Huỳnh Thúc Kháng"]))[0]
    await class_store.enrol(db, moving, vinh_class.school_class.id, None, DAY)  # changes school
    assert [await count(s) for s in world.schools] == [2, 1, 2]
    async with db.transaction() as conn:  # a student who blocked the bot is left out
        await conn.execute("UPDATE users SET blocked_at = ? WHERE id = ?",
                           (DAY.isoformat(), max(world.students["Tiểu học Anh Sơn"])))
    assert await count("Tiểu học Anh Sơn") == 0
    assert await audiences.count_recipients(db, Audience(audiences.SCHOOL, "999"),
                                            ("telegram",)) == 0


async def test_a_student_with_two_linked_accounts_gets_one_copy(app: App) -> None:
    db = app.services.db
    world = await province(app)
    student = min(world.students["Tiểu học Anh Sơn"])
    other = (await users.touch(db, "telegram", "899", "vi", DAY)).id  # their other account
    async with db.transaction() as conn:
        await conn.execute("UPDATE users SET linked_to = ? WHERE id = ?", (student, other))
    school = Audience(audiences.SCHOOL, str(world.schools["Tiểu học Anh Sơn"]))
    assert await audiences.count_by_channel(db, school) == {"telegram": 1}
    made = await store.create(db, world.teacher, "Họp", None, school, None, DAY, None,
                              channels=("telegram",))
    assert made is not None and await queued(db) == {student}
    async with db.transaction() as conn:  # the account they act as blocked the bot
        await conn.execute("UPDATE users SET blocked_at = ? WHERE id = ?",
                           (DAY.isoformat(), student))
    assert await audiences.count_recipients(db, school, ("telegram",)) == 1
    made = await store.create(db, world.teacher, "Họp", None, school, None, DAY, None,
                              channels=("telegram",))
    assert made is not None
    rows = await db.fetchall("SELECT user_id FROM deliveries WHERE broadcast_id = ?", (made[0],))
    assert [int(r[0]) for r in rows] == [other]


async def test_typed_names_and_numbers_on_a_text_only_chat(app: App) -> None:
    db = app.services.db
    world = await province(app)
    chat = await admin(app, text_only=True)
    await chat.say("/broadcast")
    await chat.say("Họp phụ huynh")
    await choose(chat, "Students of a school")
    await chat.say("con cuong")  # a commune without a school
    assert chat.last[-1].text == ("Xã Con Cuông has no school with a class yet. Type the name "
                                  "of another commune:")
    await chat.say("atlantis")
    assert "No commune of Nghệ An with a school matches “atlantis”" in chat.last[-1].text
    await chat.say("anh son")
    assert chat.last[-1].text.startswith("Which school of Xã Anh Sơn?")
    await chat.say("truong")  # neither school's name
    assert chat.last[-1].text.startswith("No school here matches “truong”")
    assert [b.label for b in chat.last[-1].options()] == ["THCS Anh Sơn", "Tiểu học Anh Sơn",
                                                          "✖ Cancel"]
    await chat.say("tieu hoc")  # part of a name, without accents
    assert chat.last[-1].text.startswith("Users who chose English get an English version")
    await chat.say("Parents' meeting")
    assert chat.last[0].text.startswith(
        "📣 Broadcast to Students of Tiểu học Anh Sơn, Xã Anh Sơn: 1 person.")
    await choose(chat, "📨 Send now")
    assert await queued(db) == world.students["Tiểu học Anh Sơn"]

    # Vinh has one school: typing the commune chooses it.
    await chat.say("/broadcast")
    await chat.say("Họp")
    await choose(chat, "Students of a school")
    await choose(chat, "Phường Thành Vinh")
    assert chat.last[-1].text.startswith("Users who chose English")
    await choose(chat, "⏭ Skip")
    assert chat.last[0].text.startswith(
        "📣 Broadcast to Students of THPT Huỳnh Thúc Kháng, Phường Thành Vinh: 1 person.")


async def test_without_a_class_the_audience_is_not_offered(app: App) -> None:
    chat = await admin(app)
    await chat.say("/broadcast")
    await chat.say("Họp")
    assert "Students of a school" not in chat.labels()
    await chat.press(payload_of("bca", "school"))  # forged
    assert chat.last[-1].text.startswith("No school has a class yet")
    assert "Everyone" in chat.labels()
    await chat.tap("Everyone")  # the form goes on
    assert chat.last[-1].text.startswith("Users who chose English")
    assert await audiences.school_communes(app.services.db) == []


async def test_forged_and_old_school_buttons_change_nothing(app: App) -> None:
    db = app.services.db
    world = await province(app)
    vinh = world.schools["THPT Huỳnh Thúc Kháng"]
    citizen = Chat(Core(app.services, clock=Clock(DAY)), "555", locale="en")
    assert "Only admins can send broadcasts." in (await citizen.press(
        payload_of("bce", vinh))).text
    chat = await admin(app)
    assert "This broadcast form is closed" in (await chat.press(payload_of("bce", vinh))).text
    await chat.say("/broadcast")
    await chat.say("Họp")
    await chat.tap("Students of a school")
    await chat.tap("Xã Anh Sơn")
    # Another commune's school, pressed at this commune's question: not among its choices.
    older = await chat.press(payload_of("bce", vinh))
    assert older.text.startswith("That button is from an older message")
    assert chat.labels() == ["THCS Anh Sơn", "Tiểu học Anh Sơn", "✖ Cancel"]
    await chat.tap("Cancel")
    assert await db.fetchall("SELECT * FROM broadcasts") == []
