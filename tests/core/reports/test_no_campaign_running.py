"""No campaign running (the sample one ended): a visit logged today is in every report, which
defaults to the last 30 days and says so in one line, with how to ask for other days."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import App
from bot.config import Campaign
from bot.core.events import Reply
from bot.core.service import Core
from bot.storage import teams, users
from tests.factories import ADMIN, ANH_SON, Chat, Clock, add_visit, running_app

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OCT = Campaign("oct", "Đi từng ngõ, gõ từng nhà", date(2026, 10, 1), date(2026, 10, 10), 50)
TODAY = datetime(2026, 12, 5, 10, 0, tzinfo=TZ).astimezone(UTC)  # after every campaign
SETUP = datetime(2026, 9, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    async with running_app(tmp_path, campaigns=(OCT,)) as opened:
        yield opened


def chat(app: App, key: str, locale: str = "en") -> Chat:
    return Chat(Core(app.services, clock=Clock(TODAY)), user=key, locale=locale)


def text_of(replies: list[Reply]) -> str:
    return "\n\n".join(r.text for r in replies)


async def send(who: Chat, command: str) -> list[Reply]:
    await who.say(command)
    return who.last


async def log_a_visit_today(app: App, locale: str = "en") -> None:
    """A leader and a volunteer of one team; the volunteer logs a visit through the form."""
    db = app.services.db
    team = await teams.create(db, "ANHSON1", "Tổ thôn 1", ANH_SON, None, SETUP)
    for key, name in (("101", "Lan"), ("102", "Hoa")):
        user = await users.touch(db, "telegram", key, locale, SETUP)
        volunteer_id = user.id
        await teams.join(db, user.id, team.id, name, SETUP)
        if key == "101":
            await teams.set_role(db, user.id, team.id, teams.LEADER)
    volunteer = chat(app, "102")  # the form in English: the visit is the same in any language
    if locale == "en":
        for step in (volunteer.say("/visit"), volunteer.tap("✓"), volunteer.say("Thôn 3"),
                     volunteer.say("Nguyễn Văn A"), volunteer.tap("3"),
                     volunteer.tap("public services"), volunteer.tap("Done"),
                     volunteer.tap("Done"), volunteer.tap("Yes"), volunteer.tap("Skip")):
            await step
        assert (await volunteer.tap("Confirm")).text.startswith("✅ Visit #1 saved")
    else:
        await add_visit(db, volunteer_id, team.id, TODAY, "Nguyễn Văn A", 3)


async def test_todays_visit_is_in_every_report_when_no_campaign_runs(app: App) -> None:
    await log_a_visit_today(app)
    volunteer, leader, admin = chat(app, "102"), chat(app, "101"), chat(app, ADMIN)

    for who, command in ((volunteer, "/mystats"), (volunteer, "/teamstats")):
        text = text_of(await send(who, command))
        recent = next(b for b in text.split("\n\n") if b.startswith("🗓 Last 30 days"))
        assert recent.startswith("🗓 Last 30 days, Nov 6, 2026 – Dec 5, 2026"), recent
        assert "No campaign is running, so the last 30 days are shown instead." in recent
        assert "🏠 1 household · 👥 3 people · 1 visit" in recent, command
        assert "ended, figures frozen" in text  # the sample campaign's result stays in view

    for who in (admin, leader):  # the province's report, the team's
        text = text_of(await send(who, "/stats"))
        assert "📅 Nov 6, 2026 – Dec 5, 2026" in text
        assert ("No campaign is running, so this shows the last 30 days. For other days, type "
                "/stats 2026-10-01 2026-10-10. For an ended campaign, press “Other campaigns”."
                ) in text
        assert "🏠 1 household · 👥 3 people · 1 visit" in text
    # The ended campaign's frozen figures, when asked for.
    await admin.tap("Other campaigns")
    await admin.tap("Đi từng ngõ")
    assert "ended, figures frozen" in text_of(admin.last) and "No visits logged." in \
        text_of(admin.last)

    (drawn,) = await send(admin, "/chart")
    assert drawn.image is not None
    assert drawn.text.startswith("📈 Visits per day, Nov 6, 2026 – Dec 5, 2026: 1 in all")
    assert "type /chart 2026-10-01 2026-10-10." in drawn.text
    assert "Other campaigns" not in drawn.text  # no such button under a chart

    board = text_of(await send(admin, "/leaderboard"))
    assert "type /leaderboard 2026-10-01 2026-10-10" in board
    assert "Rule: households helped in these days" in board
    assert "1. Tổ thôn 1 · Xã Anh Sơn: 🏠 1" in board and "1. Hoa · Tổ thôn 1" in board
    board = text_of(await send(leader, "/leaderboard"))
    assert "1. Tổ thôn 1: 🏠 1 ← your team" in board


async def test_the_line_in_vietnamese(app: App) -> None:
    await log_a_visit_today(app, "vi")
    admin = chat(app, ADMIN, "vi")
    text = text_of(await send(admin, "/stats"))
    assert ("Không có đợt nào đang chạy, nên đây là 30 ngày gần nhất. Muốn xem ngày khác, gõ "
            "/stats 2026-10-01 2026-10-10. Muốn xem một đợt đã kết thúc, bấm “Đợt khác”.") in text
    (drawn,) = await send(admin, "/chart")
    assert "Muốn xem ngày khác, gõ /chart 2026-10-01 2026-10-10." in drawn.text
    mine = text_of(await send(chat(app, "102", "vi"), "/mystats"))
    assert "🗓 30 ngày gần nhất, 6/11/2026 – 5/12/2026" in mine
    assert "Không có đợt nào đang chạy, nên số liệu là của 30 ngày gần nhất." in mine
