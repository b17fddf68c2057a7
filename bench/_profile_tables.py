"""bench/updates.py --profile: the tables of where our bot's CPU and database work go."""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Any

AREAS = (("/bot/core/", "bot/core"), ("/bot/storage/", "bot/storage"),
         ("/bot/channels/", "bot/channels"), ("/bot/", "bot (other)"), ("/bench/", "bench hooks"),
         ("/telegram/", "python-telegram-bot"), ("aiohttp", "aiohttp"), ("yarl", "aiohttp"),
         ("multidict", "aiohttp"), ("aiosqlite", "aiosqlite (loop side)"),
         ("/asyncio/", "asyncio"), ("selectors", "asyncio"), ("/json/", "json"),
         ("gettext", "gettext/Babel"), ("babel", "gettext/Babel"), ("/logging/", "logging"),
         ("dataclasses", "dataclasses"), ("/datetime", "datetime"))


ENTRY_POINTS = {
    ("telegram/_update.py", "de_json"): "PTB: parse an incoming Update",
    ("telegram/_bot.py", "_post"): "PTB: one Bot API call, all included",
    ("telegram/request/_baserequest.py", "post"): "PTB: the HTTP request and its JSON answer",
    ("telegram/_message.py", "de_json"): "PTB: parse a returned Message",
    ("telegram/_utils/argumentparsing.py", "parse_sequence_arg"): "PTB: argument parsing",
    ("telegram/request/_requestdata.py", "json_parameters"): "PTB: encode parameters",
    ("telegram/ext/_extbot.py", "_insert_defaults"): "PTB: insert defaults",
    ("aiohttp/client.py", "_request"): "aiohttp: a client request",
    ("telegram/ext/_application.py", "process_update"): "PTB: dispatch to handlers",
    ("telegram/ext/_updater.py", "polling_action_cb"): "PTB: getUpdates round",
}


def print_profile(path: Path, counters: dict[str, int], updates: int, seconds: float) -> None:
    """Where our bot's loop thread spends its CPU, and what each update asks of SQLite."""
    if path.exists():
        print_cpu_profile(path, updates)
    per = max(updates, 1)
    print("\n| database, per update | value |")
    print("|---|---|")
    for key in sorted(k for k in counters if k.startswith("sql ")):
        print(f"| statements {key[4:]} | {counters[key] / per:.2f} |")
    taken = max(counters.get("lock taken", 0), 1)
    print(f"| Database lock taken | {counters.get('lock taken', 0) / per:.2f} times |")
    held = counters.get("lock held ns", 0) / 1e9
    print(f"| lock held, share of the window | {held / seconds:.0%} |")
    print(f"| lock held per taking | {counters.get('lock held ns', 0) / 1e6 / taken:.2f} ms |")
    print(f"| lock wait per update | {counters.get('lock wait ns', 0) / 1e6 / per:.2f} ms |")
    holders = sorted(((v, k[len("held by "):]) for k, v in counters.items()
                      if k.startswith("held by ")), reverse=True)
    print("\n| Database lock held by | ms/update | takings/update | ms per taking |")
    print("|---|---|---|---|")
    for held, holder in holders[:10]:
        times = max(counters.get("taken by " + holder, 0), 1)
        print(f"| {holder} | {held / 1e6 / per:.2f} | {times / per:.2f} | "
              f"{held / 1e6 / times:.2f} |")


def print_cpu_profile(path: Path, updates: int) -> None:
    """cProfile's own time grouped by library, our functions, the costliest functions."""
    import pstats
    stats: dict[Any, Any] = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in stats.values()) or 1.0
    by_area: collections.Counter[str] = collections.Counter()
    for (filename, _line, name), row in stats.items():
        place = next((label for part, label in AREAS if part in filename),
                     f"builtins: {name}" if filename == "~" else "python stdlib/other")
        by_area[place if not place.startswith("builtins") or row[2] > total / 50
                else "builtins (other)"] += row[2]
    per = max(updates, 1)
    print(f"\n### Profile of our bot's loop thread ({updates} updates; cProfile slows it)\n")
    print("| where (own time) | share | ms/update under cProfile |")
    print("|---|---|---|")
    for place, spent in by_area.most_common(14):
        print(f"| {place} | {spent / total:.0%} | {spent * 1000 / per:.2f} |")
    print("\n| function of bot/ (cumulative, on-CPU) | ms/update | calls/update |")
    print("|---|---|---|")
    ours = sorted(((row[3], row[1], f"{filename.split('/bot/', 1)[1]}:{name}")
                   for (filename, _line, name), row in stats.items() if "/bot/" in filename),
                  reverse=True)
    for cumulative, calls, where in ours[:18]:
        print(f"| {where} | {cumulative * 1000 / per:.2f} | {calls / per:.2f} |")
    print("\n| library entry point (cumulative) | ms/update | calls/update |")
    print("|---|---|---|")
    for (filename, _line, name), row in stats.items():
        label = ENTRY_POINTS.get((filename.split("site-packages/")[-1], name))
        if label:
            print(f"| {label} | {row[3] * 1000 / per:.2f} | {row[1] / per:.2f} |")
    print("\n| function (own time) | ms/update | calls/update |")
    print("|---|---|---|")
    for (filename, line, name), row in sorted(stats.items(), key=lambda kv: -kv[1][2])[:15]:
        where = filename.split("site-packages/")[-1].split("/lib/python3")[-1]
        print(f"| {where}:{line} {name} | {row[2] * 1000 / per:.2f} | {row[1] / per:.2f} |")
