"""Exports: visits, teams and learning progress of a period as an XLSX workbook and CSV files
(with the schools' classes as they are now, when there are any), sent by /export (admins) or
written by the command line (python -m bot export).

- ids.py: the form's button verbs.
- form.py: /export: the typed draft, asking for the period, sending the files.
- cli.py: python -m bot export --from ... --to ... --out ... [--csv DIR].
- run.py: one export: the tables read in batches and written off the event loop.
- tables.py: the tables' columns (in the admin's language) and their rows.
- table.py: a column and the kinds of value both writers share.
- xlsx.py, csvfile.py: the workbook and the CSV writers.
- files.py: files created 0600 and folders 0700, moved into place whole (personal data).

The writers are imported when first used (`__getattr__` below): openpyxl, with numpy, takes a
third of a second to import, which the bot's start should not pay.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from bot.core.exports import form
from bot.core.exports.ids import CANCEL, LAST_WEEK, PERIOD
from bot.core.exports.table import Column, Kind
from bot.core.exports.tables import Setting
from bot.core.router import ADMINS, Flow, Router
from bot.i18n import N_

if TYPE_CHECKING:
    from bot.core.exports.cli import run_export
    from bot.core.exports.run import (
        Counts,
        Written,
        has_data,
        lesson_domains,
        new_export_dir,
        remove_old_exports,
        skill_lessons,
        write_export,
    )
    from bot.core.exports.xlsx import XlsxWriter

_LAZY = {"run_export": "cli", "Counts": "run", "Written": "run", "has_data": "run",
         "lesson_domains": "run",
         "new_export_dir": "run", "remove_old_exports": "run", "skill_lessons": "run",
         "write_export": "run", "XlsxWriter": "xlsx"}


def __getattr__(name: str) -> object:
    """The writers' names, imported on first use."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)


def register(router: Router) -> None:
    """Add /export, its period buttons and its flow."""
    router.command(form.FLOW, N_("Export visits, teams and learning progress (XLSX and CSV)"),
                   form.start, audience=ADMINS)
    router.flow(Flow(form.FLOW, form.typed, N_("Nothing was exported."), entry=form.FLOW,
                     verbs=(PERIOD, LAST_WEEK, CANCEL)))
    for verb in (PERIOD, LAST_WEEK, CANCEL):
        router.action(verb, form.pressed)


__all__ = [
    "Column",
    "Counts",
    "Kind",
    "Setting",
    "Written",
    "XlsxWriter",
    "has_data",
    "lesson_domains",
    "new_export_dir",
    "register",
    "remove_old_exports",
    "run_export",
    "skill_lessons",
    "write_export",
]
