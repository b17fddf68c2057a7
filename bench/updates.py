"""Benchmark: update handling of our bot and two bare python-telegram-bot bots, in one run.

    python bench/updates.py [--users 200] [--seconds 25] [--latency 0.05] [--quick]
                            [--profile db|cpu]

A fake Bot API on 127.0.0.1 answers every call 50 ms late (bench/_fakeapi.py; it and the
simulated users run in this process). One after another, each bot runs in a process of its
own against it: (a) ours, the real build_application() on a fresh SQLite database, driven
through /start, menus, lessons, quizzes, and (a fifth of the users, who /join a team) the
/visit form; (b) a bare PTB bot doing the minimum (a reply with an inline keyboard per text,
an edit per press) on PTB's default httpx backend with concurrent_updates=32; (c) the same
bare bot on our aiohttp transport. Each user waits for the bot's answer before acting again
(closed loop); 5% of actions are double taps, so per-chat order is put to the test.

Method. Inside each bot process PTB's update processor and request classes are wrapped:
an update's own handling time is the wall time from the start of its handlers to their end
minus the time spent awaiting Bot API calls (so the 50 ms latency is excluded, but waiting for
the event loop or the database is not); under saturation it includes queueing behind other
chats' work on the one loop. CPU per update is the bot process's user+system CPU (all its
threads, /proc/PID/stat) over the measured window divided by the updates finished in it.
Every Bot API call carries the id of the update it answers, and the fake counts an answer to
an older update of a chat arriving after one to a newer update as an ordering violation.
--profile db runs only our bot and counts its database work (statements, time the Database
lock is held and waited for); --profile cpu adds cProfile of the loop thread (CPU time).
BENCH_BOT_HOOK=FILE.py runs that file inside the bot process before the bot is built, for
what-if experiments that patch the bot. Prints tables; asserts nothing. Other work on the
machine moves the numbers a lot: measure on a quiet machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import platform
import resource
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _fakeapi import ANSWER_TIMEOUT, BenchApi, Driver, make_users  # noqa: E402
from _inbot import serve  # noqa: E402
from _profile_tables import print_profile  # noqa: E402

BOTS = ("ours", "bare-httpx", "bare-aiohttp")
LABELS = {"ours": "our bot (aiohttp, per-chat order, SQLite)",
          "bare-httpx": "bare PTB bot, httpx (stock), concurrent_updates=32",
          "bare-aiohttp": "bare PTB bot, our aiohttp transport, concurrent_updates=32"}
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# ---------------------------------------------------------------- the benchmark's side

@dataclasses.dataclass
class Snapshot:
    """CPU seconds of the bot (per thread: the loop's and the others') and of this process."""

    at: float
    loop_cpu: float
    other_cpu: float
    fake_cpu: float
    finished: int


def snapshot(pid: int, finished: int) -> Snapshot:
    """Read the bot's CPU (all threads, and its loop thread alone) and this process's own."""
    def cpu(stat: Path) -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()  # utime, stime: 12th, 13th field
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
    total, loop = cpu(Path(f"/proc/{pid}/stat")), cpu(Path(f"/proc/{pid}/task/{pid}/stat"))
    own = resource.getrusage(resource.RUSAGE_SELF)
    return Snapshot(time.monotonic(), loop, total - loop, own.ru_utime + own.ru_stime, finished)


@dataclasses.dataclass
class Result:
    """One bot's measurements over the window."""

    bot: str
    updates: int
    seconds: float
    own_ms: list[float]
    waited_ms: list[float]
    api_ms: list[float]
    calls: float
    loop_cpu: float
    other_cpu: float
    fake_cpu: float
    violations: int
    timeouts: int
    stuck: int
    errors: int
    presses: float
    failures: list[tuple[str, int]]
    saved: str

    @property
    def rate(self) -> float:
        """Updates finished per second."""
        return self.updates / self.seconds

    def percentile(self, share: float, values: list[float] | None = None) -> float:
        """A percentile of the own handling time (or of values), in ms."""
        ordered = sorted(self.own_ms if values is None else values)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


async def prepare_database(database: Path) -> list[str]:
    """Migrate a fresh database and create the teams volunteers will /join; their codes."""
    from bot.app import open_app
    from bot.config import load_config
    from bot.storage import teams
    app = await open_app(load_config(ROOT / "config.yaml", {"BOT_DATABASE": str(database)}))
    try:
        communes = [c.code for c in app.services.communes.all()[:5]]
        codes = [f"BENCH{n}" for n in range(1, 6)]
        for code, commune in zip(codes, communes, strict=True):
            await teams.create(app.services.db, code, f"Tổ CNS {code}", commune, None,
                               datetime.now(UTC))
    finally:
        await app.close()
    return codes


async def measure(kind: str, args: argparse.Namespace) -> Result:
    """Run one bot in its own process against a fresh fake API and users; measure it."""
    with tempfile.TemporaryDirectory(prefix="bench-updates-") as tmp:
        database, log_path = Path(tmp) / "bot.db", Path(tmp) / "bot.log"
        codes = await prepare_database(database) if kind == "ours" else []
        api = BenchApi(args.latency)
        await api.start()
        driver = Driver(api)
        port = await driver.listen()
        command = [sys.executable, __file__, "--serve", kind, "--api-url", api.base_url,
                   "--report-port", str(port), "--db", str(database),
                   "--bare-concurrency", str(args.bare_concurrency),
                   "--concurrency", str(args.concurrency or 0)]
        if args.profile:
            command += ["--profile-out", str(Path(tmp) / "profile")]
            command += ["--cprofile"] if args.profile == "cpu" else []
        with log_path.open("w") as log:
            process = await asyncio.create_subprocess_exec(*command, cwd=ROOT, stdout=log,
                                                           stderr=log)
        try:
            await _wait_ready(driver, process, log_path)
            stop = asyncio.Event()
            users = make_users(args.users, kind != "ours", args.volunteers, codes)
            tasks = [asyncio.create_task(driver.run_user(user, stop)) for user in users]
            await asyncio.sleep(args.warmup)
            if args.profile:
                process.send_signal(signal.SIGUSR1)
            moves_before = dict(driver.moves)
            first = snapshot(process.pid, len(driver.done))
            await asyncio.sleep(args.seconds)
            last = snapshot(process.pid, len(driver.done))
            if args.profile:
                process.send_signal(signal.SIGUSR2)
            stop.set()
            await asyncio.wait(tasks, timeout=ANSWER_TIMEOUT + 5)
            if args.profile:
                await asyncio.sleep(1.0)
                print_profile(Path(tmp) / "profile", driver.profile,
                              last.finished - first.finished, last.at - first.at)
        finally:
            await _stop(process)
            await api.stop()
            await driver.close()
        window = driver.done[first.finished:last.finished]
        saved = journeys_done(database) if kind == "ours" else ""
        pressed = driver.moves["press"] - moves_before.get("press", 0)
        texts = driver.moves["text"] - moves_before.get("text", 0)
        errors = sum(1 for line in log_path.read_text(errors="replace").splitlines()
                     if " ERROR " in line or line.startswith("Traceback"))
    count = max(len(window), 1)
    return Result(
        kind, len(window), last.at - first.at, [d.own_ns / 1e6 for d in window],
        [d.waited * 1000 for d in window], [d.api_ns / 1e6 for d in window],
        sum(d.calls for d in window) / count,
        (last.loop_cpu - first.loop_cpu) * 1000 / count,
        max(last.other_cpu - first.other_cpu, 0.0) * 1000 / count,
        (last.fake_cpu - first.fake_cpu) / (last.at - first.at),
        api.order_violations, driver.timeouts, driver.stuck, errors,
        pressed / max(pressed + texts, 1), api.failures.most_common(3), saved)


def journeys_done(database: Path) -> str:
    """What the run left in our bot's database: proof that the journeys were real."""
    import sqlite3
    with contextlib.closing(sqlite3.connect(database)) as conn:
        counts = [conn.execute(sql).fetchone()[0] for sql in (
            "SELECT count(*) FROM users", "SELECT count(*) FROM memberships",
            "SELECT count(*) FROM lesson_progress WHERE completed_at IS NOT NULL",
            "SELECT count(*) FROM visits")]
    return ("; database after the run: {} users, {} volunteers, {} lessons finished, {} visits "
            "saved").format(*counts)


async def _wait_ready(driver: Driver, process: asyncio.subprocess.Process,
                      log_path: Path) -> None:
    waiting = asyncio.create_task(driver.ready.wait())
    exited = asyncio.create_task(process.wait())
    await asyncio.wait({waiting, exited}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
    exited.cancel()
    if not driver.ready.is_set():
        waiting.cancel()
        tail = (await asyncio.to_thread(log_path.read_text, errors="replace"))[-3000:]
        raise RuntimeError(f"the bot did not start; its log ends with:\n{tail}")


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)  # PTB stops polling and shuts down cleanly
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
            await process.wait()


def print_tables(results: list[Result], args: argparse.Namespace) -> None:
    """The side-by-side table, the targets, and the details that make numbers credible."""
    print(f"{args.users} users, closed loop, {args.latency * 1000:.0f} ms added to every Bot "
          f"API answer; {args.warmup:.0f} s warm-up then {args.seconds:.0f} s measured per bot")
    print()
    print("| bot | updates/s | own p50 ms | own p99 ms | CPU ms/update (loop + other threads) "
          "| API calls/update | order violations |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {LABELS[r.bot]} | {r.rate:.0f} | {r.percentile(0.5):.2f} | "
              f"{r.percentile(0.99):.2f} | {r.loop_cpu + r.other_cpu:.2f} "
              f"({r.loop_cpu:.2f} + {r.other_cpu:.2f}) | {r.calls:.2f} | {r.violations} |")
    by = {r.bot: r for r in results}
    print()
    if "ours" in by and len(by) > 1:
        print("| target | measured | met |")
        print("|---|---|---|")
        for other, factor in (("bare-httpx", 2.0), ("bare-aiohttp", 0.5)):
            if other in by:
                ratio = by["ours"].rate / by[other].rate
                met = "yes" if ratio >= factor else "NO"
                print(f"| ours ≥ {factor:g}× {LABELS[other].split(',')[0]} on "
                      f"{other.split('-')[1]} | {ratio:.2f}× | {met} |")
        print()
    for r in results:
        waited = f"{r.percentile(0.5, r.waited_ms):.0f}/{r.percentile(0.99, r.waited_ms):.0f}"
        api = f"{r.percentile(0.5, r.api_ms):.0f}/{r.percentile(0.9, r.api_ms):.0f}"
        print(f"- {r.bot}: {r.updates} updates in {r.seconds:.1f} s, {r.presses:.0%} presses; "
              f"users waited p50/p99 {waited} ms for an answer, of which Bot API calls p50/p90 "
              f"{api} ms; fake API process at {r.fake_cpu:.0%} of a core; {r.timeouts} "
              f"timeouts, {r.stuck} users reset, {r.errors} errors logged; refused calls: "
              f"{r.failures or 'none'}{r.saved}")


def machine() -> str:
    """CPU model, cores, Python: one line."""
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
                 platform.processor())
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    """Parse arguments; serve one bot (internal) or run the whole benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=25.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--volunteers", type=float, default=0.2, help="share of users")
    parser.add_argument("--bots", nargs="+", choices=BOTS, default=list(BOTS))
    parser.add_argument("--bare-concurrency", type=int, default=32)
    parser.add_argument("--concurrency", type=int, default=0, help="ours; 0: config.yaml's")
    parser.add_argument("--quick", action="store_true", help="fewer users, shorter windows")
    parser.add_argument("--profile", choices=("db", "cpu"),
                        help="ours only: count database work; cpu: and cProfile it")
    parser.add_argument("--cprofile", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve", choices=BOTS, help=argparse.SUPPRESS)
    for internal in ("--api-url", "--db", "--profile-out"):
        parser.add_argument(internal, help=argparse.SUPPRESS)
    parser.add_argument("--report-port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args)
        return
    if args.quick:
        args.users, args.seconds, args.warmup = min(args.users, 100), 8.0, 3.0
    if args.profile:
        args.bots = ["ours"]
    print(f"machine: {machine()}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    results = [asyncio.run(measure(kind, args)) for kind in args.bots]
    print_tables(results, args)


if __name__ == "__main__":
    main()
