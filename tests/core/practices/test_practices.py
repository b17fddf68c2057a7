"""Good practices through the core on a real database: the form typed on a text-only chat and
with a photo on Telegram, the admins' review (approve, ask for changes, reject), the feed and
its search, who may do what, and /deleteme."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import App
from bot.channels.base import TEXT_ONLY
from bot.core.events import Photo
from bot.core.practices.rules import check_title, search_words
from bot.core.service import Core
from bot.core.shared.text import looks_like_link
from bot.storage import practices as practice_store
from bot.storage.teams import Team
from tests.core.practices.helpers import (
    NOW,
    PHOTO,
    admin,
    member,
    outbox_to,
    send_photo,
    state_of,
    submit,
    user_id,
)
from tests.factories import ADMIN, ANH_SON, Chat, add_visit

CITIZEN = "61"
TEAMS_ONLY = "for the community digital technology teams"
ADMINS_ONLY = "Only admins can review good practices."


async def practice(app: App, number: int = 1) -> practice_store.Practice:
    found = await practice_store.get(app.services.db, number)
    assert found is not None
    return found


async def audit_events(app: App) -> list[str]:
    rows = await app.services.db.fetchall("SELECT detail FROM audit_log WHERE action = "
                                          "'practice' ORDER BY id")
    return [str(r[0]) for r in rows]


async def test_a_volunteer_types_a_practice_on_a_text_only_chat_and_an_admin_approves_it(
        app: App, core: Core, team: Team, other_team: Team) -> None:
    db = app.services.db
    boss = await admin(core)
    volunteer = await member(app, core, "11", team, "Minh", caps=TEXT_ONLY)
    uid = await user_id(app, "11")
    await add_visit(db, uid, team.id, NOW - timedelta(hours=2), household="nha 1", people=3)
    await add_visit(db, uid, team.id, NOW - timedelta(hours=1), household="nha 2", people=2)
    asked = await volunteer.say("/practice")
    assert "Step 1 of 4" in asked.text and not asked.numbered  # no photo step on this chat
    asked = await volunteer.say("Dạy VNeID ở chợ phiên")
    assert "Step 2 of 4" in asked.text and asked.numbered
    assert asked.options()[0].label == "📍 Xã Anh Sơn"
    asked = await volunteer.say("1")  # the team's commune, by its number
    assert "Step 3 of 4" in asked.text
    await volunteer.say("Chúng tôi đặt bàn ở chợ phiên.\nMỗi sáng thứ bảy, hai người.")
    asked = await volunteer.say("40 người cao tuổi đã dùng được VNeID.")
    assert "🏠 2 households · 👥 5 people" in asked.text, asked.text
    assert "Đi từng ngõ" in asked.text  # the running campaign
    summary = await volunteer.say("1")  # attach them
    assert "Please check your good practice" in summary.text
    assert "Where: Xã Anh Sơn" in summary.text
    assert "Chúng tôi đặt bàn ở chợ phiên.\nMỗi sáng thứ bảy, hai người." in summary.text
    assert "📊 The team's figures" in summary.text
    sent = await volunteer.say("1")  # Send
    assert "Your good practice #1 was sent to the admins" in sent.text
    stored = await practice(app)
    assert stored.status == practice_store.PENDING and stored.submitted_by == uid
    assert stored.commune_code == ANH_SON and stored.photo is None
    assert stored.figures is not None and "🏠 2 households" in stored.figures
    assert await state_of(app, "11") == {}
    # The admin is told, and reviews it from the notice.
    notices = await outbox_to(app, ADMIN)
    assert len(notices) == 1
    assert "New good practice #1 to review" in notices[0]["text"]
    assert "Dạy VNeID ở chợ phiên" in notices[0]["text"] and "Minh" in notices[0]["text"]
    assert notices[0]["buttons"] == [[["📝 Review #1", "gpv:1"]]]
    shown = await boss.press("gpv:1")
    assert "waiting for review" in shown.text and "From Minh, team Tổ Thôn 1" in shown.text
    done = await boss.tap("Approve")
    assert "Good practice #1 is approved" in done.text
    assert (await practice(app)).status == practice_store.APPROVED
    assert await audit_events(app) == ['{"event":"practice_approved","practice":1}']
    told = await outbox_to(app, "11")
    assert len(told) == 1 and "was approved" in told[0]["text"]
    # Volunteers of another team find it, by the list and by words typed without accents.
    reader = await member(app, core, "21", other_team, "Bình", caps=TEXT_ONLY)
    feed = await reader.say("/practices")
    assert "Dạy VNeID ở chợ phiên" in feed.text and "Xã Anh Sơn" in feed.text
    opened = await reader.say("1")
    assert "Mỗi sáng thứ bảy" in opened.text and "🏠 2 households" in opened.text
    for words in ("day vneid o cho", "CHO PHIEN", "anh son", "dat ban"):
        found = await reader.say(f"/practices {words}")
        assert "Good practices matching" in found.text and "Dạy VNeID" in found.text, words
    missing = await reader.say("/practices quet ma qr")
    assert "No good practice matches" in missing.text
    # The audit log says it in words.
    log = await boss.say("/audit")
    assert "Approved good practice #1." in log.text


async def test_a_leader_sends_a_photo_on_telegram(app: App, core: Core, team: Team) -> None:
    boss = await admin(core)
    leader = await member(app, core, "12", team, "Lan", leader=True)
    asked = await leader.say("/practice")
    assert "Step 1 of 5" in asked.text
    await send_photo(leader, PHOTO)  # too early: not kept
    assert "A photo can only be added at the photo step" in leader.last[-1].text
    assert "Step 1 of 5" in leader.last[-1].text
    await leader.say("Lớp học điện thoại ở nhà văn hóa")
    await leader.say("xa anh son")  # typed instead of pressed
    await leader.say("Mỗi tối thứ năm.")
    asked = await leader.say("Cả xóm biết chuyển khoản.")
    assert "Step 5 of 5" in asked.text  # no visits: no figures to offer
    await send_photo(leader, Photo("telegram:file", 5000, 800, 600, as_file=True))
    assert "Please send it as a photo" in leader.last[-1].text
    await send_photo(leader, PHOTO, caption="ignored")
    assert "🖼 With a photo." in leader.last[-1].text
    await leader.tap("Send")
    assert (await practice(app)).photo == PHOTO.ref
    await boss.say("/practices")
    assert "Waiting for your review" in boss.last[-1].text
    await boss.tap("Review #1")
    assert boss.last[0].photo == PHOTO.ref and "Lớp học điện thoại" in boss.last[0].text
    await boss.tap("Approve")
    reader = await member(app, core, "13", team, "Hoa")
    await reader.say("/practices")
    await reader.tap("Lớp học")
    assert reader.last[0].photo == PHOTO.ref
    assert "Cả xóm biết chuyển khoản." in reader.last[-1].text


async def test_changes_asked_then_sent_again_then_rejected_with_reasons(
        app: App, core: Core, team: Team) -> None:
    boss = await admin(core)
    writer = await member(app, core, "11", team, "Minh")
    await submit(writer)
    await boss.press("gpv:1")
    asked = await boss.tap("Ask for changes")
    assert "What should be changed in good practice #1" in asked.text and not asked.numbered
    done = await boss.say("Thêm số người tham gia, và ảnh nếu có.")
    assert "has been asked for these changes" in done.text
    stored = await practice(app)
    assert stored.status == practice_store.CHANGES
    assert stored.note == "Thêm số người tham gia, và ảnh nếu có."
    told = (await outbox_to(app, "11"))[-1]["text"]
    assert "asks for changes" in told and "Thêm số người tham gia" in told and "/practice" in told
    # The writer opens it again at its summary, changes the title and sends it again.
    summary = await writer.say("/practice")
    assert "An admin asked for changes: Thêm số người tham gia" in summary.text
    await writer.tap("Edit")
    asked = await writer.tap("Title")
    assert "Now: Dạy VNeID ở chợ phiên" in asked.text
    summary = await writer.say("Dạy VNeID ở chợ phiên, 12 người tham gia")
    assert "Title: Dạy VNeID ở chợ phiên, 12 người tham gia" in summary.text
    await writer.tap("Send")
    assert "was sent to the admins" in writer.last[-1].text
    stored = await practice(app)
    assert stored.status == practice_store.PENDING and stored.title.endswith("12 người tham gia")
    assert "was changed and sent again" in (await outbox_to(app, ADMIN))[-1]["text"]
    # Now rejected, with a reason.
    await boss.press("gpv:1")
    await boss.tap("Reject")
    empty = await boss.say("!!!")
    assert "Please write it in words" in empty.text  # asked again
    done = await boss.say("Đã có mô hình giống vậy.")
    assert "is rejected" in done.text
    stored = await practice(app)
    assert stored.status == practice_store.REJECTED and stored.note == "Đã có mô hình giống vậy."
    told = (await outbox_to(app, "11"))[-1]["text"]
    assert "was not accepted" in told and "Đã có mô hình giống vậy." in told
    assert await audit_events(app) == ['{"event":"practice_changes_asked","practice":1}',
                                       '{"event":"practice_rejected","practice":1}']
    # An old Approve button changes nothing now.
    late = await boss.press("gpa:1")
    assert "has already been reviewed; nothing changed" in "\n".join(r.text for r in boss.last)
    assert late.text and (await practice(app)).status == practice_store.REJECTED
    # Rejected practices are not in the feed; the writer may send a new one.
    feed = await writer.say("/practices")
    assert "No good practice has been shared yet." in feed.text
    assert "Step 1 of 5" in (await writer.say("/practice")).text


async def test_one_waiting_practice_at_a_time(app: App, core: Core, team: Team) -> None:
    await admin(core)
    writer = await member(app, core, "11", team, "Minh")
    await submit(writer)
    again = await writer.say("/practice")
    assert "You already have a good practice waiting" in again.text
    feed = await writer.say("/practices")
    assert "Your good practice #1 is waiting for an admin's review" in feed.text


async def test_a_citizen_is_refused(app: App, core: Core, team: Team) -> None:
    boss = await admin(core)
    writer = await member(app, core, "11", team, "Minh")
    await submit(writer)
    await boss.press("gpv:1")
    await boss.tap("Approve")
    citizen = Chat(core, CITIZEN, "en")
    assert TEAMS_ONLY in (await citizen.say("/practices")).text
    assert TEAMS_ONLY in (await citizen.say("/practices vneid")).text
    assert TEAMS_ONLY in (await citizen.press("gpo:1")).text
    assert TEAMS_ONLY in (await citizen.press("gpm:0")).text
    assert "written by the volunteers and team leaders" in (await citizen.say("/practice")).text
    assert await state_of(app, CITIZEN) == {}
    said = "\n".join(r.text for r in citizen.last)
    assert "Dạy VNeID" not in said


@pytest.mark.parametrize("payload", ["gpv:1", "gpa:1", "gpc:1", "gpr:1", "gpq"])
async def test_a_forged_review_button_from_a_non_admin_changes_nothing(
        app: App, core: Core, team: Team, payload: str) -> None:
    await admin(core)
    writer = await member(app, core, "11", team, "Minh")
    await submit(writer)
    other = await member(app, core, "12", team, "Hoa", leader=True)
    before = await app.services.db.fetchall("SELECT * FROM practices")
    queued = await app.services.db.fetchall("SELECT * FROM outbox")
    for chat in (writer, other, Chat(core, CITIZEN, "en")):
        await chat.press(payload)
        assert ADMINS_ONLY in chat.last[-1].text
        assert (await state_of(app, chat.user)).get("flow") != "practice_note"
    assert [tuple(r) for r in await app.services.db.fetchall("SELECT * FROM practices")] \
        == [tuple(r) for r in before]
    assert len(await app.services.db.fetchall("SELECT * FROM outbox")) == len(queued)
    assert await audit_events(app) == []


async def test_deleteme_removes_the_link_to_the_writer(app: App, core: Core, team: Team) -> None:
    db = app.services.db
    boss = await admin(core)
    writer = await member(app, core, "11", team, "Marmaduke")
    await submit(writer)
    await boss.press("gpv:1")
    await boss.tap("Approve")
    await submit(writer, title="Hướng dẫn thanh toán tiền điện")  # waiting, not yet reviewed
    assert "Marmaduke" in (await outbox_to(app, ADMIN))[-1]["text"]
    assert "the good practices you shared (2)" in (await writer.say("/privacy")).text
    await writer.say("/deleteme")
    await writer.tap("Yes, delete")
    assert "your data has been deleted" in writer.last[-1].text
    rows = await db.fetchall("SELECT id, submitted_by, status FROM practices")
    assert [tuple(r) for r in rows] == [(1, None, "approved")]  # the one never approved went
    for table in ("practices", "outbox", "audit_log"):
        for row in await db.fetchall(f"SELECT * FROM {table}"):
            assert "Marmaduke" not in repr(tuple(row)), (table, tuple(row))
    shown = await boss.press("gpv:1")
    assert "From someone who has since deleted their data." in shown.text
    assert "Dạy VNeID ở chợ phiên" in shown.text  # the team's work stays public


LINKS = ("https://bit.ly/abc", "Xem t.me/lan_hn", "zalo.me/0912345678", "www.lan.vn",
         "Hỏi @lan_hn", "lan@gmail.com", "lan.com", "ＨＴＴＰＳ：／／ｘ．ｃｏｍ")


@pytest.mark.parametrize("typed", LINKS)
def test_a_title_with_a_link_or_a_handle_is_refused(typed: str) -> None:
    assert looks_like_link(typed)
    assert check_title(typed).value is None


def test_titles_without_links_pass_and_long_ones_are_refused() -> None:
    for typed in ("Bản.To học VNeID", "Dạy VNeID ở chợ phiên", "Lớp 2.0 cho người già"):
        assert check_title(typed).value == typed, typed
    long = check_title("a" * 81)
    assert long.value is None and long.numbers == {"count": 81, "limit": 80}


def test_search_words_fold_accents_and_capitals_as_lessons_do() -> None:
    assert search_words("Chợ  PHIÊN, Đường") == ["cho", "phien", "duong"]
    assert search_words("!!!") == []


async def test_a_title_with_a_link_is_refused_in_the_form(app: App, core: Core, team: Team
                                                          ) -> None:
    writer = await member(app, core, "11", team, "Minh")
    await writer.say("/practice")
    refused = await writer.say("Xem t.me/lan_hn")
    assert "Links and @names can't go in a title" in refused.text
    assert (await state_of(app, "11"))["title"] is None
    assert "Step 2 of 5" in (await writer.say("Dạy VNeID")).text


async def test_cancel_keeps_nothing_and_old_buttons_change_nothing(app: App, core: Core,
                                                                   team: Team) -> None:
    writer = await member(app, core, "11", team, "Minh")
    await writer.say("/practice")
    await writer.say("Dạy VNeID")
    assert "nothing was sent and nothing was kept" in (await writer.tap("Cancel")).text
    assert "form is closed" in (await writer.press("gps")).text
    assert "form is closed" in (await writer.press(f"gpw:{ANH_SON}")).text
    assert await app.services.db.fetchall("SELECT * FROM practices") == []


async def test_the_form_kept_aside_is_offered_again(app: App, core: Core, team: Team) -> None:
    writer = await member(app, core, "11", team, "Minh", caps=TEXT_ONLY)
    await writer.say("/practice")
    await writer.say("Dạy VNeID")
    left = await writer.say("/mystats")
    assert "📌 Good practice form kept: type /practice to continue it." in left.text
    offer = await writer.say("/practice")
    assert "Good practice form: you stopped before the end" in offer.text
    back = await writer.say("1")  # Continue it
    assert "Step 2 of 4" in back.text


async def test_pages_of_five_with_more(app: App, core: Core, team: Team) -> None:
    boss = await admin(core)
    writer = await member(app, core, "11", team, "Minh")
    for number in range(1, 8):
        await submit(writer, title=f"Mô hình số {number}")
        await boss.press(f"gpa:{number}")
        assert "is approved" in boss.last[-1].text
    feed = await writer.say("/practices")
    assert "Mô hình số 7" in feed.text and "Mô hình số 3" in feed.text
    assert "Mô hình số 2" not in feed.text
    more = await writer.tap("More")
    assert "page 2" in more.text and "Mô hình số 1" in more.text and "Mô hình số 3" not in more.text
    assert not any("More" in label for label in writer.labels())


async def test_an_admin_sees_the_five_oldest_waiting_and_that_more_wait(
        app: App, core: Core, team: Team) -> None:
    boss = await admin(core)
    for number in range(1, 7):
        writer = await member(app, core, f"3{number}", team, f"Người {number}")
        await submit(writer, title=f"Mô hình chờ {number}")
    listed = await boss.say("/practices")
    assert "More are waiting: these are the oldest." in listed.text
    assert [label for label in boss.labels() if "Review" in label] == [
        f"📝 Review #{number}" for number in range(1, 6)]
    reviewed = await boss.tap("Review #5")
    assert "Mô hình chờ 5" in reviewed.text and "From Người 5, team Tổ Thôn 1." in reviewed.text


async def test_cancelling_a_change_keeps_the_practice_waiting_for_it(
        app: App, core: Core, team: Team) -> None:
    boss = await admin(core)
    writer = await member(app, core, "11", team, "Minh")
    await submit(writer)
    await boss.press("gpc:1")
    await boss.say("Thêm ảnh.")
    await writer.say("/practice")
    cancelled = await writer.tap("Cancel")
    assert "still waits for your changes" in cancelled.text
    assert (await practice(app)).status == practice_store.CHANGES
    assert "An admin asked for changes" in (await writer.say("/practice")).text


async def test_a_photo_too_large_is_refused(app: App, core: Core, team: Team) -> None:
    writer = await member(app, core, "11", team, "Minh")
    await writer.say("/practice")
    for typed in ("Dạy VNeID", "anh son", "Đặt bàn.", "40 người."):
        await writer.say(typed)
    await send_photo(writer, Photo("telegram:big", 11 * 1024 * 1024, 4000, 3000))
    assert "That photo is too large: at most 10 MB" in writer.last[-1].text
    assert (await state_of(app, "11"))["photo"] is None
    nudged = await writer.say("here is no photo")
    assert "Please send a photo, or press Skip." in nudged.text
    assert "Please check your good practice" in (await writer.say("bỏ qua")).text


async def test_an_admin_broadcasts_an_approved_practice_through_the_broadcast_form(
        app: App, core: Core, team: Team) -> None:
    boss = await admin(core)
    writer = await member(app, core, "21", team, "Lan")
    await submit(writer)
    await boss.say("/practices")
    await boss.tap("Review #1")
    await boss.tap("Approve")
    reader = await member(app, core, "22", team, "Hoa")
    await reader.say("/practices")
    await reader.tap("Dạy VNeID")
    assert not any("Broadcast it" in label for label in reader.labels())  # admins only
    assert "Only admins" in (await reader.press("gpb:1")).text
    await boss.say("/practices")
    await boss.tap("Dạy VNeID")
    asked = await boss.tap("Broadcast it")
    assert "Who should receive it?" in asked.text  # the message is already written
    await boss.tap("Everyone")
    await boss.tap("Skip")  # no English version
    preview = "\n".join(r.text for r in boss.last)
    assert "A good practice from the teams" in preview and "Dạy VNeID ở chợ phiên" in preview
    assert "40 người cao tuổi đã dùng được VNeID." in preview
