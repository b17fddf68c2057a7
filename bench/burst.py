"""Benchmark: a burst of new users writing /start at once, answered through the one budget.

    python bench/burst.py [--quick] [--users 300,3000]

N users (default 300, then 3,000; --quick: 300 only), each in a chat of their own, all send
/start within the same few milliseconds. The bot is the real one, `python -m bot --config ...`
in a process of its own (the shipped config.yaml: telegram.rate 25 messages/s, the pace per
chat at its default), on a fresh SQLite file. It talks over 127.0.0.1 to the fake Bot API
(tests/fakes/telegram.py), which runs in this process and enforces Telegram's limit: a send
beyond 30 in the last second is answered 429 with retry_after 1. The fake's getUpdates hands
out at most 100 updates per call, as Telegram does.

An answer is a sendMessage to the user's chat that the fake accepted and that starts with the
greeting ("Xin chào" in Vietnamese, "Hello" in English: a quarter of the users write in
English). Measured: the users answered, the time from the first /start to the last answer,
the 429s the bot provoked (all calls), answers sent twice, and each user's wait (from their
/start reaching the fake to their answer reaching it), p50 and p99, for the first 30 users to
write and for all. Each row is printed beside its reference: one message every 1/25 s from
the first /start on, in the order people wrote (the floor: about N/25 s to the last answer), and
no 429. Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.factories import TOKEN, write_config  # noqa: E402
from tests.fakes.telegram import FakeBotApi  # noqa: E402
from tests.fakes.telegram_model import Call  # noqa: E402

RATE = 25  # telegram.rate: the budget of everything the bot sends
FAKE_LIMIT = 30  # sends a second the fake accepts before it answers 429
GREETINGS = ("Xin chào", "Hello")
FIRST_CHAT = 5_000_000
WARM_CHAT = 4_999_999  # one /start before the burst: the bot is up and its caches warm
FIRST_USERS = 30  # "the first 30 users to write"


# ---------------------------------------------------------------- the bot in a process of its own

@asynccontextmanager
async def bot_process(api: FakeBotApi, tmp: Path, config: Path | None = None,
                      **env: str) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python -m bot --config ...` against the fake, its database in tmp, the per-chat pace at
    its configured default (people, not test robots); stopped with SIGTERM at the end."""
    config = config or write_config(tmp, RATE, paid=False)
    environ = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.base_url,
               "BOT_DATABASE": str(tmp / "bot.db"), **env}
    environ.pop("TELEGRAM_CHAT_RATE", None)
    with (tmp / "bot.log").open("a") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--config", str(config), cwd=ROOT, env=environ,
            stdout=asyncio.subprocess.DEVNULL, stderr=log)
        try:
            yield process
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(process.wait(), 15)
                except TimeoutError:
                    process.kill()
                    await process.wait()


async def until_polling(api: FakeBotApi, process: asyncio.subprocess.Process,
                        timeout: float = 60.0) -> None:  # noqa: ASYNC109
    """Wait until the bot long-polls the fake (it is up)."""
    deadline = time.monotonic() + timeout
    while not any(c.method == "getUpdates" for c in api.calls):
        if process.returncode is not None or time.monotonic() > deadline:
            raise RuntimeError("the bot did not start; see its bot.log")
        await asyncio.sleep(0.05)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class NewCalls:
    """The fake's calls since the last look (a rescan of all of them would slow the fake)."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api, self.seen = api, len(api.calls)

    def __call__(self) -> list[Call]:
        calls = self.api.calls
        fresh, self.seen = calls[self.seen:], len(calls)
        return fresh


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest rank (p99 of 30 values is their largest)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


# ---------------------------------------------------------------- one burst

@dataclass
class Burst:
    """One run's figures."""

    users: int
    answered: int
    last_answer_s: float  # from the first /start to the last answer
    refused: int  # 429s, all calls
    twice: int  # chats that got the greeting more than once
    other_errors: int
    first_waits: list[float]  # s, of the first FIRST_USERS to write
    waits: list[float]  # s, everyone answered
    inject_s: float  # how long writing all the /starts took
    bot_cpu_s: float
    first_ranks: list[int]  # the place of the first FIRST_USERS' answers among all answers
    first_answer_s: float  # from the first /start to the first answer


async def burst(users: int) -> Burst:
    """Start the bot, let `users` new users write /start at once, wait for every answer."""
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        async with FakeBotApi(send_rate_limit=FAKE_LIMIT) as api, \
                bot_process(api, tmp) as process:
            await until_polling(api, process)
            api.send_text(WARM_CHAT, "/start")
            await api.wait_text(WARM_CHAT, GREETINGS[0], timeout=30)
            await asyncio.sleep(1.1)  # the warm-up's send leaves the fake's 1 s window
            new_calls = NewCalls(api)
            cpu = cpu_seconds(process.pid)
            wrote: dict[int, float] = {}
            for i in range(users):
                chat = FIRST_CHAT + i
                api.send_text(chat, "/start", language_code="en" if i % 4 == 0 else "vi",
                              first_name=f"User {i}")
                wrote[chat] = time.monotonic()
            first = min(wrote.values())
            inject_s = max(wrote.values()) - first
            answers: dict[int, float] = {}
            greetings: Counter[int] = Counter()
            refused = other_errors = 0
            deadline = first + 2 * users / RATE + 60
            while (len(answers) < users and time.monotonic() < deadline
                   and process.returncode is None):
                await asyncio.sleep(0.05)
                for call in new_calls():
                    if call.status == 429:
                        refused += 1
                    elif not call.ok:
                        other_errors += 1
                    elif (call.method == "sendMessage" and call.chat_id in wrote
                          and call.text.startswith(GREETINGS)):
                        greetings[call.chat_id] += 1
                        answers.setdefault(call.chat_id, call.at)
            await asyncio.sleep(1.0)  # anything sent twice would show up by now
            for call in new_calls():
                refused += call.status == 429
                if call.ok and call.method == "sendMessage" and call.chat_id in wrote \
                        and call.text.startswith(GREETINGS):
                    greetings[call.chat_id] += 1
            cpu = cpu_seconds(process.pid) - cpu
    order = sorted(wrote, key=wrote.__getitem__)
    waits = {chat: answers[chat] - wrote[chat] for chat in answers}
    rank = {chat: place for place, chat in enumerate(sorted(answers, key=answers.__getitem__),
                                                     1)}
    return Burst(users, len(answers), max(answers.values(), default=first) - first, refused,
                 sum(1 for n in greetings.values() if n > 1), other_errors,
                 [waits[c] for c in order[:FIRST_USERS] if c in waits], list(waits.values()),
                 inject_s, cpu, [rank[c] for c in order[:FIRST_USERS] if c in rank],
                 min(answers.values(), default=first) - first)


# ---------------------------------------------------------------- the table

HEADER = ("| run | users | answered | time to last answer s | floor N/25 s | 429s "
          "| first 30 wait p50 / p99 s | all wait p50 / p99 s |")


def rows(run: Burst) -> list[str]:
    """The run and its reference (a message every 1/RATE s in the order people wrote)."""
    ideal = [i / RATE for i in range(run.users)]
    floor = (run.users - 1) / RATE
    first = run.first_waits
    measured = (f"| measured | {run.users:,} | {run.answered:,} | {run.last_answer_s:.1f} "
                f"| {floor:.1f} | {run.refused} "
                f"| {percentile(first, 0.5):.2f} / {percentile(first, 0.99):.2f} "
                f"| {percentile(run.waits, 0.5):.1f} / {percentile(run.waits, 0.99):.1f} |")
    reference = (f"| reference: 25/s, in order | {run.users:,} | {run.users:,} | {floor:.1f} "
                 f"| {floor:.1f} | 0 "
                 f"| {percentile(ideal[:FIRST_USERS], 0.5):.2f} / "
                 f"{percentile(ideal[:FIRST_USERS], 0.99):.2f} "
                 f"| {percentile(ideal, 0.5):.1f} / {percentile(ideal, 0.99):.1f} |")
    return [measured, reference]


async def run_all(sizes: list[int]) -> None:
    """Each size in turn, on a fresh bot and fake; then the table."""
    runs = []
    for users in sizes:
        runs.append(await burst(users))
        print(f"  {users:,} users done", file=sys.stderr, flush=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python "
          f"{platform.python_version()}, {platform.system()}; {datetime.now(UTC):%Y-%m-%d}; "
          f"telegram.rate {RATE}/s, fake limit {FAKE_LIMIT}/s with 429")
    print()
    print(HEADER)
    print("|---|---|---|---|---|---|---|---|")
    for run in runs:
        for row in rows(run):
            print(row)
    print()
    for run in runs:
        print(f"{run.users:,} users: /starts written in {run.inject_s * 1000:.0f} ms; "
              f"{run.twice} chats greeted twice; {run.other_errors} other errors; "
              f"bot process CPU {run.bot_cpu_s:.1f} s "
              f"({run.bot_cpu_s * 1000 / max(1, run.answered):.1f} ms per user); first answer "
              f"{run.first_answer_s:.2f} s after the first /start; the first {FIRST_USERS} "
              f"users' answers went out {percentile(run.first_ranks, 0.5):.0f}th (median) and "
              f"{max(run.first_ranks, default=0)}th (last) of all")


def main() -> None:
    """Parse the sizes and run."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", default="300,3000",
                        help="comma-separated burst sizes (default 300,3000)")
    parser.add_argument("--quick", action="store_true", help="300 users only (~30 s)")
    args = parser.parse_args()
    sizes = [300] if args.quick else [int(n) for n in args.users.split(",") if n.strip()]
    with suppress(KeyboardInterrupt):
        asyncio.run(run_all(sizes))


if __name__ == "__main__":
    main()
