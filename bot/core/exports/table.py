"""What both writers share: a table's columns and what kind of value each holds."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

# One cell's value: text, a whole number, a local (naive) date or date and time, or empty.
Value = str | int | float | datetime | date | None
Row = Sequence[Value]

# A spreadsheet may take text for a formula (CSV injection) when it starts with a tab or a
# carriage return, or when its first character after spaces, line breaks and quotes is = + -
# or @: some readers skip those before looking, so checking the first character is not enough.
_FORMULA_LIKE = re.compile(r"[\t\r]|[\s\"']*[=+\-@]")


class Kind(Enum):
    """How a column's values are written."""

    TEXT = "text"
    NUMBER = "number"  # counts, ids, and flags (1 = yes, 0 = no)
    DATETIME = "datetime"  # local time, no time zone (Excel has none)
    DATE = "date"


@dataclass(frozen=True)
class Column:
    """A column: its header (already translated), its kind and its width in characters."""

    header: str
    kind: Kind
    width: float = 12


def formula_like(text: str) -> bool:
    """True when a spreadsheet could read text as a formula (see _FORMULA_LIKE)."""
    return _FORMULA_LIKE.match(text) is not None
