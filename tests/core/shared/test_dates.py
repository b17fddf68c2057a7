"""The one grammar of typed dates (shared/dates.py): reports, exports, the CLI, scheduling."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.shared.dates import (
    FIRST_YEAR,
    LAST_YEAR,
    DateRangeError,
    DayRange,
    Problem,
    Typed,
    compact,
    from_compact,
    parse_day,
    parse_moment,
    parse_range,
    read_days,
)

# Every way a day may be written: year first, or day first as Vietnamese write it.
FORMATS: list[Callable[[date], str]] = [
    lambda d: d.isoformat(),
    lambda d: f"{d.year}/{d.month:02d}/{d.day:02d}",
    lambda d: f"{d.year}.{d.month}.{d.day}",
    lambda d: d.strftime("%d/%m/%Y"),
    lambda d: f"{d.day}/{d.month}/{d.year}",
    lambda d: f"{d.day}.{d.month}.{d.year}",
    lambda d: d.strftime("%d-%m-%Y"),
]
DAYS = st.dates(date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31))
WRITTEN = st.sampled_from(FORMATS)


@given(DAYS, WRITTEN)
def test_a_day_written_any_way_reads_back_as_itself(day: date, written: Callable[[date], str]
                                                    ) -> None:
    text = written(day)
    assert parse_day(f" {text} ") == day
    assert parse_range(text) == DayRange(day, day)
    assert read_days(text) == read_days(f"ngày {text}")
    assert from_compact(compact(day)) == day


@given(DAYS, DAYS, WRITTEN, WRITTEN, st.sampled_from([" ", " - ", " đến ", " to ", ", "]),
       st.sampled_from(["", "Xã Anh Sơn "]))
def test_two_days_are_a_range_and_other_words_are_kept(
        a: date, b: date, first: Callable[[date], str], last: Callable[[date], str],
        link: str, words: str) -> None:
    typed = read_days(f"{words}{first(a)}{link}{last(b)}")
    if b < a:
        assert (typed.first, typed.problem) == (None, Problem.END_BEFORE_START)
        with pytest.raises(DateRangeError):
            parse_range(f"{first(a)} {last(b)}")
    else:
        assert (typed.first, typed.last, typed.problem) == (a, b, None)
        assert typed.rest == words.strip()


@given(st.text(max_size=60))
def test_any_text_reads_as_days_or_a_problem_and_never_raises(text: str) -> None:
    typed = read_days(text)
    if typed.first is not None:
        assert typed.last is not None and typed.first <= typed.last and typed.problem is None
    try:
        period = parse_range(text)
    except DateRangeError as exc:
        assert isinstance(exc.problem, Problem)
    else:
        assert (period.first, period.last) == (typed.first, typed.last)
    try:
        parse_day(text)
    except DateRangeError as exc:
        assert isinstance(exc.problem, Problem)


@given(st.text(max_size=30), st.dates())
def test_any_text_is_a_moment_or_none(text: str, today: date) -> None:
    found = parse_moment(text, today)
    assert found is None or isinstance(found, datetime)


@given(st.dates(date(2000, 1, 1), date(2100, 12, 31)), st.times())
def test_a_moment_written_any_way_reads_back(day: date, at: time) -> None:
    at = at.replace(second=0, microsecond=0)
    hhmm = f"{at.hour}:{at.minute:02d}"
    today = date(day.year, 1, 1)
    assert parse_moment(f"{day:%d/%m/%Y} {hhmm}", today) == datetime.combine(day, at)
    assert parse_moment(f"{day.isoformat()} {hhmm}", today) == datetime.combine(day, at)
    assert parse_moment(f"{day.day}/{day.month} {at.hour}h{at.minute:02d}", today) == \
        datetime.combine(day, at)
    assert parse_moment(hhmm, day) == datetime.combine(day, at)


@pytest.mark.parametrize(("text", "problem", "culprit"), [
    ("2026-10-10 2026-10-01", Problem.END_BEFORE_START, ""),
    ("2026-13-45", Problem.NOT_A_DATE, "2026-13-45"),
    ("31/02/2026 2026-03-01", Problem.NOT_A_DATE, "31/02/2026"),
    ("1900-01-01 2026-01-01", Problem.YEARS, "1900-01-01"),
    ("2026-10-01 2026-10-02 2026-10-03", Problem.TOO_MANY, ""),
])
def test_what_is_refused_and_why(text: str, problem: Problem, culprit: str) -> None:
    typed = read_days(text)
    assert (typed.first, typed.problem, typed.culprit) == (None, problem, culprit)
    with pytest.raises(DateRangeError) as raised:
        parse_range(text)
    assert (raised.value.problem, raised.value.text) == (problem, culprit)


def test_no_dates_and_short_days() -> None:
    assert read_days(" Quỳnh  Lưu ") == Typed(rest="Quỳnh Lưu")
    with pytest.raises(DateRangeError) as raised:
        parse_range("last week please")
    assert raised.value.problem is Problem.NO_DATES
    # A day without its year is a scheduled time's only: a range needs whole days.
    assert read_days("1/10").first is None
    assert parse_moment("1/10 8:30", date(2026, 5, 1)) == datetime(2026, 10, 1, 8, 30)
    for refused in ("31/02 10:00", "25:00", "soon", "10:00 tomorrow", "1/10"):
        assert parse_moment(refused, date(2026, 5, 1)) is None, refused
