"""/stats, /leaderboard and their buttons through the core, on a real database and a fixed clock."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.app import App, open_app
from bot.config import Campaign
from bot.core import campaigns
from bot.core.events import Reply
from bot.core.reports import Mastery
from bot.core.service import Core
from bot.core.shared.dates import read_days
from bot.core.shared.skills import SKILLS
from bot.storage import campaigns as campaign_store
from bot.storage import reports, teams, users
from bot.storage.teams import Team
from tests.factories import (
    ADMIN,
    ANH_SON,
    DIEN_CHAU,
    VINH,
    Chat,
    Clock,
    add_many_visits,
    add_visit,
    make_config,
    payload_of,
    running_app,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SETUP = datetime(2026, 8, 1, 3, 0, tzinfo=UTC)
SEPT = Campaign("sep", "Tháng Chín số", date(2026, 9, 1), date(2026, 9, 10), None)
OCT = Campaign("oct", "Đi từng ngõ, gõ từng nhà", date(2026, 10, 1), date(2026, 10, 10), 50)


def local(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A moment of 2026 in Vietnam, as an aware UTC datetime."""
    return datetime(2026, month, day, hour, minute, tzinfo=TZ).astimezone(UTC)



@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    async with running_app(tmp_path, campaigns=(SEPT, OCT)) as opened:
        yield opened


async def member(app: App, key: str, team: Team, leader: bool = False,
                 name: str | None = None) -> int:
    """A user who joined team (as a leader, if asked); their user id."""
    db = app.services.db
    user = await users.touch(db, "telegram", key, "en", SETUP)
    await teams.join(db, user.id, team.id, name, SETUP)
    if leader:
        await teams.set_role(db, user.id, team.id, teams.LEADER)
    return user.id


async def complete(app: App, user_id: int, lessons: list[str], at: datetime) -> None:
    """Lessons first completed at a moment."""
    async with app.services.db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO lesson_progress (user_id, lesson_id, position, status, started_at, "
            "updated_at, completed_at) VALUES (?, ?, 9, 'done', ?, ?, ?)",
            [(user_id, lesson, at.isoformat(), at.isoformat(), at.isoformat())
             for lesson in lessons])


def chat(app: App, key: str, now: datetime) -> Chat:
    return Chat(Core(app.services, clock=Clock(now)), user=key, locale="en")


def text_of(replies: list[Reply]) -> str:
    return "\n\n".join(r.text for r in replies)


def paragraph(replies: list[Reply], start: str) -> str:
    for block in text_of(replies).split("\n\n"):
        if block.startswith(start):
            return block
    raise AssertionError(f"no paragraph {start!r} in {text_of(replies)}")


async def two_communes(app: App) -> dict[str, Any]:
    """Three teams in two communes, their visits in October and around it."""
    db = app.services.db
    a1 = await teams.create(db, "ANHSON1", "Tổ thôn 1", ANH_SON, None, SETUP)
    a2 = await teams.create(db, "ANHSON2", "Tổ thôn 2", ANH_SON, None, SETUP)
    v1 = await teams.create(db, "VINH1", "Tổ Vinh", VINH, None, SETUP)
    lan = await member(app, "101", a1, leader=True, name="Lan")
    hoa = await member(app, "102", a1, name="Hoa")
    minh = await member(app, "103", a2, name="Minh")
    son = await member(app, "104", v1, name="Sơn")
    day = local(10, 3)
    first = await add_visit(db, lan, a1.id, day, "ho a", 3, skills=("public_services",),
                            outcomes=("vneid_level2",))
    await add_visit(db, lan, a1.id, day, "ho a", 5, skills=("payment",),
                    outcomes=("first_payment",), follow_up_of=first)  # not a new household
    await add_visit(db, hoa, a1.id, local(10, 4), "ho b", 2, skills=("shopping",))
    await add_visit(db, hoa, a1.id, local(10, 4), "ho x", 9, deleted=True)
    await add_visit(db, minh, a2.id, local(10, 5), "ho c", 4, skills=("cyber_safety",),
                    outcomes=("scam_talk",))
    for i in range(3):
        await add_visit(db, son, v1.id, local(10, 6), f"ho v{i}", 1, commune=VINH)
    await add_visit(db, son, v1.id, local(9, 30, 23), "ho before", 7, commune=VINH)
    await add_visit(db, son, v1.id, local(10, 11, 0, 30), "ho after", 7, commune=VINH)
    return {"a1": a1, "a2": a2, "v1": v1, "lan": lan, "hoa": hoa, "minh": minh, "son": son}


async def test_the_province_report_counts_what_was_inserted(app: App) -> None:
    await two_communes(app)
    admin = chat(app, ADMIN, local(10, 7))
    await admin.say("/stats")
    replies = admin.last
    assert all(len(r.text) <= 2000 for r in replies)
    head = paragraph(replies, "📊 Report for Nghệ An")
    assert "🚩 Đi từng ngõ, gõ từng nhà" in head and "day 7 of 10" in head
    totals = paragraph(replies, "🏠")
    # 6 households (a, b, c, v0-v2), people of first visits 3+2+4+3, 7 visits (a follow-up).
    assert totals.startswith("🏠 6 households · 👥 12 people · 7 visits")
    assert "🏛 Online public services: 1" in totals and "💳 Online payment: 1" in totals
    assert "✅ A first online payment: 1" in totals and "✅ A talk on avoiding scams: 1" in totals
    assert "Biometrics" not in totals  # nothing achieved it
    communes = paragraph(replies, "🏘 Communes with the most households (2 of 130 have visits)")
    assert communes.splitlines()[1:] == ["1. Xã Anh Sơn: 🏠 3 · 👥 9",  # a tie: more people
                                         "1. Phường Thành Vinh: 🏠 3 · 👥 3"]
    assert admin.labels() == ["📈 Chart", "🏆 Leaderboard", "🏘 All communes",
                              "🗓 Other campaigns", "☰ Menu"]

    # The same days typed, either way: the same figures, without the campaign's heading.
    for typed in ("/stats 2026-10-01 2026-10-10", "/stats 01/10/2026 - 10/10/2026"):
        await admin.say(typed)
        assert paragraph(admin.last, "🏠").startswith("🏠 6 households · 👥 12 people")
        assert "📅 Oct 1, 2026 – Oct 10, 2026" in admin.last[0].text
        assert "🏆 Leaderboard" in admin.labels()  # the same days, ranked
        assert "No campaign is running" not in admin.last[0].text  # days asked for
    await admin.say("/stats 2026-10-04")  # one day
    assert paragraph(admin.last, "🏠").startswith("🏠 1 household · 👥 2 people · 1 visit")
    await admin.say("/stats 2026-10-11 2026-10-11")  # 00:30 on the 11th, local time
    assert "🏠 1 household · 👥 7 people" in text_of(admin.last)
    await admin.say("/stats 2026-11-01 2026-11-30")  # an empty range
    assert "No visits logged." in text_of(admin.last) and "🏘" not in text_of(admin.last)
    assert "📈 Chart" not in admin.labels()


async def test_every_commune_and_one_commune_with_its_teams(app: App) -> None:
    made = await two_communes(app)
    db = app.services.db
    everywhere = [c.code for c in app.services.communes.all()][:60]
    for n, code in enumerate(everywhere):  # 60 communes with visits: a long list
        await add_visit(db, None, None, local(10, 2), f"far {n}", 1 + n % 3, commune=code)
    admin = chat(app, ADMIN, local(10, 7))
    await admin.say("/stats")
    await admin.tap("All communes")
    listing = admin.last
    assert len(listing) >= 2 and all(len(r.text) <= 2000 for r in listing)
    assert listing[0].text.startswith("🏘 All communes, by households")
    assert not listing[0].edit  # the report stays on screen
    lines = [line for r in listing for line in r.text.splitlines()]
    extra = 1 + everywhere.index(ANH_SON) % 3  # its "far" household's people
    assert f"1. Xã Anh Sơn: 🏠 4 · 👥 {9 + extra}" in lines
    numbered = [line for line in lines if re.match(r"^\d+\. ", line)]
    assert len(numbered) == 60
    assert any(line.startswith("No visits yet in 70 communes:") for line in lines)
    assert [b.label for b in listing[-1].options()] == ["📊 Report", "☰ Menu"]

    await admin.say("/stats anh son")
    detail = admin.last
    assert detail[0].text.startswith("📍 Xã Anh Sơn")
    assert paragraph(detail, "👥 Tổ thôn 1").splitlines()[1].startswith(
        "🏠 2 households · 👥 5 people · 3 visits")
    assert paragraph(detail, "👥 Tổ thôn 2").splitlines()[1].startswith("🏠 1 household")
    assert "Tổ Vinh" not in text_of(detail)  # it helped in Vinh only
    # A team from another commune that helped here shows, named with its commune.
    await add_visit(db, made["son"], made["v1"].id, local(10, 6), "ho guest", 2)
    await admin.say("/stats anh son 2026-10-06 2026-10-06")
    assert "👥 Tổ Vinh (from Phường Thành Vinh)" in text_of(admin.last)
    assert "No visits logged." in paragraph(admin.last, "👥 Tổ thôn 1")

    choice = await admin.say("/stats quynh")
    assert choice.text == "Which commune do you mean?" and "Xã Quỳnh Lưu" in admin.labels()
    await admin.tap("Xã Quỳnh Lưu")
    assert admin.last[0].text.startswith("📍 Xã Quỳnh Lưu")
    assert "This commune has no team yet." in text_of(admin.last)
    assert "I don't know a commune called “xyzzy”" in (await admin.say("/stats xyzzy")).text


async def test_bad_dates_get_a_clear_answer(app: App) -> None:
    admin = chat(app, ADMIN, local(10, 7))
    cases = {
        "/stats 2026-10-10 2026-10-01": "The end of the range comes before its start.",
        "/stats 10/10/2026 01/10/2026": "The end of the range comes before its start.",
        "/stats 2026-13-45": "2026-13-45 is not a date I can read.",
        "/stats 31/02/2026 2026-03-01": "31/02/2026 is not a date I can read.",
        "/stats 1900-01-01 2026-01-01": "1900-01-01 is too far away",
        "/stats 2026-10-01 2026-10-02 2026-10-03": "one day, or two days",
    }
    for typed, expected in cases.items():
        reply = await admin.say(typed)
        assert expected in reply.text and "For example: /stats 2026-10-01" in reply.text, typed
        assert "🏠" not in reply.text
    chart = await admin.say("/chart 2026-10-10 2026-10-01")
    assert "comes before its start" in chart.text and "/chart 2026-10-01" in chart.text
    assert chart.image is None


@given(st.text(max_size=60))
def test_typed_days_never_raise(text: str) -> None:
    typed = read_days(text)
    if typed.first is not None:
        assert typed.last is not None and typed.first <= typed.last and not typed.problem


@given(st.dates(date(2000, 1, 1), date(2100, 12, 31)), st.dates(date(2000, 1, 1),
                                                                   date(2100, 12, 31)),
       st.booleans())
def test_both_ways_of_writing_a_date_read_alike(first: date, last: date, iso: bool) -> None:
    def written(day: date) -> str:
        return day.isoformat() if iso else f"{day.day}/{day.month:02d}/{day.year}"

    typed = read_days(f"{written(first)} đến {written(last)}")
    if last < first:
        assert typed.problem == "order"
    else:
        assert (typed.first, typed.last, typed.rest, typed.problem) == (first, last, "", None)


async def test_a_leader_sees_their_team_only(app: App) -> None:
    made = await two_communes(app)
    leader = chat(app, "101", local(10, 7))
    await leader.say("/stats")
    mine = text_of(leader.last)
    assert mine.startswith("👥 Team “Tổ thôn 1”, Xã Anh Sơn")
    assert "🏠 2 households · 👥 5 people · 3 visits" in mine
    assert "Tổ thôn 2" not in mine and "Vinh" not in mine and "Communes" not in mine
    assert "👤 2 members" in mine
    assert "🏘 All communes" not in leader.labels()
    for payload in (payload_of("rsa", "c1"), payload_of("rsc", "c1", VINH)):
        reply = await leader.press(payload)
        assert "That part of the report is for admins" in reply.text and "🏠" not in reply.text
    refused = await leader.say("/stats vinh")
    assert refused.text == ("I couldn't read “vinh” as dates. For example: /stats 2026-10-01 "
                            "2026-10-10 (or 01/10/2026 10/10/2026).")
    # Another campaign from a button: still their own team.
    await leader.press(payload_of("rs", "c0"))
    assert text_of(leader.last).startswith("👥 Team “Tổ thôn 1”")
    assert "No visits logged." in text_of(leader.last)

    board = await leader.say("/leaderboard")
    assert "👥 Teams of Xã Anh Sơn" in board.text
    assert "1. Tổ thôn 1: 🏠 2 ← your team" in board.text and "2. Tổ thôn 2: 🏠 1" in board.text
    assert "Tổ Vinh" not in board.text and "Lan" not in board.text and "Hoa" not in board.text
    assert "🙋" not in board.text
    assert made["a1"].name in board.text


async def test_citizens_volunteers_and_forged_buttons_are_refused(app: App) -> None:
    await two_communes(app)
    now = local(10, 7)
    payloads = [payload_of("rs", "c1"), payload_of("rsa", "c1"), payload_of("rsc", "c1", ANH_SON),
                payload_of("rch", "c1"), payload_of("rlb", "c1"), payload_of("rpk", "s")]
    for key in ("900", "102"):  # a citizen, then a volunteer who is not a leader
        someone = chat(app, key, now)
        replies = [await someone.say(c) for c in ("/stats", "/chart", "/leaderboard",
                                                  "/stats 2026-10-01 2026-10-10")]
        replies += [await someone.press(p) for p in payloads]
        for reply in replies:
            assert reply.text.startswith("Reports are for admins and team leaders"), reply.text
            assert reply.image is None and "🏠" not in reply.text
    admin = chat(app, ADMIN, now)
    for forged in ("rs:zz", "rs:c99", "rs:d20261010-20261001", "rs:d20261301-20261302",
                   "rlb:d20261001-20261301", "rsc:c1:99999", "rch:c7"):
        reply = await admin.press(forged)
        assert "That button is from an old message" in reply.text, forged
    for malformed in ("rs:c1:1", "rs", "rsc:c1:x1", "rs:" + "c" * 30):
        assert "I don't recognise that button" in (await admin.press(malformed)).text


async def test_the_leaderboard_ranks_households_with_shared_ranks(app: App) -> None:
    db = app.services.db
    made = {code: await teams.create(db, f"T{code}", f"Tổ {code}", DIEN_CHAU, None, SETUP)
            for code in "ABCD"}
    people = {code: await member(app, f"20{i}", made[code], name=f"Người {code}")
              for i, code in enumerate("ABCD")}
    await member(app, "299", made["D"], name=None)  # gave no name
    for code, households in (("A", 3), ("B", 3), ("C", 1)):
        for i in range(households):
            first = await add_visit(db, people[code], made[code].id, local(10, 2), f"{code}{i}",
                                    commune=DIEN_CHAU)
            await add_visit(db, people[code], made[code].id, local(10, 3), f"{code}{i}",
                            commune=DIEN_CHAU, follow_up_of=first)
    for i in range(5):  # deleted, or before the campaign: not counted
        await add_visit(db, people["D"], made["D"].id, local(10, 2), f"D{i}", deleted=True,
                        commune=DIEN_CHAU)
        await add_visit(db, people["D"], made["D"].id, local(9, 5), f"D{i}", commune=DIEN_CHAU)
    nameless = (await users.touch(db, "telegram", "299", "en", SETUP)).id
    await add_visit(db, nameless, made["D"].id, local(10, 4), "D9", commune=DIEN_CHAU)
    await add_visit(db, None, made["C"].id, local(10, 4), "C9", commune=DIEN_CHAU)  # deleteme'd

    admin = chat(app, ADMIN, local(10, 7))
    await admin.say("/leaderboard")
    board = text_of(admin.last)
    assert "Rule: households helped during the campaign" in board
    assert "follow-ups and deleted visits are not counted" in board
    teams_block = paragraph(admin.last, "👥 Teams").splitlines()[1:]
    assert teams_block == ["1. Tổ A · Xã Diễn Châu: 🏠 3", "1. Tổ B · Xã Diễn Châu: 🏠 3",
                           "3. Tổ C · Xã Diễn Châu: 🏠 2", "4. Tổ D · Xã Diễn Châu: 🏠 1"]
    volunteers = paragraph(admin.last, "🙋 Volunteers").splitlines()[1:]
    assert volunteers == ["1. Người A · Tổ A, Xã Diễn Châu: 🏠 3",
                          "1. Người B · Tổ B, Xã Diễn Châu: 🏠 3",
                          "3. Người C · Tổ C, Xã Diễn Châu: 🏠 1",
                          "3. (no name given) · Tổ D, Xã Diễn Châu: 🏠 1"]
    await admin.say("/leaderboard 2026-10-01 2026-10-03")  # days: ranked on those days only
    assert "Rule: households helped in these days" in text_of(admin.last)
    assert paragraph(admin.last, "👥 Teams").splitlines()[1:] == [  # C9 and D9: on the 4th
        "1. Tổ A · Xã Diễn Châu: 🏠 3", "1. Tổ B · Xã Diễn Châu: 🏠 3",
        "3. Tổ C · Xã Diễn Châu: 🏠 1"]
    # The September campaign, picked from the list: only the visits before October count there.
    await admin.tap("Other campaigns")
    await admin.tap("Tháng Chín số")
    september = text_of(admin.last)
    assert "🏆 Leaderboard" in september and "ended, figures frozen" in september
    assert paragraph(admin.last, "👥 Teams").splitlines()[1:] == ["1. Tổ D · Xã Diễn Châu: 🏠 5"]
    assert "I couldn't read" in (await admin.say("/leaderboard Vinh")).text


async def test_the_top_twenty_and_those_tied_with_the_twentieth(app: App) -> None:
    db = app.services.db
    team = await teams.create(db, "BIG", "Tổ lớn", ANH_SON, None, SETUP)
    for i in range(25):
        person = await member(app, str(500 + i), team, name=f"V{i:02d}")
        for h in range(2 if i < 22 else 1):  # 22 volunteers tie on 2 households
            await add_visit(db, person, team.id, local(10, 2), f"h{i}-{h}")
    admin = chat(app, ADMIN, local(10, 7))
    await admin.say("/leaderboard")
    volunteers = paragraph(admin.last, "🙋 Volunteers").splitlines()
    assert len([line for line in volunteers if line.startswith("1. ")]) == 22
    assert volunteers[-1] == "…and 3 more volunteers."


async def test_the_learning_side(app: App) -> None:
    made = await two_communes(app)
    catalog = app.services.catalog
    every = [lesson.id for skill in SKILLS for lesson in catalog.by_skill(skill)]
    payment = [lesson.id for lesson in catalog.by_skill("payment")]
    db = app.services.db
    master = (await users.touch(db, "telegram", "700", "en", local(10, 2))).id  # new, in October
    await complete(app, master, every[:-1], local(9, 20))
    await complete(app, master, every[-1:], local(10, 2))  # the fifth skill's last lesson
    await complete(app, made["hoa"], payment[:1], local(9, 15))
    await complete(app, made["hoa"], payment[1:], local(10, 3))  # one skill, done in October
    earlier = (await users.touch(db, "telegram", "701", "en", SETUP)).id
    await complete(app, earlier, every, local(9, 2))  # all before October: not in it

    admin = chat(app, ADMIN, local(10, 7))
    await admin.say("/stats")
    learned = paragraph(admin.last, "📚 Learning").splitlines()
    # Users: 4 volunteers, 2 learners and the admin; 2 of them new in October (700, admin).
    assert learned[1] == "👤 7 users of the bot · 2 new in this period"
    assert learned[2] == f"📘 {len(payment)} lessons completed · by 2 people"
    assert learned[3:] == ["🎓 2 skills mastered", "🌟 1 person mastered all five skills"]

    leader = chat(app, "101", local(10, 7))  # Hoa is in the leader's team; 700 is not
    await leader.say("/stats")
    team = paragraph(leader.last, "📚 Learning").splitlines()
    assert team[1:] == ["👤 2 members · 0 joined in this period",
                        f"📘 {len(payment) - 1} lessons completed · by 1 person",
                        "🎓 1 skill mastered", "🌟 0 people mastered all five skills"]


def test_mastery_is_the_last_lesson_of_a_skill_in_the_period() -> None:
    lessons = {"p1": "payment", "p2": "payment", "s1": "shopping", "u1": "public_services",
               "c1": "cyber_safety", "o1": "other_platforms"}
    before, inside = "2026-09-20T03:00:00+00:00", "2026-10-02T03:00:00+00:00"
    mastery = Mastery(lessons, "2026-09-30T17:00:00+00:00")
    mastery.add([(1, "p1", before), (1, "p2", inside),  # payment, mastered in the period
                 (2, "p1", before), (2, "p2", before),  # mastered before it: not counted
                 (3, "p1", inside), (3, "handbook-x", inside)])  # half a skill; not a skill
    assert (mastery.skills, mastery.everyone) == (1, 0)
    mastery.add([(4, lesson, before) for lesson in lessons if lesson != "o1"]
                + [(4, "o1", inside)])  # the fifth skill in the period: all five
    mastery.add([(5, lesson, before) for lesson in lessons])  # all five, before the period
    assert (mastery.skills, mastery.everyone) == (2, 1)


async def test_a_frozen_campaign_keeps_its_figures(app: App) -> None:
    made = await two_communes(app)
    admin = chat(app, ADMIN, local(10, 20))  # October ended: its figures are frozen
    await admin.say("/stats")  # no campaign runs: the last 30 days, October picked from a list
    assert "No campaign is running" in text_of(admin.last)
    await admin.tap("Other campaigns")
    await admin.tap("Đi từng ngõ, gõ từng nhà")
    assert "ended, figures frozen" in text_of(admin.last)
    assert paragraph(admin.last, "🏠").startswith("🏠 6 households · 👥 12 people")
    async with app.services.db.transaction() as conn:  # later changes leave the campaign alone
        await conn.execute("UPDATE visits SET deleted_at = 'x' WHERE team_id = ?",
                           (made["v1"].id,))
    await admin.press(payload_of("rs", "c1"))
    assert paragraph(admin.last, "🏠").startswith("🏠 6 households · 👥 12 people")
    assert admin.last[0].edit  # a report picked from a button replaces that message
    await admin.say("/stats 2026-10-01 2026-10-10")  # days are read live
    assert paragraph(admin.last, "🏠").startswith("🏠 3 households · 👥 9 people")


async def test_before_any_campaign_and_the_campaign_list(tmp_path: Path) -> None:
    config = dataclasses.replace(make_config(tmp_path, BOT_ADMINS=ADMIN), campaigns=(SEPT, OCT))
    app = await open_app(config)
    try:
        admin = chat(app, ADMIN, local(8, 20))
        reply = await admin.say("/stats")  # the last 30 days; no campaign to offer yet
        assert "No campaign is running, so this shows the last 30 days" in reply.text
        assert "/stats 2026-10-01 2026-10-10" in reply.text and "Other campaigns." not in reply.text
        assert "the last 30 days" in (await admin.say("/leaderboard")).text
        assert "No campaign has started yet" in (await admin.press(payload_of("rpk", "s"))).text
        later = chat(app, ADMIN, local(10, 2))
        await later.press(payload_of("rpk", "s"))
        assert later.labels() == ["🚩 Đi từng ngõ, gõ từng nhà", "🚩 Tháng Chín số", "☰ Menu"]
    finally:
        await app.close()


# --- Every report query walks an index ------------------------------------------------------

# A step reading a whole table of visits or progress (aliases: p is lesson_progress).
_WHOLE_TABLE = re.compile(r"^SCAN (visits|frozen_visits|lesson_progress|p)\b")
# The province-wide learning queries need an index v002 lacks (reports.PROPOSED_INDEXES).
NEED_NEW_INDEX = {"COMPLETED_SQL", "LEARNERS_SQL"}


async def _fill(app: App) -> Team:
    """40 teams in 10 communes, 200 volunteers, 8,000 visits, two frozen campaigns, 300
    learners with 10 lessons each: enough for SQLite's statistics to mean something."""
    db = app.services.db
    communes = [c.code for c in app.services.communes.all()[:10]]
    made = [await teams.create(db, f"T{i}", f"Tổ {i}", communes[i % 10], None, SETUP)
            for i in range(40)]
    people = [await member(app, str(1000 + i), made[i % 40]) for i in range(200)]
    learners = [(await users.touch(db, "telegram", str(3000 + i), "en", SETUP)).id
                for i in range(100)]
    lessons = list(app.services.catalog.lessons)
    await add_many_visits(db, people, made, [
        local(9 if i % 2 else 10, 1 + i % 10, 6 + i % 12).isoformat() for i in range(8000)])
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO lesson_progress (user_id, lesson_id, position, status, started_at, "
            "updated_at, completed_at) VALUES (?, ?, 1, 'done', 'x', 'x', ?)",
            [(user, lessons[(user + n) % len(lessons)], local(10, 1 + n).isoformat())
             for user in [*people, *learners] for n in range(10)])
    for campaign in (SEPT, OCT):
        await campaign_store.freeze(db, [campaign_store.Due(
            campaign.key, *campaigns.days_bounds(campaign.first_day, campaign.last_day, TZ))],
            SETUP)
    return made[3]


async def _plans(app: App, team: Team) -> dict[str, list[str]]:
    """Each query of bot/storage/reports.py and the steps of its plan."""
    live = campaigns.days_bounds(OCT.first_day, OCT.last_day, TZ)
    queries: dict[str, tuple[str, tuple[Any, ...]]] = {
        "COMMUNES_SQL": (reports.COMMUNES_SQL, live),
        "FROZEN_COMMUNES_SQL": (reports.FROZEN_COMMUNES_SQL, ("oct",)),
        "TEAMS_SQL": (reports.TEAMS_SQL, live),
        "FROZEN_TEAMS_SQL": (reports.FROZEN_TEAMS_SQL, ("oct",)),
        "COMMUNE_SQL": (reports.COMMUNE_SQL, (team.commune_code, *live)),
        "FROZEN_COMMUNE_SQL": (reports.FROZEN_COMMUNE_SQL, ("oct", team.commune_code)),
        "COMMUNE_TEAMS_SQL": (reports.COMMUNE_TEAMS_SQL, (team.commune_code, *live)),
        "FROZEN_COMMUNE_TEAMS_SQL": (reports.FROZEN_COMMUNE_TEAMS_SQL,
                                     ("oct", team.commune_code)),
        "VOLUNTEERS_SQL": (reports.VOLUNTEERS_SQL, live),
        "FROZEN_VOLUNTEERS_SQL": (reports.FROZEN_VOLUNTEERS_SQL, ("oct",)),
        "HOURLY_SQL": (reports.HOURLY_SQL, live),
        "FROZEN_HOURLY_SQL": (reports.FROZEN_HOURLY_SQL, ("oct",)),
        "TEAM_HOURLY_SQL": (reports.TEAM_HOURLY_SQL, (team.id, *live)),
        "FROZEN_TEAM_HOURLY_SQL": (reports.FROZEN_TEAM_HOURLY_SQL, ("oct", team.id)),
        "NAMES_SQL": (reports.NAMES_SQL.format(marks="?,?,?"), (1, 2, 3)),
        "USERS_SQL": (reports.USERS_SQL, live),  # users: no visits or progress in it
        "MEMBERS_SQL": (reports.MEMBERS_SQL, (*live, team.id)),
        "COMPLETED_SQL": (reports.COMPLETED_SQL, live),
        "TEAM_COMPLETED_SQL": (reports.TEAM_COMPLETED_SQL, (team.id, *live)),
        "LEARNERS_SQL": (reports.LEARNERS_SQL, live),
        "TEAM_LEARNERS_SQL": (reports.TEAM_LEARNERS_SQL, (team.id, *live)),
        "COMPLETIONS_SQL": (reports.COMPLETIONS_SQL.format(marks="?,?,?"), (1, 2, 3, live[1])),
    }
    # Every query of the module is checked here: a new one must be added.
    assert set(queries) == {name for name in vars(reports) if name.endswith("_SQL")}
    plans = {}
    for name, (sql, params) in queries.items():
        rows = await app.services.db.fetchall("EXPLAIN QUERY PLAN " + sql, params)
        plans[name] = [str(row["detail"]) for row in rows]
    return plans


@pytest.mark.parametrize("analysed", [False, True])
async def test_every_report_query_walks_an_index(app: App, analysed: bool) -> None:
    team = await _fill(app)
    async with app.services.db.transaction() as conn:
        for statement in reports.PROPOSED_INDEXES:  # what the next migration is asked to add
            await conn.execute(statement)
        if analysed:  # the plans must hold with or without SQLite's statistics
            await conn.execute("ANALYZE")
    plans = await _plans(app, team)
    for name, steps in plans.items():
        assert not [s for s in steps if _WHOLE_TABLE.match(s)], (name, steps)
        for step in steps:  # visits and their frozen copies are only read through an index
            if re.match(r"^(SEARCH|SCAN) (visits|frozen_visits)\b", step):
                assert step.startswith("SEARCH") and "INDEX" in step, (name, step)
    for name in NEED_NEW_INDEX:
        assert any("COVERING INDEX lesson_progress_by_completion" in s for s in plans[name])
    assert any("frozen_visits_by_team" in s for s in plans["FROZEN_HOURLY_SQL"])
    assert any("visits_by_commune" in s for s in plans["COMMUNE_SQL"])
    assert any("memberships_by_team" in s for s in plans["TEAM_LEARNERS_SQL"])


async def test_the_schema_has_the_index_the_learning_side_needs(app: App) -> None:
    team = await _fill(app)
    plans = await _plans(app, team)
    for name in sorted(NEED_NEW_INDEX):
        assert not [s for s in plans[name] if _WHOLE_TABLE.match(s)], (name, plans[name])
