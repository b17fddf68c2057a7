"""Issue #13's scenarios on Telegram (the real PTB Application, the fake Bot API), typed as
people type them: a wrong phone number then "bo qua", and a household's first visit deleted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import open_app
from bot.storage import teams, users
from tests.factories import ANH_SON, make_config
from tests.fakes.harness import running_bot, tap
from tests.fakes.telegram import FakeBotApi

CITIZEN, VOLUNTEER = 6101, 6102


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


async def say(api: FakeBotApi, chat: int, text: str, expect: str) -> None:
    api.send_text(chat, text, language_code="en")
    await api.wait_text(chat, expect)


async def test_skip_typed_after_a_wrong_phone_number(api: FakeBotApi, tmp_path: Path) -> None:
    async with running_bot(api, tmp_path):
        await say(api, CITIZEN, "/helpme", "I can ask a volunteer")
        await tap(api, CITIZEN, "Yes", "What is your first name")
        await say(api, CITIZEN, "Lan", "Which commune")
        await say(api, CITIZEN, "anh son", "Which hamlet")
        await say(api, CITIZEN, "Xóm 3", "A phone number lets the volunteer call you")
        await say(api, CITIZEN, "12345", "mobile number")
        assert any("Skip" in label for label, _ in api.buttons(CITIZEN))  # still offered
        await say(api, CITIZEN, "bo qua", "Please check your request")


async def test_a_household_still_counts_when_its_first_visit_is_deleted(
        api: FakeBotApi, tmp_path: Path) -> None:
    setup = await open_app(make_config(tmp_path))
    now = datetime.now(UTC)
    user = await users.touch(setup.services.db, "telegram", str(VOLUNTEER), "en", now)
    team = await teams.create(setup.services.db, "NA4K7Q", "Tổ CNS thôn 3", ANH_SON, None, now)
    await teams.join(setup.services.db, user.id, team.id, "Lan", now)
    await setup.close()
    async with running_bot(api, tmp_path):
        for number, people in ((1, "3"), (2, "2")):
            await say(api, VOLUNTEER, "/visit", "Step 1 of 8")
            await tap(api, VOLUNTEER, "✓ Xã Anh Sơn", "Step 2 of 8")
            await say(api, VOLUNTEER, "Thôn 3", "Step 3 of 8")
            if number == 1:
                await say(api, VOLUNTEER, "Nguyễn Văn A", "Step 4 of 8")
            else:
                await say(api, VOLUNTEER, "Nguyễn Văn A", "This household was logged")
                await tap(api, VOLUNTEER, "follow-up", "Step 4 of 8")
            await say(api, VOLUNTEER, people, "Step 5 of 8")  # the number typed
            await tap(api, VOLUNTEER, "public services", "Step 5 of 8")
            await tap(api, VOLUNTEER, "Done", "Step 6 of 8")
            await tap(api, VOLUNTEER, "Done", "Step 7 of 8")
            await tap(api, VOLUNTEER, "Yes", "Step 8 of 8")
            await say(api, VOLUNTEER, "bo qua", "Please check the visit")
            await tap(api, VOLUNTEER, "Confirm", f"Visit #{number} saved")
        await say(api, VOLUNTEER, "/myvisits", "Your last visits")
        await tap(api, VOLUNTEER, "Delete #1", "its next visit (#2) will count as the first")
        await tap(api, VOLUNTEER, "Yes, delete it", "Visit #1 deleted")
        await say(api, VOLUNTEER, "/teamstats", "🏠 1 household · 👥 2 people · 1 visit")
