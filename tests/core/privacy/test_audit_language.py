"""/audit in the reader's language: stored events (ids, codes, counts) become sentences with
the team's and the commune's names; older free-text entries read as they were; no personal
data in the log. Through the core, on a real SQLite database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import App
from bot.core.service import Core
from bot.storage import audit, privacy, teams, users
from tests.factories import ADMIN, ANH_SON, Chat, payload_of, running_app

NOW = datetime(2026, 10, 3, 3, 0, tzinfo=UTC)  # 10:00 in Nghệ An
VI_ADMIN = "4343"  # a second admin, who reads Vietnamese
TEAM = "Tổ công nghệ số thôn 3"
MESSAGE = "Họp tổ lúc 8h sáng mai, nhớ mang CCCD"
PHONE = "0912 345 678"


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    async with running_app(tmp_path, admins=f"{ADMIN},{VI_ADMIN}") as opened:
        yield opened


@pytest.fixture
def core(app: App) -> Core:
    return Core(app.services, clock=lambda: NOW)


async def uid(app: App, key: str) -> int:
    user = await users.get(app.services.db, "telegram", key)
    assert user is not None
    return user.id


async def details(app: App) -> list[str]:
    return [e.detail for e in await audit.latest(app.services.db, 100)]


async def new_team(admin: Chat) -> teams.Team:
    await admin.say("/newteam")
    await admin.say("anh son")
    reply = await admin.say(TEAM)
    assert "created in Xã Anh Sơn" in reply.text
    team = await teams.by_code(admin.core.services.db, reply.text.split("/join ")[-1].strip())
    assert team is not None
    return team


async def broadcast_and_stop(admin: Chat) -> None:
    await admin.say("/broadcast")
    await admin.say(MESSAGE)
    await admin.tap("Everyone")
    await admin.tap("Skip")
    await admin.tap("Send now")
    assert "Broadcast #1 to" in admin.last[-1].text
    await admin.say("/stopbroadcast 1")
    await admin.tap("Yes, stop it")
    assert "is stopped" in admin.last[-1].text


async def join(app: App, core: Core, key: str, team: teams.Team, name: str) -> Chat:
    chat = Chat(core, user=key, locale="en")
    await chat.say("/start")
    await teams.join(app.services.db, await uid(app, key), team.id, name, NOW)
    return chat


async def everything(app: App, core: Core) -> tuple[teams.Team, int, int]:
    """Each audited action once: a team created (then renamed), a member made leader, another
    removed, a broadcast sent and stopped, a CSV import, an export, a deletion. Returns the
    team and the ids of the leader and of the volunteer who deleted their data."""
    admin = Chat(core, user=ADMIN, locale="en")
    await admin.say("/start")
    team = await new_team(admin)
    await join(app, core, "21", team, "Nguyễn Thị Hoa")
    minh = await join(app, core, "22", team, "Trần Văn Minh")
    leader_id, minh_id = await uid(app, "21"), await uid(app, "22")
    await admin.press(payload_of("tmr", leader_id, team.id))  # made leader
    await admin.press(payload_of("tmx", minh_id, team.id))
    await admin.press(payload_of("tmy", minh_id, team.id))  # removed
    assert await teams.membership_of(app.services.db, minh_id) is None
    await broadcast_and_stop(admin)  # to the three who have started: admin, Hoa, Minh
    await teams.create_many(app.services.db, [("CSV1", "Tổ 1", ANH_SON), ("CSV2", "Tổ 2", ANH_SON)],
                            None, NOW, audited=True)
    async with app.services.db.transaction() as conn:
        await audit.record(conn, None, "export", audit.detail(
            "export", via="command line", first="2026-10-01", last="2026-10-10", visits=4,
            teams=1, learners=2), NOW)
    # Minh asks for help, giving a phone number, then deletes his data.
    await minh.say("/helpme")
    await minh.tap("Yes")
    for answer in ("Minh", "anh son", "Xóm 3", PHONE):
        await minh.say(answer)
    await minh.tap("Send")
    await minh.say("/deleteme")
    await minh.tap("Yes, delete")
    # Renamed since: the log shows the name it has now.
    async with app.services.db.transaction() as conn:
        await conn.execute("UPDATE teams SET name = ? WHERE id = ?", (TEAM + " (mới)", team.id))
    return team, leader_id, minh_id


async def test_a_vietnamese_admin_reads_sentences_with_names(app: App, core: Core) -> None:
    team, leader_id, minh_id = await everything(app, core)
    admin = Chat(core, user=VI_ADMIN, locale="vi")
    await admin.say("/start")
    shown = (await admin.say("/audit")).text
    renamed = f"“{TEAM} (mới)”"
    for sentence in (
            f"Đã tạo tổ {renamed} ({team.join_code}) ở Xã Anh Sơn.",
            f"Đã cho người dùng số {leader_id} làm tổ trưởng tổ {renamed}.",
            f"Đã xóa người dùng số {minh_id} khỏi tổ {renamed}.",
            "Bắt đầu gửi thông báo #1 đến 3 người — Tất cả mọi người.",
            "Đã dừng thông báo #1: 3 tin chưa gửi đã bị hủy.",
            "Đã nhập 2 tổ từ tệp CSV.",
            "Đã xuất dữ liệu 1/10/2026 – 10/10/2026: 4 lượt đến, 1 tổ, 2 người học.",
            f"người dùng số {minh_id} (đã xóa dữ liệu) · "
            f"Người dùng số {minh_id} đã xóa dữ liệu của mình.",
            f"quản lý {ADMIN} · Đã tạo tổ",
            "dòng lệnh · Đã nhập 2 tổ"):
        assert sentence in shown, (sentence, shown)
    # No raw ids, codes, JSON or English.
    assert ANH_SON not in shown and f"team {team.id}" not in shown
    for raw in ('"event"', "{", "broadcast", "deleted their data", "team:", "role:"):
        assert raw not in shown, raw


async def test_an_english_admin_reads_english(app: App, core: Core) -> None:
    team, leader_id, minh_id = await everything(app, core)
    admin = Chat(core, user=ADMIN, locale="en")
    shown = (await admin.say("/audit")).text
    renamed = f"“{TEAM} (mới)”"
    for sentence in (
            f"admin {ADMIN} · Created team {renamed} ({team.join_code}) in Xã Anh Sơn.",
            f"admin {ADMIN} · Made user #{leader_id} leader of team {renamed}.",
            f"admin {ADMIN} · Removed user #{minh_id} from team {renamed}.",
            f"admin {ADMIN} · Started broadcast #1 to 3 people — Everyone.",
            f"admin {ADMIN} · Stopped broadcast #1: 3 messages not yet sent were cancelled.",
            "command line · Imported 2 teams from a CSV file.",
            "command line · Exported data for Oct 1, 2026 – Oct 10, 2026: 4 visits, 1 team, "
            "2 learners.",
            f"deleted user #{minh_id} · User #{minh_id} deleted their data."):
        assert sentence in shown, (sentence, shown)
    assert ANH_SON not in shown and '"event"' not in shown


async def test_old_free_text_and_unknown_events_read_as_they_were(app: App, core: Core) -> None:
    db = app.services.db
    admin = Chat(core, user=VI_ADMIN, locale="vi")
    await admin.say("/start")
    admin_id = await uid(app, VI_ADMIN)
    async with db.transaction() as conn:
        await audit.record(conn, admin_id, "team", "created team 3 (NA4K7Q) in commune 17329",
                           NOW)
        await audit.record(conn, None, "delete", "[user:7] user 7 deleted their data", NOW)
        await audit.record(conn, None, "role", audit.detail("promoted", user=5), NOW)
        await audit.record(conn, None, "role", audit.detail("member_role", user=5), NOW)
        await audit.record(conn, None, "team", audit.detail(  # a team that no longer exists
            "team_created", team=99, code="GONE99", commune=ANH_SON), NOW)
    shown = (await admin.say("/audit")).text
    assert f"quản lý {VI_ADMIN} · team: created team 3 (NA4K7Q) in commune 17329" in shown
    assert "người dùng số 7 (đã xóa dữ liệu) · delete: user 7 deleted their data" in shown
    assert 'dòng lệnh · role: {"event":"promoted","user":5}' in shown
    assert 'dòng lệnh · role: {"event":"member_role","user":5}' in shown  # a role is missing
    assert "dòng lệnh · Đã tạo tổ “#99” (GONE99) ở Xã Anh Sơn." in shown


async def test_no_personal_data_in_the_audit_log(app: App, core: Core) -> None:
    team, _leader_id, minh_id = await everything(app, core)
    stored = await details(app)
    assert len(stored) == 8
    personal = [MESSAGE, "Họp tổ", PHONE, "0912", "345 678", "Trần Văn Minh", "Nguyễn Thị Hoa",
                "Minh", "Hoa", "Xóm 3", TEAM, "Tổ 1", "Tổ 2"]
    assert not [(text, d) for d in stored for text in personal if text in d]
    # Ids, codes and counts only: every entry is an event (the deletion's after its tag).
    events = []
    for detail in stored:
        tagged = privacy.split_tag(detail)
        event = audit.parse(tagged[2] if tagged else detail)
        assert event is not None, detail
        events.append((event["event"], tagged[:2] if tagged else None))
    assert sorted(events, key=str) == sorted([
        ("team_created", None), ("member_role", None), ("member_removed", None),
        ("broadcast_queued", None), ("broadcast_stopped", None), ("teams_imported", None),
        ("export", None), ("data_deleted", ("user", str(minh_id)))], key=str)
    assert team.join_code in "".join(stored)  # the join code is kept: it names the team


async def test_a_scheduled_broadcast_to_a_commune_with_a_photo(app: App, core: Core) -> None:
    async with app.services.db.transaction() as conn:
        await audit.record(conn, None, "broadcast", audit.detail(
            "broadcast_queued", broadcast=2, audience="commune", value=ANH_SON, recipients=1,
            photo=True, scheduled_for="2026-10-04T00:30:00+00:00"), NOW)
        await audit.record(conn, None, "broadcast", audit.detail(
            "broadcast_queued", broadcast=3, audience="language", value="en", recipients=2,
            photo=False, scheduled_for=None), NOW)
    english = Chat(core, user=ADMIN, locale="en")
    shown = (await english.say("/audit")).text
    assert ("Scheduled broadcast #2 for Oct 4, 2026 07:30, to 1 person — Commune: Xã Anh Sơn. "
            "With a photo.") in shown
    assert "Started broadcast #3 to 2 people — Language: English." in shown
    vietnamese = Chat(core, user=VI_ADMIN, locale="vi")
    shown = (await vietnamese.say("/audit")).text
    assert ("Đã hẹn gửi thông báo #2 lúc 4/10/2026 07:30 đến 1 người — Xã/phường: Xã Anh Sơn. "
            "Có kèm ảnh.") in shown


async def test_phone_numbers_read_by_an_admin_and_backups_are_on_the_record(
        app: App, core: Core) -> None:
    from bot.storage import help_requests

    citizen = await users.touch(app.services.db, "telegram", "701", "en", NOW)
    async with app.services.db.transaction() as conn:
        await help_requests.insert(conn, citizen.id, "Lan", ANH_SON, "Xóm 3", "0912345678",
                                   None, NOW)
    admin = Chat(core, user=ADMIN, locale="en")
    await admin.say("/start")
    assert "0912345678" in (await admin.say("/requests")).text
    async with app.services.db.transaction() as conn:
        await audit.record(conn, None, "backup", audit.detail("backup_made", size=2_400_000),
                           NOW)
    shown = (await admin.say("/audit")).text
    assert "Viewed the phone numbers of help requests #1." in shown
    assert "Made a backup copy of the database (2.4 MB)." in shown
    assert "0912345678" not in "\n".join(await details(app))


async def test_classes_and_the_reward_shortlist_read_as_sentences(app: App, core: Core) -> None:
    admin = Chat(core, user=ADMIN, locale="en")
    await admin.say("/start")
    team = await new_team(admin)
    async with app.services.db.transaction() as conn:  # as the features write them
        for event, params in (("class_created", {"class": 7}), ("class_code_changed",
                                                                  {"class": 7}),
                              ("class_deleted", {"class": 7}),
                              ("shortlist_nominated", {"campaign": "di-tung-ngo-2026",
                                                       "team": team.id}),
                              ("shortlist_removed", {"campaign": "di-tung-ngo-2026", "user": 5}),
                              ("shortlist_exported", {"campaign": "di-tung-ngo-2026",
                                                      "nominees": 3})):
            await audit.record(conn, await uid(app, ADMIN), "x", audit.detail(event, **params),
                               NOW)
    shown = (await admin.say("/audit")).text
    for sentence in ("Created class #7 (/newclass).", "Gave class #7 a new code.",
                     "Deleted class #7.",
                     f"Put team “{TEAM}” on the reward shortlist of di-tung-ngo-2026.",
                     "Took user #5 off the reward shortlist of di-tung-ngo-2026.",
                     "Exported the reward shortlist of di-tung-ngo-2026 (3 nominees)."):
        assert sentence in shown, (sentence, shown)
    assert '"event"' not in shown
