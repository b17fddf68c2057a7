"""Acceptance: `python -m bot` on Telegram, killed with kill -9 mid-lesson, resumes exactly."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.core.lessons.catalog import load_catalog
from tests.factories import FAST_USERS, ROOT, TOKEN
from tests.fakes.harness import finish_lesson, tap
from tests.fakes.telegram import FakeBotApi

USER = 7001
CATALOG = load_catalog(ROOT / "lessons", ("vi", "en"))


@asynccontextmanager
async def bot_process(api: FakeBotApi, database: Path, **extra: str
                      ) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python -m bot` with a token (and extra environment), pointed at the fake API; killed
    with SIGKILL at the end."""
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.base_url,
           "TELEGRAM_CHAT_RATE": FAST_USERS,
           "BOT_DATABASE": str(database), **extra}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()  # SIGKILL: no cleanup runs, as in a crash
            await process.wait()


async def test_kill_9_mid_lesson_then_continue(tmp_path: Path) -> None:
    finished = CATALOG.by_skill("shopping")[0]
    database = tmp_path / "bot.db"
    async with FakeBotApi() as api:
        async with bot_process(api, database):
            api.send_text(USER, "/start")
            await api.wait_text(USER, "Xin chào", timeout=30)
            await tap(api, USER, "Ngôn ngữ", "Chọn ngôn ngữ")
            await tap(api, USER, "English", "Language set to English")
            await tap(api, USER, "shopping", "Choose a lesson:")
            await finish_lesson(api, USER, finished)
            api.send_text(USER, "/progress")
            await api.wait_text(USER, f"✓ {finished.title['en']}", timeout=20)
            # Another lesson, stopped at step 3 when the process dies.
            api.send_text(USER, "/menu")
            await api.wait_text(USER, "Choose a skill", timeout=20)
            await tap(api, USER, "payment", "Choose a lesson:")
            await tap(api, USER, CATALOG.by_skill("payment")[0].title["en"], "Step 1 of")
            await tap(api, USER, "Next", "Step 2 of")
            await tap(api, USER, "Next", "Step 3 of")
            await api.wait_idle()
        # The process was killed with SIGKILL; a new one starts on the same database.
        async with bot_process(api, database):
            api.send_text(USER, "/continue")
            resumed = await api.wait_text(USER, "Step 3 of", timeout=30)
            assert CATALOG.by_skill("payment")[0].title["en"] in resumed.text
            api.send_text(USER, "/progress")
            report = await api.wait_text(USER, "Your progress", timeout=20)
            assert f"✓ {finished.title['en']}" in report.text
