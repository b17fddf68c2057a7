"""The help request form's draft: what the citizen has answered so far, kept as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

FLOW = "helpme"


class Step(StrEnum):
    """The form's questions, in order (the values are stored in the dialog state)."""

    CONSENT = "consent"
    NAME = "name"
    COMMUNE = "commune"
    HAMLET = "hamlet"
    PHONE = "phone"
    CONFIRM = "confirm"


_ORDER = list(Step)
_STEP_NAMES = frozenset(step.value for step in Step)
# Steps answered by typing: typed numbers are answers, not numbered options.
TYPED_STEPS = frozenset({Step.NAME, Step.HAMLET, Step.PHONE})
_TEXT_FIELDS = ("lesson", "name", "commune", "hamlet", "phone")


@dataclass
class Draft:
    """A help request being filled in; nothing of it is stored until Send."""

    step: Step = Step.CONSENT
    lesson: str | None = None  # the lesson it was asked from, if any
    name: str | None = None
    commune: str | None = None  # the commune's official code
    hamlet: str | None = None
    phone: str | None = None  # optional
    choices: list[str] = field(default_factory=list)  # commune codes offered as buttons
    typed: str = ""  # the text that matched those communes, clipped

    @property
    def free_text(self) -> bool:
        """Whether the open step is answered by typing."""
        if self.step == Step.COMMUNE:
            return not self.choices
        return self.step in TYPED_STEPS

    def first_missing(self) -> Step | None:
        """The first question after consent without an answer (the phone may stay empty)."""
        answered = {Step.NAME: self.name, Step.COMMUNE: self.commune, Step.HAMLET: self.hamlet}
        return next((step for step, value in answered.items() if not value), None)

    def to_state(self) -> dict[str, Any]:
        """The dialog state storing this draft."""
        return {"flow": FLOW, "free_text": self.free_text, **asdict(self)}

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
        typed = state.get("typed")
        if isinstance(typed, str):
            draft.typed = typed
        step = state.get("step")
        draft.step = Step(step) if isinstance(step, str) and step in _STEP_NAMES else Step.CONSENT
        # A damaged or old state never reaches a step whose earlier answers are missing.
        missing = draft.first_missing()
        if missing is not None and _ORDER.index(draft.step) > _ORDER.index(missing):
            draft.step = missing
        return draft
