"""/privacy, /deleteme, retention and /audit through the core, on a real SQLite database."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.channels.base import TEXT_ONLY
from bot.core.events import Reply
from bot.core.service import Core
from bot.storage import (
    audit,
    campaigns,
    dialogs,
    figures,
    help_requests,
    privacy,
    progress,
    teams,
    users,
)
from bot.storage.teams import Team
from bot.storage.visits import VisitRecord, save_new, soft_delete
from tests.factories import ADMIN, ANH_SON, Chat, running_app

NOW = datetime(2026, 10, 3, 3, 0, tzinfo=UTC)  # 10:00 in Nghệ An
LESSON = "vneid-level2"


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    async with running_app(tmp_path) as opened:
        yield opened


@pytest.fixture
def core(app: App) -> Core:
    return Core(app.services, clock=lambda: NOW)


@pytest.fixture
async def team(app: App) -> Team:
    return await teams.create(app.services.db, "AS1", "Thôn 1", ANH_SON, None, NOW)


async def uid(app: App, key: str) -> int:
    user = await users.get(app.services.db, "telegram", key)
    assert user is not None
    return user.id


async def volunteer(app: App, core: Core, key: str, team: Team, name: str | None) -> Chat:
    chat = Chat(core, user=key, locale="en")
    await chat.say("/start")
    await teams.join(app.services.db, await uid(app, key), team.id, name, NOW)
    return chat


async def log_visit(app: App, volunteer_id: int, team: Team, household: str) -> int:
    record = VisitRecord(ANH_SON, "Xóm 3", household, f"{ANH_SON}|xom 3|{household.lower()}", 3,
                         frozenset({"payment"}), frozenset({"vneid_level2"}), None, None, NOW)
    number, _ = await save_new(app.services.db, f"d-{household}", volunteer_id, team.id, record,
                               NOW)
    return number


async def ask_for_help(chat: Chat, phone: str | None = "0912 345 678") -> Reply:
    await chat.say("/helpme")
    await chat.tap("Yes")
    for answer in ("Lan", "anh son", "Xóm 3"):
        await chat.say(answer)
    if phone is None:
        await chat.tap("Skip")
    else:
        await chat.say(phone)
    return await chat.tap("Send")


async def privacy_text(chat: Chat) -> str:
    await chat.say("/privacy")
    for reply in chat.last:
        assert len(reply.text) < 2000, len(reply.text)
    assert len(chat.last) <= 2
    return "\n\n".join(r.text for r in chat.last)


async def count(app: App, sql: str, params: tuple[object, ...] = ()) -> int:
    row = await app.services.db.fetchone(sql, params)
    assert row is not None
    return int(row[0])


async def links_to(app: App, user_id: int) -> dict[str, int]:
    """Rows of every table whose foreign key to users (or frozen volunteer id) is user_id."""
    db, found = app.services.db, {}
    for (table,) in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table' "
                                      "AND name NOT LIKE 'sqlite_%'"):
        for fk in await db.fetchall(f"PRAGMA foreign_key_list({table})"):
            if fk["table"] == "users":
                found[f"{table}.{fk['from']}"] = await count(
                    app, f"SELECT COUNT(*) FROM {table} WHERE {fk['from']} = ?", (user_id,))
    found["frozen_visits.volunteer_id"] = await count(
        app, "SELECT COUNT(*) FROM frozen_visits WHERE volunteer_id = ?", (user_id,))
    found["users.id"] = await count(app, "SELECT COUNT(*) FROM users WHERE id = ?", (user_id,))
    return found


async def test_privacy_tells_each_user_what_is_kept_about_them(app: App, core: Core,
                                                               team: Team) -> None:
    citizen = Chat(core, user="1", locale="en")
    await citizen.press(f"open:{LESSON}")
    text = await privacy_text(citizen)
    assert "Telegram account number (1)" in text and "English" in text
    assert "(1 started, 0 finished)" in text
    assert "91/2025/QH15" in text and "withdraw your consent" in text
    assert "team" not in text.split("Who sees it")[0].split("lessons")[1]
    assert "help request #" not in text and "visits you logged" not in text
    assert "ID number" not in text
    assert citizen.labels() == ["🗑 Delete my data", "☰ Menu"]

    minh = await volunteer(app, core, "11", team, "Minh")
    await log_visit(app, await uid(app, "11"), team, "Nguyễn Văn A")
    text = await privacy_text(minh)
    assert "your team “Thôn 1” (volunteer) and the name you showed it: “Minh”" in text
    assert "household visits you logged (1)" in text
    assert "your team leader and the province's admins" in text
    assert "help request #" not in text

    requester = Chat(core, user="2", locale="en")
    await ask_for_help(requester)
    text = await privacy_text(requester)
    assert "help request #1: Lan, Xóm 3, Xã Anh Sơn, phone: 0912345678" in text
    assert "only the volunteer who takes it and the admins see your phone" in text
    assert "30 days after it is closed" in text
    assert "visits you logged" not in text and "your team “" not in text

    # A text-only channel (2,000 characters) gets the same, in messages that fit.
    requester.caps = TEXT_ONLY
    assert "help request #1" in await privacy_text(requester)


async def test_deleteme_unlinks_a_volunteer_and_keeps_the_figures(app: App, core: Core,
                                                                  team: Team) -> None:
    db = app.services.db
    minh = await volunteer(app, core, "11", team, "Minh")
    await volunteer(app, core, "12", team, "Hoa")
    minh_id, hoa_id = await uid(app, "11"), await uid(app, "12")
    # Everything a volunteer can leave behind.
    first = await log_visit(app, minh_id, team, "Nguyễn Văn A")
    await log_visit(app, minh_id, team, "Trần Thị B")
    gone = await log_visit(app, minh_id, team, "Lê C")
    assert await soft_delete(db, gone, minh_id, NOW)
    await log_visit(app, hoa_id, team, "Phạm D")
    await progress.start(db, minh_id, LESSON, NOW)
    await progress.record_answer(db, minh_id, LESSON, 0, 1, True, NOW)
    # A wrong code is kept by chat identity, not user id: deletion gives no fresh tries.
    await teams.record_failure(db, "telegram:11", NOW)
    await campaigns.freeze(db, [campaigns.Due("old", "", "9999")], NOW)
    async with db.transaction() as conn:
        await audit.record(conn, minh_id, "role", "user 5 of team 1 is now leader", NOW)
        await conn.execute("UPDATE teams SET created_by = ? WHERE id = ?", (minh_id, team.id))
        await conn.execute(
            "INSERT INTO broadcasts (id, created_by, text_vi, audience, status, created_at, "
            "progress_chat) VALUES (1, ?, 'x', '{}', 'done', ?, ?)",
            (minh_id, NOW.isoformat(), "telegram:11"))
        await conn.execute("INSERT INTO deliveries (broadcast_id, user_id, status) "
                           "VALUES (1, ?, 'sent')", (minh_id,))
        await conn.execute("INSERT INTO outbox (user_id, reply, created_at) VALUES (?, '{}', ?)",
                           (minh_id, NOW.isoformat()))
    # A request Minh took: it must go back to the others, not wait for nobody.
    citizen = Chat(core, user="1", locale="en")
    await ask_for_help(citizen)
    await minh.press("hgo:1")
    households = await figures.of_team(db, team.id, *figures.EVER)
    frozen = await figures.frozen_of_team(db, "old", team.id)
    visits_before = await count(app, "SELECT COUNT(*) FROM visits")
    outbox_before = await count(app, "SELECT MAX(id) FROM outbox")

    asked = await minh.say("/deleteme")
    assert "Delete your data?" in asked.text and "leave your team" in asked.text
    done = await minh.tap("Yes, delete")
    assert "your data has been deleted" in done.text and not done.buttons

    assert {k: v for k, v in (await links_to(app, minh_id)).items() if v} == {}
    assert await count(app, "SELECT COUNT(*) FROM visits") == visits_before
    assert await count(app, "SELECT COUNT(*) FROM visits WHERE volunteer_id IS NULL "
                            "AND team_id = ?", (team.id,)) == 3
    visit = await db.fetchone("SELECT deleted_at, deleted_by FROM visits WHERE id = ?", (gone,))
    assert visit is not None and visit["deleted_at"] and visit["deleted_by"] is None
    assert await figures.of_team(db, team.id, *figures.EVER) == households
    assert await figures.frozen_of_team(db, "old", team.id) == frozen
    assert households.households == 3 and first
    assert await count(app, "SELECT COUNT(*) FROM users WHERE id = ?", (hoa_id,)) == 1
    request = await help_requests.get(db, 1)
    assert request is not None and request.status == "open" and request.taken_by is None
    assert request.first_name == "Lan"  # the citizen's request is theirs, not Minh's
    told = await db.fetchall("SELECT user_id, reply FROM outbox WHERE id > ?", (outbox_before,))
    assert {int(r[0]) for r in told} == {hoa_id, await uid(app, "1")}
    assert any("is open again" in json.loads(r[1])["text"] for r in told)
    entries = await audit.latest(db)
    assert entries[0].action == "delete" and entries[0].actor_id is None
    assert entries[0].detail == f'[user:{minh_id}] {{"event":"data_deleted","user":{minh_id}}}'
    assert "Minh" not in entries[0].detail
    assert entries[1].detail.startswith(f"[user:{minh_id}] user 5 of team 1")

    # The same Yes again (a double tap, or later): harmless, and said clearly.
    again = await minh.press(asked.buttons[0][0].action)
    assert "already been deleted" in again.text
    assert len([e for e in await audit.latest(db) if e.action == "delete"]) == 1
    fresh = await uid(app, "11")
    assert await count(app, "SELECT COUNT(*) FROM lesson_progress WHERE user_id = ?",
                       (fresh,)) == 0
    assert await teams.membership_of(db, fresh) is None


async def test_deleteme_erases_a_requesters_details_and_tells_the_taker(app: App, core: Core,
                                                                        team: Team) -> None:
    db = app.services.db
    minh = await volunteer(app, core, "11", team, "Minh")
    hoa = await volunteer(app, core, "12", team, "Hoa")
    citizen = Chat(core, user="1", locale="en")
    await ask_for_help(citizen)
    citizen_id = await uid(app, "1")
    await minh.press("hgo:1")
    hoa_id = await uid(app, "12")
    async with db.transaction() as conn:  # Hoa's notice was delivered; Minh's not yet
        await conn.execute("UPDATE outbox SET sent_at = ? WHERE user_id = ?",
                           (NOW.isoformat(), hoa_id))
    requests_before = await count(app, "SELECT COUNT(*) FROM help_requests")

    await citizen.say("/deleteme")
    await citizen.tap("Yes, delete")

    assert await count(app, "SELECT COUNT(*) FROM help_requests") == requests_before
    request = await help_requests.get(db, 1)
    assert request is not None
    assert (request.first_name, request.hamlet, request.phone) == ("", "", None)
    assert request.status == "cancelled" and request.citizen_id is None
    assert request.commune_code == ANH_SON
    assert {k: v for k, v in (await links_to(app, citizen_id)).items() if v} == {}
    replies = [json.loads(r[0]) for r in await db.fetchall("SELECT reply FROM outbox")]
    assert not any("Lan" in r["text"] or "Xóm 3" in r["text"] for r in replies)
    assert any(r["text"] == "Help request #1 was cancelled by the person who asked: you "
                            "don't need to go." for r in replies)
    assert "cancelled by the person who asked" in (await hoa.press("hgo:1")).text
    assert "Lan" not in (await minh.say("/requests")).text


async def test_no_and_a_second_deleteme_change_nothing(app: App, core: Core,
                                                       team: Team) -> None:
    db = app.services.db
    minh = await volunteer(app, core, "11", team, "Minh")
    minh_id = await uid(app, "11")
    await log_visit(app, minh_id, team, "Nguyễn Văn A")
    first = await minh.say("/deleteme")
    second = await minh.say("/deleteme")
    assert first.buttons == second.buttons  # one confirmation, one token
    yes = first.buttons[0][0].action
    assert re.fullmatch(r"dmy:[0-9a-f]{12}", yes)
    assert "nothing was deleted" in (await minh.tap("No")).text
    assert "no longer valid" in (await minh.press(yes)).text  # the old Yes, after No
    await minh.say("/deleteme")  # asked again: a forged token does not confirm it
    assert "no longer valid" in (await minh.press("dmy:abcdef123456")).text
    assert "don't recognise" in (await minh.press("dmy:../../x")).text
    assert await users.get(db, "telegram", "11") is not None
    assert await teams.membership_of(db, minh_id) is not None
    assert await count(app, "SELECT COUNT(*) FROM visits WHERE volunteer_id = ?",
                       (minh_id,)) == 1
    assert not [e for e in await audit.latest(db) if e.action == "delete"]
    # A typed answer while asked: the question again.
    await minh.say("/deleteme")
    assert "Please answer with one of the buttons" in (await minh.say("maybe")).text


async def test_an_admin_deletes_their_data_and_stays_an_admin(app: App, core: Core) -> None:
    admin = Chat(core, user=ADMIN, locale="en")
    await admin.say("/start")
    admin_id = await uid(app, ADMIN)
    async with app.services.db.transaction() as conn:
        await audit.record(conn, admin_id, "export", "visits 2026-10-01..2026-10-10", NOW)
    text = await privacy_text(admin)
    assert "does not take away your admin rights" in text
    asked = await admin.say("/deleteme")
    assert "does not take away your admin rights" in asked.text
    done = await admin.tap("Yes, delete")
    assert "still an admin" in done.text
    shown = await admin.say("/audit")
    assert f"admin {ADMIN} · User #{admin_id} deleted their data." in shown.text
    assert f"admin {ADMIN} · export: visits 2026-10-01..2026-10-10" in shown.text
    assert "[admin:" not in shown.text


async def test_audit_pages_for_admins_only(app: App, core: Core, team: Team) -> None:
    db = app.services.db
    leader = await volunteer(app, core, "11", team, "Minh")
    admin = Chat(core, user=ADMIN, locale="en")
    await admin.say("/start")
    admin_id, leader_id = await uid(app, ADMIN), await uid(app, "11")
    async with db.transaction() as conn:
        await audit.record(conn, None, "team", "imported 3 teams from a CSV file", NOW)
        await audit.record(conn, leader_id, "role", "user 9 of team 1 is now leader", NOW)
        for n in range(23):
            await audit.record(conn, admin_id, "export", f"export number {n}",
                               NOW + timedelta(minutes=n))
    shown = await admin.say("/audit")
    assert shown.text.startswith("📜 Audit log, newest first:")
    assert f"Oct 3, 2026 10:22 · admin {ADMIN} · export: export number 22" in shown.text
    assert "export number 3\n" in shown.text + "\n" and "export number 2\n" not in shown.text
    assert len(shown.text.splitlines()) == 21
    older = await admin.tap("More")
    assert not older.edit and "export number 2" in older.text
    assert f"user #{leader_id} · role: user 9 of team 1 is now leader" in older.text
    assert "command line · team: imported 3 teams" in older.text
    assert "More ▸" not in admin.labels()
    more = shown.buttons[0][0].action
    # Not for anyone else, however they get the command or the button.
    before = await count(app, "SELECT COUNT(*) FROM audit_log")
    for chat in (leader, Chat(core, user="5", locale="en")):
        assert "Only admins" in (await chat.say("/audit")).text
        refused = await chat.press(more)
        assert "Only admins" in refused.text and "export" not in refused.text
    assert "don't recognise" in (await leader.press("aud:x")).text
    assert await count(app, "SELECT COUNT(*) FROM audit_log") == before
    # A text-only channel gets the page in messages that fit.
    admin.caps = TEXT_ONLY
    await admin.say("/audit")
    assert all(len(r.text) <= 2000 for r in admin.last)


async def test_purge_expired_erases_old_details_only(app: App, core: Core) -> None:
    db = app.services.db
    citizen = await users.touch(db, "telegram", "1", "vi", NOW)
    rows = [  # (status, created days ago, done days ago)
        ("done", 45, 31), ("done", 20, 10), ("cancelled", 40, None), ("cancelled", 5, None),
        ("open", 100, None), ("taken", 3, None)]
    async with db.transaction() as conn:
        for status, created, done in rows:
            await conn.execute(
                "INSERT INTO help_requests (citizen_id, first_name, commune_code, hamlet, phone, "
                "status, done_at, created_at) VALUES (?, 'Lan', ?, 'Xóm 3', '0912345678', ?, ?, "
                "?)", (citizen.id, ANH_SON, status,
                       (NOW - timedelta(days=done)).isoformat() if done else None,
                       (NOW - timedelta(days=created)).isoformat()))
        for days in (31, 2):
            stamp = (NOW - timedelta(days=days)).isoformat()
            await conn.execute("INSERT INTO outbox (user_id, reply, created_at, sent_at) "
                               "VALUES (?, '{}', ?, ?)", (citizen.id, stamp, stamp))
    assert await privacy.purge_expired(db, NOW) == 3
    found = await db.fetchall("SELECT first_name, hamlet, phone FROM help_requests ORDER BY id")
    assert [tuple(r) for r in found] == [
        ("", "", None), ("Lan", "Xóm 3", "0912345678"), ("", "", None),
        ("Lan", "Xóm 3", "0912345678"), ("Lan", "Xóm 3", None), ("Lan", "Xóm 3", "0912345678")]
    assert await count(app, "SELECT COUNT(*) FROM help_requests") == len(rows)
    assert await count(app, "SELECT COUNT(*) FROM outbox") == 1
    assert await privacy.purge_expired(db, NOW) == 0


async def test_a_double_tap_on_yes_deletes_once(app: App, core: Core, team: Team) -> None:
    minh = await volunteer(app, core, "11", team, "Minh")
    minh_id = await uid(app, "11")
    await log_visit(app, minh_id, team, "Nguyễn Văn A")
    yes = (await minh.say("/deleteme")).buttons[0][0].action
    answers = await asyncio.gather(minh.press(yes), minh.press(yes))
    assert all("went wrong" not in a.text for a in answers)
    assert any("your data has been deleted" in a.text for a in answers)
    assert len([e for e in await audit.latest(app.services.db) if e.action == "delete"]) == 1
    assert await count(app, "SELECT COUNT(*) FROM visits WHERE volunteer_id IS NULL") == 1


async def test_deleteme_forgets_the_admins_buttons_named_after_the_volunteer(
        app: App, core: Core, team: Team) -> None:
    minh = await volunteer(app, core, "11", team, "Minh")
    minh_id = await uid(app, "11")
    admin = Chat(core, user=ADMIN, locale="en")
    await admin.say("/start")
    await admin.say(f"/team {team.join_code}")
    admin_id = await uid(app, ADMIN)
    remembered = str((await dialogs.load(app.services.db, admin_id)).options)
    assert f":{minh_id}:" in remembered  # the /team buttons of Minh, by his id and name
    await minh.say("/deleteme")
    await minh.tap("Yes")
    assert (await dialogs.load(app.services.db, admin_id)).options == ()


async def test_a_silent_chat_s_forms_and_buttons_are_dropped_after_7_days(app: App,
                                                                          core: Core) -> None:
    db = app.services.db
    chat = Chat(core, "c1", locale="en")
    await chat.say("/helpme")
    await chat.tap("Yes")
    await chat.say("Lan")
    await chat.say("/progress")  # the help request form is kept aside, with the name
    user = await users.get(db, "telegram", "c1")
    assert user is not None
    states = "SELECT state, options FROM dialogs"
    assert "Lan" in (await db.fetchall(states))[0]["state"]
    await privacy.purge_expired(db, NOW + timedelta(days=6))
    assert "Lan" in (await db.fetchall(states))[0]["state"]
    await privacy.purge_expired(db, NOW + timedelta(days=8))  # a phone number is not kept
    [row] = await db.fetchall(states)
    assert (row["state"], row["options"]) == ("{}", "[]")
    assert "I can ask a volunteer" in (await chat.say("/helpme")).text  # no offer: nothing kept
