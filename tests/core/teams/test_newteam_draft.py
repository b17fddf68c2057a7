"""The /newteam form's draft: read from the dialog state JSON as older code wrote it."""

from __future__ import annotations

from bot.core.teams.form import Draft, Step


def test_drafts_saved_before_the_typed_draft_still_load() -> None:
    for old in ({"flow": "newteam", "step": "commune", "free_text": True},
                {"flow": "newteam", "step": "commune", "free_text": False},
                {"flow": "newteam", "step": "name", "free_text": True, "commune": "17329"}):
        draft = Draft.from_state(old)
        assert draft is not None and draft.to_state() == old
    assert Draft.from_state({"flow": "newteam", "step": "name"}) == Draft(Step.COMMUNE)
    assert Draft.from_state({"flow": "helpme"}) is None
