"""Shared by the fault and crash tests: seeded people, their journeys through the fake Bot
API, what the database kept of them, and what the log says about a fault."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from telegram.ext import Application

from bot.channels.telegram.request import BotApiRequest
from bot.core.lessons.catalog import Lesson, load_catalog
from bot.storage import progress, teams, users
from bot.storage.db import open_database
from tests.factories import ANH_SON, ROOT
from tests.fakes.telegram import FakeBotApi

CATALOG = load_catalog(ROOT / "lessons", ("vi", "en"))
LESSON: Lesson = CATALOG.lessons["vneid-level2"]  # a citizens' lesson with 8 steps
STEP = "Step {} of"  # the English step header; {} is the 1-based step number


def impatient(application: Application, read_timeout: float) -> None:  # type: ignore[type-arg]
    """Make the running bot give up on a Bot API answer after read_timeout s (5 s in
    production; a long poll adds its own wait), so that a test sees timeouts within seconds.
    The configuration has no setting for it: the transports' default is changed in place."""
    for request in application.bot._request:  # (getUpdates, everything else)
        assert isinstance(request, BotApiRequest)
        request._read_timeout = read_timeout


@dataclass(frozen=True)
class People:
    """Telegram ids of the users a load test drives."""

    learners: tuple[int, ...]  # citizens in the middle of LESSON
    volunteers: tuple[int, ...]  # members of a team of ANH_SON (the first one logs visits)
    asker: int = 0  # a citizen who will ask for help in person, if any


async def seed(database: Path, people: People, position: int = 1,
               others: Iterable[int] = ()) -> None:
    """Users in the database before the bot starts: learners at `position` of LESSON, the
    volunteers in one team of Anh Sơn, and `others` (e.g. a broadcast's audience) as citizens."""
    db = await open_database(database)
    now = datetime.now(UTC)
    try:
        for chat in people.learners:
            user = await users.touch(db, "telegram", str(chat), "en", now)
            await progress.start(db, user.id, LESSON.id, now)
            if position:
                assert await progress.move(db, user.id, LESSON.id, 0, position, now)
        team = await teams.create(db, "ANHSON1", "Tổ CNS thôn 3", ANH_SON, None, now)
        for number, chat in enumerate(people.volunteers):
            user = await users.touch(db, "telegram", str(chat), "en", now)
            await teams.join(db, user.id, team.id, f"Volunteer {number + 1}", now)
        stamp = now.isoformat()
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO users (channel, external_id, locale, created_at, last_seen_at) "
                "VALUES ('telegram', ?, 'vi', ?, ?)",
                [(str(chat), stamp, stamp) for chat in others])
    finally:
        await db.close()


async def say(api: FakeBotApi, chat: int, text: str, expect: str,
              timeout: float = 20.0) -> None:  # noqa: ASYNC109
    """Type text in English and wait for an answer containing expect."""
    api.send_text(chat, text, language_code="en")
    await api.wait_text(chat, expect, timeout=timeout)


async def press(api: FakeBotApi, chat: int, label_part: str, expect: str,
                timeout: float = 20.0) -> None:  # noqa: ASYNC109
    """Press the latest keyboard's button whose label contains label_part; wait for expect."""
    api.press(chat, button(api, chat, label_part), language_code="en")
    await api.wait_text(chat, expect, timeout=timeout)


def button(api: FakeBotApi, chat: int, label_part: str) -> str:
    """The callback data of the latest keyboard's button whose label contains label_part."""
    for label, data in api.buttons(chat):
        if label_part in label:
            return data
    raise AssertionError(f"chat {chat}: no {label_part!r} in {api.buttons(chat)}")


async def visit_until_household(api: FakeBotApi, chat: int) -> None:
    """A volunteer opens /visit and answers the commune and hamlet: the form asks step 3."""
    await say(api, chat, "/visit", STEP.format(1))
    await press(api, chat, "Anh Sơn", STEP.format(2))
    await say(api, chat, "thôn 3", STEP.format(3))


async def visit_from_people(api: FakeBotApi, chat: int) -> None:
    """From the people step (4 of 8) to the summary, the way a volunteer taps through it."""
    for label, expect in (("3", STEP.format(5)), ("public services", STEP.format(5)),
                          ("Done", STEP.format(6)), ("Done", STEP.format(7)),
                          ("Yes", STEP.format(8)), ("Skip", "Please check the visit")):
        await press(api, chat, label, expect)


async def help_until_send(api: FakeBotApi, chat: int) -> None:
    """A citizen fills in /helpme up to its Send button."""
    await say(api, chat, "/helpme", "Do you agree")
    await press(api, chat, "Yes", "What is your first name")
    for typed, expect in (("Hoa", "Which commune"), ("anh son", "Which hamlet"),
                          ("Xóm 5", "phone number"), ("0912 345 678", "Please check")):
        await say(api, chat, typed, expect)


def step_shown(text: str) -> int | None:
    """The 0-based lesson position a LESSON message shows, if it shows one of its steps."""
    if LESSON.title["en"] not in text:
        return None
    for number in range(len(LESSON.steps), 0, -1):
        if STEP.format(number) + f" {len(LESSON.steps)}" in text:
            return number - 1
    return None


async def lesson_positions(database: Path, chats: Sequence[int]) -> dict[int, int]:
    """Each learner's position in LESSON, read from the database."""
    db = await open_database(database)
    try:
        rows = await db.fetchall(
            "SELECT u.external_id, p.position FROM lesson_progress p JOIN users u "
            "ON u.id = p.user_id WHERE p.lesson_id = ?", (LESSON.id,))
    finally:
        await db.close()
    found = {int(r[0]): int(r[1]) for r in rows}
    return {chat: found[chat] for chat in chats if chat in found}


async def visit_draft(database: Path, chat: int) -> dict[str, object]:
    """The volunteer's open /visit draft (empty when none is open)."""
    db = await open_database(database)
    try:
        row = await db.fetchone(
            "SELECT d.state FROM dialogs d JOIN users u ON u.id = d.user_id "
            "WHERE u.external_id = ?", (str(chat),))
    finally:
        await db.close()
    state = json.loads(row[0]) if row else {}
    draft = state.get("draft") if state.get("flow") == "visit" else None
    return draft if isinstance(draft, dict) else {}


def tracebacks(records: Iterable[logging.LogRecord]) -> list[logging.LogRecord]:
    """The records that print a traceback."""
    return [r for r in records if r.exc_info and r.exc_info[0] is not None]


def loud(records: Iterable[logging.LogRecord]) -> list[logging.LogRecord]:
    """The records at WARNING or above."""
    return [r for r in records if r.levelno >= logging.WARNING]


def summary(records: Iterable[logging.LogRecord]) -> str:
    """The records, one line each, for an assertion message."""
    return "\n".join(f"{r.levelname} {r.name}: {r.getMessage()[:160]}"
                     + (" [traceback]" if r.exc_info else "") for r in records)
