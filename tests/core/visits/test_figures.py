"""/mystats and /teamstats on a real database, through the core, with a fixed clock."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.app import App, open_app
from bot.config import Campaign
from bot.core.events import Reply
from bot.core.service import Core
from bot.storage import campaigns as campaign_store
from bot.storage import figures, teams, users
from bot.storage.teams import Team
from tests.factories import (
    ADMIN,
    ANH_SON,
    Chat,
    Clock,
    add_many_visits,
    add_visit,
    make_config,
    payload_of,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SETUP = datetime(2026, 9, 1, 3, 0, tzinfo=UTC)  # teams are created before the campaign
CAMPAIGN = Campaign("oct", "Đi từng ngõ, gõ từng nhà", date(2026, 10, 1), date(2026, 10, 10), 50)


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A moment in Vietnam, as the aware UTC datetime the core works with."""
    return datetime(year, month, day, hour, minute, tzinfo=TZ).astimezone(UTC)



async def open_test_app(tmp_path: Path, campaigns: tuple[Campaign, ...] = (CAMPAIGN,)) -> App:
    """The real app with these campaigns and one admin."""
    config = dataclasses.replace(make_config(tmp_path, BOT_ADMINS=ADMIN), campaigns=campaigns)
    return await open_app(config)


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    opened = await open_test_app(tmp_path)
    yield opened
    await opened.close()


async def volunteer(app: App, key: str, team: Team, leader: bool = False) -> int:
    """A user who joined team; returns their user id."""
    db = app.services.db
    user = await users.touch(db, "telegram", key, "en", SETUP)
    await teams.join(db, user.id, team.id, None, SETUP)
    if leader:
        await teams.set_role(db, user.id, team.id, teams.LEADER)
    return user.id


def chat(app: App, key: str, clock: Clock) -> Chat:
    return Chat(Core(app.services, clock=clock), user=key, locale="en")


def block(reply: Reply | list[Reply], heading: str) -> str:
    """The paragraph of the figures that starts with heading."""
    texts = [reply.text] if isinstance(reply, Reply) else [r.text for r in reply]
    for paragraph in "\n\n".join(texts).split("\n\n"):
        if paragraph.startswith(heading):
            return paragraph
    raise AssertionError(f"no block {heading!r} in {texts}")


async def test_households_people_skills_and_outcomes_are_counted(app: App) -> None:
    db = app.services.db
    team = await teams.create(db, "ANHSON1", "Tổ thôn 1", ANH_SON, None, SETUP)
    me = await volunteer(app, "101", team)
    other = await volunteer(app, "102", team, leader=True)
    at = local(2026, 10, 5, 9)
    first = await add_visit(db, me, team.id, at, "ho a", 3, skills=("public_services",),
                            outcomes=("vneid_level2",))
    await add_visit(db, me, team.id, at, "ho b", 2, skills=("payment", "public_services"))
    # A follow-up: not a new household, its people not counted again, but its work counts.
    await add_visit(db, me, team.id, at, "ho a", 4, skills=("payment",),
                    outcomes=("first_payment", "vneid_level2"), follow_up_of=first)
    # Logged twice without the follow-up mark: still one household, its people both times.
    await add_visit(db, me, team.id, at, "ho b", 1)
    await add_visit(db, me, team.id, at, "ho c", 9, skills=("shopping",), outcomes=("biometrics",),
                    deleted=True)
    await add_visit(db, other, team.id, at, "ho d", 5, skills=("cyber_safety",),
                    outcomes=("scam_talk",))

    mine = await figures.of_volunteer(db, me, *figures.EVER)
    assert (mine.visits, mine.households, mine.people) == (4, 2, 6)
    assert mine.skills == {"public_services": 2, "shopping": 0, "payment": 2, "cyber_safety": 0,
                           "other_platforms": 0}
    assert mine.outcomes["vneid_level2"] == 2 and mine.outcomes["first_payment"] == 1
    assert mine.outcomes["biometrics"] == 0 and mine.outcomes["scam_talk"] == 0

    reply = await chat(app, "101", Clock(local(2026, 10, 5, 12))).say("/mystats")
    today = block(reply, "📅 Today")
    assert "🏠 2 households · 👥 6 people · 4 visits" in today
    assert "🏛 Online public services: 2" in today and "💳 Online payment: 2" in today
    assert "✅ VNeID level 2 activated: 2" in today and "✅ A first online payment: 1" in today
    assert "Online shopping" not in today and "Biometrics" not in today  # deleted
    assert "Scam" not in reply.text  # the other volunteer's visit is theirs, not mine
    assert "Households, people: first visits only. Skills, outcomes: every visit." in reply.text

    team_reply = await chat(app, "102", Clock(local(2026, 10, 5, 12))).say("/teamstats")
    team_today = block(team_reply, "📅 Today")
    assert "🏠 3 households · 👥 11 people · 5 visits" in team_today
    assert "✅ A talk on avoiding scams: 1" in team_today
    assert "👥 Team “Tổ thôn 1”, Xã Anh Sơn" in team_reply.text


async def test_today_this_campaign_and_all_time(app: App) -> None:
    db = app.services.db
    team = await teams.create(db, "ANHSON1", "Tổ thôn 1", ANH_SON, None, SETUP)
    me = await volunteer(app, "101", team)
    # 06:30 on 5 October in Vietnam is still 4 October in UTC: it is today all the same.
    await add_visit(db, me, team.id, local(2026, 10, 5, 6, 30), "ho a", 1)
    await add_visit(db, me, team.id, local(2026, 10, 4, 23, 30), "ho b", 2)
    await add_visit(db, me, team.id, local(2026, 10, 1, 0, 30), "ho c", 3)  # first minutes
    await add_visit(db, me, team.id, local(2026, 9, 30, 23, 0), "ho d", 4)  # the day before
    reply = await chat(app, "101", Clock(local(2026, 10, 5, 10))).say("/mystats")
    assert "👥 1 person · 1 visit" in block(reply, "📅 Today, Oct 5, 2026")
    running = block(reply, "🚩 Đi từng ngõ, gõ từng nhà")
    assert "Oct 1, 2026 – Oct 10, 2026 · day 5 of 10" in running
    assert "🏠 3 households · 👥 6 people · 3 visits" in running
    assert "🏠 4 households · 👥 10 people · 4 visits" in block(reply, "🗂 All time")
    assert reply.buttons and all(len(r.text) <= 2000 for r in [reply])

    nothing_today = await chat(app, "101", Clock(local(2026, 10, 6, 8))).say("/mystats")
    assert "No visits logged." in block(nothing_today, "📅 Today")


async def test_before_any_campaign_the_next_one_is_announced(tmp_path: Path) -> None:
    app = await open_test_app(tmp_path)
    try:
        team = await teams.create(app.services.db, "ANHSON1", "Tổ 1", ANH_SON, None, SETUP)
        await volunteer(app, "101", team)
        reply = await chat(app, "101", Clock(local(2026, 9, 20))).say("/mystats")
        assert "🚩 Next campaign: Đi từng ngõ, gõ từng nhà, from Oct 1, 2026." in reply.text
    finally:
        await app.close()
    app = await open_test_app(tmp_path / "none", campaigns=())
    try:
        team = await teams.create(app.services.db, "ANHSON1", "Tổ 1", ANH_SON, None, SETUP)
        await volunteer(app, "101", team)
        reply = await chat(app, "101", Clock(local(2026, 10, 5))).say("/mystats")
        assert "🚩" not in reply.text and "🗂 All time" in reply.text
    finally:
        await app.close()


async def test_rank_in_the_commune_with_ties_and_the_target(app: App) -> None:
    db = app.services.db
    made = {}
    for code, households in (("A", 3), ("B", 3), ("C", 1), ("D", 0)):
        team = await teams.create(db, f"ANHSON{code}", f"Tổ {code}", ANH_SON, None, SETUP)
        user = await volunteer(app, f"20{ord(code)}", team)
        made[code] = (team, f"20{ord(code)}")
        for i in range(households):
            await add_visit(db, user, team.id, local(2026, 10, 3), f"ho {code}{i}")
    # Outside the commune, before the campaign, or follow-ups: not in the ranking.
    far = await teams.create(db, "VINH1", "Tổ Vinh", "16681", None, SETUP)
    for i in range(9):
        await add_visit(db, None, far.id, local(2026, 10, 3), f"x{i}", commune="16681")
    team_c, user_c = made["C"]
    for i in range(5):
        await add_visit(db, None, team_c.id, local(2026, 9, 20), f"old {i}")
    first_a = await add_visit(db, None, made["D"][0].id, local(2026, 10, 3), "ho D", deleted=True)
    await add_visit(db, None, made["D"][0].id, local(2026, 10, 3), "ho D", follow_up_of=first_a)

    clock = Clock(local(2026, 10, 5))
    expected = {"A": "1st of 4 teams", "B": "1st of 4 teams", "C": "3rd of 4 teams",
                "D": "4th of 4 teams"}
    for code, (_team, key) in made.items():
        campaign = block(await chat(app, key, clock).say("/teamstats"), "🚩")
        assert f"🏆 {expected[code]} in Xã Anh Sơn" in campaign, campaign
    campaign = block(await chat(app, made["A"][1], clock).say("/teamstats"), "🚩")
    assert "🎯 3 / 50 households" in campaign and "✓" not in campaign

    # A team created after a campaign ended took no part in it: no rank, no place for others.
    late = await teams.create(db, "ANHSONE", "Tổ E", ANH_SON, None, local(2026, 10, 20))
    await volunteer(app, "299", late)
    after = Clock(local(2026, 10, 21))
    assert "🏆" not in block(await chat(app, "299", after).say("/teamstats"), "🚩")
    assert "🏆 3rd of 4 teams" in block(await chat(app, user_c, after).say("/teamstats"), "🚩")


async def test_reaching_the_target_is_marked(tmp_path: Path) -> None:
    small = dataclasses.replace(CAMPAIGN, household_target=2)
    app = await open_test_app(tmp_path, campaigns=(small,))
    try:
        team = await teams.create(app.services.db, "ANHSON1", "Tổ 1", ANH_SON, None, SETUP)
        me = await volunteer(app, "101", team)
        for name in ("a", "b", "c"):
            await add_visit(app.services.db, me, team.id, local(2026, 10, 2), name)
        reply = await chat(app, "101", Clock(local(2026, 10, 5))).say("/teamstats")
        assert "🎯 3 / 2 households ✓" in block(reply, "🚩")
        assert "🏆 1st of 1 team in Xã Anh Sơn" in block(reply, "🚩")
    finally:
        await app.close()


async def test_citizens_and_forged_buttons_are_refused(app: App) -> None:
    db = app.services.db
    mine = await teams.create(db, "ANHSON1", "Tổ 1", ANH_SON, None, SETUP)
    theirs = await teams.create(db, "ANHSON2", "Tổ 2", ANH_SON, None, SETUP)
    await volunteer(app, "101", mine)
    await add_visit(db, None, theirs.id, local(2026, 10, 3), "secret household", 7)
    clock = Clock(local(2026, 10, 5))

    citizen = chat(app, "900", clock)
    for reply in (await citizen.say("/mystats"), await citizen.say("/teamstats"),
                  await citizen.say("/teamstats ANHSON2"),
                  await citizen.press(payload_of("fig_t", theirs.id)),
                  await citizen.press(payload_of("fig_list", 1)),
                  await citizen.press(payload_of("fig_me"))):
        assert "Figures are for volunteers" in reply.text and "🏠" not in reply.text

    member = chat(app, "101", clock)
    for reply in (await member.press(payload_of("fig_t", theirs.id)),
                  await member.say("/teamstats anhson2")):
        assert "your own team's figures only" in reply.text and "7 people" not in reply.text
    assert "own team's figures only" in (await member.press("fig_t:" + "9" * 24)).text
    for forged in ("fig_t:../1", "fig_t:1:2", "fig_list:x", "fig_me:1"):
        assert "I don't recognise that button" in (await member.press(forged)).text
    listed = await member.press(payload_of("fig_list", 1))  # not an admin: their own team
    assert "👥 Team “Tổ 1”, Xã Anh Sơn" in listed.text
    assert "👥 Team “Tổ 1”" in (await member.say("/teamstats ANHSON1")).text


async def test_an_admin_picks_any_team(app: App) -> None:
    db = app.services.db
    for i in range(10):
        await teams.create(db, f"ANHSON{i}", f"Tổ {i}", ANH_SON, None, SETUP)
    vinh = await teams.create(db, "VINH1", "Tổ Vinh", "16681", None, SETUP)
    await add_visit(db, None, vinh.id, local(2026, 10, 3), "ho v", 4, commune="16681")
    admin = chat(app, ADMIN, Clock(local(2026, 10, 5)))
    assert "no figures of your own" in (await admin.say("/mystats")).text
    listing = await admin.say("/teamstats")
    assert "page 1 of 2" in listing.text and len(admin.labels()) == 8 + 2
    await admin.tap("Next")
    assert "page 2 of 2" in admin.last[-1].text and "Tổ Vinh · Phường Thành Vinh" not in \
        admin.labels()
    await admin.tap("Previous")  # the list goes by commune: Phường Thành Vinh comes first
    assert admin.labels()[0] == "Tổ Vinh · Phường Thành Vinh"
    reply = await admin.tap("Tổ Vinh")
    assert "👥 Team “Tổ Vinh”" in reply.text and "4 people" in block(reply, "🗂 All time")
    assert "👥 Team “Tổ Vinh”" in (await admin.say("/teamstats vinh1")).text
    by_commune = await admin.say("/teamstats anh son")
    assert "Teams of Xã Anh Sơn" in by_commune.text and len(admin.labels()) == 11
    assert "No team has the join code ZZZ" in (await admin.say("/teamstats ZZZ")).text
    assert "no longer exists" in (await admin.press(payload_of("fig_t", 99999))).text


async def test_every_message_fits_a_text_only_phone(app: App) -> None:
    db = app.services.db
    team = await teams.create(db, "ANHSON1", "Tổ 1", ANH_SON, None, SETUP)
    me = await volunteer(app, "101", team)
    every_skill = tuple(figures.SKILL_COLUMNS)
    every_outcome = tuple(figures.OUTCOME_COLUMNS)
    for day in (3, 5):
        await add_visit(db, me, team.id, local(2026, 10, day), f"ho {day}", 50,
                        skills=every_skill, outcomes=every_outcome)
    for locale in ("en", "vi"):
        talk = Chat(Core(app.services, clock=Clock(local(2026, 10, 5))), user="101",
                    locale=locale)
        for command in ("/mystats", "/teamstats"):
            await talk.say(command)
            assert all(len(r.text) <= 2000 for r in talk.last)
            assert all(max(map(len, r.text.splitlines())) <= 80 for r in talk.last)


async def test_thousands_are_written_the_users_way(app: App) -> None:
    db = app.services.db
    team = await teams.create(db, "ANHSON1", "Tổ 1", ANH_SON, None, SETUP)
    me = await volunteer(app, "101", team)
    async with db.transaction() as conn:  # 1,200 households in one go
        await conn.executemany(
            "INSERT INTO visits (draft_id, volunteer_id, team_id, commune_code, hamlet, "
            "household, household_key, people, visited_at, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, 'h', ?, ?, 1, ?, ?, ?)",
            [(f"bulk{i}", me, team.id, ANH_SON, f"h{i}", f"k{i}", *[SETUP.isoformat()] * 3)
             for i in range(1200)])
    reply = await chat(app, "101", Clock(local(2026, 10, 5))).say("/mystats")
    assert "🏠 1,200 households" in block(reply, "🗂 All time")


# --- Every query walks an index --------------------------------------------------------------

_FULL_SCAN = re.compile(r"^SCAN (visits|frozen_visits|v|f)\b")


async def _fill(app: App) -> tuple[Team, int]:
    """A realistic spread: 40 teams in 10 communes, 200 volunteers, 8,000 visits, one freeze."""
    db = app.services.db
    communes = [c.code for c in app.services.communes.all()[:10]]
    made = [await teams.create(db, f"T{i}", f"Tổ {i}", communes[i % 10], None, SETUP)
            for i in range(40)]
    people = [await volunteer(app, str(1000 + i), made[i % 40]) for i in range(200)]
    start = local(2026, 9, 1)
    await add_many_visits(db, people, made, [
        (start + timedelta(minutes=17 * i)).isoformat() for i in range(8000)])
    await campaign_store.freeze(
        db, [campaign_store.Due("oct", local(2026, 10, 1, 0).isoformat(),
                                local(2026, 10, 11, 0).isoformat())], SETUP)
    return made[3], people[3]


@pytest.mark.parametrize("analysed", [False, True])
async def test_every_query_uses_an_index(app: App, analysed: bool) -> None:
    db = app.services.db
    team, person = await _fill(app)
    if analysed:  # the plans must hold whether or not SQLite has statistics
        async with db.transaction() as conn:
            await conn.execute("ANALYZE")
    day = (local(2026, 10, 5, 0).isoformat(), local(2026, 10, 6, 0).isoformat())
    camp = (local(2026, 10, 1, 0).isoformat(), local(2026, 10, 11, 0).isoformat())
    ever = figures.EVER
    plans: list[tuple[str, str, tuple[Any, ...], set[str]]] = [
        ("VOLUNTEER_SQL", figures.VOLUNTEER_SQL, (person, *day), {"visits_by_volunteer"}),
        ("VOLUNTEER_SQL", figures.VOLUNTEER_SQL, (person, *ever), {"visits_by_volunteer"}),
        ("TEAM_SQL", figures.TEAM_SQL, (team.id, *camp), {"visits_by_team"}),
        ("TEAM_SQL", figures.TEAM_SQL, (team.id, *ever), {"visits_by_team"}),
        ("FROZEN_VOLUNTEER_SQL", figures.FROZEN_VOLUNTEER_SQL, ("oct", person),
         {"frozen_visits_by_volunteer"}),
        ("FROZEN_TEAM_SQL", figures.FROZEN_TEAM_SQL, ("oct", team.id),
         {"frozen_visits_by_team"}),
        ("COMMUNE_SQL", figures.COMMUNE_SQL, (*camp, team.commune_code, camp[1]),
         {"visits_by_team", "teams_by_commune"}),
        ("FROZEN_COMMUNE_SQL", figures.FROZEN_COMMUNE_SQL, ("oct", team.commune_code, camp[1]),
         {"frozen_visits_by_team", "teams_by_commune"}),
        ("ALL_TEAMS_SQL", figures.ALL_TEAMS_SQL, (), set()),  # teams only: hundreds of rows
        ("COMPLETE_AMONG_SQL", campaign_store.COMPLETE_AMONG_SQL.format(marks="?,?"),
         ("oct", "x"), {"sqlite_autoindex_campaign_freezes_1"}),
        ("CLAIM_SQL", campaign_store.CLAIM_SQL, ("new", SETUP.isoformat(), *camp),
         {"visits_by_time"}),
        ("PROGRESS_SQL", campaign_store.PROGRESS_SQL, ("oct",),
         {"sqlite_autoindex_campaign_freezes_1"}),
        ("COPY_CHUNK_SQL", campaign_store.COPY_CHUNK_SQL, ("new", 0, 5000, *camp),
         {"INTEGER PRIMARY KEY"}),
        ("ADVANCE_SQL", campaign_store.ADVANCE_SQL, (5000, "oct", 0),
         {"sqlite_autoindex_campaign_freezes_1"}),
        ("COMPLETE_SQL", campaign_store.COMPLETE_SQL, (SETUP.isoformat(), "oct"),
         {"sqlite_autoindex_campaign_freezes_1"}),
    ]
    # Every query of both storage modules is checked here: a new one must be added.
    declared = {name for module in (figures, campaign_store) for name in vars(module)
                if name.endswith("_SQL")}
    assert declared == {name for name, *_ in plans}
    for name, sql, params, indexes in plans:
        rows = await db.fetchall("EXPLAIN QUERY PLAN " + sql, params)
        details = [str(row["detail"]) for row in rows]
        scans = [d for d in details if _FULL_SCAN.match(d)]
        assert not scans, (name, details)
        for index in indexes:
            assert any(index in d for d in details), (name, index, details)
        # The whole of visits is never read: every visits step is a SEARCH on an index.
        for d in details:
            if re.match(r"^(SEARCH|SCAN) (visits|frozen_visits|v|f)\b", d):
                # Bare "SEARCH visits": MAX(id), the last entry of the primary key.
                assert d.startswith("SEARCH") and ("INDEX" in d or "PRIMARY KEY" in d
                                                   or d == "SEARCH visits"), (name, d)
