"""Deleting a household's first visit: its next visit becomes the first, so the household and
its people still count in /mystats, /teamstats and /stats; the prompt says what will happen."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import App
from bot.core.events import Reply
from bot.storage import users
from bot.storage.db import migrations
from tests.core.visits.test_visits import fill_form, make_volunteer, rows
from tests.factories import ADMIN, Chat, payload_of, running_app

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    async with running_app(tmp_path, admins=ADMIN) as opened:
        yield opened


def today_block(reply: Reply | list[Reply]) -> str:
    """The figures of today in /mystats or /teamstats."""
    texts = [reply.text] if isinstance(reply, Reply) else [r.text for r in reply]
    for paragraph in "\n\n".join(texts).split("\n\n"):
        if paragraph.startswith("📅 Today"):
            return paragraph
    raise AssertionError(f"no block for today in {texts}")


async def follow_up(chat: Chat, people: str = "2", of: int = 1) -> Reply:
    """Log the same household again, as a follow-up of visit #of; the reply to Confirm."""
    await chat.say("/visit")
    await chat.tap("✓")
    await chat.say("Thôn 3")
    assert "This household was logged" in (await chat.say("Nguyễn Văn A")).text
    await chat.tap("follow-up")
    for label in (people, "payment", "Done", "Done", "Yes", "Skip"):
        await chat.tap(label)
    assert f"A follow-up to visit #{of}" in chat.last[-1].text
    return await chat.tap("Confirm")


async def province_today(app: App) -> str:
    """The province's figures of today, as an admin's /stats shows them."""
    day = datetime.now(UTC).astimezone(TZ).date().isoformat()
    reply = await Chat(app.core, ADMIN, locale="en").say(f"/stats {day} {day}")
    return reply.text


async def test_the_next_visit_becomes_the_first_and_the_household_still_counts(app: App
                                                                               ) -> None:
    await make_volunteer(app, "v1", "Lan")
    chat = Chat(app.core, "v1", locale="en")
    await fill_form(chat, people="3")
    assert "Visit #1 saved" in (await chat.tap("Confirm")).text
    assert "Visit #2 saved" in (await follow_up(chat, "2")).text
    assert "🏠 1 household · 👥 3 people · 2 visits" in today_block(await chat.say("/mystats"))

    await chat.say("/myvisits")
    prompt = await chat.tap("Delete #1")
    assert "Delete this visit?" in prompt.text
    assert ("Visit #1 is the first to this household; its next visit (#2) will count as the "
            "first.") in prompt.text
    assert "Visit #1 deleted" in (await chat.press(payload_of("vm", "delok", 1))).text

    first, second = await rows(app)
    assert first["deleted_at"] is not None and first["follow_up_of"] is None
    assert second["deleted_at"] is None and second["follow_up_of"] is None  # now the first
    mine = today_block(await chat.say("/mystats"))
    assert "🏠 1 household · 👥 2 people · 1 visit" in mine, mine
    team = today_block(await chat.say("/teamstats"))
    assert "🏠 1 household · 👥 2 people · 1 visit" in team, team
    assert "🏠 1 household · 👥 2 people · 1 visit" in await province_today(app)

    # Deleted in turn, the last visit takes the household out of the figures.
    await chat.say("/myvisits")
    prompt = await chat.tap("Delete #2")
    assert "The household will no longer count in the figures." in prompt.text
    assert "will count as the first" not in prompt.text
    await chat.press(payload_of("vm", "delok", 2))
    assert "No visits logged." in today_block(await chat.say("/mystats"))


async def test_the_prompt_for_a_households_only_visit(app: App) -> None:
    await make_volunteer(app, "v1", "Lan")
    chat = Chat(app.core, "v1", locale="en")
    await fill_form(chat)
    await chat.tap("Confirm")
    await chat.say("/myvisits")
    prompt = await chat.tap("Delete #1")
    assert "Delete this visit? It will no longer count in the figures." in prompt.text
    assert "The household will no longer count in the figures." in prompt.text


async def test_deleting_a_follow_up_changes_no_first_visit(app: App) -> None:
    await make_volunteer(app, "v1", "Lan")
    chat = Chat(app.core, "v1", locale="en")
    await fill_form(chat, people="3")
    await chat.tap("Confirm")
    await follow_up(chat, "2")
    await chat.say("/myvisits")
    prompt = await chat.tap("Delete #2")
    assert "Delete this visit?" in prompt.text
    assert "first" not in prompt.text and "household will no longer" not in prompt.text
    await chat.press(payload_of("vm", "delok", 2))
    assert [r["follow_up_of"] for r in await rows(app)] == [None, 1]
    assert "🏠 1 household · 👥 3 people · 1 visit" in today_block(await chat.say("/mystats"))


async def test_the_prompt_in_vietnamese(app: App) -> None:
    volunteer = await make_volunteer(app, "v1", "Lan")
    chat = Chat(app.core, "v1", locale="en")
    await fill_form(chat)
    await chat.tap("Confirm")
    await follow_up(chat)
    await users.set_locale(app.services.db, volunteer, "vi")
    vi = Chat(app.core, "v1", locale="vi")
    prompt = await vi.press(payload_of("vm", "del", 1))
    assert ("Lượt #1 là lượt đầu tiên đến hộ này; lượt đến tiếp theo (#2) sẽ được tính là lượt "
            "đầu tiên.") in prompt.text
    prompt = await vi.press(payload_of("vm", "del", 2))
    assert "lượt đầu tiên" not in prompt.text


async def test_the_other_follow_ups_follow_the_new_first_visit(app: App) -> None:
    await make_volunteer(app, "v1", "Lan")
    chat = Chat(app.core, "v1", locale="en")
    await fill_form(chat, people="3")
    await chat.tap("Confirm")
    await follow_up(chat, "2")
    await follow_up(chat, "1", of=2)
    await follow_up(chat, "1", of=3)
    assert [r["follow_up_of"] for r in await rows(app)] == [None, 1, 2, 3]
    await chat.press(payload_of("vm", "delok", 3))  # a follow-up in the middle
    assert [r["follow_up_of"] for r in await rows(app)] == [None, 1, 2, 2]
    await chat.press(payload_of("vm", "delok", 1))  # the first
    # #2 is the household's first now, and #4 still a follow-up of it; nothing points at a
    # deleted visit (exports show that number).
    assert [r["follow_up_of"] for r in await rows(app)] == [None, None, 2, 2]
    assert "🏠 1 household · 👥 2 people · 2 visits" in today_block(await chat.say("/mystats"))


async def test_an_old_database_s_follow_ups_of_a_deleted_first_visit_are_mended(
        tmp_path: Path) -> None:
    database = tmp_path / "old.db"
    with closing(sqlite3.connect(database)) as conn:
        for version, _name, sql in migrations():
            if version < 10:
                conn.executescript(f"{sql}\nPRAGMA user_version = {version};")
        conn.executemany(
            "INSERT INTO visits (id, draft_id, commune_code, hamlet, household, household_key, "
            "people, follow_up_of, visited_at, created_at, updated_at, deleted_at) "
            "VALUES (?1, 'draft' || ?1, '17329', 'Thôn 3', 'A', 'k', 1, ?2, ?3, ?4, ?4, ?5)",
            [(1, None, "2026-10-01T01:00:00+00:00", "2026-10-01T01:00:00+00:00", None),
             (2, 1, "2026-10-02T01:00:00+00:00", "2026-10-02T01:00:00+00:00", None),
             (3, 1, "2026-10-03T01:00:00+00:00", "2026-10-03T01:00:00+00:00", None)])
        conn.execute("UPDATE visits SET deleted_at = '2026-10-04T00:00:00+00:00' WHERE id = 1")
        # Before v010, #3 kept pointing at the deleted #1 (v009 made #2 the first).
        assert [r[0] for r in conn.execute("SELECT follow_up_of FROM visits ORDER BY id")] == [
            None, None, 1]
        conn.commit()
    async with running_app(tmp_path, admins=ADMIN, database=database) as opened:
        found = await opened.services.db.fetchall("SELECT follow_up_of FROM visits ORDER BY id")
        assert [r[0] for r in found] == [None, None, 2]
