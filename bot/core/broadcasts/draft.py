"""The /broadcast form's draft: the message, its audience and which step is open, kept in the
dialog state (the same keys as before the draft had a type, so a form left open carries on)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.storage.audiences import Audience, AudienceKind

FLOW = "broadcast"


class Step(StrEnum):
    """The form's steps (the values are stored in the dialog state)."""

    TEXT = "text"  # the message (and the photo, if any)
    AUDIENCE = "audience"
    COMMUNE = "commune"  # typed, or chosen among the communes offered
    LANGUAGE = "language"
    CHANNEL = "channel"  # the chat app, when broadcasts go out on several
    SCHOOL_COMMUNE = "school_commune"  # students of a school: its commune, typed or chosen
    SCHOOL = "school"  # students of a school: the school, among its commune's
    ENGLISH = "english"  # an optional English version
    PREVIEW = "preview"  # send now or schedule
    WHEN = "when"  # the time typed for a scheduled broadcast
    NIGHT = "night"  # send now within quiet hours, or when they end


# Steps answered by typing: typed numbers are answers, not numbered options.
TYPED_STEPS = frozenset({Step.TEXT, Step.COMMUNE, Step.SCHOOL_COMMUNE, Step.ENGLISH, Step.WHEN})
# Steps that offer communes as buttons when there are few (choices), else ask to type one.
_COMMUNE_STEPS = frozenset({Step.COMMUNE, Step.SCHOOL_COMMUNE})
# Steps that come once the audience is chosen.
_AFTER_AUDIENCE = frozenset({Step.ENGLISH, Step.PREVIEW, Step.WHEN, Step.NIGHT})
_STEPS = frozenset(step.value for step in Step)
_KINDS = frozenset(kind.value for kind in AudienceKind)


@dataclass
class Draft:
    """A broadcast being written; nothing of it is stored in broadcasts until it is queued."""

    step: Step = Step.TEXT
    text: str | None = None  # the message (the caption, with a photo)
    text_en: str | None = None  # its English version, if one was written
    photo: str | None = None  # a Photo.ref
    audience: Audience | None = None
    # Offered as buttons: commune codes (COMMUNE, SCHOOL_COMMUNE) or school ids (SCHOOL).
    choices: list[str] = field(default_factory=list)

    @property
    def free_text(self) -> bool:
        """Whether the open step is answered by typing."""
        return self.step in TYPED_STEPS and not (self.step in _COMMUNE_STEPS and self.choices)

    def to_state(self) -> dict[str, Any]:
        """The dialog state storing this draft."""
        audience = None if self.audience is None else {
            "kind": self.audience.kind, "value": self.audience.value}
        return {"flow": FLOW, "step": self.step, "free_text": self.free_text, "text": self.text,
                "text_en": self.text_en, "photo": self.photo, "audience": audience,
                "choices": list(self.choices)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Draft | None:
        """The draft in a dialog state; None when the open flow is another one."""
        if state.get("flow") != FLOW:
            return None
        draft = cls(text=_text(state, "text"), text_en=_text(state, "text_en"),
                    photo=_text(state, "photo"), audience=_audience(state.get("audience")))
        choices = state.get("choices")
        if isinstance(choices, list):
            draft.choices = [code for code in choices if isinstance(code, str)]
        step = state.get("step")
        draft.step = Step(step) if isinstance(step, str) and step in _STEPS else Step.TEXT
        # A damaged state never reaches a step whose earlier answers are missing.
        if draft.step != Step.TEXT and not draft.text:
            draft.step = Step.TEXT
        elif draft.step in _AFTER_AUDIENCE and draft.audience is None:
            draft.step = Step.AUDIENCE
        elif draft.step == Step.SCHOOL and not draft.choices:  # no school left to offer
            draft.step = Step.SCHOOL_COMMUNE
        return draft



def _text(state: dict[str, Any], key: str) -> str | None:
    value = state.get(key)
    return value if isinstance(value, str) else None


def _audience(raw: Any) -> Audience | None:
    """The audience kept as {"kind": ..., "value": ...}, if well formed."""
    if not isinstance(raw, dict) or raw.get("kind") not in _KINDS:
        return None
    value = raw.get("value")
    return Audience(AudienceKind(raw["kind"]), value if isinstance(value, str) else None)
