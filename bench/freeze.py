"""Benchmark: freezing an ended campaign at a province's scale while other users write.

    python bench/freeze.py [--db PATH] [--quick] [--chunk 2000]

PATH is a database made by bench/generate.py (it is changed, then put back: the campaign is
frozen again under a throwaway key, whose rows are deleted at the end); without --db one is
generated in a temporary directory first (--quick: a tenth of a province). The copy runs as the
bot runs it (bot/storage/campaigns.py, chunk by chunk) and, for comparison, as one
transaction (one chunk of every id), while a writer saves a dialog every 10 ms like an update
does; the table shows how long the copy took and how long those writes waited. Prints a
table; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import CAMPAIGN, CONFIG, province  # noqa: E402
from bot.core.campaigns import days_bounds  # noqa: E402
from bot.storage import campaigns, dialogs  # noqa: E402
from bot.storage.db import Database, open_database  # noqa: E402

KEY = "bench-freeze"  # never a configured campaign's key
NOW = datetime(2026, 10, 12, 3, tzinfo=UTC)


async def writes_meanwhile(db: Database, stop: asyncio.Event, waits: list[float]) -> None:
    """Save a dialog every 10 ms (what most updates write) and note how long each took."""
    user = (await db.fetchone("SELECT MIN(id) FROM users"))[0]  # type: ignore[index]
    step = 0
    while not stop.is_set():
        started = time.perf_counter()
        await dialogs.save_state(db, user, {"bench": step}, NOW)
        waits.append(time.perf_counter() - started)
        step += 1
        await asyncio.sleep(0.01)


async def forget(db: Database) -> None:
    """Delete the throwaway freeze (a few seconds at this scale)."""
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM frozen_visits WHERE campaign = ?", (KEY,))
        await conn.execute("DELETE FROM campaign_freezes WHERE campaign = ?", (KEY,))


async def measure(db: Database, chunk: int) -> tuple[float, int, list[float]]:
    """Freeze the campaign under KEY with this chunk size while writes go on."""
    start, end = days_bounds(CAMPAIGN.first_day, CAMPAIGN.last_day, CONFIG.timezone)
    campaigns.CHUNK = chunk
    stop, waits = asyncio.Event(), list[float]()
    writer = asyncio.create_task(writes_meanwhile(db, stop, waits))
    await asyncio.sleep(0.2)
    waits.clear()  # only the writes made while the copy runs
    started = time.perf_counter()
    await campaigns.freeze(db, [campaigns.Due(KEY, start, end)], NOW)
    took = time.perf_counter() - started
    stop.set()
    await writer
    copied = (await db.read_fetchone("SELECT COUNT(*) FROM frozen_visits WHERE campaign = ?",
                                     (KEY,)))[0]  # type: ignore[index]
    await forget(db)
    return took, int(copied), waits


def ms(seconds: float) -> str:
    """Milliseconds, rounded."""
    return f"{seconds * 1000:,.0f}"


async def bench(path: Path, chunk: int) -> list[str]:
    """Both ways, chunked first; one table row each."""
    db = await open_database(path)
    try:
        await forget(db)  # a run cut short may have left one
        last = (await db.fetchone("SELECT MAX(id) FROM visits"))[0]  # type: ignore[index]
        rows = []
        for label, size in ((f"in chunks of {chunk:,} visit ids (the bot)", chunk),
                            ("in one transaction (before)", int(last) + 1)):
            took, copied, waits = await measure(db, size)
            waits.sort()
            p99 = waits[int(len(waits) * 0.99)] if waits else 0.0
            rows.append(f"| {label} | {copied:,} | {took:.1f} s | {len(waits)} | "
                        f"{ms(statistics.median(waits) if waits else 0)} / {ms(p99)} / "
                        f"{ms(waits[-1] if waits else 0)} |")
        return rows
    finally:
        await db.close()


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", type=Path, help="a database made by bench/generate.py")
    parser.add_argument("--quick", action="store_true", help="generate a tenth of the size")
    parser.add_argument("--chunk", type=int, default=campaigns.CHUNK)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = province(args.db, tmp, args.quick)
        rows = asyncio.run(bench(path, args.chunk))
        size = path.stat().st_size
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
          f"database {size / 1e6:,.0f} MB")
    print()
    print("| freeze | visits copied | took | writes meanwhile | their wait p50 / p99 / max ms |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
