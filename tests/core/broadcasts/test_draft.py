"""The /broadcast form's draft: read from the dialog state JSON as older code wrote it."""

from __future__ import annotations

import json

from bot.core.broadcasts.draft import Draft, Step
from bot.storage.audiences import Audience, AudienceKind


def test_a_draft_saved_before_the_typed_draft_still_loads() -> None:
    # What the form wrote before its draft had a type: at the preview, with a commune chosen.
    old = {"flow": "broadcast", "step": "preview", "free_text": False, "text": "Họp tổ",
           "photo": "telegram:AgACPhoto1", "choices": [], "text_en": "Team meeting",
           "audience": {"kind": "commune", "value": "17329"}}
    draft = Draft.from_state(old)
    assert draft == Draft(Step.PREVIEW, "Họp tổ", "Team meeting", "telegram:AgACPhoto1",
                          Audience(AudienceKind.COMMUNE, "17329"))
    state = json.loads(json.dumps(draft.to_state()))
    assert state == old
    assert Draft.from_state(state) == draft
    # Opened, nothing typed yet: only the step was kept.
    assert Draft.from_state({"flow": "broadcast", "step": "text", "free_text": True}) == Draft()


def test_a_damaged_draft_goes_back_to_the_first_missing_answer() -> None:
    assert Draft.from_state({"flow": "visit"}) is None
    assert Draft.from_state({"flow": "broadcast", "step": "preview"}) == Draft()
    assert Draft.from_state({"flow": "broadcast", "step": "night", "text": "Họp",
                             "audience": {"kind": "martians"}}) == Draft(Step.AUDIENCE, "Họp")
    assert Draft.from_state({"flow": "broadcast", "step": ["x"], "choices": "17329"}) == Draft()
    offered = Draft(Step.COMMUNE, "Họp", choices=["17329"])
    assert not offered.free_text and Draft(Step.COMMUNE, "Họp").free_text
    assert not Draft(Step.PREVIEW).free_text
