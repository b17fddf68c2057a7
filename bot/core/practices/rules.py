"""Checking what is typed into a good practice (title, what was done, result, an admin's
reason) and the photo sent with it; the folded words practices are searched by.

The title goes to every admin in a notification and, once approved, to every team: it never
carries a link or an @handle (anyone in a team could otherwise send them all a link to press).
"""

from __future__ import annotations

import re

from bot.core.events import Photo
from bot.core.shared.text import Checked, fold, looks_like_link, normalize
from bot.i18n import N_

MAX_TITLE = 80
MAX_WHAT = 600
MAX_RESULT = 300
MAX_NOTE = 300  # an admin's reason for asking changes or rejecting
MAX_PHOTO_MEGABYTES = 10  # what a chat app lets a bot send again
MAX_PHOTO_BYTES = MAX_PHOTO_MEGABYTES * 1024 * 1024
MAX_SEARCH_WORDS = 8
_WORD = re.compile(r"[a-z0-9]+")  # a word once folded, as lesson search reads it


def _has_letter(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def check_title(typed: str) -> Checked:
    """A title: letters included, at most MAX_TITLE characters, no link or @handle."""
    title = normalize(typed)
    if looks_like_link(title):
        return Checked(problem=N_("Links and @names can't go in a title. Please type a short "
                                  "title in words, for example: Teaching VNeID at the market."))
    if not _has_letter(title):
        return Checked(problem=N_("Please type the title in words, for example: Teaching VNeID "
                                  "at the market."))
    if len(title) > MAX_TITLE:
        return Checked(problem=N_("That title has {count} characters; a title has at most "
                                  "{limit}. Please type a shorter one."),
                       numbers={"count": len(title), "limit": MAX_TITLE})
    return Checked(value=title)


def clean_lines(raw: str) -> str:
    """Typed text with its line breaks kept: each line normalized, empty lines dropped."""
    lines = (normalize(line) for line in raw.replace("\r\n", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def _check_text(raw: str, limit: int) -> Checked:
    text = clean_lines(raw)
    if not _has_letter(text):
        return Checked(problem=N_("Please write it in words: a few sentences are enough."))
    if len(text) > limit:
        return Checked(problem=N_("That text has {count} characters; at most {limit} fit here. "
                                  "Please shorten it and send it again."),
                       numbers={"count": len(text), "limit": limit})
    return Checked(value=text)


def check_what(raw: str) -> Checked:
    """What was done: words, at most MAX_WHAT characters, line breaks kept."""
    return _check_text(raw, MAX_WHAT)


def check_result(raw: str) -> Checked:
    """The result: words, at most MAX_RESULT characters, line breaks kept."""
    return _check_text(raw, MAX_RESULT)


def check_note(raw: str) -> Checked:
    """An admin's reason: words, at most MAX_NOTE characters."""
    return _check_text(raw, MAX_NOTE)


def photo_problem(photo: Photo | None) -> Checked:
    """Why this photo cannot go with a practice (a refusal), or an empty Checked when it can."""
    if photo is None:
        return Checked(problem=N_("I could not read that photo. Please send it again, or press "
                                  "Skip."))
    if photo.as_file:
        return Checked(problem=N_("That picture came as a file. Please send it as a photo (not "
                                  "as a file), or press Skip."))
    if photo.size is not None and photo.size > MAX_PHOTO_BYTES:
        return Checked(problem=N_("That photo is too large: at most {megabytes} MB. Please "
                                  "send a smaller one, or press Skip."),
                       numbers={"megabytes": MAX_PHOTO_MEGABYTES})
    return Checked(value=photo.ref)


def search_words(typed: str) -> list[str]:
    """The folded words of typed text, each once, at most MAX_SEARCH_WORDS."""
    return list(dict.fromkeys(_WORD.findall(fold(typed))))[:MAX_SEARCH_WORDS]


def search_text(*parts: str) -> str:
    """The folded words of a practice's parts, as stored for search: " word word "."""
    words = [word for part in parts for word in _WORD.findall(fold(part))]
    return f" {' '.join(words)} "
