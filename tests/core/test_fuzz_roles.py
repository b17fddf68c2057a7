"""Property tests: random sequences of events from every role, sent through the core.

Each example copies the world of tests/roles_setup.py (two teams, a leader and volunteers,
visits, help requests, a scheduled broadcast, a user who deleted their data) and lets its users
send random things: hostile Unicode (NFD, emoji, right-to-left text, zero-width joiners,
control characters, 10,000 characters), commands in any order with any arguments, forged button
payloads, real verbs with random arguments, and buttons captured from earlier replies to
anyone (an admin's broadcast buttons pressed by a citizen, a volunteer's visit buttons pressed
by another). Whatever happens:

- Core.handle answers every event with at least one message, none empty, and no apology for an
  internal error (an exception caught inside the core is a bug too);
- a citizen (no team, not an admin) never reads volunteers' or admins' data: names, join codes,
  households, other people's help requests and phone numbers, broadcast texts;
- the database stays consistent: integrity_check, foreign_key_check, and the domain invariants
  of check_invariants().
"""

from __future__ import annotations

import asyncio
import itertools
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.channels.base import TELEGRAM, TEXT_ONLY
from bot.core.events import Reply
from bot.core.service import build_router
from bot.storage import teams
from bot.storage.db import Database
from tests import roles_setup as w
from tests.factories import press, text
from tests.roles_setup import ADMIN, ASKER, MARKERS, ROLES, Template, World, build_template

ACTORS = (*ROLES.values(), ASKER)  # the roles, and a citizen whose request is waiting
OWN_REQUEST = {ASKER: {w.ASKER_NAME, w.ASKER_HAMLET, w.ASKER_PHONE}}
# Who a citizen is told is coming to help them: named only once their request is taken.
HELPERS = {w.VOLUNTEER_NAME, w.LEADER_NAME, w.OUTSIDER_NAME, w.TEAM_NAME, w.OTHER_TEAM_NAME}
APOLOGY = ("Sorry, something went wrong", "Xin lỗi, tôi đang gặp trục trặc")
COMMANDS = sorted(build_router().commands)
VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằắặầấậèẻéẹềếệìỉíịòỏóọồốộờớợùủúụừứựỳýỵ"
ODD = ("\u200b\u200c\u200d\u200e\u200f\u202a\u202e\u2066\u2069\ufeff\u0301\u0000\u0007\u001b"
       "\t\r\n\x85\u2028🙂👍🏽👨‍👩‍👧🇻🇳ﷺعربيעברית")

# Text users type: hostile Unicode, long messages, numbers that pick options, commands.
_ARGS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["1", "2", "3", "0", "-1", "#1", "999999999999999", "son", "anh son",
                     "2026-10-01 2026-10-10", "10/10/2026 01/10/2026", "01/10/2026 10/10/2026",
                     "08:30", "04/10 09:00", "31/02 25:00", "vneid", w.TEAM_CODE, w.OTHER_CODE,
                     "na4k7q", "0912 345 678", "012345678901", "Lan", "Xóm 3"]),
)
_TEXT = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=ODD + VIETNAMESE + " /", max_size=80),
    st.text(alphabet=VIETNAMESE + " ", max_size=60).map(lambda s: unicodedata.normalize("NFD", s)),
    st.builds(lambda ch, n: ch * n, st.characters(), st.integers(3_000, 10_000)),
    st.builds(lambda name, args: f"/{name} {args}".strip(), st.sampled_from(COMMANDS), _ARGS),
    st.builds(lambda name: f"/{name}", st.sampled_from(COMMANDS)),
    _ARGS,
)
_ARG_OF_KIND = {
    "id": st.one_of(st.from_regex(r"[a-z0-9_-]{1,24}", fullmatch=True),
                    st.sampled_from(["handbook", "public_services", "guide-older-people", "en",
                                     "vi", "c0", "c9", "s", "l", "everyone", "commune", "edit",
                                     "del", "delok", "list", "com", "confirm", "cancel"])),
    "n": st.integers(0, 999).map(str),
    "i": st.one_of(st.integers(0, 12).map(str), st.sampled_from(["17329", "17254",
                                                                 "999999999999"])),
}
_VERBS = build_router().verbs
_VERB_WITH_ARGS = st.sampled_from(sorted(_VERBS)).flatmap(
    lambda verb: st.tuples(*(_ARG_OF_KIND[kind] for kind in _VERBS[verb].shape)).map(
        lambda args: ":".join((verb, *args))))


@dataclass(frozen=True)
class Event:
    """One thing a user does: type text (on Telegram or a text-only channel), press a payload,
    or press a button captured so far from anyone's replies (drawn when it is sent)."""

    actor: str
    kind: str  # "say", "type" (text-only channel), "press", "replay"
    body: str = ""
    locale: str | None = "en"


EVENTS = st.one_of(
    st.builds(Event, st.sampled_from(ACTORS), st.just("say"), _TEXT,
              locale=st.sampled_from(["en", "vi", None, "fr"])),
    st.builds(Event, st.sampled_from(ACTORS), st.just("type"), _TEXT),
    st.builds(Event, st.sampled_from(ACTORS), st.just("press"),
              st.one_of(st.text(max_size=70), _VERB_WITH_ARGS)),
    st.builds(Event, st.sampled_from(ACTORS), st.just("replay")),
)


class Fixture:
    """The template, a directory for the copies, and buttons every role was shown once."""

    def __init__(self, template: Template, directory: Path, harvest: tuple[str, ...]) -> None:
        self.template, self.directory, self.harvest = template, directory, harvest
        self.counter = itertools.count()

    def __repr__(self) -> str:
        return f"Fixture({self.directory})"  # not the whole catalog, in hypothesis' reports


TOUR = {  # what each user does once, so their buttons can be replayed by the others
    ADMIN: ["/broadcast", "Bản tin", f"/team {w.TEAM_CODE}", "/stats", "/teamstats", "/broadcasts",
            "/export", "/newteam", "son", "/requests", "/audit", "/stopbroadcast 1"],
    w.VOLUNTEER: ["/myvisits", "/requests", "/visit", "/deleteme", "/mystats"],
    w.LEADER: ["/team", "/stats", "/leaderboard"],
    w.OUTSIDER: ["/myvisits", "/visit"],
    ASKER: ["/helpme", "/privacy"],
}


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    """The world, built once, and the buttons its users are shown on a short tour."""
    directory = tmp_path_factory.mktemp("fuzz")

    async def build() -> Fixture:
        template = await build_template(directory)
        world = await template.open_copy(directory, "tour.db")
        seen: set[str] = set(template.seeds.stale.values())
        for key, steps in TOUR.items():
            for step in steps:
                seen |= _payloads(await world.core.handle(
                    text(step, key, TELEGRAM, "en")))
        await world.close()
        return Fixture(template, directory, tuple(sorted(seen)))

    return asyncio.run(build())


def _payloads(replies: list[Reply]) -> set[str]:
    return {option.action for reply in replies for option in reply.options()}


async def _send(world: World, event: Event, pool: list[str], data: st.DataObject
                ) -> tuple[str, list[Reply]]:
    """What was sent (for failure messages) and the replies."""
    if event.kind in ("replay", "press"):
        payload = (data.draw(st.sampled_from(pool), label="replayed") if event.kind == "replay"
                   else event.body)
        sent = press(payload, event.actor, TELEGRAM, event.locale)
        return f"{event.actor} pressed {payload!r}", await world.core.handle(sent)
    caps = TEXT_ONLY if event.kind == "type" else TELEGRAM
    typed = text(event.body, event.actor, caps, event.locale)
    return f"{event.actor} typed {event.body[:80]!r}", await world.core.handle(typed)


async def citizen_secrets(world: World, key: str) -> set[str]:
    """The markers this user must not read now: all of them for a citizen (but their own
    request, and who comes once it is taken); none for team members and admins."""
    uid = await world.user_id(key)
    if key == ADMIN or (uid is not None and await teams.membership_of(world.db, uid)):
        return set()
    secrets = set(MARKERS) - OWN_REQUEST.get(key, set())
    if uid is not None and await world.db.fetchone(
            "SELECT 1 FROM help_requests WHERE citizen_id = ? AND taken_by IS NOT NULL", (uid,)):
        secrets -= HELPERS
    return secrets


def _typed(event: Event) -> set[str]:
    """Markers the user typed themselves: answers may quote them back."""
    return {m for m in MARKERS if m.casefold() in event.body.casefold()}


async def _single(db: Database, sql: str) -> list[Any]:
    return [tuple(row) for row in await db.fetchall(sql)]


async def check_invariants(world: World) -> None:
    """SQLite's own checks, then what must hold between the tables whatever users did."""
    db = world.db
    assert await _single(db, "PRAGMA integrity_check") == [("ok",)]
    assert await _single(db, "PRAGMA foreign_key_check") == []
    for state, options in await _single(db, "SELECT state, options FROM dialogs"):
        assert isinstance(json.loads(state), dict)
        assert all(len(o) == 4 and all(isinstance(x, str) for x in o)
                   for o in json.loads(options))
    for reply, sent_at in await _single(db, "SELECT reply, sent_at FROM outbox"):
        message = json.loads(reply)
        assert isinstance(message["text"], str) and isinstance(message["buttons"], list)
        assert sent_at is not None or message["text"].strip(), "an empty notice is queued"
    # Help requests: taken ones have a taker, open ones none; one waiting request per citizen.
    assert await _single(db, "SELECT id FROM help_requests WHERE (status = 'taken') != "
                             "(taken_by IS NOT NULL) AND status IN ('open', 'taken')") == []
    assert await _single(db, "SELECT citizen_id FROM help_requests WHERE citizen_id IS NOT "
                             "NULL AND status IN ('open', 'taken') GROUP BY citizen_id "
                             "HAVING COUNT(*) > 1") == []
    # Broadcasts: each written with its audit entry, each stop too (an actor who deleted their
    # data has a tag before the detail); a stopped or finished one has nothing left pending.
    assert await _single(db, "SELECT id FROM broadcasts b WHERE (SELECT COUNT(*) FROM audit_log "
                             "WHERE action = 'broadcast' AND detail LIKE "
                             "'%{\"event\":\"broadcast_queued\",\"broadcast\":' || b.id "
                             "|| ',%') != 1") == []
    assert await _single(db, "SELECT id FROM broadcasts b WHERE status = 'cancelled' AND NOT "
                             "EXISTS (SELECT 1 FROM audit_log WHERE action = 'broadcast' AND "
                             "detail LIKE '%{\"event\":\"broadcast_stopped\",\"broadcast\":'"
                             " || b.id || ',%')") == []
    assert await _single(db, "SELECT DISTINCT b.id FROM broadcasts b JOIN deliveries d ON "
                             "d.broadcast_id = b.id WHERE b.status IN ('draft', 'cancelled', "
                             "'done') AND d.status = 'pending'") == []
    # Visits: a deleted visit says when it was deleted.
    assert await _single(db, "SELECT id FROM visits WHERE deleted_by IS NOT NULL AND "
                             "deleted_at IS NULL") == []
    _lessons_fit(world, await _single(
        db, "SELECT lesson_id, position, status, completed_at FROM lesson_progress"))


def _lessons_fit(world: World, rows: list[Any]) -> None:
    lessons = world.core.services.catalog.lessons
    for lesson_id, position, status, completed_at in rows:
        lesson = lessons.get(lesson_id)
        assert lesson is not None and 0 <= position <= lesson.end, (lesson_id, position)
        assert status != "done" or completed_at is not None


async def _run(fixture: Fixture, data: st.DataObject, events: st.SearchStrategy[list[Event]]
               ) -> None:
    name = f"fuzz{next(fixture.counter)}.db"
    world = await fixture.template.open_copy(fixture.directory, name)
    pool = list(fixture.harvest)
    try:
        for event in data.draw(events, label="events"):
            sent, replies = await _send(world, event, pool, data)
            said = "\n".join(reply.text for reply in replies)
            assert replies, sent
            assert all(reply.text.strip() for reply in replies), (sent, replies)
            assert not any(apology in said for apology in APOLOGY), (sent, said)
            for secret in await citizen_secrets(world, event.actor) - {*_typed(event)}:
                assert secret not in said, f"{sent}, and read {secret!r}:\n{said}"
            pool += sorted(_payloads(replies) - set(pool))
        await check_invariants(world)
    finally:
        await world.close()
        for suffix in ("", "-wal", "-shm"):
            (fixture.directory / f"{name}{suffix}").unlink(missing_ok=True)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_events_from_every_role(fuzz: Fixture, data: st.DataObject) -> None:
    """Any sequence of anything from anyone: answered, no leak to citizens, data consistent."""
    asyncio.run(_run(fuzz, data, st.lists(EVENTS, min_size=1, max_size=14)))


CITIZENS = (w.CITIZEN, w.DELETED, ASKER)
REPLAYS = st.lists(st.one_of(
    st.builds(Event, st.sampled_from(CITIZENS), st.just("replay")),
    st.builds(Event, st.sampled_from(CITIZENS), st.just("say"),
              st.sampled_from(COMMANDS).map(lambda name: f"/{name}")),
    st.builds(Event, st.sampled_from(CITIZENS), st.just("type"), st.integers(0, 12).map(str)),
), min_size=1, max_size=20)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_citizens_replaying_everyone_s_buttons_learn_nothing(fuzz: Fixture,
                                                            data: st.DataObject) -> None:
    """Citizens press admins' and volunteers' buttons and type every command and option number:
    answered, never shown others' data, and the database stays consistent."""
    asyncio.run(_run(fuzz, data, REPLAYS))


@pytest.mark.parametrize(("key", "typed"), [(w.CITIZEN, "²"), (w.CITIZEN, "①"),
                                            (ADMIN, "/stopbroadcast ²")])
def test_digits_that_are_not_decimal_get_a_real_answer(fuzz: Fixture, key: str, typed: str
                                                       ) -> None:
    """Found by the fuzzer: on a text-only channel with numbered options on screen, typing a
    superscript or circled digit; and an admin typing one after /stopbroadcast."""
    async def run() -> None:
        name = f"digits{next(fuzz.counter)}.db"
        world = await fuzz.template.open_copy(fuzz.directory, name)
        try:
            await world.core.handle(text("/menu", key, TEXT_ONLY, "en"))  # numbered options
            replies = await world.core.handle(text(typed, key, TEXT_ONLY, "en"))
            assert not any(apology in r.text for r in replies for apology in APOLOGY), replies
        finally:
            await world.close()
    asyncio.run(run())
