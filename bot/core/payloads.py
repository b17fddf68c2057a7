"""Button payloads: short strings (Telegram allows 64 bytes) parsed strictly, never trusted.

Each feature declares its verbs in its own ids.py (`FORM = Verb("vf", (SLUG, SLUG, SLUG))`),
builds buttons with them (`FORM(draft, "ok", 0)`) and registers their handlers in its
package's register(); the router knows every verb from those registrations, so adding a button
touches one feature only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

MAX_PAYLOAD = 64


class Arg(StrEnum):
    """The shape of one payload argument."""

    SLUG = "id"  # a short slug: a lesson id, an operation, a token
    NUMBER = "n"  # a small whole number, 0-999
    ID = "i"  # a database id such as a visit, request or user number, up to 12 digits


SLUG, NUMBER, ID = Arg.SLUG, Arg.NUMBER, Arg.ID
_PATTERNS = {
    Arg.SLUG: re.compile(r"^[a-z0-9_-]{1,24}\Z"),
    Arg.NUMBER: re.compile(r"^\d{1,3}\Z", re.ASCII),
    Arg.ID: re.compile(r"^\d{1,12}\Z", re.ASCII),
}
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,9}\Z")


@dataclass(frozen=True)
class Verb:
    """A kind of button: its short name on the wire and the shape of its arguments."""

    name: str
    shape: tuple[Arg, ...] = ()

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"bad verb name {self.name!r}")

    def __call__(self, *args: str | int) -> str:
        """The payload of a button with these arguments (refused if they do not fit)."""
        values = tuple(str(a) for a in args)
        if not self.fits(values):
            raise ValueError(f"{self.name}: arguments {values!r} do not fit {self.shape}")
        payload = ":".join((self.name, *values))
        if len(payload.encode()) > MAX_PAYLOAD:
            raise ValueError(f"payload over {MAX_PAYLOAD} bytes: {payload!r}")
        return payload

    def fits(self, args: tuple[str, ...]) -> bool:
        """True when args have this verb's shape."""
        return len(args) == len(self.shape) and all(
            _PATTERNS[kind].match(arg) for kind, arg in zip(self.shape, args, strict=True))


@dataclass(frozen=True)
class Action:
    """A parsed payload: a verb and its arguments."""

    verb: Verb
    args: tuple[str, ...] = ()

    def encode(self) -> str:
        """The payload string for a button."""
        return self.verb(*self.args)

    def number(self, index: int) -> int:
        """Argument index as a whole number (parse() has checked the shape)."""
        return int(self.args[index])


def parse(payload: str, verbs: Mapping[str, Verb]) -> Action | None:
    """The action in payload, or None when it is malformed or its verb unknown."""
    if not payload or len(payload.encode()) > MAX_PAYLOAD:
        return None
    name, *args = payload.split(":")
    verb = verbs.get(name)
    if verb is None or not verb.fits(tuple(args)):
        return None
    return Action(verb, tuple(args))
