"""XLSX workbooks: openpyxl (write-only mode) lays out the sheets; the data rows stream in.

openpyxl's write-only mode sends every cell through an XML serialiser: on our 2-core server
that is about 15 µs a cell, so 100,000 visits of 25 columns took 37 s (28 s with lxml). So
openpyxl writes the workbook itself (sheets, the bold and frozen header row, column widths,
the date styles, the filter), and the data rows are written here as plain SpreadsheetML (the
same markup openpyxl writes: numbers, inline strings, dates as serial numbers with openpyxl's
date style) to a file per sheet as they arrive, then spliced into each sheet's <sheetData> when
the workbook is saved. Memory stays flat whatever the number of rows; see bench/export.py.

Text is always an inline string, never a formula. Text a spreadsheet could take for a formula
(table.formula_like) is also styled quotePrefix, the workbook's own apostrophe: shown as typed,
and still text when someone edits the cell. Every file is created 0600 (files.py).
"""

from __future__ import annotations

import math
import os
import re
import shutil
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, cast
from xml.sax.saxutils import escape
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

from bot.core.exports.files import create_private
from bot.core.exports.table import Column, Kind, Row, Value, formula_like

DATETIME_FORMAT = "dd/mm/yyyy hh:mm"  # the way Vietnamese readers write dates, day first
DATE_FORMAT = "dd/mm/yyyy"
_EXCEL_EPOCH = datetime(1899, 12, 30)  # serial 0 in the 1900 date system (after Feb 1900)
_DAY = timedelta(days=1)
# Characters XML 1.0 cannot carry (control characters, lone surrogates): dropped from text.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Deflate level 1: a third faster than the default for files a few per cent larger.
_COMPRESSION = 1
_HEADER_LINE_HEIGHT = 15  # points per line of a wrapped header

Encoder = Callable[[Value, int], str]  # (value, row number) -> the cell's markup


def _text_encoder(letter: str, quoted: int) -> Encoder:
    def text(value: Value, row: int) -> str:
        kept = _ILLEGAL.sub("", str(value))  # what the cell will hold is what is checked
        style = f' s="{quoted}"' if formula_like(kept) else ""
        shown = escape(kept)
        space = ' xml:space="preserve"' if shown != shown.strip() else ""
        return f'<c r="{letter}{row}"{style} t="inlineStr"><is><t{space}>{shown}</t></is></c>'
    return text


def excel_serial(value: date | datetime) -> float | int:
    """The spreadsheet's number for a local date (whole days) or date and time."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise ValueError("spreadsheets have no time zones: pass local, naive times")
        return (value - _EXCEL_EPOCH) / _DAY
    return (value - _EXCEL_EPOCH.date()).days


def _encoder(letter: str, kind: Kind, style: int) -> Encoder:
    if kind is Kind.TEXT:
        return _text_encoder(letter, style)
    if kind is Kind.NUMBER:
        def number(value: Value, row: int) -> str:
            if not isinstance(value, int | float) or (isinstance(value, float)
                                                       and not math.isfinite(value)):
                raise ValueError(f"column {letter} holds numbers, not {value!r}")
            return f'<c r="{letter}{row}"><v>{int(value) if isinstance(value, bool) else value}' \
                   "</v></c>"
        return number

    def moment(value: Value, row: int) -> str:
        if not isinstance(value, date):
            raise ValueError(f"column {letter} holds dates, not {value!r}")
        return f'<c r="{letter}{row}" s="{style}"><v>{excel_serial(value)}</v></c>'
    return moment


class Sheet:
    """One sheet being written: its header is in place, data rows are appended in batches."""

    def __init__(self, ws: WriteOnlyWorksheet, columns: list[Column], rows_path: Path):
        self.ws, self.columns = ws, columns
        # A write-only sheet has the layout attributes of a Worksheet (its _setup makes them);
        # the type stubs do not say so.
        self._layout = cast(Worksheet, ws)
        letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
        self._layout.freeze_panes = "A2"
        for letter, column in zip(letters, columns, strict=True):
            self._layout.column_dimensions[letter].width = column.width
        lines = max(math.ceil(len(c.header) / max(c.width - 2, 1)) for c in columns)
        self._layout.row_dimensions[1].height = _HEADER_LINE_HEIGHT * max(lines, 1)
        ws.append([self._header_cell(c.header) for c in columns])
        self._encoders = [_encoder(letter, c.kind, self._style(c.kind))
                          for letter, c in zip(letters, columns, strict=True)]
        self._last_letter = letters[-1]
        self._rows_path = rows_path
        self._out: IO[str] | None = os.fdopen(create_private(rows_path), "w", encoding="utf-8")
        self.rows = 0

    def _header_cell(self, header: str) -> Cell:
        cell = WriteOnlyCell(self.ws, value=header)
        cell.data_type = "s"  # openpyxl makes text starting with = a formula; a header is text
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        return cell

    def _style(self, kind: Kind) -> int:
        # Registers the cell style in the workbook; the rows refer to its id. Numbers have none
        # (their id is unused); text's is for the formula-like cells.
        template = WriteOnlyCell(self.ws)
        if kind is Kind.TEXT:
            template.quotePrefix = True
        elif kind is not Kind.NUMBER:
            template.number_format = DATETIME_FORMAT if kind is Kind.DATETIME else DATE_FORMAT
        return int(template.style_id)

    def append(self, rows: Iterable[Row]) -> None:
        """Write data rows (values in the columns' order; None or "" leaves a cell empty)."""
        if self._out is None:
            raise ValueError("the sheet is closed")
        parts = []
        encoders = self._encoders
        for values in rows:
            if len(values) != len(encoders):
                raise ValueError(f"expected {len(encoders)} values, got {len(values)}")
            number = self.rows + 2
            self.rows += 1
            cells = "".join(encode(value, number)
                            for encode, value in zip(encoders, values, strict=True)
                            if value is not None and value != "")
            parts.append(f'<row r="{number}">{cells}</row>')
        self._out.write("".join(parts))

    def close(self) -> None:
        """Finish the rows file and set the filter over every row."""
        if self._out is not None:
            self._out.close()
            self._out = None
            self._layout.auto_filter.ref = f"A1:{self._last_letter}{self.rows + 1}"

    def splice(self, sheet_xml: str, out: IO[bytes]) -> None:
        """Write the sheet's XML with the data rows inside <sheetData>."""
        head, end, tail = sheet_xml.partition("</sheetData>")
        if not end:
            raise ValueError(f"no sheetData in sheet {self.ws.title!r}")
        out.write(head.encode("utf-8"))
        with self._rows_path.open("rb") as rows:
            shutil.copyfileobj(rows, out, 1 << 20)
        out.write((end + tail).encode("utf-8"))


class XlsxWriter:
    """A workbook of sheets written in batches, saved once at the end."""

    def __init__(self, work_dir: Path):
        self._work = work_dir
        self._book = Workbook(write_only=True)
        self._sheets: list[Sheet] = []

    def add_sheet(self, title: str, columns: list[Column]) -> Sheet:
        """A new sheet with its header row; title is cut to Excel's 31 characters."""
        ws = self._book.create_sheet(_sheet_title(title))
        sheet = Sheet(ws, columns, self._work / f"rows{len(self._sheets) + 1}.xml")
        self._sheets.append(sheet)
        return sheet

    def save(self, path: Path) -> None:
        """Write the workbook to path (replaced if it exists)."""
        for sheet in self._sheets:
            sheet.close()
        skeleton = self._work / "skeleton.xlsx"
        with os.fdopen(create_private(skeleton), "wb") as file:
            self._book.save(file)  # also numbers the sheets, which gives each its path
        by_path = {sheet.ws.path.lstrip("/"): sheet for sheet in self._sheets}
        with ZipFile(skeleton) as src, os.fdopen(create_private(path), "wb") as file, \
                ZipFile(file, "w", ZIP_DEFLATED, compresslevel=_COMPRESSION) as out:
            for info in src.infolist():
                found = by_path.get(info.filename)
                if found is None:
                    out.writestr(info, src.read(info))
                    continue
                with out.open(info.filename, "w", force_zip64=True) as member:
                    found.splice(src.read(info).decode("utf-8"), member)
        skeleton.unlink()

    def close(self) -> None:
        """Close any rows file still open (after an error)."""
        for sheet in self._sheets:
            sheet.close()


def _sheet_title(title: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Sheet"
