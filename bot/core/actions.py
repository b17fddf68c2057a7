"""Button payloads: short strings (Telegram allows 64 bytes) parsed strictly, never trusted."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_PAYLOAD = 64
_PART = re.compile(r"^[a-z0-9_-]{1,24}$")
_NUMBER = re.compile(r"^\d{1,3}$")
_ID = re.compile(r"^\d{1,12}$")

MENU = "menu"
CONTINUE = "cont"
PROGRESS = "prog"
HELP = "help"
LANGUAGE = "lang"


@dataclass(frozen=True)
class Action:
    """A parsed payload: a verb and its arguments."""

    verb: str
    args: tuple[str, ...] = ()

    def encode(self) -> str:
        """The payload string for a button."""
        payload = ":".join((self.verb, *self.args))
        assert len(payload.encode()) <= MAX_PAYLOAD, payload
        return payload

    def number(self, index: int) -> int:
        """Argument index as a whole number (parse() has checked the shape)."""
        return int(self.args[index])


# verb -> the shape of each argument: "id" (a short slug), "n" (a small whole number, 0-999)
# or "i" (a database id such as a visit, request or user number, up to 12 digits)
SHAPES: dict[str, tuple[str, ...]] = {
    MENU: (),
    CONTINUE: (),
    PROGRESS: (),
    HELP: (),
    LANGUAGE: (),
    "setlang": ("id",),
    "skill": ("id",),
    "open": ("id",),  # open a lesson: resume, or start it
    "go": ("id", "n", "n"),  # lesson, from position, to position
    "ans": ("id", "n", "n"),  # lesson, question, choice
    "ntc": ("i",),  # /newteam: the commune chosen (its official code)
    "ntx": (),  # /newteam: cancel
    "tmr": ("i", "i"),  # /team: make member (user id) of team (id) a leader
    "tmv": ("i", "i"),  # /team: make a leader a volunteer again
    "tmx": ("i", "i"),  # /team: remove a member (asks first)
    "tmy": ("i", "i"),  # /team: removal confirmed
}


def parse(payload: str) -> Action | None:
    """The action in payload, or None when it is malformed or unknown."""
    if not payload or len(payload.encode()) > MAX_PAYLOAD:
        return None
    verb, *args = payload.split(":")
    shape = SHAPES.get(verb)
    if shape is None or len(args) != len(shape):
        return None
    for kind, arg in zip(shape, args, strict=True):
        if not {"n": _NUMBER, "i": _ID}.get(kind, _PART).match(arg):
            return None
    return Action(verb, tuple(args))


def action(verb: str, *args: str | int) -> str:
    """Encode a payload from a verb and its arguments."""
    return Action(verb, tuple(str(a) for a in args)).encode()
