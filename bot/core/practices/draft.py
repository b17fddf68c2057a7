"""The /practice form's draft: what the writer has answered so far, kept as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

FLOW = "practice"


class Step(StrEnum):
    """The form's questions in order, the summary, and its list of parts to change."""

    TITLE = "title"
    WHERE = "where"
    WHAT = "what"
    RESULT = "result"
    FIGURES = "figures"  # attach the team's figures to the result?
    PHOTO = "photo"
    CONFIRM = "confirm"
    EDIT = "edit"  # which part to change


_ORDER = list(Step)
_STEP_NAMES = frozenset(step.value for step in Step)
# The parts that can be changed from the summary, and the step asking each.
PARTS = {"title": Step.TITLE, "where": Step.WHERE, "what": Step.WHAT, "result": Step.RESULT,
         "photo": Step.PHOTO}
_TEXT_FIELDS = ("title", "commune", "what", "result", "figures", "offer", "photo", "note")


@dataclass
class Draft:
    """A good practice being written; nothing of it is stored until Send."""

    step: Step = Step.TITLE
    title: str | None = None
    commune: str | None = None  # the commune's official code
    what: str | None = None
    result: str | None = None
    figures: str | None = None  # the team's figures line, if attached
    offer: str | None = None  # the figures line offered at the FIGURES step
    photo: str | None = None  # a photo reference
    choices: list[str] = field(default_factory=list)  # commune codes offered as buttons
    editing: bool = False  # one part is being changed: back to the summary after it
    practice: int | None = None  # the practice being changed after an admin asked
    note: str | None = None  # that admin's reason

    def first_missing(self) -> Step | None:
        """The first question without an answer (the figures and the photo are optional)."""
        answered = {Step.TITLE: self.title, Step.WHERE: self.commune, Step.WHAT: self.what,
                    Step.RESULT: self.result}
        return next((step for step, value in answered.items() if not value), None)

    def to_state(self) -> dict[str, Any]:
        """The dialog state storing this draft."""
        return {"flow": FLOW, **asdict(self)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Draft | None:
        """The draft in a dialog state; None when the open flow is another one."""
        if state.get("flow") != FLOW:
            return None
        draft = cls()
        for name in _TEXT_FIELDS:
            value = state.get(name)
            if isinstance(value, str):
                setattr(draft, name, value)
        choices = state.get("choices")
        if isinstance(choices, list):
            draft.choices = [code for code in choices if isinstance(code, str)]
        draft.editing = state.get("editing") is True
        practice = state.get("practice")
        if isinstance(practice, int) and not isinstance(practice, bool) and practice > 0:
            draft.practice = practice
        step = state.get("step")
        draft.step = Step(step) if isinstance(step, str) and step in _STEP_NAMES else Step.TITLE
        # A damaged or old state never reaches a step whose earlier answers are missing.
        missing = draft.first_missing()
        if missing is not None and (_ORDER.index(draft.step) > _ORDER.index(missing)
                                    or draft.editing):
            draft.step, draft.editing = missing, False
        return draft
