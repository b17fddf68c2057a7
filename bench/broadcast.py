"""Benchmark: broadcast queueing and pacing through the real delivery engine.

    python bench/broadcast.py [--quick] [--queue 100000] [--paced 1500] [--paid 10000]
                              [--profile]

Three measures, printed as one table (nothing is asserted):

- queue: N users in a temporary database, then the admin's two steps: count the audience
  (shown before Send) and queue it (the broadcast row, one delivery row per recipient and the
  audit entry, in one transaction: bot/storage/broadcasts.py create(), as the Send button does).
- paced: the configured 25/s against a fake Bot API that enforces 30 sends/s with 429: the
  achieved rate, the busiest second and the 429s.
- paid: broadcasts.paid (allow_paid_broadcast) at 1,000/s against a fake with no limit: the rate
  the engine sustains, its CPU per message, and where the time of one delivery goes (the send's
  round trip, the outcome's commit, the window of sends in flight).

The engine is the real one: BroadcastWorker (bot/delivery/broadcasts.py) through the Telegram
delivery engine (bot/delivery/engine.py, its adapter bot/channels/telegram/sender.py) with a real
PTB Bot on the bot's transport, a real SQLite database on disk (synchronous=FULL). The fake
Bot API (tests/fakes/telegram.py) runs in a process of its own so its CPU never counts against the
engine. --profile adds a cProfile of the paid run's event loop thread: its time by component
(PTB, aiohttp, asyncio, aiosqlite, the bot, idle), then its top functions (the profiler slows
the run down by about a third).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import dataclasses
import io
import json
import os
import platform
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from telegram import Bot  # noqa: E402

from bot.app import App, open_app  # noqa: E402
from bot.channels.telegram.application import limits  # noqa: E402
from bot.channels.telegram.channel import CHANNEL  # noqa: E402
from bot.channels.telegram.request import BotApiRequest  # noqa: E402
from bot.channels.telegram.sender import TelegramSender  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.config_broadcasts import BroadcastConfig  # noqa: E402
from bot.delivery.broadcasts import BroadcastWorker  # noqa: E402
from bot.delivery.engine import DeliveryEngine  # noqa: E402
from bot.storage import audiences  # noqa: E402
from bot.storage import broadcasts as store  # noqa: E402
from bot.storage.audiences import Audience  # noqa: E402
from bot.storage.db import Database  # noqa: E402

TOKEN = "123456789:" + "A" * 10 + "b" * 10 + "C" * 10 + "_-0a9"
ADMIN_CHAT = 42
FIRST_CHAT = 1_000_000
TEXT = "Ngày hội chuyển đổi số 08/10: mời bà con đến nhà văn hoá xóm!"
TEXT_EN = "Digital day on 8 October: come to the village hall!"


# ---------------------------------------------------------------- the fake, in its own process

def busiest_second(times: list[float]) -> int:
    """The most sends accepted within any one second."""
    most, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


async def serve_fake(limit: int | None) -> None:
    """Child process: run the fake Bot API; print its port; answer each "report" line with what
    it saw of the broadcast's sends since the last report (JSON), until stdin closes."""
    from tests.fakes.telegram import FakeBotApi

    async with FakeBotApi(send_rate_limit=limit) as api:
        print(api.port, flush=True)
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                return
            times = sorted(c.at for c in api.calls if c.method == "sendMessage" and c.ok
                           and c.text in (TEXT, TEXT_EN))
            span = times[-1] - times[0] if len(times) > 1 else 0.0
            refused = sum(1 for c in api.calls if c.status == 429)
            others = sum(1 for c in api.calls if not c.ok and c.status != 429)
            print(json.dumps({"sent": len(times), "rate": (len(times) - 1) / span if span else 0,
                              "busiest": busiest_second(times), "429": refused,
                              "other_errors": others}), flush=True)
            api.calls.clear()


class FakeProcess:
    """The parent's handle on the fake Bot API process."""

    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process = process
        self.base_url = f"http://127.0.0.1:{port}/bot"

    @staticmethod
    async def start(limit: int | None) -> FakeProcess:
        """Start it and wait for its port."""
        args = ["--fake-server"] + ([] if limit is None else ["--fake-limit", str(limit)])
        process = await asyncio.create_subprocess_exec(
            sys.executable, __file__, *args, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, cwd=ROOT)
        assert process.stdout is not None
        port = int((await process.stdout.readline()).decode())
        return FakeProcess(process, port)

    async def report(self) -> dict[str, Any]:
        """How many of the broadcast's sends the fake accepted, at what rate (first to last),
        the most within one second, and how many 429s and other errors it answered."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(b"report\n")
        await self.process.stdin.drain()
        return dict(json.loads(await self.process.stdout.readline()))

    async def stop(self) -> None:
        """Close its stdin; it ends."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        await self.process.wait()


# ---------------------------------------------------------------- the database

async def add_users(db: Database, count: int) -> int:
    """count Telegram users (a quarter in English) and the admin (one more recipient of a
    broadcast to everyone); the admin's user id."""
    stamp = datetime.now(UTC).isoformat()
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO users (channel, external_id, locale, created_at, last_seen_at) "
            "VALUES ('telegram', ?, ?, ?, ?)",
            [(str(FIRST_CHAT + i), "en" if i % 4 == 0 else "vi", stamp, stamp)
             for i in range(count)])
        cur = await conn.execute(
            "INSERT INTO users (channel, external_id, locale, created_at, last_seen_at) "
            "VALUES ('telegram', ?, 'vi', ?, ?) RETURNING id", (str(ADMIN_CHAT), stamp, stamp))
        row = await cur.fetchone()
        await cur.close()
    assert row is not None
    return int(row[0])


async def opened(tmp: str, settings: BroadcastConfig) -> App:
    """The bot's services on a fresh database in tmp, with these broadcast settings."""
    config = load_config(ROOT / "config.yaml", {"BOT_DATABASE": f"{tmp}/bench.db"})
    return await open_app(dataclasses.replace(config, broadcasts=settings))


async def queue(app: App, admin: int) -> tuple[int, int]:
    """A broadcast to everyone, sent now, watched by the admin: what the Send button queues."""
    created = await store.create(app.services.db, admin, TEXT, TEXT_EN,
                                 Audience(audiences.EVERYONE), None, datetime.now(UTC),
                                 f"telegram:{ADMIN_CHAT}",
                                 channels=(CHANNEL,))
    assert created is not None
    return created


# ---------------------------------------------------------------- (a) queueing

async def bench_queue(recipients: int) -> list[str]:
    """Count the audience and queue the broadcast; the table's rows."""
    with tempfile.TemporaryDirectory() as tmp:
        app = await opened(tmp, BroadcastConfig(quiet_hours=None))
        try:
            admin = await add_users(app.services.db, recipients - 1)
            started = time.perf_counter()
            counted = await audiences.count_recipients(
                app.services.db, Audience(audiences.EVERYONE), (CHANNEL,))
            count_s = time.perf_counter() - started
            started = time.perf_counter()
            await queue(app, admin)
            queue_s = time.perf_counter() - started
        finally:
            await app.close()
    return [f"| queue | {counted:,} recipients | count {count_s * 1000:.0f} ms, queue "
            f"{queue_s:.2f} s | | | | | < 5 s to queue 100,000 |"]


# ---------------------------------------------------------------- (b, c) delivery

@dataclasses.dataclass
class Timings:
    """Where one delivery's time goes, measured around the engine's two awaits."""

    sends: list[float] = dataclasses.field(default_factory=list)  # Bot API round trips, s
    records: list[float] = dataclasses.field(default_factory=list)  # outcome commits, s


def timed_request(timings: Timings) -> BotApiRequest:
    """Our transport, timing each send the engine posts (its only call per recipient)."""

    class TimedRequest(BotApiRequest):
        async def post_json(self, url: str, payload: bytes) -> tuple[int, bytes]:
            started = time.perf_counter()
            try:
                return await super().post_json(url, payload)
            finally:
                timings.sends.append(time.perf_counter() - started)

    return TimedRequest(connection_pool_size=128)


def timed_records(timings: Timings) -> Callable[[], None]:
    """Time bot/storage/broadcasts.py record_many() (one group commit of outcomes; the engine
    calls it through the module); return the function that puts the original back."""
    original = store.record_many

    async def record_many(*args: Any, **kwargs: Any) -> store.Status:
        started = time.perf_counter()
        try:
            return await original(*args, **kwargs)
        finally:
            timings.records.append(time.perf_counter() - started)

    store.record_many = record_many

    def restore() -> None:
        store.record_many = original

    return restore


@dataclasses.dataclass
class Delivery:
    """One delivery run's figures."""

    recipients: int
    sent: int
    refused: int
    other_errors: int
    rate: float  # accepted sends per second, first to last, as the fake saw them
    busiest_second: int
    wall_s: float
    cpu_ms_per_message: float
    loop_cpu_ms_per_message: float
    timings: Timings
    window: int
    profile: str


async def deliver(recipients: int, settings: BroadcastConfig, limit: int | None,
                  profile: bool = False) -> Delivery:
    """Queue a broadcast to recipients and let the real worker deliver it to the fake."""
    fake = await FakeProcess.start(limit)
    timings = Timings()
    restore = timed_records(timings)
    profiler = cProfile.Profile() if profile else None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            app = await opened(tmp, settings)
            try:
                number, recipients = await queue(app, await add_users(app.services.db,
                                                                      recipients - 1))
                request = timed_request(timings)
                async with Bot(TOKEN, base_url=fake.base_url, request=request,
                               get_updates_request=BotApiRequest(1)) as bot:
                    engine = DeliveryEngine(CHANNEL, TelegramSender(bot, request),
                                            limits(app.services.config))
                    worker = BroadcastWorker(engine, app.services, poll_interval=0.05)
                    wall, cpu, loop_cpu = (time.perf_counter(), time.process_time(),
                                           time.thread_time())
                    if profiler:
                        profiler.enable()
                    worker.start()
                    await until_finished(app.services.db, number)
                    if profiler:
                        profiler.disable()
                    wall, cpu, loop_cpu = (time.perf_counter() - wall, time.process_time() - cpu,
                                           time.thread_time() - loop_cpu)
                    window = worker.window.limit
                    await worker.stop()
                    await engine.stop()
            finally:
                await app.close()
        seen = await fake.report()
    finally:
        restore()
        await fake.stop()
    return Delivery(recipients, int(seen["sent"]), int(seen["429"]), int(seen["other_errors"]),
                    float(seen["rate"]), int(seen["busiest"]), wall,
                    cpu * 1000 / max(1, recipients), loop_cpu * 1000 / max(1, recipients),
                    timings, window, _top(profiler, recipients) if profiler else "")


async def until_finished(db: Database, number: int) -> None:
    """Wait until the broadcast is done (checked every 50 ms)."""
    # Polled: the database, not an event, is what says a broadcast is over.
    while await store.status(db, number) not in (store.DONE, store.CANCELLED):  # noqa: ASYNC110
        await asyncio.sleep(0.05)


# Where the event loop's time goes, by the code it runs (first match wins).
COMPONENTS = (
    ("waiting for I/O (idle)", ("'poll' of 'select.epoll'",)),
    ("socket send/recv (kernel)", ("of '_socket.socket'",)),
    ("PTB: request and answer objects", ("/telegram/",)),
    ("aiohttp client", ("/aiohttp/", "/yarl/", "/multidict/")),
    ("aiosqlite hand-off", ("/aiosqlite/", "SimpleQueue", "/threading.py", "/queue.py")),
    ("the bot: delivery engine, broadcast worker, storage", ("/bot/",)),
    ("asyncio machinery", ("/asyncio/", "/selectors.py", "_contextvars", "Future", "Task")),
    ("json", ("/json/",)),
)


def _top(profiler: cProfile.Profile, messages: int, count: int = 25) -> str:
    """The profile's time by component (ms per message), then its top functions."""
    stats = pstats.Stats(profiler)
    totals: dict[str, float] = {}
    everything = 0.0
    for (filename, _line, name), row in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{filename}:{name}"
        component = next((label for label, marks in COMPONENTS
                          if any(mark in where for mark in marks)), "other")
        totals[component] = totals.get(component, 0.0) + row[2]  # tottime
        everything += row[2]
    lines = ["| where the event loop's time goes | ms per message | share |", "|---|---|---|"]
    for component, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        lines.append(f"| {component} | {seconds * 1000 / messages:.3f} "
                     f"| {seconds / everything:.0%} |")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(count)
    return "\n".join(lines) + "\n\n" + out.getvalue()


def _ms(values: list[float], share: float) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000:.2f}"


def delivery_row(name: str, run: Delivery, configured: int, target: str) -> str:
    """One table row."""
    t = run.timings
    return (f"| {name} | {run.sent:,} of {run.recipients:,} sent, {run.refused} × 429, "
            f"{run.other_errors} other errors | {run.rate:,.1f}/s of {configured:,}/s "
            f"({run.rate / configured:.0%}), busiest second {run.busiest_second} "
            f"| {run.cpu_ms_per_message:.2f} ({run.loop_cpu_ms_per_message:.2f} in the loop) "
            f"| {_ms(t.sends, 0.5)} / {_ms(t.sends, 0.99)} "
            f"| {_ms(t.records, 0.5)} / {_ms(t.records, 0.99)} | {run.window} | {target} |")


async def run_async(args: argparse.Namespace) -> None:
    """All three measures; the table, then the profile if asked."""
    rows = await bench_queue(args.queue)
    paced = await deliver(args.paced, BroadcastConfig(rate=25, quiet_hours=None, paid=False),
                          limit=30)
    rows.append(delivery_row("paced", paced, 25, "≥ 95% of 25/s, no 429"))
    paid = await deliver(args.paid, BroadcastConfig(rate=1000, quiet_hours=None, paid=True),
                         limit=None, profile=args.profile)
    rows.append(delivery_row("paid", paid, 1000, "≥ 900/s"))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python "
          f"{platform.python_version()}, {platform.system()}; "
          f"{datetime.now(UTC):%Y-%m-%d}")
    print()
    print("| measure | what | result | engine CPU ms/message | send round trip p50 / p99 ms "
          "| outcome commit p50 / p99 ms | window at end | target |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(row)
    if paid.profile:
        print()
        print("cProfile of the paid run (the event loop's thread only; the profiler itself adds "
              "about a third):")
        print(paid.profile)


def main() -> None:
    """Parse the sizes and run."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true",
                        help="smaller runs (20,000 queued, 250 paced, 2,000 paid): ~25 s")
    parser.add_argument("--queue", type=int, help="recipients queued (default 100,000)")
    parser.add_argument("--paced", type=int, help="recipients at 25/s (default 1,500: 60 s)")
    parser.add_argument("--paid", type=int, help="recipients at 1,000/s (default 10,000)")
    parser.add_argument("--profile", action="store_true",
                        help="profile the paid run's event loop thread with cProfile")
    parser.add_argument("--fake-server", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--fake-limit", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fake_server:
        asyncio.run(serve_fake(args.fake_limit))
        return
    quick = {"queue": 20_000, "paced": 250, "paid": 2_000}
    full = {"queue": 100_000, "paced": 1_500, "paid": 10_000}
    for name, value in (quick if args.quick else full).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    asyncio.run(run_async(args))


if __name__ == "__main__":
    main()
