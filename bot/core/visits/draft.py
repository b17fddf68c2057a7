"""The /visit form's draft: what is filled in so far and which step is open, kept as JSON."""

from __future__ import annotations

import secrets
import string
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from bot.core import dialogs
from bot.core.context import Context
from bot.core.visits.rules import MAX_PEOPLE, household_key
from bot.storage.visits import OUTCOME_KEYS, SKILL_KEYS, Visit

FLOW = "visit"


class Step(StrEnum):
    """A step of the form (the value is stored in the dialog state)."""

    COMMUNE = "commune"
    HAMLET = "hamlet"
    HOUSEHOLD = "household"
    PEOPLE = "people"
    SKILLS = "skills"
    OUTCOMES = "outcomes"
    CONSENT = "consent"
    NOTE = "note"
    SUMMARY = "summary"
    DUPLICATE = "duplicate"  # the warning about earlier visits to the household
    DATE = "date"  # the summary's Change date
    EDIT = "edit"  # the summary's Edit: which field to change


COMMUNE, HAMLET, HOUSEHOLD, PEOPLE = Step.COMMUNE, Step.HAMLET, Step.HOUSEHOLD, Step.PEOPLE
SKILLS, OUTCOMES, CONSENT, NOTE = Step.SKILLS, Step.OUTCOMES, Step.CONSENT, Step.NOTE
SUMMARY, DUPLICATE, DATE, EDIT = Step.SUMMARY, Step.DUPLICATE, Step.DATE, Step.EDIT
# The questions, in order; the summary follows them. Back goes one question up.
QUESTIONS = (COMMUNE, HAMLET, HOUSEHOLD, PEOPLE, SKILLS, OUTCOMES, CONSENT, NOTE)
STEPS = (*QUESTIONS, SUMMARY, DUPLICATE, DATE, EDIT)
# Steps answered by typing: typed numbers go to the form, not to the numbered options.
TYPED = frozenset({HAMLET, HOUSEHOLD, PEOPLE, NOTE})
# Steps that ask for the household; once they are answered, duplicates are looked for.
PLACE = (COMMUNE, HAMLET, HOUSEHOLD)

_TOKEN_CHARS = string.ascii_lowercase + string.digits


def new_token() -> str:
    """A random draft id: 12 characters, about 62 bits, safe in a button payload."""
    return "".join(secrets.choice(_TOKEN_CHARS) for _ in range(12))


@dataclass
class Draft:
    """One visit being logged (or a saved one being edited)."""

    token: str  # the draft id: in every button of this form, and saved with the visit
    step: Step = COMMUNE
    visit_id: int | None = None  # the saved visit being edited, if any
    commune: str | None = None
    hamlet: str | None = None
    household: str | None = None
    people: int | None = None
    skills: list[str] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    consent: bool = False
    consent_at: str | None = None  # when the volunteer recorded the household's agreement
    note: str | None = None
    day: str | None = None  # an ISO day chosen with "Change date"; None: the day of Confirm
    visited_at: str | None = None  # an edited visit's saved time, kept unless the day changes
    follow_up_of: int | None = None
    checked_key: str | None = None  # the household last checked for earlier visits
    duplicate_of: int | None = None  # the earlier visit the warning is about
    after_duplicate: Step = PEOPLE  # where the form goes once the warning is answered
    to_summary: bool = False  # a field picked from the summary's Edit: go back there after
    choices: list[str] = field(default_factory=list)  # commune codes offered
    recent: list[str] = field(default_factory=list)  # hamlets offered as buttons

    def key(self, secret: bytes) -> str | None:
        """The household key, once commune, hamlet and household are all filled in."""
        if self.commune and self.hamlet and self.household:
            return household_key(self.commune, self.hamlet, self.household, secret)
        return None

    def first_missing(self) -> Step | None:
        """The first question without a usable answer, if any."""
        answered = {
            COMMUNE: bool(self.commune), HAMLET: bool(self.hamlet),
            HOUSEHOLD: bool(self.household), PEOPLE: self.people is not None,
            SKILLS: bool(self.skills), OUTCOMES: True, CONSENT: self.consent, NOTE: True,
        }
        return next((step for step in QUESTIONS if not answered[step]), None)

    def to_state(self) -> dict[str, Any]:
        """The dialog state storing this draft."""
        return {"flow": FLOW, "free_text": self.step in TYPED, "draft": asdict(self)}

    @classmethod
    def from_visit(cls, visit: Visit) -> Draft:
        """A draft holding a saved visit, opened at its summary for editing."""
        record = visit.record
        return cls(
            token=new_token(), step=SUMMARY, visit_id=visit.id, commune=record.commune_code,
            hamlet=record.hamlet, household=record.household, people=record.people,
            skills=[k for k in SKILL_KEYS if k in record.skills],
            outcomes=[k for k in OUTCOME_KEYS if k in record.outcomes], consent=True,
            note=record.note, visited_at=record.visited_at.isoformat(),
            follow_up_of=record.follow_up_of, checked_key=record.household_key)

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Draft | None:
        """The draft in a dialog state; None when it holds no well-formed visit draft."""
        raw = state.get("draft") if state.get("flow") == FLOW else None
        if not isinstance(raw, dict) or not isinstance(raw.get("token"), str):
            return None
        draft = cls(token=raw["token"])
        for name, default in asdict(draft).items():
            value = raw.get(name, default)
            if name != "token" and _fits(value, default, name):
                setattr(draft, name, value)
        draft.skills = [k for k in SKILL_KEYS if k in draft.skills]
        draft.outcomes = [k for k in OUTCOME_KEYS if k in draft.outcomes]
        # Stored as plain strings: made Steps again, or replaced when they name none.
        draft.step = _step(draft.step) or draft.first_missing() or SUMMARY
        after = _step(draft.after_duplicate)
        draft.after_duplicate = after if after is not None and after != DUPLICATE else PEOPLE
        if draft.people is not None and not 1 <= draft.people <= MAX_PEOPLE:
            draft.people = None
        return draft


_STEP_VALUES = frozenset(step.value for step in Step)


def _step(value: str) -> Step | None:
    """The step a stored value names, if it names one."""
    return Step(value) if value in _STEP_VALUES else None


def _fits(value: Any, default: Any, name: str) -> bool:
    """Whether a stored value has the type its field expects (state may be old or damaged)."""
    if name in {"visit_id", "people", "follow_up_of", "duplicate_of"}:
        return value is None or (isinstance(value, int) and not isinstance(value, bool))
    if name in {"commune", "hamlet", "household", "note", "day", "visited_at", "checked_key",
                "consent_at"}:
        return value is None or isinstance(value, str)
    if name in {"step", "after_duplicate"}:
        return isinstance(value, str)
    if isinstance(default, list):
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, type(default))


def key_of(ctx: Context, draft: Draft) -> str | None:
    """The draft's household key, hashed with this database's secret."""
    return draft.key(ctx.services.household_secret)


def open_draft(ctx: Context) -> Draft | None:
    """The user's open visit draft, if any."""
    return Draft.from_state(ctx.state)


def kept_draft(ctx: Context) -> Draft | None:
    """The open visit draft, or else the one kept aside while the user went elsewhere."""
    kept = dialogs.kept_state(ctx, FLOW)
    return open_draft(ctx) or (Draft.from_state(kept) if kept is not None else None)


async def save(ctx: Context, draft: Draft) -> None:
    """Store the draft in the database (it survives restarts)."""
    await dialogs.save(ctx, draft.to_state())
