"""Pacing: a channel's budget (an even pace, the most urgent first, paused on flood control), a
chat's own pace, and a broadcast's window of sends in flight no larger than the pace needs (a
crash can only repeat those)."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
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


class Budget:
    """Hands out send slots at most `rate` a second, evenly spaced, the most urgent waiter
    first (lower priority values first, then in arrival order).

    A slot missed by less than CATCH_UP (the loop was busy a moment) is made up at once; one
    missed by more is not: the next is an interval after the later of that and the previous
    slot. So the pace keeps up at a thousand a second on a busy loop, and never bursts above
    the rate by more than CATCH_UP's worth of sends (none at 25/s). With nobody waiting a free
    slot is taken at once, without a task switch.
    """

    CATCH_UP = 0.01  # seconds

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / rate
        self._clock = clock
        self._next = 0.0
        self._paused_until = 0.0
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []  # a heap
        self._tickets: dict[str, tuple[int, int, asyncio.Future[None]]] = {}  # by waiter's key
        self._arrivals = itertools.count()
        self._dispatcher: asyncio.Task[None] | None = None

    def pause(self, seconds: float) -> None:
        """Send nothing for seconds (the channel's flood control asked us to wait)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    @property
    def paused_for(self) -> float:
        """Seconds left in the current pause."""
        return max(0.0, self._paused_until - self._clock())

    @property
    def waiting(self) -> int:
        """How many sends wait for a slot."""
        return len(self._waiting)

    async def take(self, priority: int = 0, key: str | None = None) -> None:
        """Wait for this caller's slot; a key lets hurry() make the wait more urgent."""
        if not self._waiting and self._free_slot():
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        ticket = (priority, next(self._arrivals), future)
        heapq.heappush(self._waiting, ticket)
        if key is not None:
            self._tickets[key] = ticket
        if self._dispatcher is None:
            self._dispatcher = asyncio.create_task(self._dispatch(), name="budget")
        try:
            await future
        finally:
            if key is not None and self._tickets.get(key) is ticket:
                del self._tickets[key]

    def hurry(self, key: str, priority: int) -> None:
        """The wait under key becomes as urgent as priority, if that is more urgent (a reply
        queued behind a broadcast message in the same chat must not wait at its pace)."""
        ticket = self._tickets.get(key)
        if ticket is None or priority >= ticket[0] or ticket[2].done():
            return
        # A second entry for the same waiter: whichever comes first serves it, the other is
        # skipped as done.
        hurried = (priority, ticket[1], ticket[2])
        self._tickets[key] = hurried
        heapq.heappush(self._waiting, hurried)

    async def take_unless(self, halt: asyncio.Event, priority: int = 0) -> bool:
        """Wait for a slot unless halt is set first; False when halted."""
        if halt.is_set():
            return False
        if not self._waiting and self._free_slot():
            return True
        slot = asyncio.ensure_future(self.take(priority))
        halted = asyncio.ensure_future(halt.wait())
        await asyncio.wait((slot, halted), return_when=asyncio.FIRST_COMPLETED)
        halted.cancel()
        if slot.done():
            return True
        slot.cancel()  # its place in the queue is given up
        return False

    def close(self) -> None:
        """Stop handing out slots (the owner is stopping); waiters are cancelled."""
        for _, _, future in self._waiting:
            future.cancel()
        self._waiting.clear()
        self._tickets.clear()
        if self._dispatcher is not None:
            self._dispatcher.cancel()

    def _free_slot(self) -> bool:
        """Claim the current slot if it has come; False when the caller must wait."""
        now = self._clock()
        slot = max(now - self.CATCH_UP, self._next, self._paused_until)
        if slot > now:
            return False
        self._next = slot + self.interval
        return True

    async def _dispatch(self) -> None:
        """Give each slot, when it comes, to the most urgent waiter still waiting."""
        try:
            while self._waiting:
                if self._waiting[0][2].done():  # its waiter gave up (halted, cancelled)
                    heapq.heappop(self._waiting)
                    continue
                now = self._clock()
                slot = max(now - self.CATCH_UP, self._next, self._paused_until)
                if slot > now:
                    # Then look again: a pause may have begun, a more urgent waiter come.
                    await asyncio.sleep(slot - now)
                    continue
                self._next = slot + self.interval
                heapq.heappop(self._waiting)[2].set_result(None)
        finally:
            self._dispatcher = None


class ChatPace:
    """One chat's own limit: `burst` messages at once, then one every 1/rate seconds."""

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.interval = 1.0 / rate
        self.burst = burst
        self._tokens = float(burst)
        self._stamp = now

    def delay(self, now: float) -> float:
        """Seconds until the chat may get its next message (0: now)."""
        self._refill(now)
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) * self.interval

    def spend(self, now: float) -> None:
        """A message went to the chat."""
        self._refill(now)
        self._tokens -= 1

    def full(self, now: float) -> bool:
        """True when the chat has its whole burst again (nothing to remember)."""
        self._refill(now)
        return self._tokens >= self.burst

    def _refill(self, now: float) -> None:
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) / self.interval)
        self._stamp = now


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
