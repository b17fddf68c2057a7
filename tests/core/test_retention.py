"""A household's label and the note about it are kept retention.household_months (12) after
their campaign ends, or after the visit outside campaigns, then blanked (#15, item 4); the
figures do not change: households are counted by a keyed hash, not by name."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.core.jobs import blank_old_households, months_after
from bot.storage.db import Database
from tests.factories import add_visit, running_app
from tests.storage.test_summaries import tables

IN_CAMPAIGN = datetime(2026, 10, 5, 3, 0, tzinfo=UTC)  # the shipped campaign: 1-10 October
AFTER_IT = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
LONG_AGO = datetime(2025, 8, 1, 3, 0, tzinfo=UTC)


async def labels(db: Database) -> dict[int, tuple[str, str | None]]:
    rows = await db.fetchall("SELECT id, household, note FROM visits ORDER BY id")
    return {int(r[0]): (str(r[1]), r[2]) for r in rows}


async def test_labels_go_a_year_after_their_campaign_and_the_figures_stay(
        tmp_path: Path) -> None:
    async with running_app(tmp_path) as app:
        db = app.services.db
        for moment, name in ((IN_CAMPAIGN, "nguyen van a"), (AFTER_IT, "tran thi b"),
                             (LONG_AGO, "le van c")):
            number = await add_visit(db, None, None, moment, household=name)
            async with db.transaction() as conn:
                await conn.execute("UPDATE visits SET note = 'hẹn lại' WHERE id = ?",
                                   (number,))
        before = await tables(db)  # every summary: households per commune, team, hour
        assert await blank_old_households(app.services, datetime(2027, 10, 5, tzinfo=UTC)) == 1
        assert await labels(db) == {1: ("nguyen van a", "hẹn lại"),
                                    2: ("tran thi b", "hẹn lại"), 3: ("", None)}
        # The campaign ended on 10 October 2026: a year on, its labels go too.
        assert await blank_old_households(app.services, datetime(2027, 10, 12, tzinfo=UTC)) == 1
        assert (await labels(db))[1] == ("", None) and (await labels(db))[2][0] == "tran thi b"
        assert await blank_old_households(app.services, datetime(2027, 11, 21, tzinfo=UTC)) == 1
        assert await tables(db) == before


def test_months_after_keeps_the_day_within_the_month() -> None:
    assert months_after(datetime(2026, 1, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28,
                                                                         tzinfo=UTC)
    assert months_after(datetime(2027, 10, 5, tzinfo=UTC), -12) == datetime(2026, 10, 5,
                                                                           tzinfo=UTC)
    assert months_after(datetime(2026, 12, 15, tzinfo=UTC), 1) == datetime(2027, 1, 15,
                                                                          tzinfo=UTC)
