"""/broadcast, /broadcasts and /stopbroadcast through the core, on a real database."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.app import App
from bot.channels.base import TELEGRAM
from bot.config import ConfigError, load_config
from bot.config_broadcasts import BroadcastConfig
from bot.core.broadcasts import progress_text
from bot.core.broadcasts.schedule import in_quiet_hours, parse_when, quiet_end
from bot.core.events import EventKind, Incoming
from bot.core.service import Core
from bot.storage import audiences, teams, users
from bot.storage import broadcasts as store
from bot.storage.audiences import Audience
from bot.storage.db import Database
from tests.factories import ADMIN, Chat, Clock, make_config, running_app

DAY = datetime(2026, 10, 3, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam
NIGHT = datetime(2026, 10, 3, 15, 0, tzinfo=UTC)  # 22:00 in Vietnam
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
QUIET = BroadcastConfig().quiet_hours  # 21:00-07:00



@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    async with running_app(tmp_path) as opened:
        yield opened


@pytest.fixture
def clock() -> Clock:
    return Clock(DAY)


@pytest.fixture
def core(app: App, clock: Clock) -> Core:
    return Core(app.services, clock=clock)


async def admin(core: Core) -> Chat:
    chat = Chat(core, ADMIN, locale="en")
    await chat.say("/start")
    return chat


async def composed(chat: Chat, text: str = "Họp tổ lúc 8h <sáng> & mang điện thoại\nDòng 2",
                   audience: str = "Everyone", english: str | None = None) -> None:
    """Write a broadcast up to its preview."""
    await chat.say("/broadcast")
    await chat.say(text)
    assert chat.last[-1].text == "Who should receive it?"
    await chat.tap(audience)
    if english is None:
        await chat.tap("Skip")
    else:
        await chat.say(english)
    assert chat.last[-1].text == "Send it now, or schedule it?"


async def state(app: App, external_id: str = ADMIN) -> dict[str, Any]:
    from bot.storage import dialogs

    user = await users.get(app.services.db, "telegram", external_id)
    assert user is not None
    return (await dialogs.load(app.services.db, user.id)).state


async def rows(db: Database, sql: str, *params: object) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in await db.fetchall(sql, params)]


async def test_a_refused_english_version_keeps_skip(app: App, core: Core) -> None:
    chat = await admin(core)
    await chat.say("/broadcast")
    await chat.say("Họp tổ lúc 8h")
    await chat.tap("Everyone")
    refused = await chat.say("x" * 4000)  # over the broadcast limit of 3,500
    assert "Shorten it" in refused.text
    assert chat.labels() == ["⏭ Skip", "✖ Cancel"]
    await chat.tap("Skip")
    assert chat.last[-1].text == "Send it now, or schedule it?"


async def test_an_admin_sends_a_broadcast_to_everyone(app: App, core: Core) -> None:
    for user in ("7", "8"):
        await Chat(core, user, locale="en").say("/start")
    chat = await admin(core)
    await composed(chat, english="Team meeting at 8am <sharp> & bring your phone")
    summary, vietnamese, english, _question = chat.last
    assert summary.text.startswith("📣 Broadcast to Everyone: 3 people.")
    assert vietnamese.text == "Họp tổ lúc 8h <sáng> & mang điện thoại\nDòng 2"  # lines kept
    assert english.text == "Team meeting at 8am <sharp> & bring your phone"
    assert chat.labels() == ["📨 Send now", "🕒 Schedule", "✖ Cancel"]
    await chat.tap("Send now")
    assert "Broadcast #1 to 3 people starts in a moment" in chat.last[-1].text
    db = app.services.db
    assert await rows(db, "SELECT status, text_en, scheduled_for, progress_chat FROM "
                          "broadcasts") == [("sending", english.text, None, f"telegram:{ADMIN}")]
    assert await rows(db, "SELECT status, COUNT(*) FROM deliveries GROUP BY status") == [
        ("pending", 3)]
    (entry,) = await rows(db, "SELECT action, detail FROM audit_log WHERE action = 'broadcast'")
    assert entry == ("broadcast", '{"event":"broadcast_queued","broadcast":1,'
                                  '"audience":"everyone","value":null,"recipients":3,'
                                  '"photo":false,"scheduled_for":null}')
    assert await state(app) == {}
    await chat.tap("Menu")
    await chat.press("bcn")  # Send pressed again on the old message: nothing more is sent
    assert "form is closed" in chat.last[-1].text
    assert await rows(db, "SELECT COUNT(*) FROM broadcasts") == [(1,)]


async def test_a_scheduled_time_is_checked_and_kept_out_of_quiet_hours(
        app: App, core: Core) -> None:
    chat = await admin(core)
    await composed(chat)
    await chat.tap("Schedule")
    assert "HH:MM" in chat.last[-1].text
    for typed, answer in (("09:00", "already passed"), ("soon", "could not read"),
                          ("31/02 10:00", "could not read"), ("25:00", "could not read"),
                          ("02/10 14:00", "already passed")):
        await chat.say(typed)
        assert answer in chat.last[-1].text, typed
    assert await rows(app.services.db, "SELECT COUNT(*) FROM broadcasts") == [(0,)]
    await chat.say("23:15")  # within quiet hours: moved to their end
    text = chat.last[-1].text
    assert "scheduled for 07:00 Oct 4, 2026" in text and "moved it to their end" in text
    await composed(chat)
    await chat.tap("Schedule")
    await chat.say("05/10 8h30")
    assert "scheduled for 08:30 Oct 5, 2026" in chat.last[-1].text
    assert "quiet hours" not in chat.last[-1].text
    assert await rows(app.services.db, "SELECT id, status, scheduled_for FROM broadcasts") == [
        (1, "scheduled", "2026-10-04T00:00:00+00:00"),
        (2, "scheduled", "2026-10-05T01:30:00+00:00")]
    details = [r[0] for r in await rows(app.services.db, "SELECT detail FROM audit_log WHERE "
                                                         "action = 'broadcast' ORDER BY id")]
    assert json.loads(details[0]) == {
        "event": "broadcast_queued", "broadcast": 1, "audience": "everyone", "value": None,
        "recipients": 1, "photo": False, "scheduled_for": "2026-10-04T00:00:00+00:00"}


async def test_send_now_at_night_asks_first(app: App, core: Core, clock: Clock) -> None:
    chat = await admin(core)
    clock.now = NIGHT
    await composed(chat)
    await chat.tap("Send now")
    assert "It is 22:00 now, within the quiet hours (21:00-07:00)" in chat.last[-1].text
    assert chat.labels() == ["📨 Send now anyway", "🕒 Send at 07:00", "✖ Cancel"]
    assert await rows(app.services.db, "SELECT COUNT(*) FROM broadcasts") == [(0,)]
    await chat.tap("Send at 07:00")
    await composed(chat)
    await chat.tap("Send now")
    await chat.tap("anyway")
    assert await rows(app.services.db, "SELECT status, scheduled_for FROM broadcasts") == [
        ("scheduled", "2026-10-04T00:00:00+00:00"), ("sending", None)]


async def test_only_admins_and_never_a_forged_button(app: App, core: Core) -> None:
    citizen = Chat(core, "7", locale="en")
    await citizen.say("/start")
    for command in ("/broadcast", "/broadcasts", "/stopbroadcast 1"):
        await citizen.say(command)
        assert "Only admins" in citizen.last[-1].text, command
    chat = await admin(core)
    await composed(chat)
    # The admin's Send button forwarded to a citizen, and forged payloads: refused, no change.
    for payload in ("bcn", "bcy", "bca:everyone", "bcq", "bcs:1", "bcz:1", "bcv", "bcx"):
        await citizen.press(payload)
        assert "Only admins" in citizen.last[-1].text, payload
    assert await state(app, "7") == {}
    assert (await state(app))["step"] == "preview"  # the admin's own form is untouched
    assert await rows(app.services.db, "SELECT COUNT(*) FROM broadcasts") == [(0,)]
    # A button from another step of the form changes nothing.
    await chat.press("bca:citizens")
    assert chat.last[0].text.startswith("That button is from an older message.")
    assert (await state(app))["audience"] == {"kind": "everyone", "value": None}
    await chat.press("bcl:fr")
    assert (await state(app))["step"] == "preview"
    await chat.tap("Cancel")
    assert chat.last[-1].text == "Cancelled: nothing was sent."
    await chat.press("bcn")
    assert "form is closed" in chat.last[-1].text
    assert await rows(app.services.db, "SELECT COUNT(*) FROM broadcasts") == [(0,)]


async def test_a_message_too_long_or_empty_is_refused(app: App, core: Core) -> None:
    chat = await admin(core)
    await chat.say("/broadcast")
    await chat.say("x" * 5000)  # longer than any message the bot reads
    assert "too long" in chat.last[-1].text
    await chat.say("x" * 3501)
    assert "has 3,501 characters; a broadcast can have at most 3,500" in chat.last[-1].text
    await chat.say("😀" * 1800)  # 1,800 emoji are 3,600 characters for Telegram
    assert "has 3,600 characters" in chat.last[-1].text
    await chat.say("   ")
    assert "empty" in chat.last[-1].text
    await core.handle(Incoming("telegram", ADMIN, EventKind.UNSUPPORTED, DAY, TELEGRAM,
                               locale_hint="en"))  # a photo
    assert (await state(app))["step"] == "text"
    await chat.say("x" * 3500)
    assert chat.last[-1].text == "Who should receive it?"


async def test_audiences_reach_the_right_people(app: App, core: Core) -> None:
    db, now = app.services.db, DAY
    chat = await admin(core)  # a citizen who is an admin, English
    ids = {}
    for key, locale in (("c1", "vi"), ("c2", "en"), ("v1", "vi"), ("l1", "vi"), ("v2", "en"),
                        ("gone", "vi")):
        ids[key] = (await users.touch(db, "telegram", key, locale, now)).id
    await users.touch(db, "console", "local", "vi", now)  # cannot receive broadcasts
    async with db.transaction() as conn:
        await conn.execute("UPDATE users SET blocked_at = ? WHERE id = ?",
                           (now.isoformat(), ids["gone"]))
    anh_son = await teams.create(db, "AAA111", "Thôn 1", "17329", None, now)
    other = await teams.create(db, "BBB222", "Xóm 2", "16681", None, now)
    await teams.join(db, ids["v1"], anh_son.id, "V1", now)
    await teams.join(db, ids["l1"], anh_son.id, "L1", now)
    await teams.set_role(db, ids["l1"], anh_son.id, teams.LEADER)
    await teams.join(db, ids["v2"], other.id, "V2", now)
    expected = {Audience(audiences.EVERYONE): 6, Audience(audiences.CITIZENS): 3,
                Audience(audiences.VOLUNTEERS): 3, Audience(audiences.LEADERS): 1,
                Audience(audiences.COMMUNE, "17329"): 2, Audience(audiences.LANGUAGE, "en"): 3,
                Audience(audiences.LANGUAGE, "vi"): 3}
    for audience, count in expected.items():
        assert await audiences.count_recipients(db, audience, ("telegram",)) == count, audience
    await chat.say("/broadcast")
    await chat.say("Họp")
    await chat.tap("One commune")
    await chat.say("anh son")
    await chat.tap("Skip")
    assert chat.last[0].text.startswith("📣 Broadcast to Commune: Xã Anh Sơn: 2 people.")
    await chat.tap("Send now")
    queued = await rows(db, "SELECT user_id FROM deliveries ORDER BY user_id")
    assert queued == [(ids["v1"],), (ids["l1"],)]
    await chat.say("/broadcast")
    await chat.say("Chào")
    await chat.tap("One language")
    await chat.tap("Tiếng Việt")  # nobody there reads English: no English step
    assert chat.last[0].text.startswith("📣 Broadcast to Language: Tiếng Việt: 3 people.")


async def test_nobody_to_send_to(app: App, core: Core) -> None:
    chat = await admin(core)
    await chat.say("/broadcast")
    await chat.say("Họp")
    await chat.tap("Team leaders")
    await chat.tap("Skip")
    assert chat.last[-1].text.startswith("Nobody in this audience can receive a message now")
    assert "Everyone" in chat.labels()  # another audience, the message kept
    citizen = await users.touch(app.services.db, "telegram", "7", "vi", DAY)
    await chat.tap("One language")
    await chat.tap("Tiếng Việt")
    assert chat.last[0].text.startswith("📣 Broadcast to Language: Tiếng Việt: 1 person.")
    assert chat.last[-2].text == "Họp"
    # The only recipient blocked the bot meanwhile: nothing is queued.
    async with app.services.db.transaction() as conn:
        await conn.execute("UPDATE users SET blocked_at = 'x' WHERE id = ?", (citizen.id,))
    await chat.tap("Send now")
    assert "Nobody in this audience" in chat.last[-1].text
    assert await rows(app.services.db, "SELECT COUNT(*) FROM broadcasts") == [(0,)]


async def test_list_and_stop(app: App, core: Core) -> None:
    chat = await admin(core)
    await chat.say("/broadcasts")
    assert "No broadcast yet" in chat.last[-1].text
    await chat.say("/stopbroadcast")
    assert "No broadcast is being sent" in chat.last[-1].text
    await composed(chat, text="Lịch tiêm chủng")
    await chat.tap("Schedule")
    await chat.say("15:00")
    await chat.say("/broadcasts")
    listing = chat.last[-1].text
    assert "#1 · 10:00 Oct 3, 2026 · Everyone · scheduled for 15:00 Oct 3, 2026" in listing
    assert "“Lịch tiêm chủng”\n0 / 1 sent · 0 blocked · 0 failed" in listing
    await chat.tap("Stop #1")
    assert chat.last[-1].text.startswith("Stop broadcast #1? What was sent stays sent; the 1 ")
    assert chat.last[-1].edit is False  # never replaces the progress message
    await chat.tap("No, keep it")
    assert await store.status(app.services.db, 1) == "scheduled"
    await chat.say("/stopbroadcast 1")
    await chat.tap("Yes, stop it")
    assert "Broadcast #1 is stopped: 1 message not yet sent was cancelled." in chat.last[-1].text
    await chat.press("bcz:1")
    assert chat.last[-1].text == "Broadcast #1 was already stopped."
    await chat.say("/stopbroadcast 99")
    assert chat.last[-1].text == "There is no broadcast #99."
    db = app.services.db
    assert await rows(db, "SELECT status, COUNT(*) FROM deliveries GROUP BY status") == [
        ("cancelled", 1)]
    details = [r[0] for r in await rows(db, "SELECT detail FROM audit_log ORDER BY id")]
    assert details[-1] == '{"event":"broadcast_stopped","broadcast":1,"cancelled":1}'


async def test_100000_recipients_are_queued_in_one_statement(app: App) -> None:
    db = app.services.db
    admin_user = await users.touch(db, "telegram", ADMIN, "vi", DAY)
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO users (channel, external_id, locale, created_at, last_seen_at) "
            "VALUES ('telegram', ?, 'vi', 'x', 'x')",
            [(str(1_000_000 + i),) for i in range(1, 100_000)])
    started = time.perf_counter()
    created = await store.create(db, admin_user.id, "Thông báo", None, Audience(audiences.EVERYONE),
                                 None, DAY, None, channels=("telegram",))
    elapsed = time.perf_counter() - started
    assert created == (1, 100_000)
    assert elapsed < 2.5, f"{elapsed:.2f} s"  # well under the 5 s the issue allows
    assert await rows(db, "SELECT COUNT(*) FROM deliveries WHERE status = 'pending'") == [
        (100_000,)]


@given(st.text(max_size=30))
def test_any_typed_time_is_read_or_refused(typed: str) -> None:
    when = parse_when(typed, DAY, ZONE)
    assert (when.moment is None) != (when.problem is None)
    assert when.moment is None or when.moment > DAY


@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1)))
def test_the_end_of_quiet_hours_is_not_quiet_and_comes_within_a_night(moment: datetime) -> None:
    moment = moment.replace(tzinfo=UTC)
    end = quiet_end(moment, QUIET, ZONE)
    assert not in_quiet_hours(end, QUIET, ZONE)
    assert moment <= end <= moment + timedelta(hours=10)
    assert (end == moment) == (not in_quiet_hours(moment, QUIET, ZONE))


def test_progress_numbers_are_written_the_admins_way(app: App) -> None:
    counts = store.Counts(pending=3797, sent=1200, blocked=3)
    vietnamese = progress_text(app.services.translations.get("vi"), 12, counts)
    english = progress_text(app.services.translations.get("en"), 12, counts)
    assert "1.200 / 5.000" in vietnamese and "#12" in vietnamese
    assert english == "📣 Broadcast #12: sending…\n1,200 / 5,000 sent · 3 blocked · 0 failed"


@pytest.mark.parametrize(("body", "named"), [
    ("broadcasts: {rate: 40}\n", "broadcasts.rate"),
    ("broadcasts: {rate: 0}\n", "broadcasts.rate"),
    ("broadcasts: {rate: 1001, paid: true}\n", "broadcasts.rate"),
    ("broadcasts: {paid: yes please}\n", "broadcasts.paid"),
    ("broadcasts: {quiet_hours: '21h-7h'}\n", "broadcasts.quiet_hours"),
    ("broadcasts: {quiet_hours: '25:00-07:00'}\n", "broadcasts.quiet_hours"),
    ("broadcasts: {max_attempts: 0}\n", "broadcasts.max_attempts"),
    ("broadcasts: {pace: 3}\n", "broadcasts.pace"),
])
def test_bad_broadcast_settings_are_named(tmp_path: Path, body: str, named: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        load_config(path, {})


def test_broadcast_settings(tmp_path: Path) -> None:
    assert make_config(tmp_path).broadcasts == BroadcastConfig()  # the shipped file: defaults
    path = tmp_path / "config.yaml"
    path.write_text("broadcasts: {rate: 500, paid: true, quiet_hours: '22:30-06:00'}\n",
                    encoding="utf-8")
    settings = load_config(path, {}).broadcasts
    assert (settings.rate, settings.paid, settings.max_attempts) == (500, True, 5)
    assert settings.quiet_hours == (datetime(1, 1, 1, 22, 30).time(),
                                    datetime(1, 1, 1, 6, 0).time())
    path.write_text("broadcasts: {quiet_hours: null}\n", encoding="utf-8")
    assert load_config(path, {}).broadcasts.quiet_hours is None
