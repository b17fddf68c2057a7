"""Benchmark: the Zalo channel, webhook against polling, and the CPU cost of one Zalo update.

    python bench/zalo.py [--quick] [--users N] [--seconds S] [--latency 0.05]
                         [--modes webhook polling] [--rate 100]

The fake Zalo Bot API (tests/fakes/zalo.py `FakeZaloApi`) runs in this process on 127.0.0.1
and answers every call `--latency` seconds late (50 ms); the simulated users run here too. The
bot runs in a process of its own, as `python -m bot` runs it (bot/channels/runner.py `serve`:
Zalo only, a fresh SQLite file, the shipped config.yaml with `zalo.rate` and `zalo.chat_rate`
at `--rate`, 100 by default, the most the config allows), so that its CPU is measured alone
(user + system, all threads, /proc/PID/stat).

Each of N users (200; --quick 50) sends "/start", then walks the menu and a lesson by numbers
("1" twelve times: a skill, a lesson, its steps, its quiz; then "0", the menu; and again), and
waits for the bot's answer (a sendMessage to its chat after its update) before the next
(closed loop). After a 2 s warm-up, S seconds are measured (10; --quick 4): updates answered
in the window per second, the wait from the update given to the platform to the answer
reaching it (median, p95), the bot's CPU per update answered.

- webhook (production): the fake POSTs each update to the bot's /webhook/zalo, one delivery at
  a time in the order the users wrote (the fake's model of the platform), answered 200 once the
  update is handled; the reply goes out through the delivery engine, paced at zalo.rate;
- polling (development): the platform hands out one update per getUpdates and the bot polls at
  most once a second (bot/channels/zalo/channel.py POLL_GAP), so about 1 update/s whatever the
  users: the reference that shows why production uses the webhook. Its waits grow with the
  queue (about N seconds once every user has an update waiting).

Prints the machine and a table; asserts nothing. Other work on the machine moves the numbers:
the CPU other processes used in the window is printed beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import itertools
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _process import QUIET, Result, free_port, machine, snapshot  # noqa: E402
from _process import stop_process as _stop  # noqa: E402

from tests.fakes.zalo import ZALO_TOKEN, FakeZaloApi, zalo_id  # noqa: E402

SECRET = "bench-zalo-webhook-secret"
MODES = ("webhook", "polling")
WALK = ["1"] * 12 + ["0"]  # a skill, a lesson, its 8 steps, its quiz; then the menu
ANSWER_TIMEOUT = 30.0  # webhook mode: a user waiting longer gives up and writes again
TELEGRAM_REFERENCE = (0.47, "docs/PERFORMANCE.md, \"Update handling, side by side\": our bot "
                            "on Telegram, bench/updates.py, 2026-12-05 20:20 UTC, at saturation "
                            "(1,958 updates/s), same kind of machine")


class BenchZaloApi(FakeZaloApi):
    """The fake Zalo API, telling a waiting user the moment a message to its chat is sent."""

    def __init__(self, latency: float) -> None:
        super().__init__(latency=latency)
        self.waiters: dict[str, asyncio.Future[float]] = {}
        self.sent = 0
        self.failed = 0

    def _record(self, request: Any, method: str, body: dict[str, Any], status: int,
                description: str = "", result: Any = None, answered: bool = True) -> None:
        super()._record(request, method, body, status, description, result, answered)
        if method != "sendMessage":
            return
        if status != 200:
            self.failed += 1
            return
        self.sent += 1
        waiter = self.waiters.pop(str(body.get("chat_id")), None)
        if waiter is not None and not waiter.done():
            waiter.set_result(time.monotonic())


async def measure(mode: str, args: argparse.Namespace) -> Result:
    """Start the fake and the bot (its own process) in this mode; run the users; measure."""
    with tempfile.TemporaryDirectory(prefix="bench-zalo-") as tmp:
        log_path = Path(tmp) / "bot.log"
        api = BenchZaloApi(args.latency)
        await api.start()
        port = free_port()
        command = [sys.executable, __file__, "--serve", mode, "--api-url", api.base_url,
                   "--port", str(port), "--dir", tmp, "--rate", str(args.rate)]
        with log_path.open("w") as log:
            process = await asyncio.create_subprocess_exec(*command, cwd=ROOT, stdout=log,
                                                           stderr=log)
        tasks: list[asyncio.Task[None]] = []
        done: list[tuple[float, float]] = []  # (answered at, waited s)
        timeouts = 0
        # Set before the users are cancelled: on Python 3.11, wait_for swallows a cancel that
        # comes as its future completes, and such a user would go on for ever.
        stop = asyncio.Event()
        try:
            await _wait_ready(api, mode, process, log_path)

            async def user(number: int) -> None:
                nonlocal timeouts
                uid = zalo_id(f"bench-user-{number}")
                loop = asyncio.get_running_loop()
                for text in itertools.chain(["/start"], itertools.cycle(WALK)):
                    if stop.is_set():
                        return
                    waiter: asyncio.Future[float] = loop.create_future()
                    api.waiters[uid] = waiter
                    sent = time.monotonic()
                    api.send_text(uid, text, display_name=f"User {number}")
                    try:
                        if mode == "webhook":
                            answered = await asyncio.wait_for(waiter, ANSWER_TIMEOUT)
                        else:  # polling: the queue is long, the wait as long as it takes
                            answered = await waiter
                    except TimeoutError:
                        timeouts += 1
                        api.waiters.pop(uid, None)
                        continue
                    done.append((answered, answered - sent))

            tasks = [asyncio.create_task(user(n)) for n in range(args.users)]
            await asyncio.sleep(args.warmup)
            first = snapshot(process.pid, api)
            await asyncio.sleep(args.seconds)
            last = snapshot(process.pid, api)
        finally:
            stop.set()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await _stop(process)
            await api.stop()
        errors = sum(1 for line in log_path.read_text(errors="replace").splitlines()
                     if line.startswith(("ERROR", "CRITICAL", "Traceback")))
    waits = [waited for at, waited in done if first.at <= at < last.at]
    result = Result(mode, args.users, first, last, waits, timeouts, api.failed, errors,
                    args.rate)
    print(f"  {mode}: {result.updates_per_second:.1f} updates/s, bot CPU "
          f"{result.bot_share:.0%} of a core, {result.cpu_ms:.2f} ms/update; other processes "
          f"{result.others_share:.0%}", file=sys.stderr, flush=True)
    return result


async def _wait_ready(api: BenchZaloApi, mode: str, process: asyncio.subprocess.Process,
                      log_path: Path) -> None:
    """Until the bot has set its webhook (or polled once); its log if it died first."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.returncode is None:
        if (api.webhook_url != "" if mode == "webhook" else
                any(call.method == "getUpdates" for call in api.calls)):
            return
        await asyncio.sleep(0.05)
    tail = (await asyncio.to_thread(log_path.read_text, errors="replace"))[-3000:]
    raise RuntimeError(f"the bot did not start; its log ends with:\n{tail}")


def serve_bot(args: argparse.Namespace) -> None:
    """In the bot's process: the runner of `python -m bot`, on Zalo only, until SIGTERM."""
    import logging

    from bot.channels.runner import serve
    from tests.factories import make_config

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    env = {"ZALO_BOT_TOKEN": ZALO_TOKEN, "ZALO_API_URL": args.api_url,
           "BOT_LISTEN": f"127.0.0.1:{args.port}"}
    if args.serve == "webhook":
        env |= {"ZALO_WEBHOOK_URL": f"http://127.0.0.1:{args.port}/webhook/zalo",
                "ZALO_WEBHOOK_SECRET": SECRET}
    config = make_config(Path(args.dir), **env)
    # zalo.rate and chat_rate as config.yaml would set them (1-100); more only for what-ifs.
    zalo = dataclasses.replace(config.zalo, rate=args.rate, chat_rate=float(args.rate))
    asyncio.run(serve(dataclasses.replace(config, zalo=zalo)))


def print_tables(results: list[Result], args: argparse.Namespace) -> None:
    print(f"Closed loop, {args.latency * 1000:.0f} ms added to every Zalo API answer; "
          f"{args.warmup:g} s warm-up, then {args.seconds:g} s measured; zalo.rate and "
          f"chat_rate {args.rate}/s")
    print()
    print("| mode | users | updates/s | median ms | p95 ms | bot CPU ms/update |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r.mode} | {r.users} | {r.updates_per_second:.1f} | {r.percentile(0.5):.0f} | "
              f"{r.percentile(0.95):.0f} | {r.cpu_ms:.2f} |")
    webhook = next((r for r in results if r.mode == "webhook"), None)
    if webhook is not None:
        ms, where = TELEGRAM_REFERENCE
        print()
        print("| the cost of one update | bot CPU ms/update |")
        print("|---|---|")
        print(f"| Zalo, webhook (this run, {webhook.updates_per_second:.0f} updates/s) | "
              f"{webhook.cpu_ms:.2f} |")
        print(f"| Telegram, reference ({where}) | {ms:.2f} |")
    print()
    for r in results:
        paced = (": AT zalo.rate, the pace is what limits"
                 if r.messages_per_second >= 0.9 * r.rate else "")
        print(f"- {r.mode}: {len(r.waits)} updates answered in {r.seconds:.1f} s; "
              f"{r.messages_per_second:.1f} messages sent a second{paced}; bot process at "
              f"{r.bot_share:.0%} of a core, this process (fake API, users) at "
              f"{r.own_share:.0%}, other processes at {r.others_share:.0%}; {r.timeouts} "
              f"timeouts, {r.failed} failed sends, {r.errors} errors logged")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=0, help="default 200 (--quick 50)")
    parser.add_argument("--seconds", type=float, default=0.0, help="default 10 (--quick 4)")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--rate", type=int, default=100,
                        help="zalo.rate and chat_rate (the config allows 1-100)")
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--quick", action="store_true", help="50 users, 4 s")
    parser.add_argument("--serve", choices=MODES, help=argparse.SUPPRESS)
    for internal in ("--api-url", "--dir"):
        parser.add_argument(internal, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_bot(args)
        return
    args.users = args.users or (50 if args.quick else 200)
    args.seconds = args.seconds or (4.0 if args.quick else 10.0)
    print(f"machine: {machine()}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    started = time.monotonic()
    results = [asyncio.run(measure(mode, args)) for mode in args.modes]
    print_tables(results, args)
    print(f"\n({time.monotonic() - started:.0f} s in all)")
    busiest = max(r.others_share for r in results)
    if busiest >= QUIET:
        print(f"\nWARNING: other processes used up to {busiest:.0%} of a core during a measured "
              "window; the machine was not quiet, and the numbers are off.")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
