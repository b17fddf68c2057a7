"""CSV files that Excel opens with Vietnamese intact (UTF-8 with a byte order mark), with no
cell it could run as a formula; created readable by their owner only (0600)."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import IO

from bot.core.exports.files import create_private
from bot.core.exports.table import Column, Kind, Row, Value, formula_like

ENCODING = "utf-8-sig"  # the BOM tells Excel the file is UTF-8, not the Windows code page

Converter = Callable[[Value], str | int | float]


def safe_text(value: str) -> str:
    """Text that a spreadsheet will not take for a formula (CSV injection): formula-like text
    gets a leading apostrophe, which Excel shows as text."""
    return "'" + value if formula_like(value) else value


def _text(value: Value) -> str:
    return "" if value is None else safe_text(str(value))


def _number(value: Value) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    raise ValueError(f"a number was expected, not {value!r}")


def _moment(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")  # Excel reads this as a date and time
    if isinstance(value, date):
        return value.isoformat()
    raise ValueError(f"a date was expected, not {value!r}")


_CONVERTERS: dict[Kind, Converter] = {Kind.TEXT: _text, Kind.NUMBER: _number,
                                      Kind.DATETIME: _moment, Kind.DATE: _moment}


class CsvWriter:
    """One table as a CSV file: the header, then rows appended in batches."""

    def __init__(self, path: Path, columns: list[Column]):
        self.path = path
        self._file: IO[str] | None = os.fdopen(create_private(path), "w", encoding=ENCODING,
                                               newline="")
        # Every field quoted (OWASP's advice against CSV injection, besides the apostrophe): a
        # separator, quote or line break inside a cell can never start a cell the check missed.
        self._csv = csv.writer(self._file, quoting=csv.QUOTE_ALL)
        self._csv.writerow([safe_text(c.header) for c in columns])
        self._converters = [_CONVERTERS[c.kind] for c in columns]
        self.rows = 0

    def append(self, rows: Iterable[Row]) -> None:
        """Write data rows (values in the columns' order)."""
        converters = self._converters
        converted = [[convert(value) for convert, value in zip(converters, values, strict=True)]
                     for values in rows]
        self._csv.writerows(converted)
        self.rows += len(converted)

    def close(self) -> None:
        """Finish the file."""
        if self._file is not None:
            self._file.close()
            self._file = None
