"""What both writers share: a table's columns and what kind of value each holds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

# One cell's value: text, a whole number, a local (naive) date or date and time, or empty.
Value = str | int | float | datetime | date | None
Row = Sequence[Value]


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
