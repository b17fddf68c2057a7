"""A class across both apps (`python -m bot` with both tokens, fakes on 127.0.0.1): a teacher
creates it on Telegram, a student joins there and finishes a lesson, another joins on Zalo by
typing only; the teacher's /class, chart and spreadsheet count them; the Zalo student's
/deleteme takes her out of the figures."""

from __future__ import annotations

import re
from pathlib import Path

from bot.core.lessons import load_catalog
from tests.channels.zalo.running import both, greet, serving
from tests.factories import ROOT
from tests.fakes.harness import finish_lesson, tap
from tests.fakes.telegram import FakeBotApi
from tests.fakes.zalo import FakeZaloApi, zalo_id

CATALOG = load_catalog(ROOT / "lessons", ("vi", "en"))
TEACHER, LAN = 7301, 7302
MAI = zalo_id("class-mai")
CODE = re.compile(r"/join ([A-Z0-9]{6})")


async def say(telegram: FakeBotApi, chat: int, text: str, expect: str) -> None:
    telegram.send_text(chat, text, language_code="en")
    await telegram.wait_text(chat, expect)


async def test_a_class_on_both_apps(apis: tuple[FakeBotApi, FakeZaloApi], tmp_path: Path
                                    ) -> None:
    telegram, zalo = apis
    async with serving(both(apis, tmp_path)):
        await greet(telegram, zalo, [TEACHER, LAN], [MAI])
        for typed, expect in (("/newclass", "Which commune"),
                              ("anh son", "Type your school's full name"),
                              ("Trường THCS Anh Sơn", "Now type the class's name"),
                              ("8A", "How do you want to see your students")):
            await say(telegram, TEACHER, typed, expect)
        await tap(telegram, TEACHER, "By name", "Its code is")
        found = CODE.search(telegram.texts_to(TEACHER)[-1])
        assert found
        code = found.group(1)

        await say(telegram, LAN, f"/join {code}", "Type the name your teacher knows you by")
        await say(telegram, LAN, "Lan", "You joined class 8A")
        lesson = CATALOG.by_skill("shopping")[0]
        await say(telegram, LAN, "/menu", "Choose a skill")
        await tap(telegram, LAN, "shopping", "Choose a lesson:")
        await finish_lesson(telegram, LAN, lesson)

        zalo.send_text(MAI, f"/join {code}")
        await zalo.wait_text(MAI, "giáo viên", timeout=20)
        zalo.send_text(MAI, "Mai")
        await zalo.wait_text(MAI, "Bạn đã vào lớp 8A", timeout=20)

        await say(telegram, TEACHER, "/class", "👧 2 students")
        view = telegram.texts_to(TEACHER)[-1]
        assert "🛒 Online shopping: 1 · " in view and "1. Lan: 1 · " in view
        assert "2. Mai: 0 · 0/5" in view
        await tap(telegram, TEACHER, "Chart", "students who started and finished")
        assert any(c.method == "sendPhoto" for c in telegram.sent_to(TEACHER))
        await say(telegram, TEACHER, "/class", "👧 2 students")
        await tap(telegram, TEACHER, "Class spreadsheet", "each student's lessons")
        await telegram.wait_for(
            lambda: any(c.method == "sendDocument" for c in telegram.sent_to(TEACHER)), 10,
            "the class's spreadsheet")

        zalo.send_text(MAI, "/deleteme")
        await zalo.wait_text(MAI, "Xóa dữ liệu", timeout=20)
        zalo.send_text(MAI, "1")
        await zalo.wait_text(MAI, "đã được xóa", timeout=20)
        await say(telegram, TEACHER, "/class", "👧 1 student")
        assert "Mai" not in telegram.texts_to(TEACHER)[-1]
