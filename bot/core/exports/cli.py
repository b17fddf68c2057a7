"""python -m bot export --from 2026-10-01 --to 2026-10-10 --out report.xlsx [--csv DIR]."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Config
from bot.core.exports import run as report
from bot.core.exports.tables import Setting
from bot.core.lessons import CatalogError, load_catalog
from bot.core.shared.communes import Communes
from bot.core.shared.dates import DateRangeError, DayRange, Problem, checked, parse_day
from bot.core.shared.messages import clip
from bot.i18n import MissingCatalogError, Translations
from bot.storage import audit as audit_store
from bot.storage.db import DatabaseError, open_database

OK, NOTHING, USAGE = 0, 1, 2  # exit codes: written; nothing to export; bad input or failure


def run_export(config: Config, first: str, last: str, out: Path | None, csv_dir: Path | None,
               locale: str | None) -> int:
    """Export the period to the files asked for; print what was written; return the exit code."""
    if out is None and csv_dir is None:
        return _fail("Say where to write: --out FILE.xlsx, --csv DIR, or both.")
    if out is not None and out.suffix.lower() != ".xlsx":
        return _fail(f"--out {out}: the workbook's name must end in .xlsx "
                     "(use --csv DIR for CSV files).")
    try:
        period = checked(parse_day(first), parse_day(last))
    except DateRangeError as exc:
        if exc.problem is Problem.END_BEFORE_START:
            return _fail(f"--to {last} is before --from {first}.")
        return _fail(f"'{clip(exc.text)}' is not a date: write 2026-10-01 or 01/10/2026.")
    locale = locale or config.default_locale
    if locale not in config.locales:
        return _fail(f"--locale {locale}: choose one of {', '.join(config.locales)}.")
    try:
        catalog = load_catalog(config.lessons_dir, config.locales)
        setting = Setting(Translations(config.locales, config.default_locale).get(locale),
                          config.timezone, Communes(config.province_code),
                          report.skill_lessons(catalog), report.lesson_domains(catalog))
        return asyncio.run(_run(config, setting, period, out, csv_dir))
    except (CatalogError, MissingCatalogError, DatabaseError) as exc:
        return _fail(f"Cannot export: {exc}")
    except OSError as exc:
        return _fail(f"Cannot write the export: {exc}")


async def _run(config: Config, setting: Setting, period: DayRange, out: Path | None,
               csv_dir: Path | None) -> int:
    db = await open_database(config.database)
    try:
        if not await report.has_data(db, setting, period):
            print(f"Nothing to export: no visits and no lessons completed from "
                  f"{period.first} to {period.last}. No file was written.", file=sys.stderr)
            return NOTHING
        written = await report.write_export(db, setting, period, out, csv_dir)
        async with db.transaction() as conn:
            counts = written.counts
            classes = {"classes": counts.classes} if counts.classes else {}
            await audit_store.record(conn, None, "export", audit_store.detail(
                "export", via="command line", first=period.first.isoformat(),
                last=period.last.isoformat(), visits=counts.visits, teams=counts.teams,
                learners=counts.learners, **classes), datetime.now(UTC))
    finally:
        await db.close()
    print(f"Exported {period.first} to {period.last}: {written.counts.describe()}.")
    for path in written.files:
        print(f"  {path}")
    return OK


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return USAGE
