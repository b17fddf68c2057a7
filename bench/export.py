"""Benchmark: the admins' export (XLSX and CSV) of N visits in a temporary database.

    python bench/export.py [--visits 100000] [--learners 5000] [--memory]

Prints a table; asserts nothing. While the export runs, a probe coroutine measures how late
the event loop answers (what another user would wait), so "the bot does not freeze" is a
number too; --memory adds the peak of Python's memory (tracemalloc slows the run).
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import random
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import load_config  # noqa: E402
from bot.core import exports  # noqa: E402
from bot.core.lessons.catalog import load_catalog  # noqa: E402
from bot.core.shared.communes import Communes  # noqa: E402
from bot.core.shared.dates import DayRange  # noqa: E402
from bot.i18n import Translations  # noqa: E402
from bot.storage.db import Database, open_database  # noqa: E402

FIRST, LAST = date(2026, 10, 1), date(2026, 10, 10)
HAMLETS = ["Thôn 1", "Thôn 2", "Xóm Đông", "Tổ dân phố 5", "Bản Na Lượng"]
NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hồ Sỹ Hùng"]


async def fill(db: Database, communes: Communes, visits: int, learners: int,
               lessons: list[str]) -> None:
    """Teams, volunteers, visits over the campaign's days, and learners' completed lessons."""
    rng = random.Random(5)
    codes = [c.code for c in communes.all()]
    start = datetime(2026, 9, 30, 17, 0, tzinfo=UTC)  # 1 October, midnight in Vietnam
    stamp = start.isoformat()
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO teams (id, join_code, name, commune_code, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [(i, f"TEAM{i:04d}", f"Tổ công nghệ số {i}", codes[i % len(codes)], stamp)
             for i in range(1, 301)])
        await conn.executemany(
            "INSERT INTO users (id, channel, external_id, locale, created_at, last_seen_at) "
            "VALUES (?, 'telegram', ?, 'vi', ?, ?)",
            [(i, str(10_000_000 + i), stamp, stamp) for i in range(1, 1501 + learners)])
        await conn.executemany(
            "INSERT INTO memberships (user_id, team_id, role, display_name, joined_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [(i, 1 + i % 300, "leader" if i % 5 == 0 else "volunteer", f"TNV {i}", stamp)
             for i in range(1, 1501)])
        rows = []
        for i in range(1, visits + 1):
            when = (start + timedelta(seconds=rng.randrange(10 * 86400))).isoformat()
            volunteer = rng.randrange(1, 1501)
            flags = [rng.random() < 0.4 for _ in range(12)]
            rows.append((f"d{i}", volunteer, 1 + volunteer % 300, codes[volunteer % len(codes)],
                         rng.choice(HAMLETS), f"{rng.choice(NAMES)} {i}", f"k{i}",
                         rng.randint(1, 6), *flags, when, when, when,
                         when if i % 50 == 0 else None))
        await conn.executemany(
            "INSERT INTO visits (draft_id, volunteer_id, team_id, commune_code, hamlet, "
            "household, household_key, people, s_public_services, s_shopping, s_payment, "
            "s_cyber_safety, s_other_platforms, o_vneid_level2, o_public_service, "
            "o_payment_account, o_biometrics, o_first_payment, o_two_factor, o_scam_talk, "
            "visited_at, created_at, updated_at, deleted_at) "
            "VALUES (" + ", ".join("?" * 24) + ")", rows)
        progress = []
        for user in range(1501, 1501 + learners):
            for lesson in rng.sample(lessons, rng.randint(1, min(8, len(lessons)))):
                when = (start + timedelta(seconds=rng.randrange(10 * 86400))).isoformat()
                progress.append((user, lesson, when))
        await conn.executemany(
            "INSERT INTO lesson_progress (user_id, lesson_id, position, status, started_at, "
            "updated_at, completed_at) VALUES (?, ?, 9, 'done', ?, ?, ?)",
            [(u, lesson, w, w, w) for u, lesson, w in progress])


async def probe(stop: asyncio.Event, lags: list[float]) -> None:
    """How late a 10 ms sleep wakes up while the export runs (the loop's responsiveness)."""
    while not stop.is_set():
        asked = time.perf_counter()
        await asyncio.sleep(0.01)
        lags.append((time.perf_counter() - asked - 0.01) * 1000)


async def bench(visits: int, learners: int, memory: bool) -> None:
    """Fill a temporary database, export it, print the table."""
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(ROOT / "config.yaml", {"BOT_DATABASE": f"{tmp}/bench.db"})
        catalog = load_catalog(config.lessons_dir, config.locales)
        communes = Communes(config.province_code)
        db = await open_database(config.database)
        filled = time.perf_counter()
        await fill(db, communes, visits, learners, sorted(catalog.lessons))
        filled = time.perf_counter() - filled
        setting = exports.Setting(Translations(config.locales, "vi").get("vi"),
                                  config.timezone, communes, exports.skill_lessons(catalog))
        stop, lags = asyncio.Event(), list[float]()
        watcher = asyncio.create_task(probe(stop, lags))
        if memory:
            tracemalloc.start()
        started = time.perf_counter()
        written = await exports.write_export(db, setting, DayRange(FIRST, LAST),
                                             Path(tmp) / "out" / "report.xlsx",
                                             Path(tmp) / "out")
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory() if memory else (0, 0)
        tracemalloc.stop()
        stop.set()
        await watcher
        await db.close()
        lags.sort()
        sizes = {p.name: p.stat().st_size for p in written.files}
    print(f"machine: {platform.machine()} {platform.processor() or ''} "
          f"python {platform.python_version()}; database filled in {filled:.1f} s")
    print()
    print("| visits | teams | learners | export s | visits/s | peak Python MB | loop lag p99 ms "
          "| loop lag max ms | xlsx MB | csv MB | target |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    xlsx = sum(v for k, v in sizes.items() if k.endswith(".xlsx")) / 1e6
    csv = sum(v for k, v in sizes.items() if k.endswith(".csv")) / 1e6
    p99 = lags[int(len(lags) * 0.99) - 1] if lags else 0.0
    shown_peak = f"{peak / 1e6:.0f}" if memory else "(--memory)"
    print(f"| {written.counts.visits:,} | {written.counts.teams} | {written.counts.learners:,} "
          f"| {elapsed:.1f} | {written.counts.visits / elapsed:,.0f} | {shown_peak} "
          f"| {p99:.0f} | {max(lags, default=0):.0f} | {xlsx:.1f} | {csv:.1f} "
          f"| 100,000 visits < 20 s |")


def main() -> None:
    """Parse the sizes and run."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--learners", type=int, default=5_000)
    parser.add_argument("--memory", action="store_true",
                        help="trace Python's memory (the export then runs about 3 times slower)")
    args = parser.parse_args()
    asyncio.run(bench(args.visits, args.learners, args.memory))


if __name__ == "__main__":
    main()
