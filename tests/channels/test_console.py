"""The terminal chat, by transcript: numbered options, typed numbers and labels."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO, cast

from bot.app import App, open_app
from bot.channels.console import SEPARATOR, run_console, run_terminal
from bot.config import Config
from bot.storage import help_requests, teams, users
from tests.factories import ANH_SON, ROOT


async def transcript(app: App, lines: list[str], user: str = "local",
                     name: str | None = None) -> list[str]:
    """Run the console on typed lines; return each reply block."""
    stdin = io.StringIO("".join(f"{line}\n" for line in lines))
    stdout = io.StringIO()
    await run_console(app.core, user, "vi", stdin, stdout, name)
    blocks = stdout.getvalue().split(f"\n{SEPARATOR}\n")
    return [block.removeprefix("> ").strip() for block in blocks if block.strip("> \n")]


async def test_a_lesson_by_numbers_and_labels(app: App) -> None:
    steps = len(app.services.catalog.lessons["vneid-level2"].steps)
    blocks = await transcript(app, ["1", "1", "tiep", "Quay lại", "1", "/progress"])
    greeting, skill, step1, step2, back, forward, report = blocks
    assert greeting.startswith("Xin chào!")
    assert "1. 🏛 Dịch vụ công trực tuyến" in greeting and "9. ❓ Trợ giúp" in greeting
    count = len(app.services.catalog.by_skill("public_services"))
    assert f"Đã học xong 0/{count} bài." in skill and "1. VNeID" in skill
    assert f"Bước 1/{steps}" in step1 and "1. Tiếp ▶" in step1
    # Navigation has the same numbers on every screen: 9 goes back, 0 to the menu.
    assert "9. ◀ Danh sách bài" in step1 and step1.endswith("0. ☰ Menu")
    assert "9. ◀ Quay lại" in step2
    assert f"Bước 2/{steps}" in step2  # "tiep" typed without accents
    assert f"Bước 1/{steps}" in back  # the label typed in full
    assert f"Bước 2/{steps}" in forward  # the number typed
    assert "Tiến độ học của bạn" in report


async def test_a_number_out_of_range_is_explained(app: App) -> None:
    blocks = await transcript(app, ["42"])
    assert blocks[-1] == "Bạn hãy gõ một số từ 1 đến 9."


async def test_the_whole_journey_in_english(app: App) -> None:
    lesson = app.services.catalog.by_skill("shopping")[0]
    lines = ["/language", "English", "2", "1"] + ["1"] * len(lesson.steps)
    for question in lesson.quiz:
        right = next(i for i, a in enumerate(question.answers, 1) if a.correct)
        lines += [str(right), "1"]  # the answer, then "Next question ▶" / "Finish ✔"
    lines.append("/progress")
    blocks = await transcript(app, lines)
    assert "Language set to English." in blocks[2]
    assert "You finished the lesson" in blocks[-2]
    count = len(app.services.catalog.by_skill("shopping"))
    assert f"Online shopping: 1 of {count} lesson" in blocks[-1]
    assert f"✓ {lesson.title['en']}" in blocks[-1]


def test_python_m_bot_without_a_token_chats_in_the_terminal(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "BOT_DATABASE": str(tmp_path / "bot.db"), "LANG": "C.UTF-8",
           "PYTHONIOENCODING": "utf-8"}
    result = subprocess.run([sys.executable, "-m", "bot"], input="1\n/quit\n", cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    first_line, _, rest = result.stdout.partition("\n")
    assert "No TELEGRAM_BOT_TOKEN or ZALO_BOT_TOKEN set" in first_line
    assert "Xin chào!" in rest and "Chọn một bài học" in rest
    assert (tmp_path / "bot.db").exists()


class _WaitingInput:
    """Terminal input that ends (Ctrl-D) once the overdue help request was escalated."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.escalated = False

    def readline(self) -> str:
        deadline = time.monotonic() + 10
        while not self.escalated and time.monotonic() < deadline:
            with sqlite3.connect(self.database) as conn:
                row = conn.execute("SELECT escalated_at FROM help_requests").fetchone()
            self.escalated = row is not None and row[0] is not None
            time.sleep(0.02)
        return ""


async def test_the_terminal_runs_the_application_s_jobs(config: Config) -> None:
    # Escalating help requests (like the purge, freezing and scheduled broadcasts) belongs to
    # the application, not to Telegram: chatting in the terminal runs it too.
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    app = await open_app(config)
    try:
        citizen = await users.touch(app.services.db, "console", "7", "vi", two_days_ago)
        async with app.services.db.transaction() as conn:
            await help_requests.insert(conn, citizen.id, "Lan", "17329", "Xóm 3", None, None,
                                       two_days_ago)
    finally:
        await app.close()
    stdin, stdout = _WaitingInput(config.database), io.StringIO()
    await run_terminal(config, "local", "vi", cast(TextIO, stdin), stdout)
    assert stdin.escalated
    assert "Xin chào!" in stdout.getvalue()


async def test_the_greeting_is_shown_once_when_the_first_line_is_start(app: App) -> None:
    # The terminal opens with the greeting, as Telegram's Start button does; a newcomer who
    # types /start first has pressed that button already and does not get the screen twice.
    blocks = await transcript(app, ["/start", "2"])
    assert [b.startswith("Xin chào") for b in blocks] == [True, False]
    assert "Mua sắm trực tuyến" in blocks[1]  # the greeting's options still answer numbers
    later = await transcript(app, ["/progress", "/start"])
    assert [b.startswith("Xin chào") for b in later] == [True, False, True]


def test_python_m_bot_greets_once_for_a_piped_start(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "BOT_DATABASE": str(tmp_path / "bot.db"), "LANG": "C.UTF-8",
           "PYTHONIOENCODING": "utf-8"}
    result = subprocess.run([sys.executable, "-m", "bot", "--name", "Lan"], input="/start\n",
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("Xin chào") == 1 and "Xin chào Lan!" in result.stdout


async def test_the_terminal_user_s_name_reaches_the_team(app: App) -> None:
    db = app.services.db
    team = await teams.create(db, "NA4K7Q", "Tổ CNS thôn 3", ANH_SON, None, datetime.now(UTC))
    greeting, joined = await transcript(app, ["/join NA4K7Q"], name="  Lan  ")
    assert greeting.startswith("Xin chào Lan!")
    assert "Tên “Lan” của bạn" in joined and "(chưa có tên)" not in joined
    [member] = await teams.members(db, team.id)
    assert member.display_name == "Lan"


async def _terminal_volunteer(app: App) -> None:
    db = app.services.db
    await teams.create(db, "NA4K7Q", "Tổ CNS thôn 3", ANH_SON, None, datetime.now(UTC))
    await transcript(app, ["/join NA4K7Q"])


async def test_a_number_typed_after_mystats_answers_mystats_not_the_form(app: App) -> None:
    await _terminal_volunteer(app)
    blocks = await transcript(app, ["/visit", "1", "/mystats", "1", "/visit", "1"])
    figures, team, offer, back = blocks[-4:]
    assert figures.startswith("📌 Biểu mẫu lượt đến hộ đã được giữ lại: gõ /visit để làm tiếp.")
    assert "1. 👥 Số liệu của tổ" in figures
    assert "Tổ “Tổ CNS thôn 3”" in team
    assert "1. ▶ Tiếp tục" in offer and "2. 🔄 Làm lại từ đầu" in offer
    assert "Bước 2/8" in back and "[◀ Quay lại]" in back  # the hamlet, still unanswered


async def test_after_a_restart_continue_and_start_over_are_answered_by_number(
        config: Config) -> None:
    first = await open_app(config)
    try:
        await _terminal_volunteer(first)
        await transcript(first, ["/visit", "1", "Thôn 3"])
    finally:
        await first.close()
    second = await open_app(config)
    try:
        offer, household = (await transcript(second, ["/visit", "1"]))[-2:]
        assert "1. ▶ Tiếp tục" in offer
        assert "Bước 3/8" in household  # the household question, as before the restart
        restarted = (await transcript(second, ["/visit", "2"]))[-1]
        assert "Bước 1/8" in restarted
        rows = await second.services.db.fetchall("SELECT state FROM dialogs")
        assert all("Thôn 3" not in row["state"] and '"2"' not in row["state"] for row in rows)
    finally:
        await second.close()


async def test_skip_typed_after_a_wrong_phone_number_skips_it(app: App) -> None:
    blocks = await transcript(app, ["/helpme", "1", "Lan", "anh son", "Xóm 3", "12345",
                                    "bo qua"])
    wrong, skipped = blocks[-2:]
    assert "[⏭ Bỏ qua]" in wrong
    assert "Bạn kiểm tra lại yêu cầu" in skipped


async def test_a_household_still_counts_after_its_first_visit_is_deleted(app: App) -> None:
    await _terminal_volunteer(app)
    visit = ["/visit", "1", "Thôn 3", "Nguyễn Văn A"]
    details = ["1", "xong", "xong", "1", "bo qua", "1"]  # a skill, Done, Done, Yes, Skip, Confirm
    lines = [*visit, "3", *details, *visit, "1", "2", *details,  # "1": log as a follow-up
             "/myvisits", "Xóa #1", "1", "/teamstats"]
    blocks = await transcript(app, lines)
    asked, deleted, team = blocks[-3:]
    assert "lượt đến tiếp theo (#2) sẽ được tính là lượt đầu tiên" in asked, asked
    assert deleted.startswith("Đã xóa lượt đến hộ #1."), deleted
    today = team.split("\n\n")[1]
    assert "🏠 1 hộ · 👥 2 người · 1 lượt đến" in today, team


async def test_a_class_made_and_joined_in_the_terminal_in_vietnamese(app: App) -> None:
    made = await transcript(app, ["/newclass", "anh son", "Trường THCS Anh Sơn", "8A", "1"],
                            user="teacher")
    assert "Trường của bạn ở xã, phường nào?" in made[1]  # after the greeting
    assert "1. 👤 Theo tên" in made[4] and "2. 🔢 Theo số" in made[4]
    code = made[-1].split("/join ")[1].split()[0]
    joined = await transcript(app, [f"/join {code}", "Lan", "/class"], user="student")
    assert "giáo viên của bạn sẽ thấy" in joined[1] and "chỉ cần tên" in joined[1]
    assert "Bạn đã vào lớp 8A" in joined[2] and "“Lan”" in joined[2]
    assert "1. 🚪 Rời lớp" in joined[3]
    seen = await transcript(app, ["/class"], user="teacher")
    assert "👧 1 học sinh" in seen[-1] and "1. Lan: 0 · 0/5" in seen[-1]
    assert "1. 📈" in seen[-1]  # the teacher's choices are numbered to type
