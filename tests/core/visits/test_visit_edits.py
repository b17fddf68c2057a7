"""/myvisits: the last ten, edited in place within 48 hours, deleted softly, only one's own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.app import App
from bot.channels.base import TELEGRAM
from bot.core import campaigns, visits
from bot.core.context import Context
from bot.core.service import Core
from bot.core.visits import household_key
from bot.storage import dialogs, teams, users
from bot.storage import visits as visit_store
from bot.storage.visits import VisitRecord
from tests.core.visits.test_visits import fill_form, make_volunteer, rows, state_of
from tests.factories import ANH_SON, Chat, payload_of, text


async def saved_visits(app: App, volunteer: int, count: int, hamlet: str = "Thôn 1") -> None:
    """count visits of the volunteer, one hour apart, the last one now."""
    now = datetime.now(UTC)
    for n in range(count):
        when = now - timedelta(hours=count - 1 - n)
        household = f"Nhà số {n + 1}"
        key = household_key(ANH_SON, hamlet, household, app.services.household_secret)
        record = VisitRecord(ANH_SON, hamlet, household, key,
                             2, frozenset({"payment"}), frozenset(), None, None, when)
        await visit_store.save_new(app.services.db, f"draft{n}", volunteer, 1, record, when)


async def age(app: App, visit_id: int, hours: float) -> None:
    """Pretend the visit was saved that many hours ago."""
    then = (datetime.now(UTC) - timedelta(hours=hours)).isoformat()
    async with app.services.db.transaction() as conn:
        await conn.execute("UPDATE visits SET created_at = ? WHERE id = ?", (then, visit_id))


async def context_for(app: App, key: str) -> Context:
    """The context the core would build for this user's next message."""
    db = app.services.db
    user = await users.get(db, "telegram", key)
    assert user is not None
    return Context(text("", key, TELEGRAM, "en"), user, app.services.translations.get("en"),
                   datetime.now(UTC), app.services, await teams.membership_of(db, user.id),
                   (await dialogs.load(db, user.id)).state)


async def test_my_visits_lists_the_last_ten_newest_first(app: App) -> None:
    volunteer = await make_volunteer(app)
    await saved_visits(app, volunteer, 12)
    chat = Chat(app.core, "v1", locale="en")
    reply = await chat.say("/myvisits")
    lines = [line for line in reply.text.splitlines() if line.startswith("#")]
    assert len(lines) == 10
    assert lines[0].startswith("#12 · ") and lines[0].endswith("Thôn 1 · Nhà số 12 · 2 people")
    assert lines[-1].startswith("#3 · ")
    assert "✏️ Edit #12" in chat.labels() and "🗑 Delete #3" in chat.labels()


async def test_my_visits_when_there_are_none(app: App) -> None:
    await make_volunteer(app)
    reply = await Chat(app.core, "v1", locale="en").say("/myvisits")
    assert "You have not logged any visits yet" in reply.text


async def test_an_edit_within_48_hours_updates_the_visit_in_place(app: App) -> None:
    await make_volunteer(app)
    chat = Chat(app.core, "v1", locale="en")
    await fill_form(chat)
    await chat.tap("Confirm")
    (before,) = await rows(app)
    await chat.say("/myvisits")
    reply = await chat.tap("Edit #1")
    assert "Editing visit #1" in reply.text and "People guided: 3" in reply.text
    await chat.tap("Edit")
    await chat.tap("People")
    await chat.tap("5")
    await chat.tap("Edit")
    await chat.tap("Hamlet")
    reply = await chat.tap("Thôn 3")  # its own hamlet, offered as recently used
    assert "Please check the visit" in reply.text  # same household: no warning about itself
    reply = await chat.tap("Confirm")
    assert "Visit #1 updated" in reply.text
    (after,) = await rows(app)
    assert after["people"] == 5 and after["id"] == 1
    assert after["visited_at"] == before["visited_at"]  # the date was not changed
    assert after["created_at"] == before["created_at"] and after["updated_at"] > before[
        "updated_at"]


async def test_an_edit_after_48_hours_is_refused_with_the_reason(app: App) -> None:
    volunteer = await make_volunteer(app)
    await saved_visits(app, volunteer, 1)
    await age(app, 1, 49)
    chat = Chat(app.core, "v1", locale="en")
    await chat.say("/myvisits")
    assert "🔒 #1: over 48 h" in chat.labels()
    reply = await chat.tap("🔒 #1")
    assert "only within 48 hours" in reply.text
    assert await state_of(app) == {}


async def test_an_edit_confirmed_after_the_48_hours_changes_nothing(app: App) -> None:
    volunteer = await make_volunteer(app)
    await saved_visits(app, volunteer, 1)
    await age(app, 1, 47)
    chat = Chat(app.core, "v1", locale="en")
    await chat.press(payload_of("vm", "edit", 1))
    await chat.tap("Edit")
    await chat.tap("People")
    await chat.tap("4")
    later = Core(app.services, clock=lambda: datetime.now(UTC) + timedelta(hours=2))
    late = Chat(later, "v1", locale="en")
    late.last = chat.last
    reply = await late.tap("Confirm")
    assert "only within 48 hours" in reply.text and "Nothing was changed" in reply.text
    (visit,) = await rows(app)
    assert visit["people"] == 2 and await state_of(app) == {}


async def test_only_the_visits_own_volunteer_may_edit_or_delete_it(app: App) -> None:
    owner = await make_volunteer(app, "v1", "Lan")
    await make_volunteer(app, "v2", "Bình")
    await saved_visits(app, owner, 1)
    other = Chat(app.core, "v2", locale="en")
    for op in ("edit", "del", "delok"):
        reply = await other.press(payload_of("vm", op, 1))
        assert "I can't find that visit among yours" in reply.text, op
    for forged in ("vm:edit:99999", "vm:del:abc", "vm:frob:1"):
        assert (await other.press(forged)).text
    (visit,) = await rows(app)
    assert visit["deleted_at"] is None and await state_of(app, "v2") == {}


async def test_a_delete_asks_first_then_keeps_the_visit_marked_deleted(app: App) -> None:
    volunteer = await make_volunteer(app)
    await saved_visits(app, volunteer, 2)
    await age(app, 1, 100)  # deleting has no time limit
    chat = Chat(app.core, "v1", locale="en")
    await chat.say("/myvisits")
    reply = await chat.tap("Delete #1")
    assert "Delete this visit?" in reply.text and "Nhà số 1" in reply.text
    assert (await rows(app))[0]["deleted_at"] is None  # only asked
    confirm = next(b.action for b in chat.last[-1].options() if "Yes" in b.label)
    assert "Visit #1 deleted" in (await chat.press(confirm)).text
    assert "Visit #1 was deleted" in (await chat.press(confirm)).text  # a double tap
    first, second = await rows(app)
    assert first["deleted_at"] is not None and first["deleted_by"] == volunteer
    # The row stays for the record, the household named nowhere (it may have withdrawn).
    assert (first["household"], first["note"]) == ("", None)
    assert "nha so 1" not in first["household_key"]
    assert second["deleted_at"] is None and second["household"] == "Nhà số 2"
    reply = await chat.say("/myvisits")
    assert "#1 ·" not in reply.text and "#2 ·" in reply.text
    assert "was deleted" in (await chat.press(payload_of("vm", "edit", 1))).text


async def test_campaign_figures_are_frozen_before_an_edit_or_delete(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    volunteer = await make_volunteer(app)
    await saved_visits(app, volunteer, 2)
    seen: list[tuple[int, str | None]] = []

    async def record(ctx: Context) -> None:  # what the visits were when freezing was asked
        for row in await rows(app):
            seen.append((row["people"], row["deleted_at"]))

    monkeypatch.setattr(campaigns, "ensure_frozen", record)
    chat = Chat(app.core, "v1", locale="en")
    await chat.press(payload_of("vm", "edit", 2))
    await chat.tap("Edit")
    await chat.tap("People")
    await chat.tap("5")
    await chat.tap("Confirm")
    assert seen == [(2, None), (2, None)]
    await chat.press(payload_of("vm", "delok", 1))
    assert seen[2:] == [(2, None), (5, None)]
    assert [(r["people"], r["deleted_at"] is None) for r in await rows(app)] == [(2, False),
                                                                                  (5, True)]


async def test_an_edit_waits_for_an_open_form(app: App) -> None:
    volunteer = await make_volunteer(app)
    await saved_visits(app, volunteer, 1)
    chat = Chat(app.core, "v1", locale="en")
    await chat.say("/visit")
    await chat.tap("✓")
    await chat.say("Thôn 9")
    reply = await chat.press(payload_of("vm", "edit", 1))
    assert "Finish it or cancel it first" in reply.text
    reply = await chat.tap("Continue")
    assert "Step 3 of 8" in reply.text
    await chat.press(payload_of("vm", "edit", 1))
    await chat.tap("Cancel it")
    reply = await chat.press(payload_of("vm", "edit", 1))
    assert "Editing visit #1" in reply.text
    reply = await chat.tap("Cancel")
    assert "Visit #1 was not changed" in reply.text


async def test_an_edit_to_another_households_label_warns(app: App) -> None:
    volunteer = await make_volunteer(app)
    await saved_visits(app, volunteer, 2)
    chat = Chat(app.core, "v1", locale="en")
    await chat.press(payload_of("vm", "edit", 2))
    await chat.tap("Edit")
    await chat.tap("Household")
    reply = await chat.say("nhà số 1")
    assert "logged 1 time before, most recently by you" in reply.text and "#1" in reply.text
    await chat.tap("follow-up")
    reply = await chat.tap("Confirm")
    assert "Visit #2 updated" in reply.text
    assert (await rows(app))[1]["follow_up_of"] == 1


async def test_a_form_prefilled_from_a_help_request_opens_at_the_first_empty_step(app: App
                                                                                  ) -> None:
    await make_volunteer(app)
    replies = await visits.start_prefilled(await context_for(app, "v1"), ANH_SON, "thon 3",
                                           "Chị Hoa")
    assert "Step 4 of 8" in replies[-1].text
    chat = Chat(app.core, "v1", locale="en")
    chat.last = replies
    for step in [chat.tap("1"), chat.tap("payment"), chat.tap("Done"), chat.tap("Done"),
                 chat.tap("Yes"), chat.tap("Skip")]:
        await step
    assert "Hamlet: Thon 3" in chat.last[-1].text and "Household: Chị Hoa" in chat.last[-1].text
    await chat.tap("Confirm")
    (visit,) = await rows(app)
    assert visit["household"] == "Chị Hoa"


async def test_a_prefilled_form_asks_again_for_what_does_not_pass_the_checks(app: App) -> None:
    await make_volunteer(app)
    replies = await visits.start_prefilled(await context_for(app, "v1"), ANH_SON, "",
                                           "123456789")
    assert "Step 2 of 8" in replies[-1].text
    draft = (await state_of(app))["draft"]
    assert draft["commune"] == ANH_SON and draft["household"] is None
    replies = await visits.start_prefilled(await context_for(app, "v1"), "00000", "Thôn 1",
                                           "Nhà 2")
    assert "Step 1 of 8" in replies[-1].text and "was replaced" in replies[-1].text
    citizen_replies = await visits.start_prefilled(await _citizen(app), ANH_SON, "a", "b")
    assert "Only volunteers" in citizen_replies[-1].text


async def _citizen(app: App) -> Context:
    await users.touch(app.services.db, "telegram", "citizen", "en", datetime.now(UTC))
    return await context_for(app, "citizen")
