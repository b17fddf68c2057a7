"""Crashes: `python -m bot` on Telegram (a fake Bot API on 127.0.0.1) under a mixed load is
killed with SIGKILL at random moments and restarted each time, while learners tap through a
lesson, volunteers log visits and an admin's broadcast goes out to a few hundred users.

At the end: the database passes `PRAGMA integrity_check`; every visit confirmed to its volunteer
is saved exactly once; every broadcast recipient got exactly one copy, except the case
docs/BROADCASTS.md leaves undecidable (a send Telegram accepted whose outcome was not yet
recorded at a kill, sent again); every learner's position is the step they last saw.

CRASH_KILLS sets the number of kills (default 5, for CI; the issue asks for 20), CRASH_SEED the
seed of the kill moments (printed, to replay a run's moments).
"""

from __future__ import annotations

import asyncio
import os
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.storage.db import open_database
from tests.acceptance.test_broadcasts import ADMIN, TEXT, Tally, bot_process, pending_chats
from tests.factories import write_config
from tests.fakes.telegram import FakeBotApi
from tests.load import (
    LESSON,
    People,
    button,
    lesson_positions,
    press,
    say,
    seed,
    step_shown,
)

KILLS = int(os.environ.get("CRASH_KILLS", "5"))
SEED = int(os.environ.get("CRASH_SEED", str(random.SystemRandom().randrange(1_000_000))))
LEARNERS = tuple(range(7101, 7107))
VOLUNTEERS = (7201, 7202)
AUDIENCE = tuple(range(300_000, 300_000 + max(300, 60 * KILLS)))  # Vietnamese-language users
RATE = 25  # the default pace: one send in flight at a time on a local link
TELEGRAM_RATE = 200  # for all sends: replies to eight users in a hurry, and the broadcast
# When the kill comes: one in five during startup (up to a second after the start), the
# others while the bot serves (up to 2.5 s after its first poll).
DURING_STARTUP = 0.2
STARTUP, SERVING = (0.0, 1.0), (0.0, 2.5)
ANSWER_WAIT = 3.0  # seconds a user waits for an answer before trying again
MAX_UNDECIDED = 2  # broadcast sends whose answer a kill can lose: the window, 1 or 2 here


Action = tuple[str, str]  # ("press", callback data) or ("type", text)


@dataclass
class User:
    """One simulated person: acts on what the bot last showed them, one action at a time, and
    when no answer comes (the bot died) tries again once it is back."""

    api: FakeBotApi
    chat: int
    action: Action = ("type", "/continue")
    answered: bool = True  # whether the latest action got an answer
    seen: int = 0  # how many texts to this chat the user has acted on

    async def run(self, stop: asyncio.Event) -> None:
        """Act until stop is set; return only with the latest action answered."""
        while True:
            since = len(self.api.calls)
            if self.action[0] == "press":
                self.api.press(self.chat, self.action[1], language_code="en", check=False)
            else:
                self.api.send_text(self.chat, self.action[1], language_code="en")
            self.answered = False
            self.answered = await self.answer(since)
            texts = self.api.texts_to(self.chat)
            if len(texts) > self.seen:  # an answer, perhaps one that came late
                self.seen = len(texts)
                if self.answered and stop.is_set():
                    return
                self.action = self.next(texts[-1])
            else:
                self.action = self.retry()

    async def answer(self, since: int) -> bool:
        """Whether the bot showed something after calls[since:] within ANSWER_WAIT (then
        give the rest of a reply of several messages a moment)."""
        for _ in range(int(ANSWER_WAIT / 0.02)):
            if any(c.ok and c.chat_id == self.chat and c.method in ("sendMessage",
                                                                      "editMessageText")
                   for c in self.api.calls[since:]):
                await asyncio.sleep(0.1)
                return True
            await asyncio.sleep(0.02)
        return False

    def retry(self) -> Action:
        """What to do when nothing new was shown: repeat the action (a button pressed twice
        is harmless by design)."""
        return self.action

    def next(self, text: str) -> Action:
        """What to do after seeing text."""
        raise NotImplementedError


@dataclass
class Learner(User):
    """Taps Next to the lesson's last step, then Back to the first, and so on."""

    forward: bool = True

    def next(self, text: str) -> Action:
        shown = step_shown(text)
        if shown is None:
            return ("type", "/continue")
        if shown in (0, len(LESSON.steps) - 1):
            self.forward = shown == 0
        return ("press", button(self.api, self.chat, "Next" if self.forward else "Back"))

    def move_in_flight(self) -> tuple[int, int] | None:
        """(from, to) of the latest press if it got no answer."""
        if self.answered or self.action[0] != "press":
            return None
        _, _, origin, target = self.action[1].split(":")
        return int(origin), int(target)


_SAVED = re.compile(r"Visit #(\d+) saved|already saved as #(\d+)")
_STEP = re.compile(r"Step (\d) of 8")
# What a volunteer presses (or types) at each step of the /visit form; None: the household.
_ANSWERS: dict[int, Callable[[User], Action]] = {
    1: lambda v: ("press", button(v.api, v.chat, "Anh Sơn")),
    2: lambda v: ("type", "thôn 3"),
    4: lambda v: ("press", button(v.api, v.chat, "3")),
    5: lambda v: ("press", button(v.api, v.chat, "Done") if any(
        label.startswith("✓") for label, _ in v.api.buttons(v.chat))
        else button(v.api, v.chat, "public services")),
    6: lambda v: ("press", button(v.api, v.chat, "Done")),
    7: lambda v: ("press", button(v.api, v.chat, "Yes")),
    8: lambda v: ("press", button(v.api, v.chat, "Skip")),
}


@dataclass
class Volunteer(User):
    """Logs one visit after another, a new household each time; after a crash it opens the
    form again and goes on from the step it shows."""

    action: Action = ("type", "/visit")
    visit: int = 0
    confirmed: dict[int, str] = field(default_factory=dict)  # visit number -> household
    typed: list[str] = field(default_factory=list)  # every household typed
    warned: list[str] = field(default_factory=list)  # households the form said were logged

    @property
    def household(self) -> str:
        """The household being logged now."""
        return f"Nhà {self.chat % 100}-{self.visit}"

    def retry(self) -> Action:
        # A typed answer sent twice would land in the next field: look where the form is.
        return self.action if self.action[0] == "press" else ("type", "/visit")

    def next(self, text: str) -> Action:
        if match := _SAVED.search(text):
            self.confirmed[int(match.group(1) or match.group(2))] = self.household
            self.visit += 1
            return ("type", "/visit")
        if "You have a visit form open" in text:
            return ("press", button(self.api, self.chat, "Continue"))
        if "This household was logged" in text:
            self.warned.append(self.household)
            self.visit += 1
            return ("type", "/cancel")
        if "Please check the visit" in text:
            return ("press", button(self.api, self.chat, "Confirm"))
        step = _STEP.search(text)
        if step and int(step.group(1)) == 3:
            self.typed.append(self.household)
            return ("type", self.household)
        if step:
            return _ANSWERS[int(step.group(1))](self)
        return ("type", "/visit")


async def start_broadcast(api: FakeBotApi) -> None:
    """The admin sends TEXT to the Vietnamese-language users (the audience), now."""
    await say(api, ADMIN, "/broadcast", "New broadcast", timeout=30)
    await say(api, ADMIN, TEXT, "Who should receive it?")
    await press(api, ADMIN, "One language", "Users of which language?")
    await press(api, ADMIN, "Tiếng Việt", "Send it now, or schedule it?")
    await press(api, ADMIN, "Send now", "starts in a moment")


def check_positions(api: FakeBotApi, learners: list[Learner], positions: dict[int, int],
                    after_kill: bool) -> int:
    """Each learner's position is the step they last saw; right after a kill it may also be
    the target of a press whose answer the kill lost (the press counted, its answer did not
    arrive: pressing again shows it). Returns how many were in that case."""
    unseen = 0
    for learner in learners:
        texts = api.texts_to(learner.chat)
        shown = step_shown(texts[-1]) if texts else 0  # nothing shown yet: still where seeded
        move = learner.move_in_flight() if after_kill else None
        allowed = {shown} | ({move[1]} if move and move[0] == shown else set())
        assert positions[learner.chat] in allowed, (
            learner.chat, positions[learner.chat], shown, learner.action, learner.answered)
        unseen += positions[learner.chat] != shown
    return unseen


async def database_report(database: Path) -> tuple[str, list[object], list[tuple[int, str]],
                                                   str, set[str]]:
    """integrity_check, foreign_key_check, the visits (id, household), the broadcast's status
    and the statuses of its deliveries, read with the bot stopped."""
    db = await open_database(database)
    try:
        checked = await db.fetchone("PRAGMA integrity_check")
        integrity = str(checked[0]) if checked else ""
        foreign: list[object] = [tuple(r) for r in await db.fetchall("PRAGMA foreign_key_check")]
        visits = [(int(r[0]), str(r[1])) for r in await db.fetchall(
            "SELECT id, household FROM visits ORDER BY id")]
        row = await db.fetchone("SELECT status FROM broadcasts WHERE id = 1")
        statuses = {str(r[0]) for r in await db.fetchall("SELECT status FROM deliveries")}
    finally:
        await db.close()
    return integrity, foreign, visits, str(row[0]) if row else "", statuses


async def broadcast_status(database: Path) -> str:
    """The broadcast's status (read while the bot runs: WAL lets a reader in)."""
    db = await open_database(database)
    try:
        row = await db.fetchone("SELECT status FROM broadcasts WHERE id = 1")
    finally:
        await db.close()
    return str(row[0]) if row else ""


def polled_since(api: FakeBotApi, index: int) -> Callable[[], bool]:
    """A predicate: getUpdates was called after calls[index]."""
    return lambda: any(c.method == "getUpdates" for c in api.calls[index:])


async def test_kill_9_at_random_moments_loses_nothing(tmp_path: Path) -> None:
    print(f"test_crash: CRASH_KILLS={KILLS} CRASH_SEED={SEED}")
    rng = random.Random(SEED)
    # The simulated users act as fast as answers come, several times a second each: more than
    # the default budget would leave the broadcast, which waits behind replies (as it should;
    # tests/delivery). This test is about crashes, so the channel's budget is raised.
    config = write_config(tmp_path, RATE, paid=False, telegram_rate=TELEGRAM_RATE)
    database = tmp_path / "bot.db"
    await seed(database, People(LEARNERS, VOLUNTEERS), position=0, others=AUDIENCE)
    stop = asyncio.Event()
    async with FakeBotApi() as api:
        learners = [Learner(api, chat) for chat in LEARNERS]
        volunteers = [Volunteer(api, chat) for chat in VOLUNTEERS]
        tally = Tally(api)
        undecided: list[set[int]] = []  # per kill: chats sent to whose outcome was not recorded
        users: list[asyncio.Task[None]] = []
        for kill in range(KILLS):
            started = len(api.calls)
            async with bot_process(api, config, database) as process:
                if not users:  # the first run: the broadcast starts, and everyone's activity
                    await start_broadcast(api)
                    users = [asyncio.create_task(user.run(stop))
                             for user in (*learners, *volunteers)]
                if rng.random() >= DURING_STARTUP:
                    await api.wait_for(polled_since(api, started), 30, "the bot polling")
                    await asyncio.sleep(rng.uniform(*SERVING))
                else:
                    await asyncio.sleep(rng.uniform(*STARTUP))
                process.kill()
                await process.wait()
                await asyncio.sleep(0.3)  # requests already on the wire reach the fake
                undecided.append(set(tally()) & await pending_chats(database))
                positions = await lesson_positions(database, LEARNERS)
                unseen = check_positions(api, learners, positions, after_kill=True)
                print(f"kill {kill + 1}: {tally.total} copies sent, "
                      f"{sum(len(v.confirmed) for v in volunteers)} visits confirmed, "
                      f"learners at {sorted(set(positions.values()))}, {unseen} of them one "
                      "step further than they saw")
        async with bot_process(api, config, database):
            for _ in range(600):  # the broadcast finishes at its pace
                if await broadcast_status(database) == "done":
                    break
                await asyncio.sleep(0.1)
            stop.set()
            try:
                await asyncio.wait_for(asyncio.gather(*users), 60)
            except TimeoutError:
                for user in (*learners, *volunteers):
                    print(user.chat, user.action, user.answered, api.texts_to(user.chat)[-3:])
                raise
            await api.wait_idle(timeout=30)
            check_positions(api, learners, await lesson_positions(database, LEARNERS),
                            after_kill=False)
        integrity, foreign, visits, status, statuses = await database_report(database)

    redelivered = sum(1 for n in api.deliveries.values() if n > 1)
    print(f"{tally.total} copies to {len(AUDIENCE)} users; undecided per kill: "
          f"{[sorted(u) for u in undecided]}; updates delivered twice: {redelivered}")
    assert integrity == "ok" and foreign == []
    log = (tmp_path / "bot.log").read_text(encoding="utf-8")  # every run's, appended
    assert "Traceback" not in log and " ERROR " not in log, log[-3000:]
    # Visits: each confirmed one saved once, and nothing saved that was not typed.
    for volunteer in volunteers:
        assert volunteer.confirmed, f"volunteer {volunteer.chat} never got a visit saved"
        for number, household in volunteer.confirmed.items():
            assert [v for v in visits if v[1] == household] == [(number, household)], visits
    typed = {h for v in volunteers for h in v.typed}
    assert {household for _, household in visits} <= typed, visits
    assert len({h for _, h in visits}) == len(visits), visits
    # The broadcast: everyone once, a second copy only where a kill lost the answer.
    assert status == "done" and statuses == {"sent"}
    copies = tally()
    del copies[ADMIN]  # the preview the admin checked before sending
    assert all(len(u) <= MAX_UNDECIDED for u in undecided), undecided
    assert all(copies[chat] >= 1 for chat in AUDIENCE)
    assert set(copies) == set(AUDIENCE)
    # One repeat at most per kill that found the chat sent to but not recorded (the worker
    # resumes with that chat, so two quick kills in a row can both catch it).
    repeats = {chat: n - 1 for chat, n in copies.items() if n > 1}
    assert all(n <= sum(chat in kill for kill in undecided) for chat, n in repeats.items()), \
        (repeats, undecided)
