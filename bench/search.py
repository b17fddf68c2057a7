"""Benchmark: lesson search latency on the whole catalog. Prints a table; asserts nothing.

    python bench/search.py [--rounds 200]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import build_search  # noqa: E402
from bot.core.lessons.catalog import load_catalog  # noqa: E402
from bot.i18n import Translations  # noqa: E402

QUERIES = [
    "dich vu cong", "kích hoạt vneid mức 2", "vneid", "dvc", "chuyen tien qr", "otp",
    "lua dao cong an goi dien", "mua hang online", "tra hang hoan tien", "thanh toan tien dien",
    "mobile money", "cai ung dung", "zalo", "bao hiem y te", "scam phone call",
    "how to pay electricity bill", "deepfake", "mat khau", "vnied", "thong bao luu tru",
]


def main() -> None:
    """Build the index once, then time every query many times."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    rounds = parser.parse_args().rounds
    translations = Translations(("vi", "en"), "vi")
    started = time.perf_counter()
    catalog = load_catalog(ROOT / "lessons", ("vi", "en"))
    loaded = time.perf_counter()
    index = build_search(catalog, translations)
    built = time.perf_counter()
    timings: list[float] = []
    for _ in range(rounds):
        for query in QUERIES:
            t0 = time.perf_counter()
            index.search(query)
            timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    p50 = statistics.median(timings)
    p99 = timings[int(len(timings) * 0.99) - 1]
    print(f"machine: {platform.machine()} {platform.processor() or ''} "
          f"python {platform.python_version()}")
    print(f"catalog: {len(catalog.lessons)} lessons; load {1000 * (loaded - started):.0f} ms; "
          f"index build {1000 * (built - loaded):.1f} ms")
    print()
    print("| measure | queries | p50 ms | p99 ms | max ms | target |")
    print("|---|---|---|---|---|---|")
    print(f"| search | {len(timings)} | {p50:.3f} | {p99:.3f} | {timings[-1]:.3f} | p99 < 5 ms |")


if __name__ == "__main__":
    main()
