"""Checking what a citizen types into the help request form: name, hamlet, phone number.

The first name and the hamlet go to every volunteer of the commune: besides ID numbers, they
never carry a link or an @handle (a stranger could otherwise send them all a link to press)."""

from __future__ import annotations

import re

from bot.core.shared.text import Checked, looks_like_link, normalize
from bot.i18n import N_

MAX_NAME = 40
MAX_HAMLET = 60
LOCAL_DIGITS = 10  # a mobile number typed the local way: 0 and 9 more digits
INTERNATIONAL_DIGITS = 9  # the digits after +84
# Citizen identity numbers have 12 digits, old identity cards 9: never stored.
_ID_LIKE = re.compile(r"\d{9,}")
_DIGIT = re.compile(r"\d")
# Separators people type inside phone numbers: "0912 345 678", "0912.345.678", "(+84) 912-…".
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_LOCAL_MOBILE = re.compile(rf"^0[0-9]{{{LOCAL_DIGITS - 1}}}$")
_INTERNATIONAL_MOBILE = re.compile(rf"^\+84([0-9]{{{INTERNATIONAL_DIGITS}}})$")
# A number a person might give as their phone: 9-11 digits, or +84 and 9-10 digits.
_PHONE_LIKE = re.compile(r"^(?:\+84[0-9]{9,10}|[0-9]{9,11})$")


def _has_letter(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


_LINK_IN_NAME = N_("Links and @names can't go in a help request. Please type only your first "
                   "name, in letters, for example: Lan.")
_LINK_IN_HAMLET = N_("Links and @names can't go in a help request. Please type only the name of "
                     "your hamlet, village or residential group, for example: Xóm 3.")


def check_first_name(typed: str) -> Checked:
    """A first name: 1-40 characters with letters, no digits (never an ID number), no link."""
    name = normalize(typed)
    if looks_like_link(name):
        return Checked(problem=_LINK_IN_NAME)
    if looks_like_phone(name):
        return Checked(problem=N_("That looks like a phone number. Please type only your first "
                                  "name here, for example: Lan. I ask for a phone number later, "
                                  "and you may skip it."))
    if _ID_LIKE.search(name.replace(" ", "")):
        return Checked(problem=N_("That looks like an ID number. I never store ID numbers: "
                                  "please type only your first name, for example: Lan."))
    if _DIGIT.search(name):
        return Checked(problem=N_("A first name has no digits. Please type only your first "
                                  "name, for example: Lan."))
    if not _has_letter(name):
        return Checked(problem=N_("Please type your first name in letters, for example: Lan."))
    if len(name) > MAX_NAME:
        return Checked(problem=N_("That is too long for a first name (at most {count} "
                                  "characters). Please type only your first name."),
                       numbers={"count": MAX_NAME})
    return Checked(value=name)


def check_hamlet(typed: str) -> Checked:
    """A hamlet, village or residential group: 1-60 characters, letters included, no link."""
    hamlet = normalize(typed)
    if looks_like_link(hamlet):
        return Checked(problem=_LINK_IN_HAMLET)
    if _ID_LIKE.search(hamlet.replace(" ", "")):
        return Checked(problem=N_("That looks like an ID number, not a hamlet. Please type "
                                  "the name of your hamlet, village or residential group, for "
                                  "example: Xóm 3."))
    if not _has_letter(hamlet):
        return Checked(problem=N_("Please type the name of your hamlet, village or residential "
                                  "group in words, for example: Xóm 3."))
    if len(hamlet) > MAX_HAMLET:
        return Checked(problem=N_("That is too long (at most {count} characters). Please type "
                                  "only the name of your hamlet, village or residential group."),
                       numbers={"count": MAX_HAMLET})
    return Checked(value=hamlet)


def looks_like_phone(typed: str) -> bool:
    """Typed like a phone number: 9-11 digits, maybe with separators or +84 (0912 345 678,
    +84 912 345 678, 912345678); a 12-digit citizen identity number is not one."""
    compact = _PHONE_SEPARATORS.sub("", normalize(typed))
    return _PHONE_LIKE.match(compact) is not None


def normalize_phone(typed: str) -> str | None:
    """A Vietnamese mobile number as 0xxxxxxxxx: typed as 10 digits starting with 0, or +84
    and 9 digits, spaces, dots, dashes and brackets allowed; None for anything else."""
    compact = _PHONE_SEPARATORS.sub("", normalize(typed))
    if _LOCAL_MOBILE.match(compact):
        return compact
    international = _INTERNATIONAL_MOBILE.match(compact)
    if international:
        return "0" + international.group(1)
    return None


def check_phone(typed: str) -> Checked:
    """A mobile number, or the format expected."""
    phone = normalize_phone(typed)
    if phone is None:
        return Checked(problem=N_("That is not a Vietnamese mobile number. Please type {digits} "
                                  "digits starting with 0 (for example 0912 345 678) or +84 and "
                                  "{rest} digits (for example +84 912 345 678), or press Skip."),
                       numbers={"digits": LOCAL_DIGITS, "rest": INTERNATIONAL_DIGITS})
    return Checked(value=phone)
