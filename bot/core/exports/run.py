"""Running an export: the period's three tables (and the classes as they are now, when a school
has one), read in batches, written off the event loop.

Rows come from SQLite a batch at a time (a short query each, so other users' statements run
between them); each batch is turned into cells and written to the workbook and the CSV files
in a worker thread while the next batch is read. The files are built in a private temporary
directory and moved into place only when complete; they are 0600 and the folders made for them
0700 (files.py), as they hold personal data.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import TypeVar

from bot.core.campaigns import days_bounds
from bot.core.exports.csvfile import CsvWriter
from bot.core.exports.files import make_private_dirs, move_into_place
from bot.core.exports.table import Row
from bot.core.exports.tables import (
    Setting,
    Table,
    class_row,
    classes_table,
    learner_row,
    learners_table,
    team_row,
    teams_table,
    visit_row,
    visits_table,
)
from bot.core.exports.xlsx import Sheet, XlsxWriter
from bot.core.lessons import Catalog
from bot.core.schools import count
from bot.core.shared.dates import DayRange
from bot.core.shared.skills import SKILLS
from bot.storage import exports as export_store
from bot.storage.db import Database
from bot.storage.exports import ClassRecord

# Files sent in the chat wait here until the channel has sent them; older ones are removed.
EXPORT_DIR = Path(tempfile.gettempdir()) / "cnscd-exports"
KEEP_FOR = timedelta(hours=1)

T = TypeVar("T")


@dataclass(frozen=True)
class Counts:
    """Rows written per table."""

    visits: int
    teams: int
    learners: int
    classes: int = 0  # 0 also when no school has a class (then the sheet is left out)

    def describe(self) -> str:
        """The counts for the audit log (no personal data)."""
        text = f"{self.visits} visits, {self.teams} teams, {self.learners} learners"
        return f"{text}, {self.classes} classes" if self.classes else text


@dataclass(frozen=True)
class Written:
    """What an export wrote: its counts, the workbook (if asked for) and the CSV files."""

    counts: Counts
    workbook: Path | None
    csv_files: tuple[Path, ...]

    @property
    def files(self) -> tuple[Path, ...]:
        """Every file written, the workbook first."""
        return ((self.workbook,) if self.workbook else ()) + self.csv_files


def skill_lessons(catalog: Catalog) -> Mapping[str, frozenset[str]]:
    """Each of the five skills and the ids of its lessons."""
    return {skill: frozenset(x.id for x in catalog.by_skill(skill)) for skill in SKILLS}


def lesson_domains(catalog: Catalog) -> Mapping[str, str]:
    """Each lesson's domain of the learners' digital competence framework."""
    return {lesson.id: lesson.domain for lesson in catalog.lessons.values()}


def bounds(setting: Setting, period: DayRange) -> tuple[str, str]:
    """The period's local days as UTC ISO bounds [start, end)."""
    return days_bounds(period.first, period.last, setting.tz)


async def has_data(db: Database, setting: Setting, period: DayRange) -> bool:
    """True when the period has a visit or a completed lesson to export."""
    return await export_store.has_activity(db, *bounds(setting, period))


async def write_export(db: Database, setting: Setting, period: DayRange,
                       workbook: Path | None, csv_dir: Path | None) -> Written:
    """Write the workbook to workbook and the CSV files into csv_dir (either may be None)."""
    start, end = bounds(setting, period)
    work = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="cnscd-export-"))
    book = XlsxWriter(work) if workbook else None
    csvs: list[CsvWriter] = []

    async def table(spec: Table, records: AsyncIterator[list[T]], to_row: Callable[[T], Row]
                    ) -> int:
        sheet = book.add_sheet(spec.title, spec.columns) if book else None
        out = None
        if csv_dir is not None:
            out = CsvWriter(work / f"{spec.name}_{period.label()}.csv", spec.columns)
            csvs.append(out)
        count = await _pump(records, partial(_write, to_row, sheet, out))
        if out is not None:
            out.close()
        return count

    try:
        counts = Counts(
            await table(visits_table(setting.t), export_store.visits(db, start, end),
                        partial(visit_row, setting)),
            await table(teams_table(setting.t), export_store.teams(db, start, end),
                        partial(team_row, setting)),
            await table(learners_table(setting.t), export_store.learners(db, start, end),
                        partial(learner_row, setting, start)),
            # The classes as they are now (the period does not apply), when there are any.
            await table(classes_table(setting.t), export_store.classes(db),
                        partial(_class_cells, setting))
            if await export_store.has_classes(db) else 0)
        saved = None
        if book is not None and workbook is not None:
            await asyncio.to_thread(book.save, work / workbook.name)
            saved = await asyncio.to_thread(move_into_place, work / workbook.name, workbook)
        moved = [await asyncio.to_thread(move_into_place, out.path, csv_dir / out.path.name)
                 for out in csvs if csv_dir is not None]
        return Written(counts, saved, tuple(moved))
    finally:
        if book is not None:
            book.close()
        for out in csvs:
            out.close()
        await asyncio.to_thread(shutil.rmtree, work, True)


def _class_cells(setting: Setting, record: ClassRecord) -> Row:
    """A class's cells, its figures counted as the teacher's are."""
    return class_row(setting, record, count(record.students, record.progress,
                                            setting.lesson_skills))


def _write(to_row: Callable[[T], Row], sheet: Sheet | None, out: CsvWriter | None,
           batch: list[T]) -> None:
    rows = [to_row(record) for record in batch]
    if sheet is not None:
        sheet.append(rows)
    if out is not None:
        out.append(rows)


async def _pump(source: AsyncIterator[list[T]], write: Callable[[list[T]], None]) -> int:
    """Write every batch in a thread while the next one is read; return the rows written."""
    count = 0
    pending: asyncio.Future[None] | None = None
    try:
        async for batch in source:
            if pending is not None:
                await pending
            pending = asyncio.ensure_future(asyncio.to_thread(write, batch))
            count += len(batch)
        if pending is not None:
            await pending
    finally:
        if pending is not None and not pending.done():
            await asyncio.wait([pending])  # never close a file under a running write
        if pending is not None and not pending.cancelled():
            pending.exception()  # already raised, or superseded by the error in flight
    return count


def new_export_dir(root: Path | None = None) -> Path:
    """A private directory (mode 0700) for one export's files sent in the chat."""
    root = root or EXPORT_DIR
    make_private_dirs(root)
    # In the shared temporary folder (outside systemd's PrivateTmp) another local user could
    # have made it first, to read or swap what goes in: refuse rather than use theirs.
    if root.stat().st_uid != os.getuid():
        raise PermissionError(f"{root} belongs to another user; exports are not written there")
    return Path(tempfile.mkdtemp(prefix="export-", dir=root))


def remove_old_exports(root: Path | None = None, keep_for: timedelta = KEEP_FOR,
                       now: float | None = None) -> int:
    """Delete exports older than keep_for (they hold personal data); return how many."""
    root = root or EXPORT_DIR
    if not root.is_dir():
        return 0
    oldest = (time.time() if now is None else now) - keep_for.total_seconds()
    removed = 0
    for entry in root.iterdir():
        with contextlib.suppress(FileNotFoundError):  # another export removed it meanwhile
            if entry.stat().st_mtime >= oldest:
                continue
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink()
            removed += 1
    return removed
