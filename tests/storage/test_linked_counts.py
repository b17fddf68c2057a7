"""Linked accounts (/link) are one person in every figure that counts people: users of the bot
and the new ones, learners, the volunteers' ranking of an ended campaign; /privacy names each
account once, with its own number. On the real SQLite database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import App
from bot.channels.base import TELEGRAM, ZALO
from bot.config import Campaign
from bot.core.events import EventKind, Incoming
from bot.core.service import Core
from bot.storage import campaigns as campaign_store
from bot.storage import links, reports, teams, users
from bot.storage.db import Database
from bot.storage.links import Linked
from bot.storage.reports import Span
from tests.factories import ADMIN, ANH_SON, Chat, Clock, add_visit, running_app
from tests.fakes.zalo import zalo_id

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OCT = Campaign("oct", "Đi từng ngõ, gõ từng nhà", date(2026, 10, 1), date(2026, 10, 10), 50)
# October's local days as UTC bounds, as reports read them.
START = datetime(2026, 10, 1, tzinfo=TZ).astimezone(UTC).isoformat()
END = datetime(2026, 10, 11, tzinfo=TZ).astimezone(UTC).isoformat()


def local(month: int, day: int, hour: int = 10) -> datetime:
    """A moment of 2026 in Vietnam, as an aware UTC datetime."""
    return datetime(2026, month, day, hour, tzinfo=TZ).astimezone(UTC)


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    async with running_app(tmp_path, campaigns=(OCT,)) as opened:
        yield opened


async def account(db: Database, channel: str, key: str, created: datetime) -> int:
    """A user of a channel who first wrote at created; their id."""
    return (await users.touch(db, channel, key, "en", created)).id


async def link(db: Database, typed_on: int, shown_on: int) -> None:
    """/link on shown_on gave a code, typed on typed_on: it acts as shown_on from now on."""
    await links.new_code(db, shown_on, "123456", datetime.now(UTC) + timedelta(minutes=10))
    assert await links.link(db, typed_on, shown_on, "123456") is Linked.LINKED


async def test_linked_accounts_are_one_user_of_the_bot(app: App) -> None:
    db = app.services.db
    telegram = await account(db, "telegram", "501", local(9, 1))
    zalo = await account(db, "zalo", zalo_id("501"), local(10, 3))
    await account(db, "telegram", "502", local(10, 4))  # someone else, new in October
    assert await reports.people(db, START, END) == reports.People(3, 2)
    await link(db, zalo, telegram)
    # The person came in September (on Telegram): one user, not new in October.
    assert await reports.people(db, START, END) == reports.People(2, 1)
    assert await reports.people(db, "", "9999") == reports.People(2, 2)  # all time: people


async def test_a_person_is_new_when_their_first_account_was_created(app: App) -> None:
    db = app.services.db
    # Came on Zalo in September, on Telegram in October, linked the Telegram account to Zalo's.
    old_zalo = await account(db, "zalo", zalo_id("a"), local(9, 1))
    new_telegram = await account(db, "telegram", "601", local(10, 2))
    await link(db, new_telegram, old_zalo)
    # Came on Zalo in October, then on Telegram in November, linked Zalo to Telegram.
    october_zalo = await account(db, "zalo", zalo_id("b"), local(10, 5))
    november_telegram = await account(db, "telegram", "602", local(11, 2))
    await link(db, october_zalo, november_telegram)
    # Came on Telegram in September, on Zalo in October, linked Telegram to Zalo.
    september_telegram = await account(db, "telegram", "603", local(9, 3))
    october_zalo_2 = await account(db, "zalo", zalo_id("c"), local(10, 6))
    await link(db, september_telegram, october_zalo_2)
    # Three people; only the second came in October.
    assert await reports.people(db, START, END) == reports.People(3, 1)
    november = local(11, 1, 0).isoformat(), local(12, 1, 0).isoformat()
    assert await reports.people(db, *november) == reports.People(3, 0)


async def test_stats_count_a_linked_person_once(app: App) -> None:
    db = app.services.db
    telegram = await account(db, "telegram", "501", local(8, 1))
    zalo = await account(db, "zalo", zalo_id("501"), local(10, 2))
    lessons = list(app.services.catalog.lessons)
    for user_id, lesson, day in ((telegram, lessons[0], 2), (zalo, lessons[1], 3)):
        async with db.transaction() as conn:
            stamp = local(10, day).isoformat()
            await conn.execute(
                "INSERT INTO lesson_progress (user_id, lesson_id, position, status, started_at, "
                "updated_at, completed_at) VALUES (?, ?, 9, 'done', ?, ?, ?)",
                (user_id, lesson, stamp, stamp, stamp))
    await link(db, zalo, telegram)
    admin = Chat(Core(app.services, clock=Clock(local(10, 7))), ADMIN, "en")
    await admin.say("/stats")
    learning = next(block for reply in admin.last for block in reply.text.split("\n\n")
                    if block.startswith("📚 Learning")).splitlines()
    # The admin (new today) and the person on two apps (since August).
    assert learning[1] == "👤 2 users of the bot · 1 new in this period"
    assert learning[2] == "📘 2 lessons completed · by 1 person"


async def test_an_ended_campaigns_ranking_lists_a_linked_volunteer_once(app: App) -> None:
    db = app.services.db
    team = await teams.create(db, "ANHSON1", "Tổ thôn 1", ANH_SON, None, local(9, 1))
    telegram = await account(db, "telegram", "701", local(9, 1))
    zalo = await account(db, "zalo", zalo_id("701"), local(9, 1))
    await teams.join(db, telegram, team.id, "Lan", local(9, 1))
    await add_visit(db, telegram, team.id, local(10, 2), "ho a")
    await add_visit(db, telegram, team.id, local(10, 3), "ho b")
    await add_visit(db, zalo, team.id, local(10, 4), "ho c")  # before the accounts were linked
    await campaign_store.freeze(db, [campaign_store.Due("oct", START, END)], local(10, 12))
    frozen = Span(START, END, "oct")
    assert len(await reports.volunteers(db, frozen)) == 2  # summed while still two accounts
    await link(db, zalo, telegram)
    ranked = await reports.named(db, await reports.volunteers(db, frozen))
    assert [(r.user_id, r.households, r.name) for r in ranked] == [(telegram, 3, "Lan")]


def privacy_event(channel: str, key: str) -> Incoming:
    caps = ZALO if channel == "zalo" else TELEGRAM
    return Incoming(channel, key, EventKind.TEXT, local(10, 7), caps, text="/privacy",
                    event_id=f"{channel}-{key}", message_id=f"{channel}-{key}")


async def test_privacy_names_each_account_with_its_own_number(app: App) -> None:
    db = app.services.db
    telegram = await account(db, "telegram", "801", local(9, 1))
    zalo = await account(db, "zalo", zalo_id("801"), local(9, 2))
    await link(db, zalo, telegram)
    core = Core(app.services, clock=Clock(local(10, 7)))
    line = "• your {} account number ({}), so I can answer you;"
    on_zalo = (await core.handle(privacy_event("zalo", zalo_id("801"))))[0].text.splitlines()
    assert on_zalo[1:3] == [line.format("Zalo", zalo_id("801")), line.format("Telegram", "801")]
    on_telegram = (await core.handle(privacy_event("telegram", "801")))[0].text.splitlines()
    assert on_telegram[1:3] == [line.format("Telegram", "801"),
                                line.format("Zalo", zalo_id("801"))]
    await account(db, "telegram", "802", local(9, 1))  # an account linked to none
    alone = (await core.handle(privacy_event("telegram", "802")))[0].text.splitlines()
    assert alone[1] == line.format("Telegram", "802") and "account number" not in alone[2]


async def test_a_link_and_its_audit_entry_are_written_together_or_not_at_all(app: App) -> None:
    db = app.services.db
    shown_on = await account(db, "telegram", "601", local(10, 1))
    typed_on = await account(db, "zalo", zalo_id("601"), local(10, 2))
    third = await account(db, "zalo", zalo_id("602"), local(10, 2))
    await links.new_code(db, shown_on, "654321", local(10, 2) + timedelta(minutes=10))
    assert await links.link(db, typed_on, shown_on, "654321", typed_on,
                            local(10, 2)) is Linked.LINKED
    assert await links.link(db, typed_on, third, "654321", typed_on,
                            local(10, 2)) is Linked.ALREADY
    rows = await db.fetchall("SELECT actor_id, action, detail FROM audit_log")
    assert [(r[0], r[1]) for r in rows] == [(typed_on, "link")]  # the refused one left none
    assert str(shown_on) in rows[0][2]
