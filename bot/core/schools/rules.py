"""What is typed for a school, a class and a student's shown name, checked; nothing here asks
the database.

Students are often under 16 (Law 91/2025 asks for their guardians' consent to more): the
only thing typed about them is the name their teacher sees, in a class that wants names.
It is never a full identity: no digits (a phone, a birth date), no link, a short length.
"""

from __future__ import annotations

import re

from bot.core.shared.text import Checked, fold, looks_like_link, normalize
from bot.i18n import N_, Translator

MIN_SCHOOL, MAX_SCHOOL = 3, 80
MAX_CLASS = 12  # "8A", "10A1", "Lớp 9 chọn"
MIN_STUDENT, MAX_STUDENT = 2, 30
MAX_CLASSES = 20  # classes one teacher may hold: more is a mistake (or a flood)
_CLASS_NAME = re.compile(r"^[\w .\-/]+$")
_SCHOOL_WORD = re.compile(r"\btruong\b")  # "Trường THCS X" and "THCS X" are one school


def _has_letter(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def check_school(typed: str) -> Checked:
    """A school's name: words, MIN_SCHOOL to MAX_SCHOOL characters, no link."""
    name = normalize(typed)
    if looks_like_link(name) or not _has_letter(name):
        return Checked(problem=N_("Please type the school's name in words, for example: "
                                  "Trường THCS Kim Liên."))
    if not MIN_SCHOOL <= len(name) <= MAX_SCHOOL:
        return Checked(problem=N_("A school's name has {min} to {max} characters. Please type "
                                  "it again."), numbers={"min": MIN_SCHOOL, "max": MAX_SCHOOL})
    return Checked(value=name)


def check_class(typed: str) -> Checked:
    """A class's name: letters, digits, spaces, dots, dashes; at most MAX_CLASS characters."""
    name = normalize(typed)
    if not name or len(name) > MAX_CLASS or not _CLASS_NAME.match(name):
        return Checked(problem=N_("Please type the class's name as the school writes it, with "
                                  "at most {max} letters and digits, for example: 8A."),
                       numbers={"max": MAX_CLASS})
    return Checked(value=name)


def check_student(typed: str) -> Checked:
    """The name a student shows their teacher: letters only, short, no link."""
    name = normalize(typed)
    if looks_like_link(name) or any(ch.isdigit() for ch in name) or not _has_letter(name):
        return Checked(problem=N_("Please type only the name your teacher knows you by, in "
                                  "letters (for example: Lan), with no numbers or links."))
    if not MIN_STUDENT <= len(name) <= MAX_STUDENT:
        return Checked(problem=N_("A name has {min} to {max} characters. Please type it "
                                  "again."), numbers={"min": MIN_STUDENT, "max": MAX_STUDENT})
    return Checked(value=name)


def school_key(name: str) -> str:
    """A school's name reduced so that one school typed two ways is found once."""
    return " ".join(_SCHOOL_WORD.sub(" ", fold(name)).split())


def refusal(t: Translator, checked: Checked) -> str:
    """Why a typed answer was refused, in the user's language."""
    if checked.problem is None:  # the checks above give a reason whenever they refuse
        return t._("Please type it again.")
    return t._(checked.problem).format(**checked.numbers)
