"""/visit through the core on a real database: the form, its checks, and saving once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiosqlite

from bot.app import App, open_app
from bot.channels.base import TELEGRAM, TEXT_ONLY
from bot.config import Config
from bot.core.events import EventKind, Incoming, Reply
from bot.core.visits import household_key
from bot.storage import dialogs, teams, users
from bot.storage.visits import OUTCOME_KEYS, SKILL_KEYS
from tests.factories import ANH_SON, Chat, payload_of


async def make_volunteer(app: App, key: str = "v1", name: str | None = "Lan",
                         commune: str = ANH_SON) -> int:
    """A user (English) who joined the team of a commune; their user id."""
    db, now = app.services.db, datetime.now(UTC)
    user = await users.touch(db, "telegram", key, "en", now)
    team = await teams.by_code(db, f"T{commune}") or await teams.create(
        db, f"T{commune}", "Tổ công nghệ số", commune, None, now)
    await teams.join(db, user.id, team.id, name, now)
    return user.id


async def fill_form(chat: Chat, hamlet: str = "Thôn 3", household: str = "Nguyễn Văn A",
                    people: str = "3") -> int:
    """From /visit to the summary the quickest way; the number of messages and taps."""
    steps = [chat.say("/visit"), chat.tap("✓"), chat.say(hamlet), chat.say(household),
             chat.tap(people), chat.tap("public services"), chat.tap("Done"), chat.tap("Done"),
             chat.tap("Yes"), chat.tap("Skip")]
    for step in steps:
        await step
    assert "Please check the visit" in chat.last[-1].text, chat.last[-1].text
    return len(steps)


async def to_people_step(chat: Chat, household: str = "Nguyễn Văn A", hamlet: str = "Thôn 3"
                         ) -> Reply:
    """From /visit through the commune, hamlet and household: the people step's reply."""
    await chat.say("/visit")
    await chat.tap("✓")
    await chat.say(hamlet)
    return await chat.say(household)


async def rows(app: App, sql: str = "SELECT * FROM visits ORDER BY id", params: tuple[Any, ...]
               = ()) -> list[aiosqlite.Row]:
    """Rows straight from the database."""
    return await app.services.db.fetchall(sql, params)


async def state_of(app: App, key: str = "v1") -> dict[str, Any]:
    """The user's dialog state as stored."""
    user = await users.get(app.services.db, "telegram", key)
    assert user is not None
    return (await dialogs.load(app.services.db, user.id)).state


def payload(chat: Chat, label_part: str) -> str:
    """The payload of the last reply's button whose label contains label_part."""
    return next(b.action for b in chat.last[-1].options() if label_part in b.label)


async def test_a_visit_is_logged_in_eleven_taps_or_messages(app: App) -> None:
    volunteer = await make_volunteer(app)
    chat = Chat(app.core, "v1", locale="en")
    count = await fill_form(chat)
    before = datetime.now(UTC)
    reply = await chat.tap("Confirm")
    count += 1
    assert count == 11 <= 12
    assert reply.text.startswith("✅ Visit #1 saved")
    (visit,) = await rows(app)
    assert (visit["volunteer_id"], visit["commune_code"], visit["hamlet"], visit["household"],
            visit["people"]) == (volunteer, ANH_SON, "Thôn 3", "Nguyễn Văn A", 3)
    # The household's key is a keyed hash of 'commune|thon 3|nguyen van a': it names nobody.
    assert visit["household_key"] == household_key(ANH_SON, "Thôn 3", "Nguyễn Văn A",
                                                   app.services.household_secret)
    assert "nguyen" not in visit["household_key"]
    assert visit["s_public_services"] == 1 and visit["s_shopping"] == 0
    assert not any(visit[f"o_{key}"] for key in OUTCOME_KEYS)
    assert visit["team_id"] is not None and visit["note"] is None
    assert visit["follow_up_of"] is None and visit["deleted_at"] is None
    assert abs(datetime.fromisoformat(visit["visited_at"]) - before) < timedelta(seconds=5)
    assert await state_of(app) == {}  # the form is closed


async def test_all_five_skills_are_ticked_in_one_tap(app: App) -> None:
    await make_volunteer(app)
    chat = Chat(app.core, "v1", locale="en")
    for step in (chat.say("/visit"), chat.tap("✓"), chat.say("Thôn 3"), chat.say("Số 12"),
                 chat.tap("2")):
        await step
    reply = await chat.tap("All 5 skills")
    assert sum(label.startswith("✓ ") for label in chat.labels()) == len(SKILL_KEYS)
    assert "All 5 skills" not in " ".join(chat.labels()) and "Done" in reply.options()[5].label
    for label in ("Done", "Done", "Yes", "Skip", "Confirm"):
        await chat.tap(label)
    (visit,) = await rows(app)
    assert all(visit[f"s_{key}"] == 1 for key in SKILL_KEYS)


async def test_a_text_only_channel_logs_a_visit_by_typing(app: App) -> None:
    await make_volunteer(app)
    chat = Chat(app.core, "v1", locale="en", caps=TEXT_ONLY)
    await chat.say("/visit")
    for typed in ["1", "xóm đông", "số 12", "3", "1", "6", "8", "1", "Một ghi chú ngắn", "1"]:
        reply = await chat.say(typed)
    assert "Visit #1 saved" in reply.text
    (visit,) = await rows(app)
    # "3" on the typed step is three people, not the third option; lower case is capitalised.
    assert (visit["hamlet"], visit["household"], visit["people"]) == ("Xóm Đông", "Số 12", 3)
    assert visit["note"] == "Một ghi chú ngắn" and visit["s_public_services"] == 1


async def test_back_returns_to_each_step_with_its_answer_kept(app: App) -> None:
    await make_volunteer(app)
    chat = Chat(app.core, "v1", locale="en")
    await to_people_step(chat)
    reply = await chat.tap("Back")
    assert "Step 3 of 8" in reply.text and "✓ Nguyễn Văn A" in chat.labels()
    reply = await chat.tap("Back")
    assert "Step 2 of 8" in reply.text and "✓ Thôn 3" in chat.labels()
    reply = await chat.tap("Back")
    assert "Step 1 of 8" in reply.text and "✓ Xã Anh Sơn" in chat.labels()
    assert "◀ Back" not in chat.labels()  # nothing before the first question
    await chat.tap("Anh Sơn")
    await chat.tap("Thôn 3")
    reply = await chat.tap("Nguyễn Văn A")
    assert "Step 4 of 8" in reply.text
    draft = (await state_of(app))["draft"]
    assert (draft["hamlet"], draft["household"]) == ("Thôn 3", "Nguyễn Văn A")


async def test_cancel_at_any_step_saves_nothing(app: App) -> None:
    await make_volunteer(app)
    chat = Chat(app.core, "v1", locale="en")
    walk: list[Callable[[], Awaitable[Reply]]] = [
        lambda: chat.tap("✓"), lambda: chat.say("Thôn 3"), lambda: chat.say("Nhà số 5"),
        lambda: chat.tap("2"), lambda: chat.tap("shopping"), lambda: chat.tap("Done"),
        lambda: chat.tap("Done"), lambda: chat.tap("Yes"), lambda: chat.tap("Skip"),
        lambda: chat.tap("Edit"), lambda: chat.tap("Date")]
    for depth in range(len(walk) + 1):
        await chat.say("/visit")
        for step in walk[:depth]:
            await step()
        stale = payload(chat, "Cancel")
        reply = await chat.tap("Cancel")
        assert "Nothing was saved" in reply.text, depth
        assert await state_of(app) == {}
        reply = await chat.press(stale)
        assert "already closed" in reply.text
    assert await rows(app) == []


async def test_slash_cancel_mid_form_closes_it_and_its_buttons(app: App) -> None:
    await make_volunteer(app)
    chat = Chat(app.core, "v1", locale="en")
    await to_people_step(chat, "Nhà số 5")
    two = payload(chat, "2")
    await chat.say("/cancel")
    reply = await chat.press(two)
    assert "This form is already closed" in reply.text
    assert await state_of(app) == {}
    reply = await chat.say("7")  # typed text no longer goes to the form
    assert "Step" not in reply.text and await rows(app) == []


async def test_a_double_tap_on_confirm_saves_one_visit(app: App) -> None:
    await make_volunteer(app)
    chat = Chat(app.core, "v1", locale="en")
    await fill_form(chat)
    confirm = payload(chat, "Confirm")
    assert "Visit #1 saved" in (await chat.press(confirm)).text
    again = await chat.press(confirm)
    assert "already saved as #1" in again.text
    assert len(await rows(app)) == 1
    assert "already closed: the visit was saved as #1" in (
        await chat.press(confirm.replace("confirm", "edit"))).text


async def test_a_second_volunteer_is_warned_about_the_same_household(app: App) -> None:
    await make_volunteer(app, "v1", "Lan")
    await make_volunteer(app, "v2", "Bình")
    first = Chat(app.core, "v1", locale="en")
    await fill_form(first, "Thôn 3", "Nguyễn Văn A")
    await first.tap("Confirm")
    second = Chat(app.core, "v2", locale="en")
    await second.say("/visit")
    await second.tap("✓")
    await second.say("thon  3")
    reply = await second.say("NGUYEN van a")
    assert "This household was logged 1 time before, most recently by Lan on" in reply.text
    assert "(visit #1)" in reply.text
    assert any("follow-up" in label for label in second.labels())
    reply = await second.tap("follow-up")
    assert "Step 4 of 8" in reply.text
    for step in [second.tap("2"), second.tap("payment"), second.tap("Done"), second.tap("Done"),
                 second.tap("Yes"), second.tap("Skip")]:
        await step
    assert "A follow-up to visit #1" in second.last[-1].text
    await second.tap("Confirm")
    follow = (await rows(app))[1]
    assert follow["follow_up_of"] == 1 and follow["household_key"] == (await rows(app))[0][
        "household_key"]


async def test_the_warning_names_you_or_another_volunteer_and_offers_cancel(app: App) -> None:
    await make_volunteer(app, "v1", None)  # joined without a name
    await make_volunteer(app, "v2", "Bình")
    first = Chat(app.core, "v1", locale="en")
    await fill_form(first)
    await first.tap("Confirm")
    second = Chat(app.core, "v2", locale="en")
    await second.say("/visit")
    await second.tap("✓")
    await second.say("Thôn 3")
    assert "by another volunteer" in (await second.say("Nguyễn Văn A")).text
    assert "Nothing was saved" in (await second.tap("Cancel")).text
    await first.say("/visit")
    await first.tap("✓")
    await first.tap("Thôn 3")  # recently used: offered as a button
    assert "most recently by you" in (await first.say("nguyễn văn a")).text
    reply = await first.tap("Back")  # another household after all: change the label
    assert "Step 3 of 8" in reply.text
    assert "Step 4 of 8" in (await first.say("Nguyễn Văn A (nhà số 7)")).text
    assert len(await rows(app)) == 1


async def test_a_deleted_visit_is_not_a_duplicate(app: App) -> None:
    await make_volunteer(app)
    chat = Chat(app.core, "v1", locale="en")
    await fill_form(chat)
    await chat.tap("Confirm")
    await chat.press(payload_of("vm", "delok", 1))
    assert "Step 4 of 8" in (await to_people_step(chat)).text


async def test_a_restart_mid_form_resumes_it(config: Config) -> None:
    first = await open_app(config)
    await make_volunteer(first)
    chat = Chat(first.core, "v1", locale="en")
    await to_people_step(chat)
    await first.close()

    second = await open_app(config)  # a new process would do exactly this
    try:
        chat = Chat(second.core, "v1", locale="en")
        reply = await chat.say("/visit")
        assert "Visit form: you stopped before the end" in reply.text
        reply = await chat.tap("Continue")
        assert "Step 4 of 8" in reply.text
        for step in [chat.tap("4"), chat.tap("payment"), chat.tap("Done"), chat.tap("Done"),
                     chat.tap("Yes"), chat.tap("Skip")]:
            await step
        assert "Household: Nguyễn Văn A" in chat.last[-1].text
        assert "Visit #1 saved" in (await chat.tap("Confirm")).text
        (visit,) = await rows(second)
        assert (visit["hamlet"], visit["people"]) == ("Thôn 3", 4)
    finally:
        await second.close()


async def test_start_over_drops_the_open_draft(app: App) -> None:
    await make_volunteer(app)
    chat = Chat(app.core, "v1", locale="en")
    await chat.say("/visit")
    await chat.tap("✓")
    await chat.say("Thôn 3")
    old = (await state_of(app))["draft"]["token"]
    stale = payload(chat, "Back")
    await chat.say("/visit")
    reply = await chat.tap("Start over")
    assert "Step 1 of 8" in reply.text
    draft = (await state_of(app))["draft"]
    assert draft["token"] != old and draft["hamlet"] is None
    assert "already closed" in (await chat.press(stale)).text


async def test_edit_from_the_summary_changes_one_field_and_returns(app: App) -> None:
    await make_volunteer(app)
    chat = Chat(app.core, "v1", locale="en")
    await fill_form(chat)
    await chat.tap("Edit")
    assert "What do you want to change?" in chat.last[-1].text
    await chat.tap("People")
    reply = await chat.say("6")
    assert "Please check the visit" in reply.text and "People guided: 6" in reply.text
    await chat.tap("Edit")
    await chat.tap("Note")
    reply = await chat.say("Cần quay lại dạy thanh toán")
    assert "Note: Cần quay lại dạy thanh toán" in reply.text
    await chat.tap("Edit")
    await chat.tap("Outcomes")
    await chat.tap("Biometrics")
    reply = await chat.tap("Done")
    assert "Outcomes: Biometrics registered" in reply.text
    await chat.tap("Edit")
    await chat.tap("Household")
    reply = await chat.tap("Back")  # nothing changed: back to the summary
    assert "Household: Nguyễn Văn A" in reply.text
    await chat.tap("Confirm")
    (visit,) = await rows(app)
    assert (visit["people"], visit["o_biometrics"]) == (6, 1)


async def test_the_date_goes_back_up_to_seven_days_never_later(app: App) -> None:
    await make_volunteer(app)
    chat = Chat(app.core, "v1", locale="en")
    await fill_form(chat)
    await chat.tap("Change date")
    assert len([x for x in chat.labels() if x not in ("◀ Back", "✖ Cancel")]) == 8
    today = datetime.now(app.services.config.timezone).date()
    reply = await chat.tap("Yesterday")
    shown = app.services.translations.get("en").date(today - timedelta(days=1))
    assert f"Date: {shown}" in reply.text
    forged = payload(chat, "Confirm").replace(":confirm:0", ":date:0")
    await chat.press(forged)
    reply = await chat.press(forged.replace(":date:0", ":day:8"))  # 8 days: not offered
    assert "On which day" in reply.text
    await chat.tap("Back")
    await chat.tap("Confirm")
    (visit,) = await rows(app)
    visited = datetime.fromisoformat(visit["visited_at"])
    assert visited.astimezone(app.services.config.timezone).date() == today - timedelta(days=1)


async def test_the_visit_time_is_when_confirm_was_sent(app: App) -> None:
    await make_volunteer(app)
    chat = Chat(app.core, "v1", locale="en")
    await fill_form(chat)
    sent = datetime.now(UTC) - timedelta(hours=3)  # typed offline, delivered three hours late
    event = Incoming("telegram", "v1", EventKind.ACTION, sent, TELEGRAM,
                     action=payload(chat, "Confirm"), locale_hint="en")
    (reply,) = await app.core.handle(event)
    assert "Visit #1 saved" in reply.text
    (visit,) = await rows(app)
    assert datetime.fromisoformat(visit["visited_at"]) == sent
    assert datetime.fromisoformat(visit["created_at"]) > sent + timedelta(hours=2)


async def test_a_clock_in_the_future_does_not_date_a_visit_in_the_future(app: App) -> None:
    await make_volunteer(app)
    chat = Chat(app.core, "v1", locale="en")
    await fill_form(chat)
    event = Incoming("telegram", "v1", EventKind.ACTION, datetime.now(UTC) + timedelta(days=2),
                     TELEGRAM, action=payload(chat, "Confirm"), locale_hint="en")
    await app.core.handle(event)
    (visit,) = await rows(app)
    assert datetime.fromisoformat(visit["visited_at"]) <= datetime.now(UTC)


async def test_summary_buttons_carry_the_draft_id_and_fit_telegram(app: App) -> None:
    await make_volunteer(app)
    chat = Chat(app.core, "v1", locale="en")
    await fill_form(chat)
    token = (await state_of(app))["draft"]["token"]
    reply: Reply = chat.last[-1]
    for button in reply.options():
        assert button.action.startswith(f"vf:{token}:") and len(button.action.encode()) <= 64
