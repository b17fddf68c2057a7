"""/visit through the real PTB Application and the fake Bot API: a visit, and a double tap."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import open_app
from bot.storage import teams, users
from tests.factories import ANH_SON, make_config
from tests.fakes.harness import data_of, running_bot, tap
from tests.fakes.telegram import FakeBotApi

USER = 6001


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


async def test_a_visit_logged_on_telegram_is_saved_once_despite_a_double_tap(
        api: FakeBotApi, tmp_path: Path) -> None:
    await _volunteer_in(tmp_path)
    async with running_bot(api, tmp_path):
        api.send_text(USER, "/visit", language_code="en")
        await api.wait_text(USER, "Step 1 of 8")
        await tap(api, USER, "✓ Xã Anh Sơn", "Step 2 of 8")
        api.send_text(USER, "thôn 3", language_code="en")
        await api.wait_text(USER, "Step 3 of 8")
        api.send_text(USER, "Nguyễn Văn A", language_code="en")
        await api.wait_text(USER, "Step 4 of 8")
        await tap(api, USER, "3", "Step 5 of 8")
        await tap(api, USER, "public services", "Step 5 of 8")
        assert any(label == "✓ 🏛 Online public services" for label, _ in api.buttons(USER))
        await tap(api, USER, "Done", "Step 6 of 8")
        await tap(api, USER, "Done", "Step 7 of 8")
        await tap(api, USER, "Yes", "Step 8 of 8")
        await tap(api, USER, "Skip", "Please check the visit")
        summary = api.texts_to(USER)[-1]
        assert "Hamlet: Thôn 3" in summary and "Household: Nguyễn Văn A" in summary
        confirm = data_of(api, USER, "Confirm")
        api.press(USER, confirm)
        api.press(USER, confirm)  # the second tap arrives before the keyboard changes
        await api.wait_idle()
        texts = api.texts_to(USER)
        assert sum("Visit #1 saved" in text for text in texts) == 1
        assert any("already saved as #1" in text for text in texts)

    check = await open_app(make_config(tmp_path))
    try:
        saved = await check.services.db.fetchall("SELECT hamlet, people FROM visits")
        assert [(row["hamlet"], row["people"]) for row in saved] == [("Thôn 3", 3)]
    finally:
        await check.close()


async def _volunteer_in(tmp_path: Path) -> None:
    """Lan, a volunteer of a team in Anh Sơn, in the database the bot will open."""
    setup = await open_app(make_config(tmp_path))
    now = datetime.now(UTC)
    user = await users.touch(setup.services.db, "telegram", str(USER), "en", now)
    team = await teams.create(setup.services.db, "NA4K7Q", "Tổ CNS thôn 3", ANH_SON, None, now)
    await teams.join(setup.services.db, user.id, team.id, "Lan", now)
    await setup.close()


async def _visit_draft(tmp_path: Path) -> dict[str, object]:
    check = await open_app(make_config(tmp_path))
    try:
        row = await check.services.db.fetchone("SELECT state FROM dialogs")
        assert row is not None
        state = json.loads(row["state"])
        return dict((state if "flow" in state else state["suspended"]["visit"])["draft"])
    finally:
        await check.close()


async def test_numbers_typed_on_telegram_never_land_in_a_form_left_for_another_screen(
        api: FakeBotApi, tmp_path: Path) -> None:
    await _volunteer_in(tmp_path)
    async with running_bot(api, tmp_path):
        api.send_text(USER, "/visit", language_code="en")
        await api.wait_text(USER, "Step 1 of 8")
        await tap(api, USER, "✓ Xã Anh Sơn", "Step 2 of 8")
        api.send_text(USER, "/mystats", language_code="en")
        await api.wait_text(USER, "📌 Visit form kept: type /visit to continue it.")
        api.send_text(USER, "1", language_code="en")  # no numbers on Telegram: not a hamlet
        await api.wait_idle()
    assert (await _visit_draft(tmp_path))["hamlet"] is None

    async with running_bot(api, tmp_path):  # a restart
        api.send_text(USER, "/visit", language_code="en")
        await api.wait_text(USER, "Visit form: you stopped before the end")
        api.send_text(USER, "Continue it", language_code="en")  # the label, typed
        await api.wait_text(USER, "Which hamlet")
        api.send_text(USER, "Thôn 3", language_code="en")
        await api.wait_text(USER, "Step 3 of 8")
        api.send_text(USER, "/visit", language_code="en")
        await api.wait_text(USER, "Visit form: you stopped before the end")
        await tap(api, USER, "Start over", "Step 1 of 8")
    draft = await _visit_draft(tmp_path)
    assert draft["hamlet"] is None and draft["household"] is None and draft["step"] == "commune"
