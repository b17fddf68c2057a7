"""The real PTB Application against a fake Bot API on 127.0.0.1: the citizen's journey."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.lessons.catalog import load_catalog
from tests.factories import ROOT
from tests.fakes.harness import data_of, running_bot, tap
from tests.fakes.telegram import FakeBotApi

USER = 5001
CATALOG = load_catalog(ROOT / "lessons", ("vi", "en"))


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


async def test_commands_are_registered_in_each_language(api: FakeBotApi, tmp_path: Path) -> None:
    async with running_bot(api, tmp_path):
        vi = dict(api.my_commands("vi"))
        en = dict(api.my_commands("en"))
        assert vi["continue"] == "Học tiếp bài đang dừng"
        assert en["continue"] == "Continue the lesson where you stopped"
        assert dict(api.my_commands(""))["start"] == vi["start"]  # the default is Vietnamese
        assert set(vi) == set(en) >= {"start", "help", "language", "progress", "cancel"}


async def test_the_journey_in_english_with_edits_in_place(api: FakeBotApi, tmp_path: Path
                                                          ) -> None:
    lesson = CATALOG.lessons["vneid-level2"]
    async with running_bot(api, tmp_path):
        api.send_text(USER, "/start")
        await api.wait_text(USER, "Xin chào An!")
        await tap(api, USER, "Ngôn ngữ", "Chọn ngôn ngữ")
        await tap(api, USER, "English", "Language set to English.")
        for skill_label in ["public services", "shopping", "payment", "safe online", "Other"]:
            await tap(api, USER, skill_label, "Choose a lesson:")
            await tap(api, USER, "Menu", "Choose a skill to learn:")
        await tap(api, USER, "public services", "Choose a lesson:")
        api.press(USER, data_of(api, USER, lesson.title["en"]))
        first = await api.wait_text(USER, f"Step 1 of {len(lesson.steps)}")
        assert first.method == "editMessageText"  # the lesson replaces the menu in place
        for number in range(2, len(lesson.steps) + 1):
            api.press(USER, data_of(api, USER, "Next"))
            call = await api.wait_text(USER, f"Step {number} of {len(lesson.steps)}")
            assert call.params["message_id"] == first.params["message_id"]
        await tap(api, USER, "Quiz", "Question 1 of")
        for index, question in enumerate(lesson.quiz):
            right = next(a for a in question.answers if a.correct)
            await tap(api, USER, right.text["en"], "✅ Correct!")
            if index == len(lesson.quiz) - 1:
                api.press(USER, data_of(api, USER, "Finish"))
            else:
                await tap(api, USER, "Next question", f"Question {index + 2} of")
        await api.wait_text(USER, "You finished the lesson")
        api.send_text(USER, "/progress", language_code="vi")
        report = await api.wait_text(USER, "Your progress")
        count = len(CATALOG.by_skill("public_services"))
        assert f"Online public services: 1 of {count} lesson" in report.text


async def test_non_text_messages_and_unknown_commands_are_answered(api: FakeBotApi,
                                                                   tmp_path: Path) -> None:
    async with running_bot(api, tmp_path):
        api.send_sticker(USER)  # a newcomer's first message, whatever it is: the greeting
        await api.wait_text(USER, "Xin chào")
        for send in (api.send_sticker, api.send_photo, api.send_voice):
            send(USER)
            await api.wait_text(USER, "Tôi chỉ đọc được chữ")
        api.send_text(USER, "/nonsense@fake_bot")
        await api.wait_text(USER, "Tôi không biết lệnh /nonsense@fake_bot")
        api.send_text(USER, "x" * 4096)
        await api.wait_text(USER, "Tôi chưa tìm thấy bài nào")


async def test_a_forged_button_and_a_vanished_message_are_handled(api: FakeBotApi,
                                                                  tmp_path: Path) -> None:
    async with running_bot(api, tmp_path):
        api.send_text(USER, "/start")
        await api.wait_text(USER, "Xin chào")
        api.press(USER, "go:../../admin:0:1", check=False)
        await api.wait_text(USER, "Tôi không nhận ra nút này")
        # A button on a message Telegram no longer has: the answer arrives as a new message.
        api.press(USER, "help", message_id=999_999, check=False)
        call = await api.wait_text(USER, "/continue")
        assert call.method == "sendMessage"


async def test_a_refused_reply_is_logged_and_the_user_told(api: FakeBotApi, tmp_path: Path,
                                                           caplog: pytest.LogCaptureFixture
                                                           ) -> None:
    async with running_bot(api, tmp_path):
        api.fail_next("sendMessage", 400, "Bad Request: can't parse entities")
        api.send_text(USER, "/start")
        await api.wait_text(USER, "Xin lỗi, tôi đang gặp trục trặc")
    assert "a reply was refused (Can't parse entities); an apology instead" in caplog.text


async def test_a_double_tap_moves_one_step(api: FakeBotApi, tmp_path: Path) -> None:
    async with running_bot(api, tmp_path):
        api.send_text(USER, "/start")
        await api.wait_text(USER, "Xin chào")
        await tap(api, USER, "Dịch vụ công", "Chọn một bài học")
        await tap(api, USER, "VNeID", "Bước 1/")
        next_data = data_of(api, USER, "Tiếp")
        api.press(USER, next_data)
        api.press(USER, next_data)
        await api.wait_idle()
        api.send_text(USER, "/continue")
        await api.wait_text(USER, "Bước 2/")
        assert not any("Bước 3/" in text for text in api.texts_to(USER))
