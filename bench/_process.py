"""Shared by bench/zalo.py and bench/webhooks.py: a bot in a process of its own, measured.

The CPU of the bot process (user + system, all threads, /proc/PID/stat), of the benchmark's
own process and of the whole machine, read at the two ends of a measured window; the window's
figures (updates/s, waits, CPU per update); a free port; stopping the bot; the machine's line.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import platform
import resource
import signal
import socket
import time
from pathlib import Path
from typing import Protocol

QUIET = 0.15  # cores other processes may use in the window before the run is called noisy
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Counting(Protocol):
    """A fake platform API that counts the messages it accepted from the bot."""

    sent: int


@dataclasses.dataclass
class Snapshot:
    """CPU seconds of the bot, of this process and of the whole machine; counts."""

    at: float
    bot_cpu: float
    own_cpu: float
    machine_cpu: float
    sent: int


def snapshot(pid: int, api: Counting) -> Snapshot:
    """The bot's CPU (all threads: /proc/PID/stat), this process's, the machine's."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    bot = (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS  # utime, stime
    own = resource.getrusage(resource.RUSAGE_SELF)
    ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    busy = (sum(ticks[:8]) - ticks[3] - ticks[4]) / _CLOCK_TICKS  # all but idle and iowait
    return Snapshot(time.monotonic(), bot, own.ru_utime + own.ru_stime, busy, api.sent)


@dataclasses.dataclass
class Result:
    """One mode's measured window."""

    mode: str
    users: int
    first: Snapshot
    last: Snapshot
    waits: list[float]  # seconds, of the updates answered in the window
    timeouts: int
    failed: int
    errors: int
    rate: int

    @property
    def seconds(self) -> float:
        return self.last.at - self.first.at

    @property
    def updates_per_second(self) -> float:
        return len(self.waits) / self.seconds

    @property
    def cpu_ms(self) -> float:
        """The bot process's CPU per update answered in the window, ms."""
        return (self.last.bot_cpu - self.first.bot_cpu) * 1000 / max(len(self.waits), 1)

    @property
    def bot_share(self) -> float:
        return (self.last.bot_cpu - self.first.bot_cpu) / self.seconds

    @property
    def own_share(self) -> float:
        return (self.last.own_cpu - self.first.own_cpu) / self.seconds

    @property
    def others_share(self) -> float:
        busy = (self.last.machine_cpu - self.first.machine_cpu) / self.seconds
        return max(busy - self.bot_share - self.own_share, 0.0)

    @property
    def messages_per_second(self) -> float:
        return (self.last.sent - self.first.sent) / self.seconds

    def percentile(self, share: float) -> float:
        """A percentile of the waits, ms."""
        ordered = sorted(self.waits)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def stop_process(process: asyncio.subprocess.Process) -> None:
    """SIGTERM (serve() stops its channels and closes the database); killed after 20 s."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
            await process.wait()


def machine() -> str:
    """CPU model, cores, Python, aiohttp: one line."""
    import aiohttp

    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
                 platform.processor())
    load = Path("/proc/loadavg").read_text().split()[0]
    return (f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, aiohttp "
            f"{aiohttp.__version__}, {platform.system()}; load average {load} at the start")
