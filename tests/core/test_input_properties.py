"""Property tests: any text or payload gets an answer; folding treats Vietnamese alike."""

from __future__ import annotations

import asyncio
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import open_app
from bot.core.service import build_router
from bot.core.shared.text import fold, normalize
from tests.factories import Chat, make_config

ROUTER = build_router()
VERBS = ROUTER.verbs
VIETNAMESE = ("aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệ"
              "ìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ")


@given(st.text(alphabet=VIETNAMESE + VIETNAMESE.upper() + " ", max_size=40))
def test_folding_ignores_accents_case_and_normal_form(text: str) -> None:
    folded = fold(text)
    assert folded == fold(unicodedata.normalize("NFD", text))
    assert folded == fold(text.upper())
    assert folded.isascii()
    assert fold(folded) == folded


@given(st.text())
def test_normalize_is_idempotent_and_never_grows_white_space(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert "  " not in once and once == once.strip()


@given(st.text(max_size=100))
def test_any_payload_parses_or_is_refused_without_raising(payload: str) -> None:
    parsed = ROUTER.parse(payload)
    if parsed is not None:
        assert parsed.verb.name in VERBS and ROUTER.parse(parsed.encode()) == parsed


@given(st.sampled_from(sorted(VERBS)), st.integers(0, 999), st.integers(0, 999))
def test_well_formed_payloads_round_trip(verb: str, first: int, second: int) -> None:
    args = [("lesson-id" if kind == "id" else first if i == 1 else second)
            for i, kind in enumerate(VERBS[verb].shape)]
    parsed = ROUTER.parse(VERBS[verb](*args))
    assert parsed is not None and parsed.verb.name == verb


hostile_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet="\u200b\u200f\u202e\ufeff🙂👍🏽 /", max_size=50),
    st.builds(lambda s: "/" + s, st.text(max_size=30)),
    st.builds(lambda s: unicodedata.normalize("NFD", s), st.text(VIETNAMESE, max_size=60)),
    st.just("x" * 10_000),
)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(hostile_text.map(lambda t: ("say", t)),
                          st.text(max_size=70).map(lambda t: ("press", t))), max_size=8))
def test_every_event_gets_an_answer(tmp_path: Path, events: list[tuple[str, str]]) -> None:
    async def run() -> None:
        app = await open_app(make_config(tmp_path))
        try:
            chat = Chat(app.core, user="fuzz")
            for kind, body in events:
                reply = await (chat.say(body) if kind == "say" else chat.press(body))
                assert reply.text.strip()
                assert "Xin lỗi, tôi đang gặp trục trặc" not in reply.text  # no internal error
        finally:
            await app.close()
    asyncio.run(run())
