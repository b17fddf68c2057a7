"""The /deleteme question kept in the dialog state, as older code wrote it."""

from __future__ import annotations

from bot.core.privacy.deletion import Confirmation


def test_a_question_saved_before_the_typed_draft_still_loads() -> None:
    old = {"flow": "deleteme", "token": "0123456789ab"}
    asked = Confirmation.from_state(old)
    assert asked == Confirmation("0123456789ab") and asked.to_state() == old
    assert Confirmation.from_state({"flow": "deleteme"}) is None
    assert Confirmation.from_state({"flow": "helpme", "token": "x"}) is None
    assert len(Confirmation.new().token) == 12
