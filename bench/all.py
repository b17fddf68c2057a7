"""Run every benchmark in bench/ one after another and print their tables under one header.

    python bench/all.py [--quick] [NAME ...]

A benchmark is a bench/*.py script whose docstring starts with "Benchmark" (helpers such as
_fakeapi.py and generate.py are skipped); NAME (e.g. updates) runs only those. Each runs as a
subprocess with its own defaults, or with --quick where the script accepts it. The header
names the machine and the date, since the numbers only mean something next to them.
"""

from __future__ import annotations

import argparse
import ast
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ORDER = ("search", "export", "updates", "broadcast", "scale")  # the rest follow by name


def benchmarks() -> list[Path]:
    """The benchmark scripts, known ones in ORDER first."""
    found = []
    for path in sorted(BENCH.glob("*.py")):
        if path.name.startswith("_") or path.resolve() == Path(__file__).resolve():
            continue
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        if doc.startswith("Benchmark"):
            found.append(path)
    rank = {name: i for i, name in enumerate(ORDER)}
    return sorted(found, key=lambda p: (rank.get(p.stem, len(ORDER)), p.stem))


def machine() -> list[str]:
    """CPU model, cores, RAM, OS, Python and the date, as markdown list items."""
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in info.splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown CPU")
    memory = "unknown"
    if Path("/proc/meminfo").exists():
        kib = int(Path("/proc/meminfo").read_text().split()[1])  # MemTotal, first line
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return [f"- CPU: {model}, {os.cpu_count()} cores; RAM {memory}",
            f"- {platform.system()} {platform.release()}, Python {platform.python_version()}",
            f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average at start {load:.2f}"]


def main() -> int:
    """Run the benchmarks; the exit code is the number that failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="pass --quick where supported")
    parser.add_argument("names", nargs="*", help="only these benchmarks (e.g. updates)")
    args = parser.parse_args()
    scripts = [p for p in benchmarks() if not args.names or p.stem in args.names]
    print("# Benchmarks\n")
    print("\n".join(machine()))
    failed = 0
    for script in scripts:
        command = [sys.executable, str(script.relative_to(BENCH.parent))]
        if args.quick and "--quick" in script.read_text(encoding="utf-8"):
            command.append("--quick")
        print(f"\n## {script.stem}: `{' '.join(['python', *command[1:]])}`\n", flush=True)
        started = time.monotonic()
        result = subprocess.run(command, cwd=BENCH.parent, check=False)
        took = time.monotonic() - started
        if result.returncode:
            failed += 1
            print(f"\n**{script.name} failed with exit code {result.returncode}**")
        print(f"\n({script.name} took {took:.0f} s)", flush=True)
    missing = [name for name in ORDER if not (BENCH / f"{name}.py").exists()]
    if missing and not args.names:
        print(f"\nNot present yet: {', '.join(missing)}")
    return failed


if __name__ == "__main__":
    sys.exit(main())
