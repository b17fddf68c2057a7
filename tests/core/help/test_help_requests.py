"""Help requests through the core on a real database: consent, the form, "I'll go", escalation."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.app import App, open_app
from bot.channels.base import TELEGRAM, TEXT_ONLY
from bot.core import visits
from bot.core.context import Context
from bot.core.events import Capabilities, Reply
from bot.core.help import check_first_name, check_hamlet, escalate_overdue, normalize_phone
from bot.core.help.rules import MAX_HAMLET, MAX_NAME
from bot.core.service import Core
from bot.core.shared.text import looks_like_link
from bot.storage import help_requests, teams, users
from bot.storage.teams import Team
from tests.factories import ANH_SON, CON_CUONG, Chat, make_config

ADMIN, SILENT_ADMIN = "777", "778"  # the second never wrote to the bot
NOW = datetime(2026, 10, 3, 3, 0, tzinfo=UTC)
LESSON = "vneid-level2"


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    opened = await open_app(make_config(tmp_path, BOT_ADMINS=f"{ADMIN},{SILENT_ADMIN}"))
    yield opened
    await opened.close()


@pytest.fixture
def core(app: App) -> Core:
    """The core with its clock fixed at NOW: the requests are made then."""
    return Core(app.services, clock=lambda: NOW)


async def user_id(app: App, key: str) -> int:
    user = await users.get(app.services.db, "telegram", key)
    assert user is not None
    return user.id


async def member(app: App, core: Core, key: str, team: Team, name: str | None,
                 leader: bool = False) -> Chat:
    """A user who wrote to the bot and belongs to team."""
    chat = Chat(core, user=key, locale="en")
    await chat.say("/start")
    uid = await user_id(app, key)
    await teams.join(app.services.db, uid, team.id, name, NOW)
    if leader:
        assert await teams.set_role(app.services.db, uid, team.id, teams.LEADER)
    return chat


async def outbox_rows(app: App) -> list[tuple[int, dict[str, Any]]]:
    """(user id, reply) of every queued notification, in order."""
    rows = await app.services.db.fetchall("SELECT user_id, reply FROM outbox ORDER BY id")
    return [(int(r[0]), json.loads(r[1])) for r in rows]


async def ask(chat: Chat, commune: str = "anh son", phone: str | None = "0912 345 678"
              ) -> Reply:
    """From a lesson, go through the whole form and press Send."""
    await chat.press(f"open:{LESSON}")
    await chat.tap("help me in person")
    assert "phone number, only if you choose" in chat.last[-1].text
    await chat.tap("Yes")
    await chat.say("Lan")
    await chat.say(commune)
    await chat.say("Xóm 3")
    if phone is None:
        await chat.tap("Skip")
    else:
        await chat.say(phone)
    assert "Please check your request" in chat.last[-1].text
    return await chat.tap("Send")


@pytest.fixture
async def anh_son(app: App) -> tuple[Team, Team, Team]:
    """Two teams in Anh Sơn, one in Con Cuông."""
    db = app.services.db
    return (await teams.create(db, "AS1", "Thôn 1", ANH_SON, None, NOW),
            await teams.create(db, "AS2", "Thôn 2", ANH_SON, None, NOW),
            await teams.create(db, "CC1", "Con Cuông 1", CON_CUONG, None, NOW))


async def test_no_consent_stores_nothing(app: App, core: Core) -> None:
    citizen = Chat(core, user="1", locale="en")
    await citizen.press(f"open:{LESSON}")
    assert any("help me in person" in label for label in citizen.labels())
    consent = await citizen.tap("help me in person")
    assert "volunteers of your commune and the province's admins" in consent.text
    assert not consent.edit  # the lesson stays on screen
    reply = await citizen.tap("No")
    assert "nothing was kept" in reply.text
    assert await app.services.db.fetchall("SELECT * FROM help_requests") == []
    assert await outbox_rows(app) == []
    # The form is closed: its buttons change nothing now.
    assert "form is closed" in (await citizen.press("hly")).text
    assert "form is closed" in (await citizen.press("hls")).text
    assert await app.services.db.fetchall("SELECT * FROM help_requests") == []


async def test_a_request_reaches_exactly_the_communes_members_without_the_phone(
        app: App, core: Core, anh_son: tuple[Team, Team, Team]) -> None:
    first, second, elsewhere = anh_son
    await member(app, core, "11", first, "Minh", leader=True)
    await member(app, core, "12", first, "Hoa")
    await member(app, core, "13", second, None)
    await member(app, core, "21", elsewhere, "Bình")
    citizen = Chat(core, user="1", locale="en")
    reply = await ask(citizen)
    assert "Your request #1 was sent to the volunteers of Xã Anh Sơn" in reply.text
    request = await help_requests.get(app.services.db, 1)
    assert request is not None and request.status == "open" and request.phone == "0912345678"
    assert request.lesson_id == LESSON and request.first_name == "Lan"
    rows = await outbox_rows(app)
    expected = {await user_id(app, key) for key in ("11", "12", "13")}
    assert {uid for uid, _ in rows} == expected and len(rows) == 3
    for _, sent in rows:
        assert "Lan, in Xóm 3, Xã Anh Sơn" in sent["text"]
        assert "Lesson: " in sent["text"]
        assert "0912" not in sent["text"] and "345" not in sent["text"]
        assert sent["buttons"] == [[["🙋 I'll go", "hgo:1"]]]
    # /helpme now shows the waiting request instead of a second form.
    shown = await citizen.say("/helpme")
    assert "You already have a help request (#1)" in shown.text
    assert "waiting for a volunteer" in shown.text
    await citizen.press(f"open:{LESSON}")
    again = await citizen.tap("help me in person")
    assert "You already have a help request (#1)" in again.text and not again.edit
    assert len(await app.services.db.fetchall("SELECT * FROM help_requests")) == 1


async def test_the_first_to_press_takes_it_and_the_citizen_is_told(
        app: App, core: Core, anh_son: tuple[Team, Team, Team]) -> None:
    first, second, _ = anh_son
    minh = await member(app, core, "11", first, "Minh")
    hoa = await member(app, core, "12", second, "Hoa")
    citizen = Chat(core, user="1", locale="en")
    await ask(citizen)
    before = len(await outbox_rows(app))
    answers = await asyncio.gather(minh.press("hgo:1"), hoa.press("hgo:1"))
    request = await help_requests.get(app.services.db, 1)
    assert request is not None and request.status == "taken"
    winner, loser = (0, 1) if request.taken_by == await user_id(app, "11") else (1, 0)
    assert "The request is yours" in answers[winner].text
    assert "Phone: 0912345678" in answers[winner].text
    assert [b.label for b in answers[winner].options()] == ["✅ Mark done", "↩ Can't go"]
    winner_name = ("Minh", "Hoa")[winner]
    assert f"already taken by {winner_name}" in answers[loser].text
    assert "0912" not in answers[loser].text and not answers[loser].buttons
    new = (await outbox_rows(app))[before:]
    citizen_id = await user_id(app, "1")
    team_name = ("Thôn 1", "Thôn 2")[winner]
    assert new == [(citizen_id, {"text": f"{winner_name} from team {team_name} will come to "
                                          "help you.\n\nTo see or cancel your request, type "
                                          "/helpme.", "buttons": []})]
    # A second press by the winner shows the request again and changes nothing.
    again = await (minh if winner == 0 else hoa).press("hgo:1")
    assert "You have taken this request" in again.text
    assert len(await outbox_rows(app)) == before + 1


async def test_outsiders_and_forged_buttons_are_refused(
        app: App, core: Core, anh_son: tuple[Team, Team, Team]) -> None:
    first, _, elsewhere = anh_son
    await member(app, core, "11", first, "Minh")
    stranger = await member(app, core, "21", elsewhere, "Bình")
    citizen = Chat(core, user="1", locale="en")
    await ask(citizen)
    other_citizen = Chat(core, user="2", locale="en")
    before = await outbox_rows(app)
    reply = await stranger.press("hgo:1")
    assert "Only the volunteers of Xã Anh Sơn can take this request" in reply.text
    assert "0912" not in reply.text
    assert "Only the volunteers" in (await other_citizen.press("hgo:1")).text
    assert "Only the volunteers" in (await citizen.press("hgo:1")).text
    for forged in ("hgo:999999", "hgo:0", "hgo:abc", "hgo:1:2", "hdone:1", "hrel:1", "hlog:1",
                   "hcan:1"):
        answer = await stranger.press(forged)
        assert "0912" not in answer.text, forged
    assert "can't find that help request" in (await stranger.press("hgo:999999")).text
    assert "don't recognise that button" in (await stranger.press("hgo:abc")).text
    assert "Only the volunteer who took" in (await stranger.press("hdone:1")).text
    assert "Only the person who asked" in (await stranger.press("hcan:1")).text
    request = await help_requests.get(app.services.db, 1)
    assert request is not None and request.status == "open" and request.taken_by is None
    assert await outbox_rows(app) == before


async def test_an_admin_may_take_any_request(app: App, core: Core,
                                             anh_son: tuple[Team, Team, Team]) -> None:
    citizen = Chat(core, user="1", locale="en")
    await ask(citizen)
    admin = Chat(core, user=ADMIN, locale="en")
    reply = await admin.press("hgo:1")
    assert "The request is yours" in reply.text and "0912345678" in reply.text
    rows = await outbox_rows(app)
    assert "A volunteer of the province will come to help you." in rows[-1][1]["text"]


async def test_overdue_requests_go_to_leaders_and_admins_once(
        app: App, core: Core, anh_son: tuple[Team, Team, Team]) -> None:
    first, second, elsewhere = anh_son
    await member(app, core, "11", first, "Minh", leader=True)
    await member(app, core, "12", first, "Hoa")
    await member(app, core, "13", second, "Lâm", leader=True)
    await member(app, core, "21", elsewhere, "Bình", leader=True)
    await Chat(core, user=ADMIN, locale="en").say("/start")
    await ask(Chat(core, user="1", locale="en"))
    before = len(await outbox_rows(app))
    services = app.services
    assert await escalate_overdue(services, NOW + timedelta(hours=23)) == 0
    assert len(await outbox_rows(app)) == before
    assert await escalate_overdue(services, NOW + timedelta(hours=24, minutes=1)) == 1
    new = (await outbox_rows(app))[before:]
    expected = {await user_id(app, key) for key in ("11", "13", ADMIN)}
    assert {uid for uid, _ in new} == expected and len(new) == 3
    assert all("Nobody has taken help request #1 for 24 hours" in r["text"] for _, r in new)
    assert all(r["buttons"] == [[["🙋 I'll go", "hgo:1"]]] for _, r in new)
    assert await escalate_overdue(services, NOW + timedelta(hours=48)) == 0
    assert len(await outbox_rows(app)) == before + 3
    request = await help_requests.get(app.services.db, 1)
    assert request is not None and request.escalated_at is not None


async def test_a_taken_request_is_not_escalated(app: App, core: Core,
                                                anh_son: tuple[Team, Team, Team]) -> None:
    minh = await member(app, core, "11", anh_son[0], "Minh", leader=True)
    await ask(Chat(core, user="1", locale="en"))
    await minh.press("hgo:1")
    assert await escalate_overdue(app.services, NOW + timedelta(days=2)) == 0


async def test_a_commune_without_a_team_goes_to_the_admins_who_wrote(app: App, core: Core
                                                                     ) -> None:
    await Chat(core, user=ADMIN, locale="en").say("/start")
    citizen = Chat(core, user="1", locale="en")
    reply = await ask(citizen, commune="con cuong", phone=None)
    assert "No volunteer is registered in Xã Con Cuông yet" in reply.text
    assert "passed to the province's admins" in reply.text
    rows = await outbox_rows(app)
    assert [uid for uid, _ in rows] == [await user_id(app, ADMIN)]  # the silent admin is skipped
    request = await help_requests.get(app.services.db, 1)
    assert request is not None and request.phone is None


async def test_mark_done_offers_to_log_the_visit(app: App, core: Core,
                                                 anh_son: tuple[Team, Team, Team],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    minh = await member(app, core, "11", anh_son[0], "Minh")
    hoa = await member(app, core, "12", anh_son[0], "Hoa")
    await ask(Chat(core, user="1", locale="en"))
    await minh.press("hgo:1")
    assert "Only the volunteer who took" in (await hoa.press("hdone:1")).text
    done = await minh.tap("Mark done")
    assert "Help request #1 is done" in done.text
    request = await help_requests.get(app.services.db, 1)
    assert request is not None and request.status == "done" and request.done_at
    assert "already done" in (await hoa.press("hgo:1")).text
    assert "Only the volunteer who took" in (await hoa.press("hlog:1")).text
    real = await minh.tap("Log this visit")  # the real /visit form, owned by visits.py
    assert "something went wrong" not in real.text and real.buttons
    prefilled: list[tuple[str, str, str]] = []

    async def start_prefilled(ctx: Context, commune_code: str, hamlet: str, household: str
                              ) -> list[Reply]:
        prefilled.append((commune_code, hamlet, household))
        return [Reply("visit form")]

    monkeypatch.setattr(visits, "start_prefilled", start_prefilled)
    assert (await minh.press("hlog:1")).text.endswith("visit form")
    assert prefilled == [(ANH_SON, "Xóm 3", "Lan")]


async def test_cant_go_reopens_and_tells_the_others(app: App, core: Core,
                                                    anh_son: tuple[Team, Team, Team]) -> None:
    minh = await member(app, core, "11", anh_son[0], "Minh")
    hoa = await member(app, core, "12", anh_son[1], "Hoa")
    await ask(Chat(core, user="1", locale="en"))
    await minh.press("hgo:1")
    before = len(await outbox_rows(app))
    assert "Only the volunteer who took" in (await hoa.press("hrel:1")).text
    reply = await minh.tap("Can't go")
    assert "open again" in reply.text
    request = await help_requests.get(app.services.db, 1)
    assert request is not None and request.status == "open" and request.taken_by is None
    new = (await outbox_rows(app))[before:]
    hoa_id = await user_id(app, "12")
    assert {uid for uid, _ in new} == {hoa_id, await user_id(app, "1")}
    notice = next(r for uid, r in new if uid == hoa_id)
    assert "is open again" in notice["text"] and notice["buttons"] == [[["🙋 I'll go", "hgo:1"]]]
    assert "The request is yours" in (await hoa.press("hgo:1")).text
    assert "Only the volunteer who took" in (await minh.press("hrel:1")).text  # old button


async def test_the_citizen_cancels_and_the_taker_is_told(app: App, core: Core,
                                                         anh_son: tuple[Team, Team, Team]
                                                         ) -> None:
    minh = await member(app, core, "11", anh_son[0], "Minh")
    citizen = Chat(core, user="1", locale="en")
    await ask(citizen)
    await minh.press("hgo:1")
    shown = await citizen.say("/helpme")
    assert "Minh from team Thôn 1 will come to help you." in shown.text
    before = len(await outbox_rows(app))
    assert "was cancelled" in (await citizen.tap("Cancel my request")).text
    new = (await outbox_rows(app))[before:]
    assert new[0][0] == await user_id(app, "11") and "you don't need to go" in new[0][1]["text"]
    assert "already closed" in (await citizen.press("hcan:1")).text
    assert "cancelled by the person who asked" in (await minh.press("hdone:1")).text
    # A new request is possible once the old one is closed.
    assert "phone number" in (await citizen.say("/helpme")).text


async def test_requests_show_the_phone_only_to_admins_and_the_taker(
        app: App, core: Core, anh_son: tuple[Team, Team, Team]) -> None:
    minh = await member(app, core, "11", anh_son[0], "Minh")
    hoa = await member(app, core, "12", anh_son[0], "Hoa")
    await ask(Chat(core, user="1", locale="en"))
    listed = await hoa.say("/requests")
    assert "Help request #1" in listed.text and "0912" not in listed.text
    assert "🙋 I'll go #1" in hoa.labels()
    admin = await Chat(core, user=ADMIN, locale="en").say("/requests")
    assert "Phone: 0912345678" in admin.text
    await minh.press("hgo:1")
    assert "Phone: 0912345678" in (await minh.say("/requests")).text
    assert "0912" not in (await hoa.say("/requests")).text
    refused = await Chat(core, user="3", locale="en").say("/requests")
    assert "for the volunteers" in refused.text


async def test_each_step_explains_bad_input_and_keeps_the_draft(app: App, core: Core) -> None:
    citizen = Chat(core, user="1", locale="en")
    await citizen.say("/helpme")
    assert "Please answer with one of the buttons" in (await citizen.say("maybe")).text
    await citizen.tap("Yes")
    assert "ID number" in (await citizen.say("012345678901")).text
    assert "no digits" in (await citizen.say("Lan 2")).text
    assert "in letters" in (await citizen.say("🙂🙂")).text
    assert "too long" in (await citizen.say("L" * 41)).text
    await citizen.say("Lan")
    assert "found no commune" in (await citizen.say("Quận 1")).text
    several = await citizen.say("Vinh")
    assert "Several communes match" in several.text and "Phường Vinh Lộc" in citizen.labels()
    assert "older message" in (await citizen.press("hlc:17329")).text  # not one of the choices
    assert "Which hamlet" in (await citizen.tap("Vinh Lộc")).text
    assert "in words" in (await citizen.say("!!!")).text
    await citizen.say("Khối 5")
    assert "not a Vietnamese mobile number" in (await citizen.say("12345")).text
    assert "older message" in (await citizen.press("hls")).text  # Send before the summary
    summary = await citizen.say("+84 912-345-678")
    assert "Phone: 0912345678" in summary.text and "Phường Vinh Lộc" in summary.text
    assert "Please answer with one of the buttons" in (await citizen.say("ok")).text
    assert "Cancelled" in (await citizen.tap("Cancel")).text
    assert await app.services.db.fetchall("SELECT * FROM help_requests") == []


@pytest.mark.parametrize("caps", [TEXT_ONLY, TELEGRAM], ids=["text-only", "buttons"])
async def test_after_a_wrong_phone_number_skip_is_still_there(app: App, core: Core,
                                                             caps: Capabilities) -> None:
    citizen = Chat(core, user="1", locale="vi", caps=caps)
    await citizen.say("/helpme")
    await citizen.tap("tôi đồng ý")
    for answer in ("Lan", "anh son", "Xóm 3"):
        await citizen.say(answer)
    refused = await citizen.say("12345")
    assert "Bỏ qua" in [button.label.split(" ", 1)[-1] for button in refused.options()]
    reply = await citizen.say("bo qua")  # typed, without accents, as on Zalo
    assert "Bạn kiểm tra lại yêu cầu:" in reply.text, reply.text  # on to the summary
    assert "0912" not in reply.text and "12345" not in reply.text


async def test_a_phone_number_typed_as_the_first_name_is_called_a_phone_number(
        app: App, core: Core) -> None:
    citizen = Chat(core, user="1", locale="en")
    await citizen.say("/helpme")
    await citizen.tap("Yes")
    for typed in ("0912 345 678", "+84 912 345 678", "0912.345.678", "912345678", "84912345678"):
        reply = await citizen.say(typed)
        assert "That looks like a phone number" in reply.text, typed
        assert "ID number" not in reply.text, typed
    assert "ID number" in (await citizen.say("012345678901")).text  # 12 digits: a CCCD
    vi = Chat(core, user="2", locale="vi")
    await vi.say("/helpme")
    await vi.tap("tôi đồng ý")
    reply = await vi.say("0912345678")
    assert "Đây có vẻ là số điện thoại" in reply.text and "căn cước" not in reply.text
    assert "looks like" not in (await citizen.say("Lan")).text  # a name goes on to the commune
    assert await app.services.db.fetchall("SELECT * FROM help_requests") == []


async def test_a_double_send_makes_one_request(app: App, core: Core) -> None:
    citizen = Chat(core, user="1", locale="en")
    await citizen.say("/helpme")
    await citizen.tap("Yes")
    for answer in ("Lan", "anh son", "Xóm 3"):
        await citizen.say(answer)
    await citizen.tap("Skip")
    await asyncio.gather(citizen.press("hls"), citizen.press("hls"))
    assert len(await app.services.db.fetchall("SELECT * FROM help_requests")) == 1


digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


@given(digits)
def test_mobile_numbers_are_normalised(rest: str) -> None:
    assert normalize_phone("0" + rest) == "0" + rest
    assert normalize_phone("+84" + rest) == "0" + rest
    assert normalize_phone(f" 0{rest[:3]} {rest[3:6]}.{rest[6:]} ") == "0" + rest
    assert normalize_phone(f"(+84) {rest[:3]}-{rest[3:]}") == "0" + rest


@given(st.text(max_size=20))
def test_anything_else_is_refused(typed: str) -> None:
    phone = normalize_phone(typed)
    if phone is not None:
        assert len(phone) == 10 and phone.startswith("0") and phone.isascii()
        assert phone.isdigit()


@given(st.text(alphabet="0123456789+ ", max_size=16))
def test_only_the_two_formats_pass(typed: str) -> None:
    compact = typed.replace(" ", "")
    accepted = (len(compact) == 10 and compact.startswith("0") and compact[1:].isdigit()) or (
        len(compact) == 12 and compact.startswith("+84") and compact[3:].isdigit())
    assert (normalize_phone(typed) is not None) == accepted


@given(st.from_regex(r"[0-9]{9,12}", fullmatch=True), st.sampled_from(["", "Lan ", "CCCD "]))
def test_id_numbers_are_never_names_or_hamlets(number: str, prefix: str) -> None:
    assert check_first_name(prefix + number).value is None
    assert check_hamlet(prefix + number).value is None


# Links as people paste them: a scheme, www., a known domain, any domain with a path, the
# messengers' short links, an @handle or an e-mail address; in any letter case.
_LABEL = st.from_regex(r"[a-z0-9][a-z0-9-]{0,10}", fullmatch=True)
_PATH = st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True)
_TLD = st.sampled_from(["com", "net", "org", "vn", "me", "ly", "io", "xyz", "com.vn", "info"])
links = st.one_of(
    st.builds("{}://{}.{}/{}".format, st.sampled_from(["http", "https", "tg", "ftp"]), _LABEL,
              _TLD, _PATH),
    st.builds("www.{}.{}".format, _LABEL, _TLD),
    st.builds("{}.{}".format, _LABEL, _TLD),
    st.builds("{}.{}/{}".format, _LABEL, st.from_regex(r"[a-z]{2,6}", fullmatch=True), _PATH),
    st.builds("{}/{}".format, st.sampled_from(["t.me", "zalo.me", "bit.ly", "fb.com"]), _PATH),
    st.builds("@{}".format, st.from_regex(r"[A-Za-z0-9_]{1,12}", fullmatch=True)),
    st.builds("{}@{}.{}".format, _PATH, _LABEL, _TLD),
).flatmap(lambda link: st.sampled_from([link, link.upper(), link.title()]))


@given(links, st.sampled_from(["", "Lan ", "Xóm 3 ", "xem "]), st.sampled_from(["", " ạ", " Lan"]))
def test_links_and_handles_are_never_names_or_hamlets(link: str, prefix: str, suffix: str
                                                      ) -> None:
    for check in (check_first_name, check_hamlet):
        checked = check(prefix + link + suffix)
        assert checked.value is None
        assert checked.problem is not None and checked.problem.startswith("Links and @names")


_LETTERS = ("aăâbcdđeêghiklmnoôơpqrstuưvxy"
            "áàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")
_NAMES = st.text(alphabet=_LETTERS + _LETTERS.upper() + " ", max_size=MAX_NAME).filter(
    lambda name: any(ch.isalpha() for ch in name))


@given(_NAMES)
def test_first_names_in_vietnamese_letters_are_taken(name: str) -> None:
    assert check_first_name(name).value == " ".join(name.split())


@given(_NAMES, st.text(alphabet="0123456789 ,-/", max_size=MAX_HAMLET - MAX_NAME))
def test_hamlets_of_words_numbers_and_dashes_are_taken_and_never_links(words: str, rest: str
                                                                       ) -> None:
    typed = words + rest
    if len(rest.replace(" ", "")) < 9:  # 9 digits or more would be refused as an ID number
        assert check_hamlet(typed).value == " ".join(typed.split())
    assert not looks_like_link(typed)
