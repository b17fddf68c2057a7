"""What a help request may carry and how often: no link or @handle in the first name or the
hamlet (they go to every volunteer of the commune), and at most three requests a day."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App, open_app
from bot.core.help.form import DAILY_REQUESTS, REQUEST_WINDOW
from bot.core.help.notify import asked_at
from bot.core.service import Core
from bot.storage import dialogs, help_requests, teams, users
from tests.factories import ANH_SON, Chat, Clock, make_config

NOW = datetime(2026, 10, 3, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam
LESSON = "vneid-level2"
LINK_REFUSED = "Links and @names can't go in a help request"
LINKS = ("https://bit.ly/abc", "t.me/lan_hn", "zalo.me/0912345678", "www.lan.vn", "@lan_hn",
         "lan@gmail.com", "Lan t.me/x", "Xóm 3 http://x.co", "lan.com",
         "ＨＴＴＰＳ：／／ｘ．ｃｏｍ")  # full-width, as some keyboards type it


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    opened = await open_app(make_config(tmp_path))
    yield opened
    await opened.close()


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def core(app: App, clock: Clock) -> Core:
    return Core(app.services, clock=clock)


async def user_id(app: App, key: str) -> int:
    user = await users.get(app.services.db, "telegram", key)
    assert user is not None
    return user.id


async def volunteer(app: App, core: Core) -> int:
    """A volunteer of Anh Sơn who wrote to the bot; their user id."""
    await Chat(core, user="11", locale="en").say("/start")
    team = await teams.create(app.services.db, "AS1", "Thôn 1", ANH_SON, None, NOW)
    uid = await user_id(app, "11")
    await teams.join(app.services.db, uid, team.id, "Minh", NOW)
    return uid


async def notices_to(app: App, uid: int) -> list[str]:
    rows = await app.services.db.fetchall("SELECT reply FROM outbox WHERE user_id = ? "
                                          "ORDER BY id", (uid,))
    return [json.loads(r[0])["text"] for r in rows]


async def state_of(app: App, key: str) -> dict[str, object]:
    return (await dialogs.load(app.services.db, await user_id(app, key))).state


async def fill(chat: Chat) -> None:
    """Open the form with /helpme and answer every question, up to the summary."""
    await chat.say("/helpme")
    await chat.tap("Yes")
    for answer in ("Lan", "anh son", "Xóm 3"):
        await chat.say(answer)
    assert "Please check your request" in (await chat.tap("Skip")).text


async def send_and_cancel(chat: Chat) -> None:
    await fill(chat)
    assert "was sent to the volunteers" in (await chat.tap("Send")).text
    await chat.say("/helpme")
    assert "was cancelled" in (await chat.tap("Cancel my request")).text


async def test_a_link_or_handle_is_refused_and_the_form_stays_at_its_question(
        app: App, core: Core) -> None:
    told = await volunteer(app, core)
    citizen = Chat(core, user="1", locale="en")
    await citizen.say("/helpme")
    await citizen.tap("Yes")
    for typed in LINKS:
        reply = await citizen.say(typed)
        assert LINK_REFUSED in reply.text, typed
        assert "first name" in reply.text and "for example: Lan" in reply.text, typed
        assert [b.label for b in reply.options()] == ["✖ Cancel"]
        state = await state_of(app, "1")
        assert state["step"] == "name" and state["name"] is None, typed
    assert "Which commune" in (await citizen.say("Lan")).text
    await citizen.say("anh son")
    for typed in LINKS:
        reply = await citizen.say(typed)
        assert LINK_REFUSED in reply.text, typed
        assert "hamlet" in reply.text and "Xóm 3" in reply.text, typed
        state = await state_of(app, "1")
        assert state["step"] == "hamlet" and state["hamlet"] is None and state["name"] == "Lan"
    assert "phone number" in (await citizen.say("Xóm 3")).text
    await citizen.tap("Skip")
    await citizen.tap("Send")
    [notice] = await notices_to(app, told)
    assert "Lan, in Xóm 3" in notice
    assert not any(mark in notice for mark in ("http", "t.me", "zalo.me", "@", "www"))


async def test_the_fourth_request_in_a_day_is_refused_before_the_form(
        app: App, core: Core, clock: Clock) -> None:
    told = await volunteer(app, core)
    citizen = Chat(core, user="1", locale="en")
    for _ in range(DAILY_REQUESTS):
        await send_and_cancel(citizen)
        clock.now += timedelta(hours=1)
    assert len(await notices_to(app, told)) == DAILY_REQUESTS
    again = asked_at(app.services.translations.get("en"), app.services,
                     (NOW + REQUEST_WINDOW).isoformat())
    assert again.endswith("10:00")
    refused = await citizen.say("/helpme")
    assert "You have already sent 3 help requests in the last 24 hours" in refused.text
    assert "already know of your earlier request" in refused.text
    assert f"You can ask again from {again}." in refused.text
    assert "phone number" not in refused.text  # no consent question: the form never opens
    assert await state_of(app, "1") == {}
    # From a lesson: the same answer below the lesson, with the way back to it.
    await citizen.press(f"open:{LESSON}")
    from_lesson = await citizen.tap("help me in person")
    assert "You can ask again from" in from_lesson.text and not from_lesson.edit
    assert "▶ Back to the lesson" in citizen.labels()
    assert await state_of(app, "1") == {}
    rows = await app.services.db.fetchall("SELECT id FROM help_requests")
    assert len(rows) == DAILY_REQUESTS
    assert len(await notices_to(app, told)) == DAILY_REQUESTS
    # 24 hours after the first request, one more may be sent.
    clock.now = NOW + REQUEST_WINDOW
    assert "phone number, only if you choose" in (await citizen.say("/helpme")).text


async def test_the_fourth_request_is_refused_at_send_too(app: App, core: Core,
                                                         clock: Clock) -> None:
    told = await volunteer(app, core)
    citizen = Chat(core, user="1", locale="en")
    for _ in range(DAILY_REQUESTS - 1):
        await send_and_cancel(citizen)
    await fill(citizen)  # the form opened below the limit
    # Meanwhile another request was made and cancelled (another device of the same person).
    uid = await user_id(app, "1")
    async with app.services.db.transaction() as conn:
        made = await help_requests.insert(conn, uid, "Lan", ANH_SON, "Xóm 3", None, None,
                                          clock.now)
        assert made is not None and await help_requests.cancel(conn, made, uid)
    refused = await citizen.tap("Send")
    assert "You have already sent 3 help requests" in refused.text
    assert "was sent" not in refused.text
    assert await state_of(app, "1") == {}
    assert len(await notices_to(app, told)) == DAILY_REQUESTS - 1
    assert len(await app.services.db.fetchall("SELECT id FROM help_requests")) == 3


async def test_a_double_tap_on_the_last_send_of_the_day_says_it_is_waiting(
        app: App, core: Core) -> None:
    await volunteer(app, core)
    citizen = Chat(core, user="1", locale="en")
    for _ in range(DAILY_REQUESTS - 1):
        await send_and_cancel(citizen)
    await fill(citizen)
    answers = await asyncio.gather(citizen.press("hls"), citizen.press("hls"))
    assert len(await app.services.db.fetchall("SELECT id FROM help_requests")) == 3
    texts = sorted(answer.text for answer in answers)
    assert any("was sent to the volunteers" in text for text in texts), texts
    assert not any("You have already sent" in text for text in texts), texts


async def test_the_count_and_the_insert_share_the_window(app: App) -> None:
    db = app.services.db
    uid = (await users.touch(db, "telegram", "1", "vi", NOW)).id
    made = []
    for hours in (0, 5, 10):
        async with db.transaction() as conn:
            number = await help_requests.insert(conn, uid, "Lan", ANH_SON, "Xóm 3", None, None,
                                                NOW + timedelta(hours=hours),
                                                NOW - timedelta(days=1), DAILY_REQUESTS)
            assert number is not None
            assert await help_requests.cancel(conn, number, uid)
        made.append(NOW + timedelta(hours=hours))
    at = NOW + timedelta(hours=12)
    assert await help_requests.made_since(db, uid, at - REQUEST_WINDOW, 3) == made[::-1]
    assert await help_requests.made_since(db, uid, at - REQUEST_WINDOW, 2) == made[:0:-1]
    async with db.transaction() as conn:
        assert await help_requests.insert(conn, uid, "Lan", ANH_SON, "Xóm 3", None, None, at,
                                          at - REQUEST_WINDOW, DAILY_REQUESTS) is None
        later = NOW + REQUEST_WINDOW  # the first one is exactly 24 hours old: out
        assert await help_requests.insert(conn, uid, "Lan", ANH_SON, "Xóm 3", None, None,
                                          later, later - REQUEST_WINDOW,
                                          DAILY_REQUESTS) is not None
    other = (await users.touch(db, "telegram", "2", "vi", NOW)).id
    assert await help_requests.made_since(db, other, NOW - REQUEST_WINDOW, 3) == []
