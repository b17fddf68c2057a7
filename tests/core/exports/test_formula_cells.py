"""No exported cell runs as a formula (CSV injection): CSV text that looks like one gets the
apostrophe guard, every CSV field is quoted, and the workbook stores text as text."""

from __future__ import annotations

import csv
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.cell import Cell, MergedCell

from bot.core.exports import Column, Kind, XlsxWriter
from bot.core.exports.csvfile import ENCODING, CsvWriter
from bot.core.exports.table import formula_like

FORMULA_STARTS = ("=", "+", "-", "@")
# Formula-like however it hides: spaces, tabs, line breaks or quotes before the sign.
RISKY = ["=1+2", " =1+2", "\t=cmd|' /C calc'!A0", "\r\n-2+3", '"=HYPERLINK("x")', "' @SUM(A1)",
         "\u00a0+84 912", "\t", "\rtext", "-", "@"]
PLAIN = ["Nguyễn Văn A", "", " Thôn 3 ", "1+1=2", "a=b", "'quoted'", "Hộ số -5", "Đội @2"]

SPACES_AND_QUOTES = [chr(c) for c in range(0x3001) if chr(c).isspace()] + ['"', "'"]
# Any text, and text that hides a sign behind any whitespace and quotes (random text rarely
# does).
TEXTS = st.one_of(
    st.text(max_size=40),
    st.builds(lambda lead, sign, rest: lead + sign + rest,
              st.text(st.sampled_from(SPACES_AND_QUOTES), max_size=4),
              st.sampled_from(["", *FORMULA_STARTS]), st.text(max_size=10)))


def first_meaningful(cell: str) -> str:
    """The cell's first character that is neither whitespace nor a quote ("" if none)."""
    rest = cell.lstrip()
    while rest[:1] in ('"', "'") and rest:
        rest = rest[1:].lstrip()
    return rest[:1]


def csv_cells(folder: Path, texts: list[str]) -> tuple[list[str], str]:
    """The texts written as a CSV text column and read back, and the file's raw text."""
    writer = CsvWriter(folder / "t.csv", [Column("Text", Kind.TEXT), Column("N", Kind.NUMBER)])
    writer.append([(text, i) for i, text in enumerate(texts)])
    writer.close()
    raw = (folder / "t.csv").read_text(ENCODING)
    with (folder / "t.csv").open(encoding=ENCODING, newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["Text", "N"] and [int(r[1]) for r in rows[1:]] == list(range(len(texts)))
    return [r[0] for r in rows[1:]], raw


@pytest.mark.parametrize("text", RISKY)
def test_formula_like_csv_text_gets_the_apostrophe(tmp_path: Path, text: str) -> None:
    assert csv_cells(tmp_path, [text])[0] == ["'" + text]


def test_plain_csv_text_is_kept_as_typed(tmp_path: Path) -> None:
    assert csv_cells(tmp_path, PLAIN)[0] == PLAIN


def test_every_csv_field_is_quoted(tmp_path: Path) -> None:
    _, raw = csv_cells(tmp_path, ["Hồ Thị B", ""])
    assert raw.splitlines() == ['"Text","N"', '"Hồ Thị B","0"', '"","1"']


@given(TEXTS)
def test_no_csv_cell_reads_back_as_a_formula(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        [cell], _ = csv_cells(Path(folder), [text])
    assert cell in (text, "'" + text)  # nothing lost, at most the guard added
    if not cell.startswith("'"):
        assert first_meaningful(cell) not in FORMULA_STARTS, repr(cell)
        assert not cell.startswith(("\t", "\r")), repr(cell)


def workbook_cells(folder: Path, texts: list[str], header: str = "Text"
                   ) -> list[Cell | MergedCell]:
    """The texts written as a workbook's text column, its cells read back; no cell of the
    workbook is a formula."""
    book = XlsxWriter(folder)
    book.add_sheet("T", [Column(header, Kind.TEXT)]).append([(text,) for text in texts])
    book.save(folder / "t.xlsx")
    with zipfile.ZipFile(folder / "t.xlsx") as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet and "<f " not in sheet
    ws = openpyxl.load_workbook(folder / "t.xlsx").active
    assert ws is not None and ws["A1"].value == header and ws["A1"].data_type == "s"
    return [row[0] for row in ws.iter_rows(min_row=2)]


def test_workbook_text_stays_text_and_formula_like_text_is_quoted(tmp_path: Path) -> None:
    cells = workbook_cells(tmp_path, RISKY + PLAIN, header="=Tổng")
    shown = [text for text in RISKY + PLAIN if text]  # an empty text leaves the cell empty
    written = [c for c in cells if c.value is not None]
    # XML reads every line break as \n.
    assert [c.value for c in written] == [t.replace("\r\n", "\n").replace("\r", "\n")
                                          for t in shown]
    assert all(c.data_type == "s" for c in written)
    # quotePrefix: the workbook's own apostrophe, not shown, kept when the cell is edited.
    assert [bool(c.quotePrefix) for c in written] == [formula_like(t) for t in shown]
    assert all(c.quotePrefix for c in written[:len(RISKY)])


@settings(max_examples=30, deadline=None)
@given(st.lists(TEXTS, min_size=1, max_size=10))
def test_no_workbook_cell_is_a_formula(texts: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        cells = workbook_cells(Path(folder), texts)
    for cell in cells:
        assert cell.value is None or cell.data_type == "s"
        if isinstance(cell.value, str) and first_meaningful(cell.value) in FORMULA_STARTS:
            assert cell.quotePrefix, repr(cell.value)
