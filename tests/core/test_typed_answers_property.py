"""Property: whatever mix of commands, numbers, navigation words and answers a text-only user
types, every field of every form (open or kept aside) holds only an answer typed while that
field's own question was the screen shown last.

The test keeps its own model of "the question shown last", read from the replies the user saw
(not from the bot's state): a reply naming a question sets it; a form's refusal (it still shows
the form's Cancel) keeps it; any other screen clears it.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import App
from bot.channels.base import TEXT_ONLY
from bot.core.events import Nav, Reply
from bot.storage import dialogs, teams, users
from tests.factories import ADMIN, ANH_SON, Chat, running_app

# Each question a form asks by typing, found by a piece of its text (English).
QUESTIONS = {
    "Step 2 of 8": ("visit", "hamlet"),
    "Step 3 of 8": ("visit", "household"),
    "Step 4 of 8": ("visit", "people"),
    "Step 8 of 8": ("visit", "note"),
    "What is your first name": ("helpme", "name"),
    "For example: Xóm 3.": ("helpme", "hamlet"),
    "A phone number lets the volunteer call you": ("helpme", "phone"),
    "Type the message exactly as people should read it": ("broadcast", "text"),
    "Users who chose English get an English version": ("broadcast", "text_en"),
    "Now type the team's name": ("newteam", "name"),
}
COMMANDS = ["/visit", "/helpme", "/broadcast", "/newteam", "/mystats", "/help", "/menu",
            "/progress", "/cancel", "/teamstats", "/stats", "/team", "/export"]
NAVIGATION = ["menu", "back", "quay lai", "huy", "bo qua", "skip", "Continue it", "Start over",
              "Done", "Yes", "Everyone", "anh son"]
NUMBERS = [str(n) for n in range(10)]

# Ways into each form's typed questions, so that short sequences reach them often.
OPENINGS = [["/visit", "1"], ["/visit", "1", "ANSWER", "ANSWER"], ["/helpme", "1"],
            ["/helpme", "1", "ANSWER", "anh son"], ["/broadcast"], ["/newteam", "anh son"],
            ["/broadcast", "ANSWER", "1"]]
single = st.one_of(st.sampled_from(COMMANDS), st.sampled_from(NAVIGATION),
                   st.sampled_from(NUMBERS), st.just("ANSWER"), st.just("ANSWER"))
inputs = st.lists(st.one_of(single.map(lambda body: [body]), st.sampled_from(OPENINGS)),
                  min_size=1, max_size=16).map(lambda chunks: [b for c in chunks for b in c])


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(inputs)
def test_every_form_field_holds_only_an_answer_to_its_own_question(
        tmp_path: Path, typed: list[str]) -> None:
    for old in tmp_path.glob("bot.db*"):  # hypothesis reuses the directory between examples
        old.unlink()
    asyncio.run(_run(tmp_path, typed))


async def _run(tmp_path: Path, typed: list[str]) -> None:
    async with running_app(tmp_path) as app:
        chat = await _admin_volunteer(app)
        answers: dict[tuple[str, str], set[str]] = defaultdict(set)
        asked: tuple[str, str] | None = None
        names = (f"Lan{suffix}" for suffix in _suffixes())
        for body in typed:
            text = next(names) if body == "ANSWER" else body
            if asked is not None:
                answers[asked].add(text)
            await chat.say(text)
            asked = _asked_now(chat.last, asked)
            await _check(app, answers, text)


async def _admin_volunteer(app: App) -> Chat:
    db, now = app.services.db, datetime.now(UTC)
    user = await users.touch(db, "telegram", ADMIN, "en", now)
    team = await teams.create(db, "NA4K7Q", "Tổ CNS thôn 3", ANH_SON, None, now)
    await teams.join(db, user.id, team.id, "Lan", now)
    return Chat(app.core, ADMIN, "en", TEXT_ONLY)


def _suffixes() -> Any:
    letters = "abcdefghij"
    return ("".join(p) for n in itertools.count(2)
            for p in itertools.product(letters, repeat=n))


def _asked_now(replies: list[Reply], before: tuple[str, str] | None
               ) -> tuple[str, str] | None:
    """The question shown last, by the model's reading of the replies."""
    if not replies:
        return before
    last = replies[-1]
    for marker, question in QUESTIONS.items():
        if marker in last.text:
            return question
    if any(b.nav is Nav.CANCEL for b in last.options()) and "📌" not in last.text:
        return before  # the form refused the answer and asks again
    return None


async def _check(app: App, answers: dict[tuple[str, str], set[str]], last: str) -> None:
    user = await users.get(app.services.db, "telegram", ADMIN)
    assert user is not None
    state = (await dialogs.load(app.services.db, user.id)).state
    forms = [state, *state.get("suspended", {}).values()]
    for form in forms:
        flow = form.get("flow")
        fields = form.get("draft", form) if flow == "visit" else form
        for (owner, field), typed in [(q, answers.get(q, set())) for q in QUESTIONS.values()]:
            if owner != flow or (field == "name" and flow == "newteam"):
                continue
            value = fields.get(field)
            if value is None or value == "":
                continue
            assert _typed_form(value) in {_typed_form(v) for v in typed}, (
                f"{flow}.{field} = {value!r}, typed after {last!r}; answers to its question: "
                f"{sorted(typed)}")
    names = {row["name"] for row in await app.services.db.fetchall("SELECT name FROM teams")}
    assert names - {"Tổ CNS thôn 3"} <= answers.get(("newteam", "name"), set())


def _typed_form(value: object) -> str:
    """A stored value as it was typed: people as a number, places as written."""
    return str(value).casefold().replace(" ", "")
