"""Dates and times typed by admins: the one grammar of /stats, /chart, /export, the export
command line and a broadcast's scheduled time.

A day is written year first (2026-10-01, 2026/10/01, 2026.10.01) or day first, the way
Vietnamese write it (01/10/2026, 1.10.2026, 01-10-2026). A scheduled time may leave out the
year (1/10 8:30, this year) or the whole day (7h30, today). A range is one day or two, with
any linking words between them ("01/10/2026 - 10/10/2026", "từ ... đến ..."). Buttons carry a
day compactly as YYYYMMDD.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from bot.core.shared.text import fold

FIRST_YEAR, LAST_YEAR = 2000, 2100  # beyond these a typed year is a typo, not a report

_SEP = r"[-/.]"
_YEAR_FIRST = rf"(\d{{4}}){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}})"  # year, month, day
_DAY_FIRST = rf"(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}(\d{{4}})"  # day, month, year
_DAY_MONTH = rf"(\d{{1,2}}){_SEP}(\d{{1,2}})(?:{_SEP}(\d{{4}}))?"  # day, month, year if given
_TIME = r"(\d{1,2})\s*[:hH]\s*(\d{2})"  # 08:30, 8h30, 8 : 30

# A whole day, never inside a longer number.
_DAY = re.compile(rf"(?<!\d)(?:{_YEAR_FIRST}|{_DAY_FIRST})(?!\d)")
# A time of day, after a day (its year may be left out) or alone.
_MOMENT = re.compile(rf"^(?:(?:{_YEAR_FIRST}|{_DAY_MONTH})\s+)?{_TIME}$")
# What people put between two dates: "1/10/2026 - 10/10/2026", "từ ... đến ...".
_LINKS = re.compile(r"^(?:[-–—~:,.]|to|from|until|den|tu|toi|ngay)$")


class Problem(StrEnum):
    """Why typed text is not a range of days."""

    NO_DATES = "no_dates"
    TOO_MANY = "too_many"  # more than two days
    NOT_A_DATE = "not_a_date"  # looks like a date but is none (31/02/2026, 2026-13-45)
    YEARS = "years"  # a real day outside FIRST_YEAR..LAST_YEAR
    END_BEFORE_START = "order"


class DateRangeError(ValueError):
    """Typed text is not a usable range of days; problem says why, text shows the culprit."""

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


@dataclass(frozen=True)
class Typed:
    """What was typed after a command: the days it names, and any other words (a commune)."""

    first: date | None = None  # None (and last None) when no day was typed or on a problem
    last: date | None = None
    rest: str = ""  # the other words, without those linking two dates
    problem: Problem | None = None
    culprit: str = ""  # the date at fault (NOT_A_DATE, YEARS), to show back


def _date(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:  # 31/02, month 13, year 0
        return None


def _day(match: re.Match[str]) -> date | None:
    if match.group(1):
        return _date(match.group(1), match.group(2), match.group(3))
    return _date(match.group(6), match.group(5), match.group(4))


def _in_years(day: date) -> bool:
    return FIRST_YEAR <= day.year <= LAST_YEAR


def read_days(text: str) -> Typed:
    """The days in typed text (one is that day, two a range) and its other words; never raises."""
    found = list(_DAY.finditer(text))
    words = [w for w in _DAY.sub(" ", text).split() if not _LINKS.match(fold(w))]
    rest = " ".join(words)
    if not found:
        return Typed(rest=rest)
    if len(found) > 2:
        return Typed(rest=rest, problem=Problem.TOO_MANY)
    days = []
    for match in found:
        day = _day(match)
        if day is None:
            return Typed(rest=rest, problem=Problem.NOT_A_DATE, culprit=match.group(0))
        if not _in_years(day):
            return Typed(rest=rest, problem=Problem.YEARS, culprit=match.group(0))
        days.append(day)
    if days[-1] < days[0]:
        return Typed(rest=rest, problem=Problem.END_BEFORE_START)
    return Typed(days[0], days[-1], rest)


def parse_range(text: str) -> DayRange:
    """The first and last day in typed text ("01/10/2026 10/10/2026"; one date is one day);
    other words are ignored. Raises DateRangeError."""
    typed = read_days(text)
    if typed.problem is not None:
        raise DateRangeError(typed.problem, typed.culprit)
    if typed.first is None or typed.last is None:
        raise DateRangeError(Problem.NO_DATES)
    return DayRange(typed.first, typed.last)


def parse_day(text: str) -> date:
    """Exactly one day and nothing else; raises DateRangeError."""
    matches = list(_DAY.finditer(text))
    if len(matches) != 1 or matches[0].group(0) != text.strip():
        raise DateRangeError(Problem.NOT_A_DATE if text.strip() else Problem.NO_DATES,
                             text.strip())
    day = _day(matches[0])
    if day is None:
        raise DateRangeError(Problem.NOT_A_DATE, matches[0].group(0))
    if not _in_years(day):
        raise DateRangeError(Problem.YEARS, matches[0].group(0))
    return day


def checked(first: date, last: date) -> DayRange:
    """The range first..last; raises DateRangeError when it ends before it starts."""
    if last < first:
        raise DateRangeError(Problem.END_BEFORE_START)
    return DayRange(first, last)


def from_compact(text: str) -> date:
    """A day written YYYYMMDD (as buttons carry it); raises DateRangeError."""
    if len(text) != 8 or not text.isdigit():
        raise DateRangeError(Problem.NOT_A_DATE, text)
    day = _date(text[:4], text[4:6], text[6:])
    if day is None:
        raise DateRangeError(Problem.NOT_A_DATE, text)
    if not _in_years(day):
        raise DateRangeError(Problem.YEARS, text)
    return day


def compact(day: date) -> str:
    """A day as YYYYMMDD, for a button's payload."""
    return day.strftime("%Y%m%d")


def parse_moment(text: str, today: date) -> datetime | None:
    """The local day and time (naive) of "HH:MM" or "7h30" (today), "DD/MM HH:MM" (today's
    year), "DD/MM/YYYY HH:MM" or "YYYY-MM-DD HH:MM"; None when text is none of them."""
    match = _MOMENT.match(text.strip())
    if match is None:
        return None
    year, month, day, short_day, short_month, short_year, hour, minute = match.groups()
    if year:
        on = _date(year, month, day)
    elif short_day:
        on = _date(short_year or str(today.year), short_month, short_day)
    else:
        on = today
    try:
        at = time(int(hour), int(minute))
    except ValueError:  # 25:00, 8:75
        return None
    return datetime.combine(on, at) if on is not None else None
