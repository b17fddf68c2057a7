"""The help request form's draft: read from the dialog state JSON as older code wrote it."""

from __future__ import annotations

import json

from bot.core.help.draft import Draft, Step


def test_a_draft_saved_before_the_typed_draft_still_loads() -> None:
    old = {"flow": "helpme", "step": "phone", "lesson": "vneid-level2", "name": "Lan",
           "commune": "17329", "choices": [], "typed": "", "hamlet": "Xóm 3",
           "free_text": True}
    draft = Draft.from_state(old)
    assert draft == Draft(Step.PHONE, "vneid-level2", "Lan", "17329", "Xóm 3")
    state = json.loads(json.dumps(draft.to_state()))
    assert {k: v for k, v in state.items() if k != "phone"} == old
    assert Draft.from_state(state) == draft


def test_a_damaged_draft_goes_back_to_the_first_missing_answer() -> None:
    assert Draft.from_state({"flow": "visit"}) is None
    assert Draft.from_state({"flow": "helpme", "step": "confirm", "name": "Lan"}) == Draft(
        Step.COMMUNE, name="Lan")
    assert Draft.from_state({"flow": "helpme", "step": ["x"], "choices": "17329"}) == Draft()
    offered = Draft(Step.COMMUNE, choices=["17329"])
    assert not offered.free_text and Draft(Step.NAME).free_text
