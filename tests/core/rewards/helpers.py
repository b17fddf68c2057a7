"""A small province for the reward shortlist's tests: three teams in two communes, their
volunteers, visits during the campaign and around it, and an approved good practice."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.app import App
from bot.config import Campaign
from bot.storage import practices as practice_store
from bot.storage import teams, users
from bot.storage.practices import APPROVED, Content
from bot.storage.teams import Team
from tests.factories import ANH_SON, VINH, add_visit

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SETUP = datetime(2026, 8, 1, 3, 0, tzinfo=UTC)
SEPT = Campaign("sep", "Tháng Chín số", date(2026, 9, 1), date(2026, 9, 10), None)
OCT = Campaign("oct", "Đi từng ngõ, gõ từng nhà", date(2026, 10, 1), date(2026, 10, 10), 50)
PRACTICE = "Dạy VNeID ở chợ phiên"


def local(month: int, day: int, hour: int = 10) -> datetime:
    """A moment of 2026 in Vietnam, as an aware UTC datetime."""
    return datetime(2026, month, day, hour, tzinfo=TZ).astimezone(UTC)


NOW = local(10, 7)  # day 7 of the October campaign


@dataclass(frozen=True)
class Province:
    """The ids the tests act on."""

    a1: Team
    a2: Team
    v1: Team
    lan: int
    hoa: int
    minh: int
    son: int


async def member(app: App, key: str, team: Team, name: str, leader: bool = False) -> int:
    """A user who joined team; their user id."""
    db = app.services.db
    user = await users.touch(db, "telegram", key, "en", SETUP)
    await teams.join(db, user.id, team.id, name, SETUP)
    if leader:
        await teams.set_role(db, user.id, team.id, teams.LEADER)
    return user.id


async def province(app: App) -> Province:
    """Three teams, four volunteers, visits in October and around it."""
    db = app.services.db
    a1 = await teams.create(db, "ANHSON1", "Tổ thôn 1", ANH_SON, None, SETUP)
    a2 = await teams.create(db, "ANHSON2", "Tổ thôn 2", ANH_SON, None, SETUP)
    v1 = await teams.create(db, "VINH1", "Tổ Vinh", VINH, None, SETUP)
    lan = await member(app, "101", a1, "Lan", leader=True)
    hoa = await member(app, "102", a1, "Hoa")
    minh = await member(app, "103", a2, "Minh")
    son = await member(app, "104", v1, "Sơn")
    first = await add_visit(db, lan, a1.id, local(10, 3), "ho a", 3)
    await add_visit(db, lan, a1.id, local(10, 3), "ho a", 5, follow_up_of=first)
    await add_visit(db, hoa, a1.id, local(10, 4), "ho b", 2)
    await add_visit(db, hoa, a1.id, local(10, 4), "ho c", 2)
    await add_visit(db, hoa, a1.id, local(10, 4), "ho x", 9, deleted=True)
    await add_visit(db, minh, a2.id, local(10, 5), "ho d", 4)
    for i in range(3):
        await add_visit(db, son, v1.id, local(10, 6), f"ho v{i}", 1, commune=VINH)
    await add_visit(db, son, v1.id, local(9, 30, 23), "ho before", 7, commune=VINH)
    return Province(a1, a2, v1, lan, hoa, minh, son)


async def approved_practice(app: App, writer: int, reviewer: int, title: str = PRACTICE,
                            at: datetime = NOW) -> int:
    """A good practice written by writer and approved by reviewer at a moment; its number."""
    content = Content(ANH_SON, title, "Đặt bàn ở chợ phiên.", "40 người dùng được VNeID.", None,
                      None, f" {title.lower()} ")
    async with app.services.db.transaction() as conn:
        number = await practice_store.insert(conn, writer, content, at)
        assert number is not None
        assert await practice_store.decide(conn, number, APPROVED, reviewer, None, at)
    return number


_BOARD_LINE = re.compile(r"^\d+\. (.+?) · .*: 🏠 (\d+)$")
_LIST_LINE = re.compile(r"^(\d+)\. (.+?) · .*: 🏠 (\d+), rank (\d+)")


def board_figures(text: str) -> dict[str, int]:
    """Households by name, as /leaderboard shows them."""
    return {m.group(1): int(m.group(2)) for line in text.splitlines()
            if (m := _BOARD_LINE.match(line))}


def list_figures(text: str) -> dict[str, tuple[str, int, int]]:
    """(number to type, households, rank) by name, as /shortlist shows its candidates."""
    return {m.group(2): (m.group(1), int(m.group(3)), int(m.group(4)))
            for line in text.splitlines() if (m := _LIST_LINE.match(line))}
