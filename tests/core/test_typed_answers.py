"""One rule for typed input (text-only chats): a typed number or word answers the screen shown
last, and an open form is never fed an answer meant for another screen."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app import App, open_app
from bot.channels.base import TEXT_ONLY, render_text
from bot.config import Config
from bot.core.events import Button, Reply
from bot.core.service import _fit
from bot.storage import teams, users
from tests.core.visits.test_visits import make_volunteer, state_of
from tests.factories import ADMIN, Chat, running_app


def visit_draft(state: dict[str, Any]) -> dict[str, Any]:
    """The visit draft, open or kept aside."""
    if state.get("flow") == "visit":
        return dict(state["draft"])
    return dict(state["suspended"]["visit"]["draft"])


async def at_hamlet_step(app: App, key: str = "v1") -> Chat:
    """A volunteer (English, text only) whose visit form waits for the hamlet."""
    await make_volunteer(app, key)
    chat = Chat(app.core, key, "en", TEXT_ONLY)
    await chat.say("/visit")
    reply = await chat.say("1")  # the commune, chosen by its number
    assert "Step 2 of 8" in reply.text
    return chat


async def test_a_number_typed_after_another_command_answers_that_command(app: App) -> None:
    chat = await at_hamlet_step(app)
    figures = await chat.say("/mystats")
    assert figures.text.startswith("📌 Visit form kept: type /visit to continue it.")
    team = await chat.say("1")  # "1. 👥 My team's figures"
    assert "Team “Tổ công nghệ số”" in team.text
    draft = visit_draft(await state_of(app))
    assert draft["hamlet"] is None and draft["step"] == "hamlet"
    assert "flow" not in await state_of(app)  # kept aside, not open: text goes nowhere near it
    await chat.say("Thôn 3")  # not an answer to the form any more: a lesson search
    assert visit_draft(await state_of(app))["hamlet"] is None


async def test_help_and_menu_in_a_form_keep_it_and_say_how_to_come_back(app: App) -> None:
    chat = await at_hamlet_step(app)
    shown = await chat.say("/help")
    assert shown.text.startswith("📌 Visit form kept")
    assert "Please type 0" in (await chat.say("1")).text  # /help shows only 0. Menu
    await chat.say("/visit")
    assert "Step 2 of 8" in (await chat.tap("Continue")).text
    menu = await chat.say("menu")  # the word, with no Menu button in the form
    assert menu.text.startswith("📌 Visit form kept") and "Choose a skill" in menu.text
    await chat.say("/visit")
    await chat.say("1")  # Continue, by its number
    menu = await chat.say("0")  # 0 is the menu everywhere, even where a hamlet is asked
    assert menu.text.startswith("📌 Visit form kept") and "Choose a skill" in menu.text
    assert visit_draft(await state_of(app))["hamlet"] is None


async def test_the_continue_or_start_over_choice_is_answered_by_that_choice_only(
        config: Config) -> None:
    first = await open_app(config)
    chat = await at_hamlet_step(first)
    await first.close()
    second = await open_app(config)  # a restart, as after a crash or a deploy
    try:
        chat = Chat(second.core, "v1", "en", TEXT_ONLY)
        offer = await chat.say("/visit")
        assert "1. ▶ Continue it" in _rendered(offer) and "2. 🔄 Start over" in _rendered(offer)
        back_in = await chat.say("1")
        assert "Step 2 of 8" in back_in.text
        draft = visit_draft(await state_of(second))
        assert draft["hamlet"] is None and draft["step"] == "hamlet"
        await chat.say("Thôn 3")
        assert "Step 3 of 8" in chat.last[-1].text
        await chat.say("/visit")
        restarted = await chat.say("2")  # Start over, at the household step
        assert "Step 1 of 8" in restarted.text
        draft = visit_draft(await state_of(second))
        assert draft["household"] is None and draft["hamlet"] is None
        assert draft["step"] == "commune"
    finally:
        await second.close()


async def test_an_admins_number_after_team_never_becomes_the_broadcast_text(
        tmp_path: Path) -> None:
    async with running_app(tmp_path) as app:
        await _admin_leaves_the_broadcast_form_for_a_team(app)


async def _admin_leaves_the_broadcast_form_for_a_team(app: App) -> None:
    admin = Chat(app.core, ADMIN, "en", TEXT_ONLY)
    await admin.say("/start")
    db = app.services.db
    user = await users.get(db, "telegram", ADMIN)
    assert user is not None
    team = await teams.create(db, "NA4K7Q", "Tổ CNS thôn 3", "17329", user.id, datetime.now(UTC))
    await admin.say("/broadcast")
    await admin.say("Họp tổ lúc 8 giờ")
    await admin.say("1")  # Everyone
    english = await admin.say("/team NA4K7Q")
    assert english.text.startswith("📌 Broadcast form kept")
    await admin.say("1")
    state = await state_of(app, ADMIN)
    assert state["suspended"]["broadcast"]["text_en"] is None
    await admin.say("/broadcast")
    await admin.say("1")  # Continue
    assert "English version" in admin.last[-1].text
    assert team.join_code == "NA4K7Q"


async def test_cancel_drops_the_form_kept_last(app: App) -> None:
    chat = await at_hamlet_step(app)
    await chat.say("/progress")
    cancelled = await chat.say("/cancel")
    assert "The visit you were logging was not saved." in cancelled.text
    assert await state_of(app) == {}
    assert "Step 1 of 8" in (await chat.say("/visit")).text  # no offer: nothing kept


async def test_a_second_form_keeps_the_first_and_both_come_back(app: App) -> None:
    chat = await at_hamlet_step(app)
    await chat.say("Thôn 3")
    asked = await chat.say("/helpme")
    assert asked.text.startswith("📌 Visit form kept") and "I can ask a volunteer" in asked.text
    await chat.say("1")  # Yes, I agree
    await chat.say("Lan")
    state = await state_of(app)
    assert state["flow"] == "helpme" and state["name"] == "Lan"
    back = await chat.say("/visit")
    assert back.text.startswith("📌 Help request form kept: type /helpme to continue it.")
    assert "Visit form: you stopped before the end" in back.text
    visit = await chat.say("1")
    assert visit.text.startswith("Step 3 of 8")
    await chat.say("Nguyễn Văn A")
    state = await state_of(app)
    assert visit_draft(state)["household"] == "Nguyễn Văn A"
    assert state["suspended"]["helpme"]["name"] == "Lan"


async def test_a_kept_forms_own_button_brings_it_back(app: App) -> None:
    await make_volunteer(app)
    chat = Chat(app.core, "v1", "en")  # Telegram: an old message's button is still there
    await chat.say("/visit")
    commune = next(b.action for b in chat.last[-1].options() if "Xã Anh Sơn" in b.label)
    await chat.say("/progress")
    reply = await chat.press(commune)
    assert "Step 2 of 8" in reply.text
    assert (await state_of(app))["flow"] == "visit"


async def test_navigation_has_fixed_numbers_and_words_in_both_languages(app: App) -> None:
    chat = await at_hamlet_step(app)
    back = await chat.say("quay lai")  # the Vietnamese word in the English form
    assert "Step 1 of 8" in back.text
    await chat.say("1")
    assert "Step 1 of 8" in (await chat.say("Back")).text
    assert "Cancelled" in (await chat.say("huy")).text
    learner = Chat(app.core, "l1", "vi", TEXT_ONLY)
    await learner.say("/start")
    await learner.say("1")
    step = await learner.say("1")
    assert "9. ◀ Danh sách bài" in _rendered(step) and "0. ☰ Menu" in _rendered(step)
    assert "Chọn một bài học" in (await learner.say("9")).text
    await learner.say("1")
    assert "Bước 2/" in (await learner.say("1")).text
    assert "Bước 1/" in (await learner.say("9")).text
    assert "Chọn kỹ năng" in (await learner.say("0")).text


async def test_a_number_on_a_typed_question_is_its_answer(app: App) -> None:
    chat = await at_hamlet_step(app)
    await chat.say("Thôn 3")
    await chat.say("9")  # house number 9, not Back
    assert visit_draft(await state_of(app))["household"] == "9"
    people = await chat.say("7")
    assert "Step 5 of 8" in people.text and visit_draft(await state_of(app))["people"] == 7


def _rendered(reply: Reply) -> str:
    return render_text(reply)


async def test_a_yes_no_question_left_for_another_screen_is_closed_saying_so(app: App) -> None:
    chat = Chat(app.core, "c1", "en", TEXT_ONLY)
    asked = await chat.say("/deleteme")
    assert "1. 🗑 Yes, delete" in _rendered(asked)
    progress = await chat.say("/progress")
    assert progress.text.startswith("All right: nothing was deleted.")
    assert "Yes, delete" not in _rendered(await chat.say("1"))  # "1" answers /progress now
    assert await state_of(app, "c1") == {}


async def test_a_screen_without_options_leaves_nothing_to_choose_by_number(app: App) -> None:
    await make_volunteer(app)
    chat = Chat(app.core, "v1", "en", TEXT_ONLY)
    listed = await chat.say("/visit")
    assert "1. ✓ Xã Anh Sơn" in _rendered(listed)
    plain = await chat.say("/join NOPE99")  # a screen with no options
    assert not plain.buttons
    await chat.say("1")  # the commune list is no longer on screen: not a choice of commune
    assert visit_draft(await state_of(app))["commune"] is None


def test_a_reply_too_long_for_the_channel_is_split_at_paragraphs_buttons_last() -> None:
    text = "\n\n".join(f"Đoạn {n}: " + "chữ " * 40 for n in range(30))
    parts = _fit(Reply(text, ((Button("Tiếp", "go"),),), image="a.png"), 500)
    assert len(parts) > 1 and all(len(p.text) <= 500 for p in parts)
    assert "\n\n".join(p.text for p in parts) == text  # nothing lost or cut
    assert parts[0].image == "a.png" and not parts[0].buttons
    assert parts[-1].buttons and parts[-1].image is None
    assert all(not p.buttons for p in parts[:-1])


async def test_a_newcomers_first_message_is_greeted_whatever_it_says(app: App) -> None:
    chat = Chat(app.core, "n1", "vi", TEXT_ONLY)
    first = await chat.say("kich hoat vneid")
    assert first.text.startswith("Xin chào!") and "1. 🏛 Dịch vụ công trực tuyến" in _rendered(
        first)
    second = await chat.say("kich hoat vneid")  # from then on, answered as usual
    assert "Các bài có thể giúp bạn về “kich hoat vneid”" in second.text
    commanded = Chat(app.core, "n2", "en", TEXT_ONLY)
    assert "Your progress" in (await commanded.say("/progress")).text  # a command runs
