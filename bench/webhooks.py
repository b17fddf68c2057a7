"""Benchmark: the Telegram channel, webhook against polling: updates/s, waits, CPU per update.

    python bench/webhooks.py [--quick] [--users N] [--seconds S] [--latency 0.05]
                             [--modes webhook polling] [--rate 1000] [--chat-rate 100]

The Telegram side of bench/zalo.py (issue 14), by its method. The fake Telegram Bot API
(tests/fakes/telegram.py, as bench/_fakeapi.py `BenchApi` keeps it: no call log) runs in this
process on 127.0.0.1 and answers every call `--latency` seconds late (50 ms); the simulated
users run here too. The bot runs in a process of its own, `python -m bot --channel telegram`
with a fresh SQLite file and the shipped config.yaml (concurrent_updates 64, INFO logs) but
`telegram.rate` at `--rate` (1000, the most the config allows) and `chat_rate` at
`--chat-rate` (100, the most allowed), so that its CPU is measured alone (user + system, all
threads, /proc/PID/stat) and no pace of its sends is what is measured.

Each of N users (200; --quick 50) sends "/start", then walks the menu and a lesson the way
bench/zalo.py's users type "1" twelve times and then "0": it presses the button a text-only
chat numbers 1 (the first that is not "◀ Back" or "☰ Menu": a skill, a lesson, its steps,
its quiz) twelve times, then "☰ Menu", and again; and it waits for the bot's answer (a
message sent or edited in its chat with an inline keyboard, after its update) before the next
(closed loop). After a 2 s warm-up, S seconds are measured (10; --quick 4): updates answered
in the window per second, the wait from the update given to the platform to the answer
reaching it (median, p95), the bot's CPU per update answered.

- webhook (TELEGRAM_WEBHOOK_URL set): the bot calls setWebhook at start; the fake POSTs each
  update to its /webhook/telegram, one delivery at a time in the order the users wrote (the
  fake's model of the platform; Telegram may keep up to setWebhook's max_connections, 40 by
  default, in flight), answered 200 once the update is handled; the reply goes out through
  the delivery engine;
- polling (the default without TELEGRAM_WEBHOOK_URL): python-telegram-bot's getUpdates long
  polling, up to 100 updates an answer, handled concurrent_updates at a time (one chat's in
  order).

Prints the machine and a table; asserts nothing. Other work on the machine moves the numbers:
the CPU other processes used in the window is printed beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import itertools
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _fakeapi import BenchApi  # noqa: E402
from _process import QUIET, Result, free_port, machine, snapshot, stop_process  # noqa: E402

from tests.factories import TOKEN, write_config  # noqa: E402
from tests.fakes.telegram_model import SENT_OR_EDITED  # noqa: E402

SECRET = "bench-telegram-webhook-secret"
MODES = ("webhook", "polling")
FIRST, MENU = "first", "menu"  # what bench/zalo.py's users type as "1" and "0"
WALK = [FIRST] * 12 + [MENU]  # a skill, a lesson, its steps, its quiz; then the menu
NAV = ("◀", "☰")  # how the labels of Back (9 in a text-only chat) and Menu (0) begin
ANSWER_TIMEOUT = 30.0  # a user waiting longer gives up and acts again
FIRST_USER = 6_000_001


class BenchTelegramApi(BenchApi):
    """The fake Bot API, telling a waiting user the moment a screen (a message with an inline
    keyboard) is sent or edited in its chat; counting messages and refusals."""

    def __init__(self, latency: float) -> None:
        super().__init__(latency)
        self.waiters: dict[int, asyncio.Future[float]] = {}
        self.sent = 0  # messages sent or edited, accepted
        self.failed = 0  # refused ("message is not modified" included)
        self.polled = False

    def _record(self, method: str, params: dict[str, Any], status: int, description: str,
                result: Any, *more: Any) -> None:
        super()._record(method, params, status, description, result, *more)
        if method == "getUpdates":
            self.polled = True
        if method not in SENT_OR_EDITED:
            return
        if status != 200:
            self.failed += 1
            return
        self.sent += 1
        chat_id = params.get("chat_id")
        if not params.get("reply_markup") or not isinstance(chat_id, int | str):
            return
        with contextlib.suppress(ValueError):
            waiter = self.waiters.pop(int(chat_id), None)
            if waiter is not None and not waiter.done():
                waiter.set_result(time.monotonic())

    def act(self, uid: int, move: str) -> None:
        """The user's move: /start typed, or a button of the screen pressed (/menu typed when
        the screen has no such button)."""
        if move not in (FIRST, MENU):
            self.send_text(uid, move)
            return
        buttons = self.buttons(uid)
        if move == MENU:
            wanted = [data for label, data in buttons if label.startswith(NAV[1])]
        else:
            wanted = [data for label, data in buttons if not label.startswith(NAV)]
        if wanted:
            self.press(uid, wanted[0])
        else:
            self.send_text(uid, "/menu")


@dataclasses.dataclass
class TelegramResult(Result):
    """One mode's measured window, and what went wrong at the platform's end."""

    refused_posts: int = 0  # webhook POSTs in the window not answered 2xx
    refusals: dict[str, int] = dataclasses.field(default_factory=dict)  # Bot API calls refused


async def measure(mode: str, args: argparse.Namespace) -> TelegramResult:
    """Start the fake and the bot (its own process) in this mode; run the users; measure."""
    with tempfile.TemporaryDirectory(prefix="bench-webhooks-") as tmp:
        log_path = Path(tmp) / "bot.log"
        api = BenchTelegramApi(args.latency)
        await api.start()
        process = await _start_bot(mode, api, Path(tmp), args, log_path)
        tasks: list[asyncio.Task[None]] = []
        done: list[tuple[float, float]] = []  # (answered at, waited s)
        timeouts = 0
        # Set before the users are cancelled: on Python 3.11, wait_for swallows a cancel that
        # comes as its future completes, and such a user would go on for ever.
        stop = asyncio.Event()
        try:
            ready = (lambda: api.webhook_url != "") if mode == "webhook" else (lambda: api.polled)
            await _until_ready(ready, process, log_path)

            async def user(uid: int) -> None:
                nonlocal timeouts
                loop = asyncio.get_running_loop()
                moves = itertools.chain(["/start"], itertools.cycle(WALK))
                while not stop.is_set():
                    move = next(moves)
                    waiter: asyncio.Future[float] = loop.create_future()
                    api.waiters[uid] = waiter
                    acted = time.monotonic()
                    api.act(uid, move)
                    try:
                        answered = await asyncio.wait_for(waiter, ANSWER_TIMEOUT)
                    except TimeoutError:
                        timeouts += 1
                        api.waiters.pop(uid, None)
                        continue
                    done.append((answered, answered - acted))
                    api.prune(uid)  # the fake scans a chat's messages on every press

            tasks = [asyncio.create_task(user(FIRST_USER + n)) for n in range(args.users)]
            await asyncio.sleep(args.warmup)
            first = snapshot(process.pid, api)
            await asyncio.sleep(args.seconds)
            last = snapshot(process.pid, api)
        finally:
            stop.set()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await stop_process(process)
            await api.stop()
        lines = log_path.read_text(errors="replace").splitlines()
        errors = [line for line in lines
                  if " ERROR " in line or " CRITICAL " in line or line.startswith("Traceback")]
        if errors:
            print(f"  {mode}: {len(errors)} errors in the bot's log; the first:\n"
                  + "\n".join(lines[lines.index(errors[0]):][:12]), file=sys.stderr)
    waits = [waited for at, waited in done if first.at <= at < last.at]
    # POSTs refused while the bot stops (its web server first) are retried, then dropped:
    # only those of the window count.
    refused = sum(1 for delivery in api.webhook_deliveries
                  if not delivery.ok and delivery.at < last.at)
    result = TelegramResult(mode, args.users, first, last, waits, timeouts, api.failed,
                            len(errors), args.rate, refused, dict(api.failures.most_common(3)))
    print(f"  {mode}: {result.updates_per_second:.1f} updates/s, bot CPU "
          f"{result.bot_share:.0%} of a core, {result.cpu_ms:.2f} ms/update; this process "
          f"{result.own_share:.0%}, other processes {result.others_share:.0%}",
          file=sys.stderr, flush=True)
    return result


async def _start_bot(mode: str, api: BenchTelegramApi, tmp: Path, args: argparse.Namespace,
                     log_path: Path) -> asyncio.subprocess.Process:
    """`python -m bot --channel telegram` against the fake, with its web server on a free port
    (webhook mode: the webhook registered there); its output into log_path."""
    port = free_port()
    ours = ("TELEGRAM_", "ZALO_", "BOT_")  # the caller's own settings stay out
    env = {key: value for key, value in os.environ.items() if not key.startswith(ours)}
    env |= {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.base_url,
            "TELEGRAM_CHAT_RATE": str(args.chat_rate), "BOT_DATABASE": str(tmp / "bot.db"),
            "BOT_LISTEN": f"127.0.0.1:{port}"}
    if mode == "webhook":
        env |= {"TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/webhook/telegram",
                "TELEGRAM_WEBHOOK_SECRET": SECRET}
    config = write_config(tmp, rate=25, paid=False, telegram_rate=args.rate)
    with log_path.open("w") as log:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--channel", "telegram", "--config", str(config),
            cwd=ROOT, env=env, stdout=log, stderr=log)


async def _until_ready(ready: Callable[[], bool], process: asyncio.subprocess.Process,
                       log_path: Path) -> None:
    """Until ready() (the webhook set, or a first getUpdates); the bot's log if it died or
    took over a minute."""
    give_up = time.monotonic() + 60
    while not ready():
        if process.returncode is not None or time.monotonic() > give_up:
            tail = (await asyncio.to_thread(log_path.read_text, errors="replace"))[-3000:]
            raise RuntimeError(f"the bot did not start; its log ends with:\n{tail}")
        await asyncio.sleep(0.05)


def print_tables(results: list[TelegramResult], args: argparse.Namespace) -> None:
    print(f"Closed loop, {args.latency * 1000:.0f} ms added to every Bot API answer; "
          f"{args.warmup:g} s warm-up, then {args.seconds:g} s measured; telegram.rate "
          f"{args.rate}/s, chat_rate {args.chat_rate:g}/s, concurrent_updates as shipped")
    print()
    print("| mode | users | updates/s | median wait, ms | p95 wait, ms | bot CPU ms/update "
          "| bot CPU, share of a core |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r.mode} | {r.users} | {r.updates_per_second:.1f} | {r.percentile(0.5):.0f} "
              f"| {r.percentile(0.95):.0f} | {r.cpu_ms:.2f} | {r.bot_share:.0%} |")
    print()
    for r in results:
        paced = (": AT telegram.rate, the pace is what limits"
                 if r.messages_per_second >= 0.9 * r.rate else "")
        print(f"- {r.mode}: {len(r.waits)} updates answered in {r.seconds:.1f} s; "
              f"{r.messages_per_second:.1f} messages sent or edited a second{paced}; this "
              f"process (fake API, users) at {r.own_share:.0%} of a core, other processes at "
              f"{r.others_share:.0%}; {r.timeouts} timeouts, {r.failed} refused sends or "
              f"edits, {r.refused_posts} webhook POSTs not answered 2xx, {r.errors} errors "
              f"logged; refused calls: {r.refusals or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="50 users, 4 s")
    parser.add_argument("--users", type=int, default=0, help="default 200 (--quick 50)")
    parser.add_argument("--seconds", type=float, default=0.0, help="default 10 (--quick 4)")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--latency", type=float, default=0.05, help="s added to every answer")
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--rate", type=int, default=1000, help="telegram.rate (1-1000)")
    parser.add_argument("--chat-rate", type=float, default=100.0,
                        help="telegram.chat_rate (0.1-100; config.yaml ships 1)")
    args = parser.parse_args()
    args.users = args.users or (50 if args.quick else 200)
    args.seconds = args.seconds or (4.0 if args.quick else 10.0)
    print(f"machine: {machine()}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    started = time.monotonic()
    results = [asyncio.run(measure(mode, args)) for mode in args.modes]
    print_tables(results, args)
    print(f"\n({time.monotonic() - started:.0f} s in all)")
    noisiest = max(r.others_share for r in results)
    if noisiest >= QUIET:
        print(f"\nWARNING: other processes used up to {noisiest:.0%} of a core during a "
              "measured window; the machine was not quiet, and the numbers are off.")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
