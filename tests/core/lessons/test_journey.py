"""The citizen's journey through the core, on a real database."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

import pytest

from bot.app import App, open_app
from bot.channels.base import TEXT_ONLY
from bot.config import Config
from bot.core.events import EventKind, Incoming
from bot.core.lessons import load_catalog
from bot.core.lessons.journey import feedback, own_verdict
from bot.core.shared.skills import SKILLS
from bot.core.shared.text import fold
from bot.i18n import Translations
from tests.factories import ROOT, Chat, payload_of

LESSON = "vneid-level2"


async def walk_to_quiz(chat: Chat, lesson_id: str, app: App) -> None:
    """Open a lesson and press Next until its first question."""
    await chat.press(payload_of("open", lesson_id))
    for _ in app.services.catalog.lessons[lesson_id].steps:
        await chat.tap("▶")


async def answer_all(chat: Chat, lesson_id: str, app: App) -> None:
    """Answer each question correctly and go on to the end."""
    lesson = app.services.catalog.lessons[lesson_id]
    for index, question in enumerate(lesson.quiz):
        right = next(i for i, a in enumerate(question.answers) if a.correct)
        reply = await chat.press(payload_of("ans", lesson_id, index, right))
        assert reply.text.count("✅") == 1
        await chat.tap("✔" if index == len(lesson.quiz) - 1 else "▶")


async def test_start_greets_and_shows_the_main_menu(app: App) -> None:
    chat = Chat(app.core)
    reply = await chat.say("/start")
    assert "Xin chào" in reply.text
    assert "không bao giờ hỏi số căn cước" in reply.text  # what is (not) stored, and why
    labels = chat.labels()
    assert len(labels) == 9
    assert labels[0] == "🏛 Dịch vụ công trực tuyến"
    assert any("Học tiếp" in x for x in labels) and any("Tiến độ" in x for x in labels)


async def test_english_from_the_language_hint_and_vietnamese_when_unknown(app: App) -> None:
    assert "Hello" in (await Chat(app.core, "en-user", locale="en-GB").say("/start")).text
    assert "Xin chào" in (await Chat(app.core, "xx-user", locale="fr").say("/start")).text
    assert "Xin chào" in (await Chat(app.core, "none-user", locale=None).say("/start")).text


async def test_language_switch_is_stored(app: App) -> None:
    chat = Chat(app.core)
    await chat.say("/language")
    reply = await chat.tap("English")
    assert "Language set to English" in reply.text
    assert "Online public services" in chat.labels()[0]
    assert "Hello" in (await chat.say("/start")).text  # the hint (vi) no longer decides


async def test_a_lesson_from_first_step_to_completion(app: App) -> None:
    chat = Chat(app.core)
    await chat.say("/start")
    reply = await chat.tap("Dịch vụ công")
    count = len(app.services.catalog.by_skill("public_services"))
    assert f"0/{count}" in reply.text
    reply = await chat.tap("VNeID")
    steps = len(app.services.catalog.lessons[LESSON].steps)
    assert f"Bước 1/{steps}" in reply.text
    assert reply.edit is True  # pressed: the lesson message is replaced in place
    reply = await chat.tap("Tiếp")
    assert f"Bước 2/{steps}" in reply.text
    reply = await chat.tap("Quay lại")
    assert f"Bước 1/{steps}" in reply.text
    for _ in range(steps - 1):
        await chat.tap("Tiếp")
    reply = await chat.tap("Làm bài kiểm tra")
    assert "Câu hỏi 1/" in reply.text
    await answer_all(chat, LESSON, app)
    assert "Bạn đã học xong bài" in chat.last[-1].text
    reply = await chat.say("/progress")
    assert f"Dịch vụ công trực tuyến: 1/{count} bài" in reply.text
    assert "Số kỹ năng đã thành thạo: 0/5." in reply.text or count == 1


async def test_finishing_every_lesson_of_a_skill_masters_it(app: App) -> None:
    chat = Chat(app.core)
    lessons = app.services.catalog.by_skill("payment")
    for lesson in lessons:
        await walk_to_quiz(chat, lesson.id, app)
        await answer_all(chat, lesson.id, app)
    assert "Bạn đã thành thạo kỹ năng: 💳 Thanh toán trực tuyến" in chat.last[-1].text
    reply = await chat.say("/progress")
    assert f"Thanh toán trực tuyến: {len(lessons)}/{len(lessons)} bài · đã thành thạo ✓" \
        in reply.text
    assert "Số kỹ năng đã thành thạo: 1/5." in reply.text


async def test_a_wrong_answer_explains_and_offers_another_try(app: App) -> None:
    chat = Chat(app.core)
    await walk_to_quiz(chat, LESSON, app)
    question = app.services.catalog.lessons[LESSON].quiz[0]
    wrong = next(i for i, a in enumerate(question.answers) if not a.correct)
    reply = await chat.press(payload_of("ans", LESSON, 0, wrong))
    assert "❌ Chưa đúng." in reply.text
    assert own_verdict(question.answers[wrong].explanation["vi"])[1] in reply.text
    reply = await chat.tap("Thử lại")
    assert "Câu hỏi 1/" in reply.text


async def test_quiz_feedback_says_the_verdict_once(app: App) -> None:
    for locale, right_verdict, wrong_verdict in (("vi", "✅ Đúng rồi!", "❌ Chưa đúng."),
                                                 ("en", "✅ Correct!", "❌ Not quite.")):
        chat = Chat(app.core, user=f"quiz-{locale}", locale=locale)
        await walk_to_quiz(chat, LESSON, app)
        question = app.services.catalog.lessons[LESSON].quiz[0]
        wrong = next(i for i, a in enumerate(question.answers) if not a.correct)
        right = next(i for i, a in enumerate(question.answers) if a.correct)
        text = (await chat.press(payload_of("ans", LESSON, 0, wrong))).text
        body = own_verdict(question.answers[wrong].explanation[locale])[1]
        assert f"{wrong_verdict} {body}" in text
        assert "Sai." not in text and "Wrong." not in text
        await chat.tap("↻")
        text = (await chat.press(payload_of("ans", LESSON, 0, right))).text
        body = own_verdict(question.answers[right].explanation[locale])[1]
        assert f"{right_verdict} {body}" in text
        assert "Đúng rồi! Đúng" not in text and "Correct! Right" not in text


# Words that say right or wrong, folded, as a sentence or clause of their own ("Đúng, vì …"):
# none may follow the bot's own verdict.
VERDICT_WORDS = re.compile(r"^(dung|dung roi|sai|sai roi|chua dung|right|wrong|correct|incorrect|"
                           r"not quite|true|false|yes|no)\s*[.!,:;]")


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_no_quiz_explanation_in_the_catalog_doubles_the_verdict(locale: str) -> None:
    catalog = load_catalog(ROOT / "lessons", ("vi", "en"))
    t = Translations(("vi", "en"), "vi").get(locale)
    verdicts = {True: t._("✅ Correct!"), False: t._("❌ Not quite.")}
    checked = 0
    for lesson in catalog.lessons.values():
        for number, question in enumerate(lesson.quiz, 1):
            for answer in question.answers:
                shown = feedback(t, answer.correct, answer.explanation[locale])
                verdict = verdicts[answer.correct]
                assert shown.startswith(verdict), shown
                rest = shown[len(verdict):].strip()
                where = f"{lesson.id} question {number} ({locale}): {shown[:80]!r}"
                assert not VERDICT_WORDS.match(fold(rest)), where
                assert own_verdict(rest)[0] == "", where  # no second verdict left behind
                checked += 1
    assert checked >= 100


def test_an_explanation_without_its_own_verdict_is_kept_whole() -> None:
    t = Translations(("vi", "en"), "vi").get("en")
    assert feedback(t, False, "No need for all that travel. The linked package does it.") \
        == "❌ Not quite. No need for all that travel. The linked package does it."
    assert feedback(t, True, "Right!") == "✅ Correct!"
    assert feedback(t, True, "Right. 1800 6838 is free.") == "✅ Correct! 1800 6838 is free."
    assert feedback(t, False, "Under Decree 13, consent comes first.") \
        == "❌ Not quite. Under Decree 13, consent comes first."


async def test_mastering_all_five_skills_is_congratulated(app: App) -> None:
    chat = Chat(app.core)
    for lesson_id, lesson in app.services.catalog.lessons.items():
        if lesson.skill not in SKILLS:
            continue
        await walk_to_quiz(chat, lesson_id, app)
        await answer_all(chat, lesson_id, app)
    assert "đã thành thạo 5 kỹ năng số cơ bản" in chat.last[-1].text
    assert "đã thành thạo 5 kỹ năng số cơ bản" in (await chat.say("/progress")).text


async def test_continue_resumes_the_exact_step_after_a_restart(config: Config) -> None:
    first = await open_app(config)
    chat = Chat(first.core)
    await chat.press(payload_of("open", LESSON))
    await chat.tap("Tiếp")
    await chat.tap("Tiếp")
    await first.close()

    second = await open_app(config)  # a new process would do exactly this
    try:
        reply = await Chat(second.core).say("/continue")
        assert "Bước 3/" in reply.text
    finally:
        await second.close()


async def test_continue_with_nothing_started_suggests_a_lesson(app: App) -> None:
    chat = Chat(app.core)
    reply = await chat.say("/continue")
    assert "chưa có bài nào đang học dở" in reply.text
    assert any("VNeID" in label for label in chat.labels())


async def test_a_double_tap_moves_once(app: App) -> None:
    chat = Chat(app.core)
    await chat.press(payload_of("open", LESSON))
    first = await chat.press(payload_of("go", LESSON, 0, 1))
    again = await chat.press(payload_of("go", LESSON, 0, 1))
    assert "Bước 2/" in first.text and "Bước 2/" in again.text
    assert "tin nhắn cũ" not in again.text


async def test_a_button_from_an_old_message_says_so_and_moves_nothing(app: App) -> None:
    chat = Chat(app.core)
    await chat.press(payload_of("open", LESSON))
    for position in range(3):
        await chat.press(payload_of("go", LESSON, position, position + 1))
    reply = await chat.press(payload_of("go", LESSON, 1, 0))  # Back, from step 2's old message
    assert "Nút này thuộc một tin nhắn cũ" in reply.text
    assert "Bước 4/" in reply.text
    assert "Bước 4/" in (await chat.say("/continue")).text


async def test_forged_and_unknown_payloads_get_the_menu(app: App) -> None:
    chat = Chat(app.core)
    await chat.press(payload_of("open", LESSON))
    for payload in ["", "hack", "go:vneid-level2:0:9", "go:../../etc:0:1", "ans:x:1",
                    "go:vneid-level2:0:1:extra", "x" * 300, "open:DROP TABLE"]:
        reply = await chat.press(payload)
        assert reply.text, payload
    assert "Bước 1/" in (await chat.say("/continue")).text  # nothing moved


async def test_jumping_ahead_or_skipping_the_quiz_is_refused(app: App) -> None:
    chat = Chat(app.core)
    await chat.press(payload_of("open", LESSON))
    reply = await chat.press(payload_of("go", LESSON, 0, 5))
    assert "Bước 1/" in reply.text
    steps = len(app.services.catalog.lessons[LESSON].steps)
    await walk_to_quiz(chat, LESSON, app)
    reply = await chat.press(payload_of("go", LESSON, steps, steps + 1))  # no answer yet
    assert "Câu hỏi 1/" in reply.text


async def test_an_unknown_lesson_id_gets_a_clear_answer(app: App) -> None:
    reply = await Chat(app.core).press(payload_of("open", "no-such-lesson"))
    assert "không còn nữa" in reply.text


async def test_bad_text_input_gets_clear_answers(app: App) -> None:
    chat = Chat(app.core)
    await chat.say("/start")  # a newcomer's first message, whatever it is, is greeted
    assert "quá dài" in (await chat.say("a" * 5000)).text
    assert "trống" in (await chat.say("   \u200b ")).text
    assert "Tôi không biết lệnh /frobnicate" in (await chat.say("/frobnicate")).text
    assert "Xin chào" in (await chat.say("xin chào bot")).text
    assert "chưa tìm thấy bài nào về “zzqx”" in (await chat.say("zzqx")).text


async def test_one_option_asks_for_1_not_a_range_from_1_to_1(app: App) -> None:
    chat = Chat(app.core, caps=TEXT_ONLY)
    await chat.say("/help")
    assert len(chat.labels()) == 1  # only ☰ Menu, numbered 0
    reply = await chat.say("2")
    assert reply.text == "Bạn hãy gõ 0, số đang hiện."
    assert "từ 1 đến 1" not in reply.text
    english = Chat(app.core, user="2", locale="en", caps=TEXT_ONLY)
    await english.say("/privacy")
    assert [key for key, _ in english.last[-1].keyed_options()] == ["1", "0"]
    assert (await english.say("3")).text == "Please type 1 to choose the option shown."
    await english.say("/start")
    shown = len(english.labels())
    assert shown > 1
    assert (await english.say("99")).text == f"Please type a number from 1 to {shown}."


async def test_decomposed_vietnamese_selects_the_same_option(app: App) -> None:
    chat = Chat(app.core)
    await chat.say("/start")
    typed = unicodedata.normalize("NFD", "Dịch vụ công trực tuyến")
    reply = await chat.say(typed)
    assert "Chọn một bài học" in reply.text
    reply = await chat.say("menu")  # the label of "☰ Menu", typed
    assert "Chọn kỹ năng" in reply.text


async def test_unsupported_content_is_answered_without_losing_the_options(app: App) -> None:
    chat = Chat(app.core, caps=TEXT_ONLY)
    await chat.say("/start")
    sticker = Incoming("telegram", "1", EventKind.UNSUPPORTED, datetime.now(UTC), TEXT_ONLY,
                       locale_hint="vi")
    (reply,) = await app.core.handle(sticker)
    assert "chỉ đọc được chữ" in reply.text
    assert "Chọn một bài học" in (await chat.say("1")).text  # option 1 still stands
