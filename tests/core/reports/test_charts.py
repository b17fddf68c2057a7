"""Charts: the per-day series, the PNG drawn, and /chart through the core."""

from __future__ import annotations

import asyncio
import os
import tempfile
import time as clock
import warnings
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from bot.app import App, open_app
from bot.channels.base import TELEGRAM
from bot.core.context import Context
from bot.core.events import EventKind, Incoming
from bot.core.pictures import CHART_PREFIX, KEEP_FILES_FOR
from bot.core.reports import (
    ChartLabels,
    DailySeries,
    daily_series,
    days_scope,
    render,
    series,
)
from bot.core.reports import chart as chart_module
from bot.storage import teams, users
from tests.core.reports.test_reports import OCT, SEPT, SETUP, TZ, chat, local, member, two_communes
from tests.factories import ADMIN, ANH_SON, VINH, add_visit, make_config, payload_of, running_app
from tests.fakes.harness import running_bot
from tests.fakes.telegram import FakeBotApi, Upload

VIETNAMESE = ("Đi từng ngõ, gõ từng nhà, hướng dẫn từng người: ĂăÂâĐđÊêÔôƠơƯư "
              "ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ ÁÀẢÃẠ")
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    async with running_app(tmp_path, campaigns=(SEPT, OCT)) as opened:
        yield opened


def _taken(path: str) -> bytes:
    """The file's bytes; the file is removed (a test leaves no charts behind)."""
    content = Path(path).read_bytes()
    Path(path).unlink()
    return content


def _size(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        assert image.format == "PNG"
        return image.size


def test_hours_fall_on_their_local_day() -> None:
    rows = [
        ("17329", "2026-10-04T17", 2),  # 00:00 on 5 October in Vietnam
        ("17329", "2026-10-04T16", 1),  # 23:00 on 4 October
        ("16681", "2026-10-05T03", 4),
        ("16681", "2026-09-30T16", 9),  # 23:00 on 30 September: before the days
        ("16681", "2026-10-10T17", 9),  # 00:00 on 11 October: after them
        ("17464", "2026-10-06T02", 1),
    ]
    found = daily_series(rows, date(2026, 10, 1), date(2026, 10, 10), TZ, top=2)
    assert found.days[0] == date(2026, 10, 1) and len(found.days) == 10
    assert found.total == (0, 0, 0, 1, 6, 1, 0, 0, 0, 0)
    assert found.groups == (("16681", (0, 0, 0, 0, 4, 0, 0, 0, 0, 0)),
                            ("17329", (0, 0, 0, 1, 2, 0, 0, 0, 0, 0)))
    assert not found.empty
    utc = daily_series(rows, date(2026, 10, 4), date(2026, 10, 4), ZoneInfo("UTC"))
    assert utc.total == (3,) and [key for key, _ in utc.groups] == ["17329"]


def test_the_top_groups_ties_and_nothing() -> None:
    rows = [("b", "2026-10-01T03", 2), ("a", "2026-10-01T03", 2), ("c", "2026-10-01T03", 1)]
    found = daily_series(rows, date(2026, 10, 1), date(2026, 10, 1), TZ, top=2)
    assert [key for key, _ in found.groups] == ["a", "b"]  # a tie: by key, stable
    assert daily_series(rows, date(2026, 10, 1), date(2026, 10, 1), TZ, top=0).groups == ()
    assert daily_series([], date(2026, 10, 1), date(2026, 10, 3), TZ).empty


def _labels(found: DailySeries, title: str = VIETNAMESE) -> ChartLabels:
    return ChartLabels(title, "Toàn tỉnh Nghệ An", "5 xã, phường nhiều lượt nhất",
                       "Lượt đến hộ", tuple(f"{d.day}/{d.month}" for d in found.days),
                       tuple(f"Xã Quỳnh Lưu {key}" for key, _ in found.groups))


def _series(days: int = 10, groups: int = 5) -> DailySeries:
    rows = [(f"{g}", f"2026-10-{1 + d % 28:02d}T03", d * (g + 1)) for d in range(days)
            for g in range(groups)]
    return daily_series(rows, date(2026, 10, 1), date(2026, 10, days), TZ)


async def test_a_png_with_every_vietnamese_letter() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns about each glyph the font lacks
        path = Path(await render(_series(), _labels(_series())))
    assert path.parent == Path(tempfile.gettempdir())
    assert _size(path) == (990, 770)
    content = _taken(str(path))
    assert content.startswith(PNG) and 20_000 < len(content) < 500_000


async def test_charts_drawn_at_once_do_not_mix_and_old_files_go() -> None:
    old = Path(tempfile.gettempdir()) / f"{CHART_PREFIX}old.png"
    old.write_bytes(PNG)
    an_hour_ago = clock.time() - KEEP_FILES_FOR - 60
    os.utime(old, (an_hour_ago, an_hour_ago))
    shapes = [_series(1, 1), _series(31, 3), _series(10, 0)]
    paths = [Path(p) for p in await asyncio.gather(
        *(render(s, _labels(s, f"Chart {n}")) for n, s in enumerate(shapes)))]
    assert not old.exists() and len(set(paths)) == 3
    # The lower panel (communes) is drawn only when there are communes.
    assert [_size(path) for path in paths] == [(990, 770), (990, 770), (990, 506)]
    assert all(_taken(str(path)).startswith(PNG) for path in paths)


async def test_the_same_chart_is_drawn_once_and_a_changed_one_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[DailySeries] = []
    draw_png = chart_module.draw_png

    def counted(series: DailySeries, labels: ChartLabels) -> bytes:
        drawn.append(series)
        return draw_png(series, labels)

    monkeypatch.setattr(chart_module, "draw_png", counted)
    found = _series(7, 2)
    labels = _labels(found, "Kept chart")
    first, again = [_taken(await render(found, labels)) for _ in range(2)]
    assert first == again and first.startswith(PNG) and drawn == [found]
    changed = daily_series([("1", "2026-10-01T03", 1)], date(2026, 10, 1), date(2026, 10, 7), TZ)
    assert _taken(await render(changed, _labels(changed, "Kept chart"))) != first
    assert drawn == [found, changed]


async def test_the_admins_chart_matches_the_visits(app: App) -> None:
    await two_communes(app)
    admin = chat(app, ADMIN, local(10, 7))
    await admin.say("/stats")
    reply = await admin.tap("Chart")
    assert reply.image is not None and not reply.edit
    content = _taken(reply.image)
    assert content.startswith(PNG) and len(content) > 20_000
    assert reply.text == ("📈 Visits per day, Đi từng ngõ, gõ từng nhà: 7 in all (follow-ups "
                          "included).")
    assert [b.label for b in reply.options()] == ["📊 Report", "☰ Menu"]

    ctx = await _context(app, ADMIN)
    found = await series(ctx, days_scope(ctx, date(2026, 10, 1), date(2026, 10, 10)))
    # 1 to 7 October: the days to come are not drawn; the deleted visit is not there.
    assert found.days[-1] == date(2026, 10, 7)
    assert found.total == (0, 0, 2, 1, 1, 3, 0)
    assert found.groups == ((ANH_SON, (0, 0, 2, 1, 1, 0, 0)), (VINH, (0, 0, 0, 0, 0, 3, 0)))
    before = await series(ctx, days_scope(ctx, date(2026, 9, 30), date(2026, 9, 30)))
    assert before.total == (1,) and before.groups == ((VINH, (1,)),)


async def test_a_leaders_chart_is_their_team(app: App) -> None:
    await two_communes(app)
    ctx = await _context(app, "101")
    found = await series(ctx, days_scope(ctx, date(2026, 10, 1), date(2026, 10, 10)))
    assert found.total == (0, 0, 2, 1, 0, 0, 0) and found.groups == ()
    leader = chat(app, "101", local(10, 7))
    reply = await leader.press(payload_of("rch", "c1"))
    assert reply.image is not None
    assert _taken(reply.image).startswith(PNG)
    assert "3 in all" in reply.text


async def test_nothing_to_draw_and_too_many_days(app: App) -> None:
    db = app.services.db
    team = await teams.create(db, "ANHSON1", "Tổ 1", ANH_SON, None, SETUP)
    await member(app, "101", team, leader=True)
    admin = chat(app, ADMIN, local(10, 7))
    empty = await admin.say("/chart")
    assert empty.image is None
    assert empty.text == "No visits yet in Đi từng ngõ, gõ từng nhà: there is nothing to draw."
    await add_visit(db, None, team.id, local(9, 20), "ho a")
    wide = await admin.say("/chart 2025-01-01 2026-12-31")
    assert wide.image is None and "A chart can show up to 366 days" in wide.text
    day = await admin.say("/chart 20/09/2026")
    assert day.image is not None and "1 in all" in day.text
    assert _taken(day.image).startswith(PNG)
    assert "I couldn't read “anh son” as dates" in (await admin.say("/chart anh son")).text
    future = await admin.say("/chart 2026-12-01 2026-12-05")
    assert future.image is None and "there is nothing to draw" in future.text


async def _context(app: App, key: str) -> Context:
    """The context the core builds for this user, for calling report functions directly."""
    user = await users.touch(app.services.db, "telegram", key, "en", SETUP)
    membership = await teams.membership_of(app.services.db, user.id)
    event = Incoming("telegram", key, EventKind.TEXT, local(10, 7), TELEGRAM, text="/chart")
    return Context(event, user, app.services.translations.get("en"), local(10, 7), app.services,
                   membership, {})


async def test_the_chart_reaches_telegram_as_a_photo(tmp_path: Path) -> None:
    setup = await open_app(make_config(tmp_path))  # the database the bot will open
    db = setup.services.db
    team = await teams.create(db, "ANHSON1", "Tổ thôn 1", ANH_SON, None, SETUP)
    first = datetime.now(TZ).date() - timedelta(days=6)  # the bot runs on the real clock
    for day in (1, 1, 2):
        moment = datetime.combine(first + timedelta(days=day), time(10), TZ)
        await add_visit(db, None, team.id, moment.astimezone(UTC), f"ho {day}")
    await setup.close()
    before = _charts_on_disk()
    async with FakeBotApi() as api, running_bot(api, tmp_path, BOT_ADMINS="7001"):
        api.send_text(7001, f"/chart {first} {first + timedelta(days=4)}", language_code="en")
        [photo] = await api.wait_calls("sendPhoto", chat_id=7001)
        await api.wait_text(7001, "📈 Visits per day")
        upload = photo.params["photo"]
        assert isinstance(upload, Upload) and upload.data.startswith(PNG)
        assert 20_000 < upload.size < 500_000
        assert "3 in all" in api.texts_to(7001)[-1]
        api.send_text(7002, "/chart", language_code="en")  # not an admin, nor a leader
        await api.wait_text(7002, "Reports are for admins and team leaders")
        assert not [c for c in api.calls if c.method == "sendPhoto" and c.chat_id == 7002]
    for path in _charts_on_disk() - before:  # sent: the bot leaves it for the next chart to sweep
        path.unlink()


def _charts_on_disk() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob(f"{CHART_PREFIX}*.png"))
