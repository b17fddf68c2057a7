"""/visit refuses bad input with a clear answer and keeps nothing half-written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import App
from bot.core.service import Core
from bot.storage import dialogs, teams
from tests.core.visits.test_visits import (
    fill_form,
    make_volunteer,
    payload,
    rows,
    state_of,
    to_people_step,
)
from tests.factories import ANH_SON, Chat, Clock, payload_of


async def test_someone_outside_the_teams_cannot_log_visits(app: App) -> None:
    chat = Chat(app.core, "citizen", locale="en")
    for reply in [await chat.say("/visit"), await chat.say("/myvisits"),
                  await chat.press(payload_of("vf", "abcdefghijkl", "confirm", 0)),
                  await chat.press(payload_of("vm", "del", 1)),
                  await chat.press(payload_of("vnew"))]:
        assert "Only volunteers of a community digital technology team" in reply.text \
            or "already closed" in reply.text
        assert "/join" in reply.text or "already closed" in reply.text
    assert await state_of(app, "citizen") == {} and await rows(app) == []


async def test_a_commune_is_found_by_name_without_accents(app: App) -> None:
    await make_volunteer(app)
    chat = Chat(app.core, "v1", locale="en")
    await chat.say("/visit")
    reply = await chat.say("zzzz qqq")
    assert "No commune of Nghệ An matches “zzzz qqq”" in reply.text and "Step 1" in reply.text
    reply = await chat.say("son")
    assert "Several communes match “son”" in reply.text
    offered = [label for label in chat.labels() if label.startswith("Xã")]
    assert 2 <= len(offered) <= 6 and "Xã Lương Sơn" in offered
    reply = await chat.tap("Xã Lương Sơn")
    assert "Step 2 of 8" in reply.text
    await chat.tap("Back")
    assert chat.labels()[0] == "✓ Xã Lương Sơn"  # the answer is kept; the team's is offered
    reply = await chat.say("luong son")
    assert "Step 2 of 8" in reply.text
    assert (await state_of(app))["draft"]["commune"] == "17641"


async def test_absurd_numbers_of_people_are_refused(app: App) -> None:
    await make_volunteer(app)
    chat = Chat(app.core, "v1", locale="en")
    await to_people_step(chat, "Nhà số 5")
    expected = {"abc": "Please type a number", "0": "At least one person",
                "500": "500 is more than 30", "31": "probably a typing slip",
                "ba người": "Please type a number", "2.5": "Please type a number"}
    for typed, answer in expected.items():
        reply = await chat.say(typed)
        assert answer in reply.text and "Step 4 of 8" in reply.text, typed
    assert (await state_of(app))["draft"]["people"] is None
    forged = payload(chat, "1").replace(":ppl:1", ":ppl:999")
    assert "999 is more than 30" in (await chat.press(forged)).text
    reply = await chat.say("12 người")
    assert "Step 5 of 8" in reply.text
    assert (await state_of(app))["draft"]["people"] == 12


async def test_a_label_that_looks_like_an_id_number_is_refused(app: App) -> None:
    await make_volunteer(app)
    chat = Chat(app.core, "v1", locale="en")
    await chat.say("/visit")
    await chat.tap("✓")
    await chat.say("Thôn 3")
    for typed in ["123456789", "038 123 456 789", "Nguyễn A 038.123.456.789", "187-654-321"]:
        reply = await chat.say(typed)
        assert "looks like an ID number" in reply.text and "Law 91/2025" in reply.text, typed
        assert (await state_of(app))["draft"]["household"] is None
    for bad, why in [("x" * 61, "the limit is 60"), ("🙂🙂", "not only emoji")]:
        assert why in (await chat.say(bad)).text
    reply = await chat.say("Nhà 0912345678")  # ten digits: a phone number, not an ID
    assert "Step 4 of 8" in reply.text


async def test_notes_are_checked(app: App) -> None:
    await make_volunteer(app)
    chat = Chat(app.core, "v1", locale="en")
    await chat.say("/visit")
    for step in [chat.tap("✓"), chat.say("Thôn 3"), chat.say("Nhà số 5"), chat.tap("1"),
                 chat.tap("payment"), chat.tap("Done"), chat.tap("Done"), chat.tap("Yes")]:
        await step
    checks = {"🙂👍🏽🎉": "not only emoji",
              "x" * 4000: "That is 4,000 characters; the limit is 300",
              "CCCD 001203004005": "looks like an ID number"}
    for note, answer in checks.items():
        reply = await chat.say(note)
        assert answer in reply.text and "Step 8 of 8" in reply.text
        assert (await state_of(app))["draft"]["note"] is None
    reply = await chat.say("y" * 300)
    assert "Please check the visit" in reply.text
    assert (await state_of(app))["draft"]["note"] == "y" * 300


async def test_done_needs_a_skill_but_outcomes_may_be_none(app: App) -> None:
    await make_volunteer(app)
    chat = Chat(app.core, "v1", locale="en")
    await chat.say("/visit")
    for step in [chat.tap("✓"), chat.say("Thôn 3"), chat.say("Nhà số 5"), chat.tap("1")]:
        await step
    assert "Choose at least one skill" in (await chat.tap("Done")).text
    await chat.tap("shopping")
    await chat.tap("shopping")  # pressed twice: chosen, then not
    assert "Choose at least one skill" in (await chat.tap("Done")).text
    await chat.tap("shopping")
    await chat.tap("safe online")
    await chat.tap("Done")
    await chat.tap("VNeID")
    await chat.tap("scams")
    reply = await chat.tap("Done")
    assert "Step 7 of 8" in reply.text
    draft = (await state_of(app))["draft"]
    assert draft["skills"] == ["shopping", "cyber_safety"]
    assert draft["outcomes"] == ["vneid_level2", "scam_talk"]


async def test_without_consent_nothing_is_saved(app: App) -> None:
    await make_volunteer(app)
    chat = Chat(app.core, "v1", locale="en")
    await chat.say("/visit")
    for step in [chat.tap("✓"), chat.say("Thôn 3"), chat.say("Nhà số 5"), chat.tap("1"),
                 chat.tap("payment"), chat.tap("Done"), chat.tap("Done")]:
        await step
    yes = payload(chat, "Yes")
    reply = await chat.tap("No")
    assert "nothing was saved" in reply.text
    assert await state_of(app) == {} and await rows(app) == []
    assert "already closed" in (await chat.press(yes)).text


async def test_the_households_agreement_is_kept_with_the_visit(app: App) -> None:
    await make_volunteer(app)
    clock = Clock(datetime(2026, 10, 3, 3, 0, tzinfo=UTC))
    chat = Chat(Core(app.services, clock=clock), "v1", locale="en")
    await chat.say("/visit")
    for step in [chat.tap("✓"), chat.say("Thôn 3"), chat.say("Nhà số 5"), chat.tap("1"),
                 chat.tap("payment"), chat.tap("Done"), chat.tap("Done")]:
        await step
    await chat.tap("Yes")  # they agree at 10:00
    clock.now += timedelta(minutes=7)
    await chat.tap("Skip")
    await chat.tap("Confirm")  # saved at 10:07
    row = (await rows(app))[0]
    assert row["consent_at"] == "2026-10-03T03:00:00+00:00"
    assert row["created_at"] == "2026-10-03T03:07:00+00:00"


async def test_a_volunteer_removed_mid_form_cannot_save(app: App) -> None:
    volunteer = await make_volunteer(app)
    chat = Chat(app.core, "v1", locale="en")
    await fill_form(chat)
    team = await teams.by_code(app.services.db, f"T{ANH_SON}")
    assert team is not None
    async with app.services.db.transaction() as conn:
        assert await teams.remove(conn, volunteer, team.id)
    reply = await chat.tap("Confirm")
    assert "Only volunteers" in reply.text
    assert await rows(app) == [] and await state_of(app) == {}


async def test_a_damaged_draft_is_dropped_not_crashed_on(app: App) -> None:
    volunteer = await make_volunteer(app)
    await dialogs.save_state(app.services.db, volunteer,
                             {"flow": "visit", "draft": {"token": 5, "step": []}},
                             datetime.now(UTC))
    chat = Chat(app.core, "v1", locale="en")
    assert "already closed" in (await chat.say("Thôn 3")).text
    assert "Step 1 of 8" in (await chat.say("/visit")).text
    draft = (await state_of(app))["draft"]
    assert draft["step"] == "commune" and isinstance(draft["token"], str)
