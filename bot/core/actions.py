"""Button payloads: short strings (Telegram allows 64 bytes) parsed strictly, never trusted."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_PAYLOAD = 64
_PART = re.compile(r"^[a-z0-9_-]{1,24}\Z")
_NUMBER = re.compile(r"^\d{1,3}\Z", re.ASCII)
_ID = re.compile(r"^\d{1,12}\Z", re.ASCII)

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
    "vf": ("id", "id", "id"),  # /visit form: draft id, operation, argument ("0" if none)
    "vnew": (),  # /visit: log a (new) visit
    "vm": ("id", "id"),  # /myvisits: operation (list, edit, del, delok), visit number
    # Help requests (each id is checked again by the handler)
    "hlp": ("id",),  # ask for help in person from a lesson: the lesson
    "hly": (),  # the form: agree to share the details
    "hln": (),  # the form: refuse (nothing kept)
    "hlc": ("i",),  # the form: a commune's code
    "hlk": (),  # the form: skip the phone number
    "hls": (),  # the form: send
    "hlx": (),  # the form: cancel
    "hcan": ("i",),  # the citizen cancels their request
    "hgo": ("i",),  # a volunteer: "I'll go"
    "hrel": ("i",),  # the taker: "Can't go"
    "hdone": ("i",),  # the taker: "Mark done"
    "hlog": ("i",),  # the taker: log the visit of a finished request
    "fig_me": (),  # /mystats
    "fig_team": (),  # /teamstats: my team (admins outside a team: the list)
    "fig_t": ("id",),  # a team's figures: team id (re-checked: own team or admin)
    "fig_list": ("n",),  # admins' list of teams: page
    "ntc": ("i",),  # /newteam: the commune chosen (its official code)
    "ntx": (),  # /newteam: cancel
    "tmr": ("i", "i"),  # /team: make member (user id) of team (id) a leader
    "tmv": ("i", "i"),  # /team: make a leader a volunteer again
    "tmx": ("i", "i"),  # /team: remove a member (asks first)
    "tmy": ("i", "i"),  # /team: removal confirmed
    # Privacy and audit
    "dme": (),  # /privacy: "Delete my data" (asks first, like /deleteme)
    "dmy": ("id",),  # /deleteme confirmed: the one-time token kept in the dialog state
    "dmn": (),  # /deleteme: No
    "aud": ("i",),  # /audit (admins): the entries older than this entry id
    # Reports (admins; team leaders for their team). A scope is "c<n>" (the n-th campaign of
    # the configuration) or "d<YYYYMMDD>-<YYYYMMDD>" (days); the handlers parse it again.
    "rs": ("id",),  # /stats: the report of a scope
    "rsa": ("id",),  # every commune of a scope (admins)
    "rsc": ("id", "i"),  # one commune of a scope: its official code (admins)
    "rch": ("id",),  # the chart of a scope
    "rlb": ("id",),  # the leaderboard of a campaign scope
    "rpk": ("id",),  # choose another campaign: "s" for the report, "l" for the leaderboard
    # Broadcasts (admins only: the role, the form's step and the broadcast are checked again)
    "bca": ("id",),  # /broadcast form: the audience's kind
    "bcc": ("i",),  # the form: a commune's code
    "bcl": ("id",),  # the form: a language
    "bck": (),  # the form: no English version
    "bcn": (),  # the form: send now
    "bcy": (),  # the form: send now, within quiet hours
    "bcw": (),  # the form: schedule (asks the time)
    "bcq": (),  # the form: send when the quiet hours end
    "bcx": (),  # the form: cancel
    "bcs": ("i",),  # stop broadcast #id (asks first)
    "bcz": ("i",),  # stop broadcast #id: confirmed
    "bcv": (),  # the recent broadcasts
    # /export (admins; each press re-checks the role, the open form and the dates)
    "exd": ("i", "i"),  # a period: first and last day as YYYYMMDD
    "exw": (),  # the last 7 days, counted when pressed
    "exx": (),  # cancel
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
