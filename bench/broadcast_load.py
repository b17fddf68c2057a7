"""Benchmark: a broadcast at 25/s while people take lessons: what the replies leave, the
broadcast takes, and the replies do not wait for it.

    python bench/broadcast_load.py [--quick] [--recipients 10000] [--learners 200]
                                   [--think 10,30] [--seconds 60] [--settle 10]

The bot is the real one, `python -m bot --config ...` in a process of its own (telegram.rate
25 messages/s for everything it sends; broadcasts.rate 25, paid false, no quiet hours; the pace
per chat at its default), on a SQLite file seeded with the broadcast's audience (default 10,000
users in all, the learners and the admin included) and `--learners` users in the middle of a
lesson. It talks over 127.0.0.1 to the fake Bot API (tests/fakes/telegram.py), which runs in
this process and answers 429 (retry_after 1) to a send beyond 30 in the last second.

The learners act like people: each waits for the bot's answer, thinks for a uniform random
time (default 10-30 s, so about 200 / 20 s = 10 actions a second in all), then taps the next
button (Next, Quiz, the right answer, Finish, the next lesson) or, with none to tap, types
/continue. Meanwhile the admin sends a broadcast to everyone through /broadcast and its buttons.
After the broadcast's first copies and --settle seconds, a window of --seconds is measured at
the fake: the learners' actions per second (the demand), the replies per second R (every
message sent or edited that is not a copy of the broadcast: the learners' answers and the
admin's progress message), the broadcast's copies per second B, the share the replies leave
free (telegram.rate - R) and the broadcast's use of it, B / (rate - R) (target >= 95%), each
action's reply latency (from the update reaching the fake to the first message sent or edited
in that chat in answer; target p99 <= 1 s) and the 429s. Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from broadcast import busiest_second  # noqa: E402
from burst import (  # noqa: E402
    FAKE_LIMIT,
    RATE,
    NewCalls,
    bot_process,
    cpu_seconds,
    percentile,
    until_polling,
)

from tests.factories import write_config  # noqa: E402
from tests.fakes.harness import tap  # noqa: E402
from tests.fakes.telegram import FakeBotApi  # noqa: E402
from tests.fakes.telegram_model import SENT_OR_EDITED, Call  # noqa: E402
from tests.load import CATALOG, People, seed  # noqa: E402

ADMIN = 42
FIRST_LEARNER = 300_000
FIRST_OTHER = 1_000_000
TEXT = "Ngày hội chuyển đổi số 08/10: mời bà con đến nhà văn hoá xóm!"
TAPPED_IN_ORDER = ("Next", "Quiz", "Finish")  # "Next" also: "Next question", "Next lesson: ..."
RIGHT_ANSWERS = frozenset(answer.text["en"] for lesson in CATALOG.lessons.values()
                          for question in lesson.quiz for answer in question.answers
                          if answer.correct)
ANSWER_TIMEOUT = 30.0  # s a learner waits for an answer before acting again anyway


# ---------------------------------------------------------------- what the fake sees

@dataclass
class Action:
    """One learner action: when its update reached the fake, when the answer did."""

    chat: int
    at: float
    answered: float | None = None
    done: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop()
                                       .create_future())


class Watcher:
    """Follows the fake's calls: the messages the bot sent or edited (sorted into broadcast
    copies, learners' answers and the rest) and the 429s, with their times; and the first
    answer to each learner's pending action."""

    def __init__(self, api: FakeBotApi, learners: set[int]) -> None:
        self.new_calls = NewCalls(api)
        self.learners = learners
        self.pending: dict[int, Action] = {}
        self.actions: list[Action] = []
        self.broadcast: list[float] = []
        self.replies: list[float] = []
        self.other: list[float] = []
        self.refused: list[float] = []
        self.errors: list[Call] = []
        self.unexpected_answers = 0  # a message to a learner with no action pending
        self.continued = 0  # actions that were a typed /continue, not a tap

    def act(self, chat: int, inject: Callable[[], object]) -> Action:
        """Inject one update for the chat and expect its answer."""
        inject()
        action = Action(chat, time.monotonic())
        self.pending[chat] = action
        self.actions.append(action)
        return action

    async def run(self) -> None:
        """Look at the new calls every 10 ms (the times are the fake's, not the look's)."""
        while True:
            for call in self.new_calls():
                self._see(call)
            await asyncio.sleep(0.01)

    def _see(self, call: Call) -> None:
        if call.status == 429:
            self.refused.append(call.at)
            return
        if not call.ok:
            if call.method != "getUpdates":
                self.errors.append(call)
            return
        if call.method not in SENT_OR_EDITED:
            return
        if call.method == "sendMessage" and call.text == TEXT:
            self.broadcast.append(call.at)
            return
        if call.chat_id not in self.learners:
            self.other.append(call.at)
            return
        self.replies.append(call.at)
        action = self.pending.pop(call.chat_id, None)
        if action is None:
            self.unexpected_answers += 1  # the second part of an answer, say
            return
        action.answered = call.at
        if not action.done.done():
            action.done.set_result(None)


# ---------------------------------------------------------------- the people

def next_tap(api: FakeBotApi, chat: int) -> str | None:
    """The callback data of the button a learner taps next; None: type /continue."""
    buttons = api.buttons(chat)
    for wanted in TAPPED_IN_ORDER:
        for label, data in buttons:
            if label.startswith(wanted):
                return data
    for label, data in buttons:
        if label in RIGHT_ANSWERS:
            return data
    return None


async def learner(api: FakeBotApi, watcher: Watcher, chat: int, think: tuple[float, float],
                  rng: random.Random, stop: asyncio.Event) -> None:
    """Acts, waits for the answer, thinks, acts again: until stop is set. The first action
    comes after a share of one think time, so that the learners do not start in step."""
    if await pause(stop, rng.random() * rng.uniform(*think)):
        return
    while True:
        data = next_tap(api, chat)
        inject = partial(api.send_text, chat, "/continue") if data is None \
            else partial(api.press, chat, data)
        watcher.continued += data is None
        action = watcher.act(chat, partial(inject, language_code="en"))
        # asyncio.wait, not wait_for: on Python 3.11 wait_for may swallow a cancellation.
        await asyncio.wait([action.done], timeout=ANSWER_TIMEOUT)
        if await pause(stop, rng.uniform(*think)):
            return


async def pause(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep for seconds unless stop is set first; True when stopped."""
    with suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()


async def start_broadcast(api: FakeBotApi) -> None:
    """The admin's /broadcast to everyone, sent now, through the buttons."""
    api.send_text(ADMIN, "/broadcast", language_code="en")
    await api.wait_text(ADMIN, "New broadcast", timeout=30)
    api.send_text(ADMIN, TEXT, language_code="en")
    await api.wait_text(ADMIN, "Who should receive it?", timeout=30)
    await tap(api, ADMIN, "Everyone", "English version", timeout=30)
    await tap(api, ADMIN, "Skip", "Send it now, or schedule it?", timeout=30)
    await tap(api, ADMIN, "Send now", "starts in a moment", timeout=30)


# ---------------------------------------------------------------- one run

@dataclass
class Run:
    """One run's figures over the window."""

    recipients: int
    learners: int
    think: tuple[float, float]
    seconds: float
    actions: int  # learners' actions injected in the window
    replies: int  # messages to learners in the window
    other: int  # other messages that are not the broadcast (the admin's progress)
    broadcast: int  # broadcast copies in the window
    latencies: list[float]  # s, of the actions injected in the window and answered
    unanswered: list[int]  # chats of those not answered within ANSWER_TIMEOUT
    refused: int  # 429s in the window
    refused_all: int  # 429s in the whole run
    errors: int  # other failed calls in the whole run
    busiest: int  # most messages sent or edited in one second, window
    bot_cpu_s: float  # over the window
    finished: bool  # the broadcast ended before the window did (B then says too little)
    continued: int  # actions (whole run) that were a typed /continue
    all_actions: int  # actions in the whole run
    unexpected: int  # messages to learners with no action of theirs waiting (whole run)


async def measure(recipients: int, learners: int, think: tuple[float, float], seconds: float,
                  settle: float, seed_value: int = 1) -> Run:
    """Seed, start the bot, the learners and the broadcast; measure one window."""
    chats = tuple(FIRST_LEARNER + i for i in range(learners))
    others = [FIRST_OTHER + i for i in range(max(0, recipients - learners - 1))]
    rng = random.Random(seed_value)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        config = write_config(tmp, RATE, paid=False)
        await seed(tmp / "bot.db", People(chats, ()), position=1, others=others)
        async with FakeBotApi(send_rate_limit=FAKE_LIMIT) as api, \
                bot_process(api, tmp, config, BOT_ADMINS=str(ADMIN)) as process:
            await until_polling(api, process)
            watcher = Watcher(api, set(chats))
            stop = asyncio.Event()
            tasks = [asyncio.create_task(watcher.run())]
            tasks += [asyncio.create_task(learner(api, watcher, chat, think, rng, stop))
                      for chat in chats]
            try:
                await start_broadcast(api)
                await api.wait_for(lambda: len(watcher.broadcast) > 0, timeout=30,
                                   what="the broadcast's first copy")
                await asyncio.sleep(settle)
                cpu, start = cpu_seconds(process.pid), time.monotonic()
                await asyncio.sleep(seconds)
                end, cpu = time.monotonic(), cpu_seconds(process.pid) - cpu
                in_window = [a for a in watcher.actions if start <= a.at < end]
                late = [a.done for a in in_window if not a.done.done()]
                if late:  # the answers to the window's last actions
                    await asyncio.wait(late, timeout=ANSWER_TIMEOUT)
                finished = any("is finished" in text for text in api.texts_to(ADMIN))
            finally:
                stop.set()
                for task in tasks:
                    task.cancel()
                await asyncio.wait(tasks, timeout=5)

    def window(times: list[float]) -> int:
        return sum(1 for at in times if start <= at < end)

    sent = [at for kind in (watcher.broadcast, watcher.replies, watcher.other) for at in kind
            if start <= at < end]
    return Run(recipients, learners, think, end - start, len(in_window),
               window(watcher.replies), window(watcher.other), window(watcher.broadcast),
               [a.answered - a.at for a in in_window if a.answered is not None],
               [a.chat for a in in_window if a.answered is None], window(watcher.refused),
               len(watcher.refused), len(watcher.errors), busiest_second(sorted(sent)), cpu,
               finished,
               watcher.continued, len(watcher.actions), watcher.unexpected_answers)


# ---------------------------------------------------------------- the table

def table(run: Run) -> list[str]:
    """The run beside the targets."""
    r = (run.replies + run.other) / run.seconds
    b = run.broadcast / run.seconds
    free = RATE - r
    lines = [
        "| run | recipients | learners (think s) | window s | demand actions/s "
        "| replies R /s (learners + other) | broadcast B /s | free: 25 − R /s "
        "| B / (25 − R) | reply latency p50 / p99 s | 429s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        f"| measured | {run.recipients:,} | {run.learners} ({run.think[0]:g}-{run.think[1]:g}) "
        f"| {run.seconds:.0f} | {run.actions / run.seconds:.1f} "
        f"| {r:.1f} ({run.replies / run.seconds:.1f} + {run.other / run.seconds:.1f}) "
        f"| {b:.1f} | {free:.1f} | {f'{b / free:.1%}' if free >= 0.5 else '—'} "
        f"| {percentile(run.latencies, 0.5):.2f} / {percentile(run.latencies, 0.99):.2f} "
        f"| {run.refused} |",
        "| target | | | | | | | | ≥ 95% | p99 ≤ 1 | 0 |",
    ]
    return lines


async def run_async(args: argparse.Namespace) -> None:
    """One run; the table and the notes under it."""
    run = await measure(args.recipients, args.learners, args.think, args.seconds, args.settle)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python "
          f"{platform.python_version()}, {platform.system()}; {datetime.now(UTC):%Y-%m-%d}; "
          f"telegram.rate {RATE}/s, broadcasts.rate {RATE}/s (not paid), fake limit "
          f"{FAKE_LIMIT}/s with 429")
    print()
    for line in table(run):
        print(line)
    print()
    latencies = sorted(run.latencies)
    print(f"actions in the window: {run.actions:,}, answered {len(latencies):,}, "
          f"unanswered {len(run.unanswered)}"
          f"{f' (chats {sorted(set(run.unanswered))[:5]})' if run.unanswered else ''}; "
          f"slowest answers (s): "
          f"{', '.join(f'{x:.2f}' for x in latencies[-5:])}")
    print(f"messages sent or edited in the window: {run.broadcast + run.replies + run.other:,} "
          f"({(run.broadcast + run.replies + run.other) / run.seconds:.1f}/s), busiest second "
          f"{run.busiest}; 429s in the whole run {run.refused_all}, other failed calls "
          f"{run.errors}; bot process CPU {run.bot_cpu_s:.1f} s over {run.seconds:.0f} s")
    print(f"learners' actions in the whole run: {run.all_actions:,}, of them {run.continued} "
          f"a typed /continue (the others taps); messages to learners with no action of theirs "
          f"waiting: {run.unexpected}")
    if run.finished:
        print("NOTE: the broadcast finished inside the window: B says too little; use more "
              "--recipients or fewer --seconds")


def main() -> None:
    """Parse the sizes and run."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true",
                        help="2,000 recipients, a 20 s window (~45 s in all)")
    parser.add_argument("--recipients", type=int, help="the broadcast's audience (10,000)")
    parser.add_argument("--learners", type=int, default=200, help="people taking lessons")
    parser.add_argument("--think", default="10,30",
                        help="a learner's think time between actions: uniform LOW,HIGH s")
    parser.add_argument("--seconds", type=float, help="the measured window (60 s)")
    parser.add_argument("--settle", type=float, default=10.0,
                        help="seconds between the broadcast's first copy and the window")
    args = parser.parse_args()
    low, high = (float(x) for x in args.think.split(","))
    args.think = (low, high)
    if args.recipients is None:
        args.recipients = 2_000 if args.quick else 10_000
    if args.seconds is None:
        args.seconds = 20.0 if args.quick else 60.0
    with suppress(KeyboardInterrupt):
        asyncio.run(run_async(args))


if __name__ == "__main__":
    main()
