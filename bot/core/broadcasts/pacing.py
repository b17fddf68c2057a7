"""Pacing for broadcast workers: an even pace that never bursts, pauses on flood control, and a
window of sends in flight no larger than the pace needs (a crash can only repeat those)."""

from __future__ import annotations

import asyncio
import contextlib
import math
import statistics
import time
from collections import deque
from collections.abc import Callable

SHORT_WAIT = 0.05  # seconds: a shorter wait is slept through, halt checked after it


async def wait_or_halt(halt: asyncio.Event, seconds: float) -> bool:
    """Sleep for seconds unless halt is set first; True when halted."""
    if 0 < seconds <= SHORT_WAIT:
        # The pacer's waits between sends: a plain sleep costs a tenth of watching the event.
        await asyncio.sleep(seconds)
    elif seconds > 0 and not halt.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(halt.wait(), seconds)
    return halt.is_set()


class Pacer:
    """Hands out send times at most `rate` a second, evenly spaced.

    A slot missed by less than CATCH_UP (the loop was busy a moment) is made up at once; one
    missed by more is not: the next is an interval after the later of that and the previous
    slot. So the pace keeps up at a thousand a second on a busy loop, and never bursts above
    the rate by more than CATCH_UP's worth of sends (none at 25/s).
    """

    CATCH_UP = 0.01  # seconds

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / rate
        self._clock = clock
        self._next = 0.0
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """Send nothing for seconds (Telegram's flood control asked us to wait)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    @property
    def paused_for(self) -> float:
        """Seconds left in the current pause."""
        return max(0.0, self._paused_until - self._clock())

    async def wait(self, halt: asyncio.Event) -> bool:
        """Wait for this caller's slot; False when halted meanwhile."""
        while not halt.is_set():
            now = self._clock()
            slot = max(now - self.CATCH_UP, self._next, self._paused_until)
            self._next = slot + self.interval  # claimed now, so concurrent callers queue up
            if await wait_or_halt(halt, slot - now):
                return False
            if self._clock() >= self._paused_until:
                return True
            # A pause began while we slept: queue again behind it.
        return False


class Window:
    """How many sends may be in flight at once (from the send until its outcome is recorded):
    just enough for the rate at the network's round trip (the median of the latest sends, so
    one slow answer does not open the window), at least one, at most `most`.

    Everything in flight when the process dies is sent again after a restart, so the window is
    also the largest number of repeats one crash can cause. The time to record an outcome is
    left out on purpose: a slow disk slows the broadcast down instead of widening the window.
    Only a floor allows for it: RECORDING seconds per send (one at 25/s, eight at 1,000/s).
    """

    SAMPLES = 32
    RECORDING = 0.008  # seconds a send's slot stays taken after its answer, to be recorded

    def __init__(self, rate: float, most: int = 64) -> None:
        self.rate = rate
        self.most = most
        self.least = max(1, min(most, math.ceil(rate * self.RECORDING)))
        self.in_flight = 0
        self._samples: deque[float] = deque(maxlen=self.SAMPLES)
        self._released = asyncio.Event()

    @property
    def seconds_per_send(self) -> float:
        """The median time of the latest sends (0 before the first)."""
        return statistics.median(self._samples) if self._samples else 0.0

    @property
    def limit(self) -> int:
        """Sends allowed in flight now."""
        return max(self.least, min(self.most, math.ceil(self.rate * self.seconds_per_send)))

    async def acquire(self, halt: asyncio.Event) -> bool:
        """Wait for room in the window; False when halted meanwhile."""
        while self.in_flight >= self.limit:
            self._released.clear()
            waiter = asyncio.ensure_future(self._released.wait())
            halted = asyncio.ensure_future(halt.wait())
            await asyncio.wait((waiter, halted), return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            halted.cancel()
            if halt.is_set():
                return False
        self.in_flight += 1
        return True

    def release(self, seconds: float | None) -> None:
        """A send is over and recorded; seconds is its round trip (None: not a measure)."""
        self.in_flight -= 1
        if seconds is not None:
            self._samples.append(seconds)
        self._released.set()
