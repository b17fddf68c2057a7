"""What a household visit may contain: the outcomes, and checks on what volunteers type."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from bot.core.shared.text import fold, normalize
from bot.storage.db import keyed_hash

MAX_PLACE = 60  # hamlet and household label
MAX_NOTE = 300
MAX_PEOPLE = 30  # more than this in one household is almost surely a typing slip
DAYS_BACK = 7  # a visit may be dated up to this many days before today
EDIT_HOURS = 48  # a saved visit may be changed this long after it was saved
EDIT_WINDOW = timedelta(hours=EDIT_HOURS)
ID_DIGITS = (9, 12)  # the digits of an old and of a new ID card number


# Digits with at most one space, dot or dash between them: "0123 4567 89" is one run.
_DIGIT_RUN = re.compile(r"\d(?:[ .\-]?\d)*")
_PEOPLE = re.compile(r"^(\d+)\s*(nguoi|ng|people|persons?)?\.?$")
# "tổ dân phố" is written with one capital even in a name: "Tổ dân phố 5".
_RESIDENTIAL_GROUP = ("to", "dan", "pho")


class Problem(Enum):
    """Why typed text was refused."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    ID_NUMBER = "id_number"
    NO_WORDS = "no_words"


def looks_like_id_number(text: str) -> bool:
    """True when text holds a run of exactly 9 or 12 digits (an old or new ID card number)."""
    return any(sum(ch.isdigit() for ch in run.group()) in ID_DIGITS
               for run in _DIGIT_RUN.finditer(text))


def has_words(text: str) -> bool:
    """True when text has at least one letter or digit (not only emoji and punctuation)."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


def tidy_place(text: str) -> str:
    """Spaces collapsed; all-lower-case names capitalised word by word ("thôn 3" → "Thôn 3").

    Text with any capital is kept as typed: the volunteer chose its spelling. No accent is
    ever added, so "thon 3" becomes "Thon 3", never a guess such as "Thôn 3".
    """
    text = normalize(text)
    if text != text.lower():
        return text
    words = [w[:1].upper() + w[1:] for w in text.split(" ")]
    # "số" (number) stays lower case inside a label: "Nhà số 12", but "Số 12".
    words = [w.lower() if i and w.lower() in ("số", "so") else w for i, w in enumerate(words)]
    for i in range(len(words) - 2):
        if tuple(fold(w) for w in words[i:i + 3]) == _RESIDENTIAL_GROUP:
            words[i + 1] = words[i + 1].lower()
            words[i + 2] = words[i + 2].lower()
    return " ".join(words)


def place_problem(text: str) -> Problem | None:
    """Why a hamlet or household label is refused, or None when it is fine."""
    return _text_problem(text, MAX_PLACE)


def note_problem(text: str) -> Problem | None:
    """Why a note is refused, or None when it is fine."""
    return _text_problem(text, MAX_NOTE)


def _text_problem(text: str, limit: int) -> Problem | None:
    if not text:
        return Problem.EMPTY
    if len(text) > limit:
        return Problem.TOO_LONG
    if looks_like_id_number(text):
        return Problem.ID_NUMBER
    if not has_words(text):
        return Problem.NO_WORDS
    return None


def parse_people(text: str) -> int | None:
    """The number in "3", "3 người" or "3 people"; None when it is not a number."""
    match = _PEOPLE.match(fold(text))
    return int(match.group(1)) if match and len(match.group(1)) <= 6 else None


def household_key(commune_code: str, hamlet: str, household: str, secret: bytes) -> str:
    """The same household whatever the accents, case or spacing: 'code|thon 3|nguyen van a'
    folded, then hashed with the database's secret (keyed_hash), so that the key, copied into
    the summaries and the frozen campaigns, names nobody."""
    folded = "|".join((commune_code, fold(hamlet), fold(household)))
    return keyed_hash(secret, folded) or folded


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    """The day a moment falls on in the local time zone."""
    return moment.astimezone(zone).date()


def allowed_days(sent_at: datetime, zone: ZoneInfo) -> list[date]:
    """Today (as the volunteer sent it) and the days a visit may be dated back to, newest first."""
    today = local_day(sent_at, zone)
    return [today - timedelta(days=n) for n in range(DAYS_BACK + 1)]


def visit_time(sent_at: datetime, now: datetime, chosen: date | None, zone: ZoneInfo
               ) -> datetime:
    """When the visit happened, in UTC: when the volunteer sent Confirm, or on a chosen day.

    A chosen earlier day keeps the time of day of the Confirm, so visits logged together keep
    their order. Never later than the server's clock: a visit cannot be in the future.
    """
    sent = min(sent_at, now)
    if chosen is None or chosen == local_day(sent, zone):
        return sent.astimezone(UTC)
    local = sent.astimezone(zone)
    moment = datetime.combine(chosen, time(local.hour, local.minute, local.second), zone)
    return min(moment, sent).astimezone(UTC)
