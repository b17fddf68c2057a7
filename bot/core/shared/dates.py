"""Dates typed by admins: 2026-10-01 or 01/10/2026 (day first, as Vietnamese write them)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import Enum

# A day written year first with dashes, or day first with / . or - ; never inside a longer
# number.
_DAY = re.compile(r"(?<!\d)(?:(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}))"
                  r"(?!\d)")
FIRST_YEAR, LAST_YEAR = 2000, 2100  # beyond these a typed year is a typo


class Problem(Enum):
    """Why typed text is not a date range."""

    NO_DATES = "no_dates"
    TOO_MANY = "too_many"
    NOT_A_DATE = "not_a_date"  # looks like a date but is not one (31/02/2026, year 1026)
    END_BEFORE_START = "end_before_start"


class DateRangeError(ValueError):
    """Typed text is not a usable date range; problem says why, text shows the culprit."""

    def __init__(self, problem: Problem, text: str = ""):
        super().__init__(f"{problem.value}: {text}")
        self.problem = problem
        self.text = text


@dataclass(frozen=True)
class DayRange:
    """Local days first..last, both included."""

    first: date
    last: date

    def label(self) -> str:
        """The range as it appears in file names and the audit log."""
        return f"{self.first.isoformat()}_{self.last.isoformat()}"


def _day(match: re.Match[str]) -> date:
    year, month, day = ((match.group(1), match.group(2), match.group(3)) if match.group(1)
                        else (match.group(6), match.group(5), match.group(4)))
    try:
        found = date(int(year), int(month), int(day))
    except ValueError:
        raise DateRangeError(Problem.NOT_A_DATE, match.group(0)) from None
    if not FIRST_YEAR <= found.year <= LAST_YEAR:
        raise DateRangeError(Problem.NOT_A_DATE, match.group(0))
    return found


def parse_day(text: str) -> date:
    """Exactly one day; raises DateRangeError."""
    matches = list(_DAY.finditer(text))
    if len(matches) != 1 or matches[0].group(0) != text.strip():
        raise DateRangeError(Problem.NOT_A_DATE if text.strip() else Problem.NO_DATES,
                             text.strip()[:40])
    return _day(matches[0])


def parse_range(text: str) -> DayRange:
    """The first and last day in typed text ("01/10/2026 10/10/2026"; one date is one day)."""
    matches = list(_DAY.finditer(text))
    if not matches:
        raise DateRangeError(Problem.NO_DATES)
    if len(matches) > 2:
        raise DateRangeError(Problem.TOO_MANY)
    days = [_day(m) for m in matches]
    return checked(days[0], days[-1])


def checked(first: date, last: date) -> DayRange:
    """The range first..last; raises DateRangeError when it ends before it starts."""
    if last < first:
        raise DateRangeError(Problem.END_BEFORE_START)
    return DayRange(first, last)


def from_compact(text: str) -> date:
    """A day written YYYYMMDD (as buttons carry it); raises DateRangeError."""
    if len(text) != 8 or not text.isdigit():
        raise DateRangeError(Problem.NOT_A_DATE, text[:40])
    try:
        found = date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise DateRangeError(Problem.NOT_A_DATE, text) from None
    if not FIRST_YEAR <= found.year <= LAST_YEAR:
        raise DateRangeError(Problem.NOT_A_DATE, text)
    return found


def compact(day: date) -> str:
    """A day as YYYYMMDD, for a button's payload."""
    return day.strftime("%Y%m%d")
