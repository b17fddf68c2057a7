"""Property: whatever an admin types while a nominee's reason is asked (words, numbers, links,
phone numbers, navigation words, commands, long or odd Unicode), either the nomination is
saved with exactly the normalized text the rules accept, or the answer is clear and nothing is
saved."""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import open_app
from bot.channels.base import TEXT_ONLY
from bot.core.choices import NAV_WORDS, key
from bot.core.context import Services
from bot.core.events import Nav
from bot.core.rewards.rules import check_reason
from bot.core.service import Core
from bot.core.shared.messages import MAX_INPUT
from bot.core.shared.text import normalize
from bot.storage.db import open_database
from tests.core.rewards.helpers import NOW, OCT, SEPT, province
from tests.factories import ADMIN, Chat, Clock, make_config
from tests.factories import text as typed_message

APOLOGY = ("Sorry, something went wrong", "Xin lỗi, tôi đang gặp trục trặc")
VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằắặầấậèẻéẹềếệìỉíịòỏóọồốộờớợùủúụừứựỳýỵ"
TYPED = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=VIETNAMESE + " \n\t.,!0123456789-+@/:", min_size=1, max_size=340),
    st.sampled_from(["1", "0", "9", "huy", "Cancel", "✖ Cancel", "menu", "quay lai", "skip",
                     "/shortlist", "/cancel", "/leaderboard", "https://x.com", "@lan",
                     "t.me/abc", "Gọi 0912 345 678", "0912.345.678", "+84 912 345 678",
                     "CCCD 001234567890", "Tổ 1 giúp 120 hộ", " ", "\u200b", "a" * 301,
                     "a" * 300, "ＨＴＴＰＳ：／／ｘ．ｃｏｍ", "x" * (MAX_INPUT + 1)]),
)


@dataclass(frozen=True)
class Template:
    """A database where the admin is asked the reason for a team, and the services."""

    path: Path
    services: Services = dataclasses.field(repr=False)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """Built once: each example works on a copy (loading the lessons takes most of a second)."""
    directory = tmp_path_factory.mktemp("reason_property")

    async def build() -> Template:
        config = dataclasses.replace(make_config(directory, BOT_ADMINS=ADMIN),
                                     campaigns=(SEPT, OCT))
        app = await open_app(config)
        await province(app)
        admin = Chat(Core(app.services, clock=Clock(NOW)), ADMIN, "en", TEXT_ONLY)
        await admin.say("/shortlist")
        asked = await admin.say("1")  # the first team
        assert "Why should" in asked.text
        await app.close()
        return Template(config.database, app.services)

    return asyncio.run(build())


def _not_a_reason(typed: str) -> bool:
    """Typed text the core takes as something else than an answer: nothing, a command, the
    menu, the question's Cancel, or a message too long to read."""
    text = normalize(typed)
    return (len(typed) > MAX_INPUT or not text or text.startswith("/") or text in ("0", "00")
            or key(text) in NAV_WORDS[Nav.MENU] or key(text) in NAV_WORDS[Nav.CANCEL]
            or key(text) == key("✖ Cancel"))


async def _run(template: Template, copy: Path, typed: str) -> None:
    db = await open_database(copy)
    try:
        services = dataclasses.replace(template.services, db=db)
        core = Core(services, clock=Clock(NOW))
        replies = await core.handle(typed_message(typed, ADMIN, TEXT_ONLY, "en"))
        said = "\n".join(r.text for r in replies)
        assert replies and all(r.text.strip() for r in replies), (typed, replies)
        assert not any(apology in said for apology in APOLOGY), (typed, said)
        stored = [str(r[0]) for r in await db.fetchall("SELECT reason FROM shortlist")]
        checked = check_reason(typed)
        if stored:
            assert stored == [normalize(typed)] == [checked.value], (typed, stored)
            assert "On the shortlist now" in said
            return
        if checked.value is not None:  # a fine reason, not taken as one: a clear other screen
            assert _not_a_reason(typed), (typed, said)
            return
        assert checked.problem is not None
        problem = services.translations.get("en")._(checked.problem).format(**checked.numbers)
        if not _not_a_reason(typed):
            assert problem in said, (typed, said)
    finally:
        await db.close()


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(typed=TYPED)
def test_a_typed_reason_is_saved_exactly_normalized_or_clearly_refused(
        template: Template, tmp_path: Path, typed: str) -> None:
    for old in tmp_path.glob("example.db*"):  # hypothesis reuses the directory
        old.unlink()
    copy = tmp_path / "example.db"
    shutil.copyfile(template.path, copy)
    asyncio.run(_run(template, copy, typed))
