"""The one read each update starts with: user, dialog and team membership together."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.storage import dialogs, teams, users
from bot.storage.db import open_database
from bot.storage.dialogs import Option
from bot.storage.sessions import open_session

NOW = datetime(2026, 10, 3, 9, 0, tzinfo=UTC)


async def test_first_contact_creates_the_user_with_nothing_open(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.db")
    session = await open_session(db, "telegram", "42", "en", NOW)
    assert session.user.is_new and session.user.locale == "en"
    assert session.dialog == dialogs.Dialog() and session.membership is None
    again = await open_session(db, "telegram", "42", "vi", NOW)
    assert again.user.id == session.user.id and not again.user.is_new
    assert again.user.locale == "en"  # the language of the first contact stays
    await db.close()


async def test_the_session_matches_the_three_separate_reads(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.db")
    user = await users.touch(db, "telegram", "7", "vi", NOW)
    team = await teams.create(db, "XA01", "Tổ CNSCĐ xã Nghi Lộc", "17000", None, NOW)
    await teams.join(db, user.id, team.id, "Chị Lan", NOW)
    await dialogs.save_state(db, user.id, {"flow": "visit", "step": 2}, NOW)
    await dialogs.save_options(db, user.id, [Option("Tiếp ▶", "go:l1:0:1")], NOW)
    session = await open_session(db, "telegram", "7", "vi", NOW + timedelta(minutes=5))
    assert session.user == dataclasses.replace(user, is_new=False)
    assert session.dialog == await dialogs.load(db, user.id)
    assert session.membership == await teams.membership_of(db, user.id)
    assert session.membership is not None and session.membership.team == team
    await db.close()


async def test_a_new_day_or_an_unblocked_user_is_recorded(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.db")
    user = await users.touch(db, "telegram", "9", "vi", NOW)
    tomorrow = NOW + timedelta(days=1)
    session = await open_session(db, "telegram", "9", "vi", tomorrow)
    assert session.user == dataclasses.replace(user, is_new=False)
    seen = await db.fetchone("SELECT last_seen_at FROM users WHERE id = ?", (user.id,))
    assert seen is not None and seen[0] == tomorrow.isoformat()
    await db.execute("UPDATE users SET blocked_at = ? WHERE id = ?", (NOW.isoformat(), user.id))
    await open_session(db, "telegram", "9", "vi", tomorrow)
    blocked = await db.fetchone("SELECT blocked_at FROM users WHERE id = ?", (user.id,))
    assert blocked is not None and blocked[0] is None  # writing again unblocks broadcasts
    await db.close()
