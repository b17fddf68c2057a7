"""Property tests: the visit form's checks, and random text typed at every step."""

from __future__ import annotations

import asyncio
import itertools
import re
import unicodedata
from collections.abc import Awaitable, Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import App, open_app
from bot.core.events import Reply
from bot.core.shared.text import fold, normalize
from bot.core.visits.draft import STEPS, Draft
from bot.core.visits.rules import (
    MAX_NOTE,
    household_key,
    looks_like_id_number,
    note_problem,
    parse_people,
    place_problem,
    tidy_place,
)
from bot.storage.visits import OUTCOME_KEYS, SKILL_KEYS
from tests.core.visits.test_visits import make_volunteer, rows, state_of
from tests.factories import Chat, make_config

VIETNAMESE = ("aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệ"
              "ìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ")
SEPARATOR = st.sampled_from(["", " ", ".", "-"])


@given(st.text())
def test_tidying_a_place_changes_case_and_spaces_only(text: str) -> None:
    tidy = tidy_place(text)
    assert fold(tidy) == fold(text)
    assert tidy == normalize(tidy) and tidy_place(tidy) == tidy


@given(st.sampled_from([9, 12]), st.lists(SEPARATOR, min_size=11, max_size=11),
       st.text(alphabet=VIETNAMESE + " ", max_size=10))
def test_nine_or_twelve_digits_are_an_id_number_whatever_the_separators(
        count: int, separators: list[str], words: str) -> None:
    digits = "0381234567890"[:count]
    spaced = "".join(d + (separators[i] if i < count - 1 else "") for i, d in enumerate(digits))
    assert looks_like_id_number(f"{words} {spaced} {words}")
    assert place_problem(tidy_place(f"Nhà {spaced}")) is not None


@given(st.integers(0, 10**8).filter(lambda n: len(str(n)) not in (9, 12)),
       st.text(alphabet=VIETNAMESE + " ", max_size=20))
def test_other_numbers_are_not_id_numbers(number: int, words: str) -> None:
    assert not looks_like_id_number(f"{words} {number} {words}")


@given(st.text(alphabet=VIETNAMESE + " ", min_size=1, max_size=30),
       st.text(alphabet=VIETNAMESE + "0123456789 ", min_size=1, max_size=30))
def test_the_household_key_ignores_accents_case_and_spacing(hamlet: str, household: str) -> None:
    key = household_key("17329", hamlet, household, b"secret")
    assert household_key("17329", unicodedata.normalize("NFD", hamlet.upper()),
                         f"  {household}  ".replace(" ", "   "), b"secret") == key
    assert household_key("17329", hamlet, household, b"another") != key
    assert re.fullmatch(r"[0-9a-f]{32}", key)  # a hash: no name in it


@given(st.integers(-1000, 10**7))
def test_numbers_of_people_parse_back(number: int) -> None:
    parsed = parse_people(str(number))
    assert parsed == (number if 0 <= number < 10**6 else None)
    assert parse_people(f"{number} người") == parsed


@given(st.text(max_size=400))
def test_an_accepted_note_is_short_has_words_and_no_id_number(note: str) -> None:
    if note_problem(note) is None:
        assert 1 <= len(note) <= MAX_NOTE and not looks_like_id_number(note)
        assert any(unicodedata.category(ch)[0] in "LN" for ch in note)


typed = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=VIETNAMESE + "0123456789 .-", max_size=70),
    st.text(alphabet="🙂👍🏽🎉\u200b\ufeff .", max_size=10),
    st.integers(-5, 600).map(str),
    st.sampled_from(["Done", "done ▶", "Skip", "Yes", "Back", "✓", "1", "123456789",
                     "Nhà 0381 2345 6789", "x" * 4000, "x" * 301, "🙂", "Anh Sơn", "son"]),
)

# The taps and messages that lead to each step; random text is then typed there.
Walk = list[Callable[[Chat], Awaitable[Reply]]]
WALK: Walk = [
    lambda c: c.say("/visit"), lambda c: c.tap("✓"), lambda c: c.say("Thôn 3"),
    lambda c: c.say("Nhà số 8"), lambda c: c.tap("2"), lambda c: c.tap("payment"),
    lambda c: c.tap("Done"), lambda c: c.tap("Done"), lambda c: c.tap("Yes"),
    lambda c: c.tap("Skip"),
]


def _id_like(text: str) -> bool:
    digits = re.sub(r"(?<=\d)[ .-](?=\d)", "", text)
    return any(len(run) in (9, 12) for run in re.findall(r"\d+", digits))


def assert_consistent(state: dict[str, object], token: str | None) -> None:
    """The stored draft is closed, or well formed with only accepted answers in it."""
    if state == {}:
        return
    draft = Draft.from_state(state)
    assert draft is not None and draft.token == token and draft.step in STEPS
    assert draft.to_state() == state  # nothing in it that loading would have to repair
    # Checked against the rules as written, not against the form's own functions.
    assert draft.people is None or 1 <= draft.people <= 30
    for value, limit in ((draft.hamlet, 60), (draft.household, 60), (draft.note, 300)):
        assert value is None or (1 <= len(value) <= limit and not _id_like(value)
                                 and any(ch.isalnum() for ch in value))
    assert set(draft.skills) <= set(SKILL_KEYS) and set(draft.outcomes) <= set(OUTCOME_KEYS)
    assert draft.commune is None or draft.commune.isdigit()


async def _type_at_step(app: App, key: str, depth: int, texts: list[str]) -> None:
    await make_volunteer(app, key, None)
    chat = Chat(app.core, key, locale="en")
    for step in WALK[:depth + 1]:
        await step(chat)
    token = str((await state_of(app, key))["draft"]["token"])
    for body in texts:
        reply = await chat.say(body)
        assert reply.text.strip() and "something went wrong" not in reply.text
        assert_consistent(await state_of(app, key), token)
    visits = await rows(app, "SELECT id FROM visits WHERE volunteer_id = "
                        "(SELECT id FROM users WHERE external_id = ?)", (key,))
    assert visits == []  # typing alone never confirms


def test_random_text_at_every_step_keeps_the_draft_consistent(tmp_path: Path) -> None:
    keys = itertools.count()
    with asyncio.Runner() as runner:
        app = runner.run(open_app(make_config(tmp_path)))

        @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(st.integers(0, len(WALK) - 1), st.lists(typed, min_size=1, max_size=6))
        def run(depth: int, texts: list[str]) -> None:
            runner.run(_type_at_step(app, f"p{next(keys)}", depth, texts))

        try:
            run()
        finally:
            runner.run(app.close())
