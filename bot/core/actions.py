"""TEMPORARY: the verbs of the features not yet moved to their own ids.py (bot/core/payloads.py).

Each feature package takes its verbs out of SHAPES into its ids.py; this file then goes."""

from __future__ import annotations

from bot.core.payloads import Action, Arg, Verb

__all__ = ["Action", "action", "legacy_verb"]



# verb -> the shape of each argument: "id" (a short slug), "n" (a small whole number, 0-999)
# or "i" (a database id such as a visit, request or user number, up to 12 digits)
SHAPES: dict[str, tuple[str, ...]] = {
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


def legacy_verb(name: str) -> Verb:
    """The Verb of a name still declared in SHAPES."""
    return Verb(name, tuple(Arg(kind) for kind in SHAPES[name]))


def action(verb: str, *args: str | int) -> str:
    """Encode a payload from a verb still declared in SHAPES and its arguments."""
    return legacy_verb(verb)(*args)
