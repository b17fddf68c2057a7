"""The visits' button verbs and the operations their payloads carry.

LOG_VISIT ("vnew") and MY_FIGURES ("fig_me") are on the main menu, so they are declared in
bot/core/shared/menus.py; this package registers their handlers.
"""

from __future__ import annotations

from enum import StrEnum

from bot.core.payloads import NUMBER, SLUG, Verb

FORM = Verb("vf", (SLUG, SLUG, SLUG))  # /visit form: draft id, operation, argument ("0" if none)
MY_VISITS = Verb("vm", (SLUG, SLUG))  # /myvisits: operation (list, edit, del, delok), visit number
TEAM_FIGURES = Verb("fig_team")  # /teamstats: my team (admins outside a team: the list)
ONE_TEAM = Verb("fig_t", (SLUG,))  # a team's figures: team id (re-checked: own team or admin)
TEAM_LIST = Verb("fig_list", (NUMBER,))  # admins' list of teams: page
REMOVE = Verb("vrm", (NUMBER,))  # /deletevisit confirmed: the visit's number


class FormOp(StrEnum):
    """What a button of the /visit form does (the second argument of FORM)."""

    COMMUNE = "com"  # argument: the commune's code
    HAMLET = "ham"  # argument: the index of a recent hamlet
    KEEP = "keep"  # keep the hamlet, household or note already filled in
    PEOPLE = "ppl"  # argument: the number of people
    SKILL = "sk"  # argument: the skill ticked or unticked
    ALL_SKILLS = "skall"  # tick all five skills at once (a full visit of the campaign)
    SKILLS_DONE = "sdone"
    OUTCOME = "oc"  # argument: the outcome ticked or unticked
    OUTCOMES_DONE = "odone"
    YES = "yes"  # the household agreed
    NO = "no"  # it did not: nothing is recorded
    SKIP = "skip"  # no note
    FOLLOW = "follow"  # a follow-up of the earlier visit the warning names
    CONFIRM = "confirm"
    EDIT = "edit"  # the summary's Edit: choose a field
    DATE = "date"  # the summary's Change date
    FIELD = "field"  # argument: the step of the field to change
    DAY = "day"  # argument: how many days back
    RESUME = "resume"  # continue the form left open
    RESTART = "restart"  # start it over
    BACK = "back"  # argument: the step it was shown at
    CANCEL = "cancel"


class MyVisitsOp(StrEnum):
    """What a button of /myvisits does (the first argument of MY_VISITS)."""

    LIST = "list"
    EDIT = "edit"
    DELETE = "del"  # asks first
    DELETE_CONFIRMED = "delok"
