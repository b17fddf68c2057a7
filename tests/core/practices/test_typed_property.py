"""Property: whatever a text-only user types at each question of /practice (words, numbers,
navigation words, commands, links, long or odd Unicode), it either fills that question's own
part of the draft, with exactly what the rules make of it, or gets a clear answer; no other
part of the draft ever changes."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import open_app
from bot.channels.base import TEXT_ONLY
from bot.core.context import Services
from bot.core.practices.rules import check_result, check_title, check_what
from bot.core.service import Core
from bot.core.shared.text import normalize
from bot.storage import teams, users
from bot.storage.db import Database, open_database
from tests.core.practices.helpers import NOW, member
from tests.factories import ANH_SON, Chat, Clock, make_config
from tests.factories import text as typed_message

USER = "11"
APOLOGY = ("Sorry, something went wrong", "Xin lỗi, tôi đang gặp trục trặc")
PARTS = ("title", "commune", "what", "result", "figures", "photo")
# What is typed (on a text-only chat, the team without visits: no figures, no photo step) to
# reach each question, and the part of the draft it fills.
WALK = ["/practice", "Dạy VNeID ở chợ", "1", "Đặt bàn ở chợ phiên.", "40 người.", "2"]
QUESTIONS: dict[str, tuple[int, str | None]] = {
    "title": (1, "title"), "where": (2, "commune"), "what": (3, "what"),
    "result": (4, "result"), "summary": (5, None), "edit": (6, None),
}
VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằắặầấậèẻéẹềếệìỉíịòỏóọồốộờớợùủúụừứựỳýỵ"
TYPED = st.one_of(
    st.text(max_size=120),
    st.text(alphabet=VIETNAMESE + " \n.,!", min_size=1, max_size=700),
    st.sampled_from(["1", "2", "3", "4", "5", "9", "0", "00", "12", "huy", "bo qua", "skip",
                     "back", "quay lai", "menu", "Cancel", "✖ Cancel", "📨 Send", "Title",
                     "/practice", "/practices", "/mystats", "/cancel", "anh son", "son",
                     "Xã Anh Sơn", "https://x.com", "@lan", "t.me/abc", "Lan", " ", "a" * 81,
                     "ＨＴＴＰＳ：／／ｘ．ｃｏｍ"]),
)


def _draft(state: dict[str, Any]) -> dict[str, Any] | None:
    """The practice form's draft, open or kept aside."""
    if state.get("flow") == "practice":
        return state
    kept = state.get("suspended", {})
    found = kept.get("practice") if isinstance(kept, dict) else None
    return found if isinstance(found, dict) else None


def _allowed(services: Services, own: str, typed: str) -> set[str | None]:
    """What the question's own part may hold after typed was its answer."""
    if own == "commune":
        found: set[str | None] = {ANH_SON}
        return found | {c.code for c in services.communes.find(normalize(typed))}
    check = {"title": check_title, "what": check_what, "result": check_result}[own]
    return {check(typed if own != "title" else normalize(typed)).value}


@dataclass(frozen=True)
class Template:
    """A database holding the team and its member, and the services loaded once."""

    path: Path
    services: Services


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """Built once: each example works on a copy (loading the lessons takes most of a second)."""
    directory = tmp_path_factory.mktemp("practice_property")

    async def build() -> Template:
        config = make_config(directory)
        app = await open_app(config)
        core = Core(app.services, clock=Clock(NOW))
        team = await teams.create(app.services.db, "AS1K7Q", "Tổ Thôn 1", ANH_SON, None, NOW)
        await member(app, core, USER, team, "Minh", caps=TEXT_ONLY)
        await app.close()
        return Template(config.database, app.services)

    return asyncio.run(build())


async def _run(template: Template, copy: Path, question: str, typed: str) -> None:
    db = await open_database(copy)
    try:
        services = dataclasses.replace(template.services, db=db)
        core = Core(services, clock=Clock(NOW))
        chat = Chat(core, USER, "en", TEXT_ONLY)
        count, own = QUESTIONS[question]
        for step in WALK[:count]:
            await chat.say(step)
        before = _draft(await _state(db))
        assert before is not None
        replies = await core.handle(typed_message(typed, USER, TEXT_ONLY, "en"))
        said = "\n".join(r.text for r in replies)
        assert replies and all(r.text.strip() for r in replies), (typed, replies)
        assert not any(apology in said for apology in APOLOGY), (typed, said)
        after = _draft(await _state(db))
        if after is None:  # cancelled or sent: the answer said so
            return
        for part in PARTS:
            if part != own:
                assert after.get(part) == before.get(part), (question, typed, part)
        if own is not None and after.get(own) != before.get(own):
            assert after.get(own) in _allowed(services, own, typed), (question, typed, after)
    finally:
        await db.close()


async def _state(db: Database) -> dict[str, Any]:
    user = await users.get(db, "telegram", USER)
    assert user is not None
    row = await db.fetchone("SELECT state FROM dialogs WHERE user_id = ?", (user.id,))
    return dict(json.loads(row[0])) if row else {}


@pytest.mark.parametrize("question", list(QUESTIONS))
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(typed=TYPED)
def test_typed_text_fills_only_its_own_question(template: Template, tmp_path: Path,
                                               question: str, typed: str) -> None:
    for old in tmp_path.glob("example.db*"):  # hypothesis reuses the directory
        old.unlink()
    copy = tmp_path / "example.db"
    shutil.copyfile(template.path, copy)
    asyncio.run(_run(template, copy, question, typed))
