"""Faults from the network: the real bot (PTB Application, its transport) against a fake
Bot API that floods it with 429, answers 5xx, stalls past the bot's timeout, or drops the
connection, while learners tap through a lesson, a volunteer fills in a visit and a citizen
sends a help request that goes out through the outbox.

During a fault the bot's answers fail; the bot keeps them and tries again (flood control: one
try per pause Telegram asks for). When the fault ends, every answer held back arrives, in order;
no outbox row is lost; nobody's lesson position or visit draft is lost; and the log tells of the
fault in a few lines, not a traceback per failed update (the budget is below).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.storage.db import open_database
from tests.fakes.harness import running_bot
from tests.fakes.telegram import OUTGOING, FakeBotApi
from tests.load import (
    STEP,
    People,
    button,
    help_until_send,
    impatient,
    lesson_positions,
    loud,
    press,
    say,
    seed,
    step_shown,
    summary,
    tracebacks,
    visit_draft,
    visit_from_people,
    visit_until_household,
)

LEARNERS = tuple(range(9101, 9126))  # 25 learners at step 2 of the lesson
VOLUNTEER, PARTNER = 9201, 9202  # one logs a visit; both are told of help requests
ASKER = 9301
PEOPLE = People(LEARNERS, (VOLUNTEER, PARTNER), ASKER)
HOUSEHOLD = "Nguyễn Văn A"
# All the log may say about one fault episode in which dozens of updates fail: a few warnings,
# no traceback (a network fault is expected), and no line per failed update at any level.
MAX_LOUD = 4
MAX_LINES = 8
READ_TIMEOUT = 0.5  # seconds the bot waits for an answer in these tests (5 in production)
FAULTS: dict[str, Callable[[FakeBotApi], None]] = {
    "429 storm": lambda api: api.flood(retry_after=1, methods=OUTGOING),
    "5xx burst": lambda api: api.outage((500, 502, 503), methods=OUTGOING),
    "timeouts": lambda api: api.stall(methods=OUTGOING),
    "dropped connections": lambda api: api.drop(methods=OUTGOING),
    # Telegram acted on each call but the answer was lost: the undecidable case.
    "lost answers": lambda api: api.drop(methods=OUTGOING, applied=True),
}


async def reach_the_fault(api: FakeBotApi) -> None:
    """Everyone where the fault will find them: learners at step 2, the volunteer at the
    household question, the citizen at the help request's Send button."""
    await asyncio.gather(*(say(api, chat, "/continue", STEP.format(2)) for chat in LEARNERS),
                         visit_until_household(api, VOLUNTEER), help_until_send(api, ASKER))
    await api.wait_idle()


def act_during_the_fault(api: FakeBotApi) -> str:
    """Each learner taps Next, sees nothing happen and asks /continue; the volunteer types the
    household; the citizen sends the request (its Send button's data is returned). None of
    them gets an answer."""
    for chat in LEARNERS:
        api.press(chat, button(api, chat, "Next"), language_code="en")
        api.send_text(chat, "/continue", language_code="en")
    api.send_text(VOLUNTEER, HOUSEHOLD, language_code="en")
    send = button(api, ASKER, "Send")
    api.press(ASKER, send, language_code="en")
    return send


async def learner_goes_on(api: FakeBotApi, chat: int) -> None:
    """Tap Next on the step shown twice: the bot shows the step after it each time."""
    for _ in range(2):
        shown = step_shown(api.texts_to(chat)[-1])
        assert shown is not None, api.texts_to(chat)[-1]
        await press(api, chat, "Next", STEP.format(shown + 2))


async def volunteer_goes_on(api: FakeBotApi) -> None:
    """Open the form again: it goes on after the household typed during the fault."""
    await say(api, VOLUNTEER, "/visit", "Continue")
    await press(api, VOLUNTEER, "Continue", STEP.format(4))
    await visit_from_people(api, VOLUNTEER)
    assert f"Household: {HOUSEHOLD}" in api.texts_to(VOLUNTEER)[-1]
    await press(api, VOLUNTEER, "Confirm", "Visit #1 saved")


def failed_calls(api: FakeBotApi, since: int) -> int:
    """Calls to chats after calls[since] that did not work (or whose answer was lost)."""
    return sum(1 for c in api.calls[since:] if c.chat_id and not (c.ok and c.answered))


def notices(api: FakeBotApi, chat: int) -> int:
    """How many copies of the help request's notice reached the chat."""
    return sum("Help request #1" in text for text in api.texts_to(chat))


def lost_answers(api: FakeBotApi, chat: int) -> int:
    """Calls to the chat that Telegram acted on but whose answer the bot never got."""
    return sum(1 for c in api.sent_to(chat) if not c.answered)


async def saved(database: Path) -> tuple[list[tuple[str | None, str | None]], list[str],
                                         int]:
    """(sent_at, failed) of each outbox row, the visits' households, the help requests."""
    db = await open_database(database)
    try:
        outbox = [(r[0], r[1]) for r in await db.fetchall(
            "SELECT sent_at, failed FROM outbox ORDER BY id")]
        visits = [str(r[0]) for r in await db.fetchall("SELECT household FROM visits")]
        requests = len(await db.fetchall("SELECT id FROM help_requests"))
    finally:
        await db.close()
    return outbox, visits, requests


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_after_a_fault_the_bot_answers_and_nothing_is_lost(fault: str, tmp_path: Path
                                                                 ) -> None:
    database = tmp_path / "bot.db"
    await seed(database, PEOPLE)
    async with FakeBotApi() as api, running_bot(api, tmp_path) as application:
        impatient(application, READ_TIMEOUT)
        await reach_the_fault(api)
        before = len(api.calls)
        FAULTS[fault](api)
        send = act_during_the_fault(api)
        # Every update handled (its changes saved), its answer tried in vain.
        await api.wait_for(lambda: not api.unconfirmed and failed_calls(api, before) >= 3,
                           timeout=30, what="every update handled, answers tried in vain")
        assert all(not (c.ok and c.answered) for c in api.calls[before:]
                   if c.chat_id in LEARNERS)
        # The state is where the updates left it, though nobody was told yet.
        assert set((await lesson_positions(database, LEARNERS)).values()) == {2}
        assert (await visit_draft(database, VOLUNTEER)).get("household") == HOUSEHOLD
        api.end_faults()
        # The answers held back arrive: each learner's last one answers their /continue.
        await api.wait_text(ASKER, "was sent to the volunteers", timeout=30)
        await api.wait_text(VOLUNTEER, "How many people", timeout=30)
        await api.wait_idle(quiet=1.5, timeout=60)
        assert all(step_shown(api.texts_to(chat)[-1]) == 2 for chat in LEARNERS)

        # The bot answers again, and everyone goes on from where they are.
        await asyncio.gather(*(learner_goes_on(api, chat) for chat in LEARNERS),
                             volunteer_goes_on(api))
        api.press(ASKER, send, language_code="en", check=False)  # the Send seen in vain
        await api.wait_text(ASKER, "form is closed")  # sent during the fault, once
        for _ in range(300):  # the outbox retries on its own schedule (2 s, then 10 s)
            outbox = (await saved(database))[0]
            if len(outbox) == 2 and all(sent for sent, _ in outbox):
                break
            await asyncio.sleep(0.1)
        await api.wait_idle()

    positions = await lesson_positions(database, LEARNERS)
    assert positions == {chat: step_shown(api.texts_to(chat)[-1]) for chat in LEARNERS}
    outbox, visits, requests = await saved(database)
    assert len(outbox) == 2 and all(sent and not failed for sent, failed in outbox), outbox
    for chat in (VOLUNTEER, PARTNER):  # a second copy only for an answer lost on the way
        assert 1 <= notices(api, chat) <= 1 + lost_answers(api, chat), api.texts_to(chat)
    assert visits == [HOUSEHOLD] and requests == 1
    assert api.server_errors == []


ROUNDS = 8  # of a Next or a /continue from each learner, 0.3 s apart, during a storm
STORMS: dict[str, Callable[[FakeBotApi], None]] = {
    "429 storm": lambda api: api.flood(retry_after=1, methods=OUTGOING),
    "5xx burst": lambda api: api.outage(methods=OUTGOING),
    "timeouts": lambda api: api.stall(methods=OUTGOING),
    "dropped connections": lambda api: api.drop(methods=OUTGOING),
}
@asynccontextmanager
async def at_step_two(tmp_path: Path, caplog: pytest.LogCaptureFixture, learners: tuple[int, ...]
                      ) -> AsyncIterator[FakeBotApi]:
    """The bot running (impatient), logs captured, every learner at step 2 of their lesson."""
    await seed(tmp_path / "bot.db", People(learners, (), ASKER))
    caplog.set_level(logging.INFO)
    async with FakeBotApi() as api, running_bot(api, tmp_path) as application:
        impatient(application, READ_TIMEOUT)
        await asyncio.gather(*(say(api, chat, "/continue", STEP.format(2))
                               for chat in learners))
        await api.wait_idle()
        yield api


@pytest.mark.parametrize("fault", list(STORMS))
async def test_a_fault_is_logged_in_a_few_lines_not_per_failed_update(
        fault: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    learners = LEARNERS[:10]
    async with at_step_two(tmp_path, caplog, learners) as api:
        logged, before = len(caplog.records), len(api.calls)
        STORMS[fault](api)
        for number in range(ROUNDS):  # everyone keeps tapping Next and typing /continue
            for chat in learners:
                if number % 2:
                    api.send_text(chat, "/continue", language_code="en")
                else:
                    api.press(chat, button(api, chat, "Next"), language_code="en")
            await asyncio.sleep(0.3)
        # Answers failed and wait their turn (with flood control: one try per pause).
        await api.wait_for(lambda: not api.unconfirmed and failed_calls(api, before) >= 5,
                           timeout=30, what="every update handled, answers tried in vain")
        api.end_faults()
        await api.wait_idle(quiet=1.5, timeout=60)  # the answers held back go out
        await asyncio.gather(*(say(api, chat, "/continue", STEP.format(3))
                               for chat in learners))
        await api.wait_idle()
        episode = caplog.records[logged:]

    assert tracebacks(episode) == [], summary(tracebacks(episode))
    assert 1 <= len(loud(episode)) <= MAX_LOUD, summary(loud(episode))
    assert len(episode) <= MAX_LINES, summary(episode)


# The next polls fail (a count, not a time, so that the test does not race PTB's backoff).
POLL_FAULTS: dict[str, Callable[[FakeBotApi], None]] = {
    "429 storm": lambda api: api.flood(retry_after=1, calls=1, methods=["getUpdates"]),
    "5xx burst": lambda api: api.outage((502, 503), calls=2, methods=["getUpdates"]),
    "timeouts": lambda api: api.stall(calls=1, methods=["getUpdates"]),
    "dropped connections": lambda api: api.drop(calls=2, methods=["getUpdates"]),
}


@pytest.mark.parametrize("fault", list(POLL_FAULTS))
async def test_polling_resumes_after_a_fault_and_each_update_is_answered_once(
        fault: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    learners = LEARNERS[:10]
    database = tmp_path / "bot.db"
    async with at_step_two(tmp_path, caplog, learners) as api:
        logged, before = len(caplog.records), len(api.calls)
        POLL_FAULTS[fault](api)
        await api.wait_for(lambda: any(not c.ok for c in api.calls[before:]),
                           what="a failed getUpdates")
        for chat in learners:  # updates wait at Telegram meanwhile
            api.press(chat, button(api, chat, "Next"), language_code="en")
        await api.wait_for(lambda: not api.faulty, what="the fault's calls used up")
        api.end_faults()  # a stalled poll the bot gave up on ends
        await asyncio.gather(*(api.wait_text(chat, STEP.format(3), timeout=30)
                               for chat in learners))
        await api.wait_idle()
        episode = caplog.records[logged:]

    failed = [c for c in api.calls[before:] if c.method == "getUpdates" and not c.ok]
    assert failed and all(c.ok for c in api.calls[before:] if c.method != "getUpdates")
    for chat in learners:  # answered once: no update was handled twice or skipped
        assert STEP.format(3) in api.texts_to(chat)[-1]
        assert sum(STEP.format(3) in text for text in api.texts_to(chat)) == 1
    assert set((await lesson_positions(database, learners)).values()) == {2}
    assert set(api.deliveries.values()) == {1}
    assert tracebacks(episode) == [], summary(tracebacks(episode))
    assert len(loud(episode)) <= MAX_LOUD, summary(loud(episode))
    assert len(episode) <= MAX_LINES, summary(episode)
