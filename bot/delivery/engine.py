"""One channel's delivery engine: every message the bot sends on a channel goes through it.

RapidPro's courier is the model. Replies, notifications and broadcast messages share the
channel's budget (an even pace under its limit); when the budget is short, replies go first,
notifications next, broadcasts fill what is left. Each chat has a queue of its own, sent in
order, one message at a time, at most its own pace. Flood control (RETRY_AFTER) pauses the whole
channel and the same message is sent again, not counted as a failure. A reply that meets a
timeout or a server error is tried again, with growing waits, until its deadline; then it is
given up (the user's state is saved: their next message gets a fresh answer). Notifications and
broadcasts get their outcome back: their workers keep their own tries in the database.

Replies live in memory only: those still queued when the process is killed are lost, never sent
twice (docs/DELIVERY.md).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from bot.core.events import Reply
from bot.delivery.episodes import Episodes
from bot.delivery.outcomes import Outcome, Part, Priority, Result, Sender, parts_of_all
from bot.delivery.pacing import Budget, ChatPace

log = logging.getLogger(__name__)

RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0)  # seconds before a reply's 2nd, 3rd... try
GIVEN_UP = Outcome(Result.TRANSIENT, "not sent before its deadline")
WITHDRAWN = None  # what send() returns for a message withdrawn before it went out


@dataclass(frozen=True)
class Limits:
    """A channel's sending limits and how long a reply is worth trying."""

    rate: float = 25.0  # messages a second in all
    chat_rate: float = 1.0  # messages a second to one chat, after a burst
    chat_burst: int = 5  # messages one chat may get at once
    reply_deadline: float = 60.0  # seconds
    paid_rate: float | None = None  # paid broadcasts: a budget of their own


Apology = Callable[[], Reply]  # what to show instead of a reply the channel refused


@dataclass(eq=False)
class _Item:
    part: Part
    priority: Priority
    deadline: float  # monotonic; a reply is given up after it
    done: asyncio.Future[Outcome | None] | None = None  # None: a reply nobody waits for
    apology: list[Apology] | None = None  # shared by the parts of one answer, used once
    tries: int = 0
    sending: bool = False
    withdrawn: bool = False


@dataclass
class Counts:
    """What the engine did since it started, for logs and benchmarks."""

    sent: int = 0
    flood_waits: int = 0  # RETRY_AFTER answers
    retried: int = 0  # replies tried again after a timeout or server error
    given_up: int = 0  # replies not sent before their deadline
    refused: int = 0  # BLOCKED or BAD_REQUEST
    by_priority: dict[Priority, int] = field(default_factory=dict)


class DeliveryEngine:
    """Queues, paces and sends one channel's messages; see the module's docstring."""

    def __init__(self, channel: str, sender: Sender, limits: Limits | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 retry_delays: Sequence[float] = RETRY_DELAYS) -> None:
        self.channel = channel
        self.sender = sender
        self.limits = limits or Limits()
        self.budget = Budget(self.limits.rate, clock)
        self.paid = Budget(self.limits.paid_rate, clock) if self.limits.paid_rate else None
        self.counts = Counts()
        self._clock = clock
        self._retry_delays = tuple(retry_delays)
        self._queues: dict[str, deque[_Item]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._paces: dict[str, ChatPace] = {}
        self._idle = asyncio.Event()
        self._idle.set()
        self._given_up = Episodes(f"{channel}: replies")

    # ------------------------------------------------------------------ what callers use

    def reply(self, chat: str, replies: list[Reply], pressed: int | None = None,
              apology: Apology | None = None) -> None:
        """Queue the answers to one update: sent in order, first in line, retried until the
        deadline. The first reply marked edit replaces the pressed message (or, when that
        cannot be edited, comes as a new message). If the channel refuses one, the apology is
        shown in its place (once), so the user is never left without an answer."""
        deadline = self._clock() + self.limits.reply_deadline
        shared = [apology] if apology else None
        for part in parts_of_all(replies, pressed):
            self._push(chat, _Item(part, Priority.REPLY, deadline, apology=shared))

    async def send(self, chat: str, part: Part, priority: Priority = Priority.NOTICE,
                   halt: asyncio.Event | None = None) -> Outcome | None:
        """Send one message behind what the chat already has queued and return its outcome
        (one try, flood control aside); None when halt was set before it went out."""
        done: asyncio.Future[Outcome | None] = asyncio.get_running_loop().create_future()
        item = _Item(part, priority, float("inf"), done)
        self._push(chat, item)
        if halt is None:
            return await done
        stop = asyncio.ensure_future(halt.wait())
        try:
            await asyncio.wait((done, stop), return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
        if not done.done() and not item.sending:
            item.withdrawn = True  # the chat's worker skips it
            done.set_result(WITHDRAWN)
        # Being sent: its outcome is the truth, and the caller must record it.
        return await done

    @property
    def queued(self) -> int:
        """Messages waiting or being sent."""
        return sum(len(queue) for queue in self._queues.values())

    async def drain(self, timeout: float) -> bool:  # noqa: ASYNC109
        """Wait until every queue is empty; False when timeout came first."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def stop(self, grace: float = 3.0) -> None:
        """Give the queued messages grace seconds to go out, then drop the rest (logged)."""
        if not await self.drain(grace):
            left = self.queued
            log.warning("%s: %s queued messages not sent at shutdown", self.channel, left)
        for worker in list(self._workers.values()):
            worker.cancel()
        if self._workers:
            await asyncio.wait(list(self._workers.values()))
        for budget in (self.budget, self.paid):
            if budget is not None:
                budget.close()

    # ------------------------------------------------------------------ the chat workers

    def _push(self, chat: str, item: _Item) -> None:
        queue = self._queues.get(chat)
        if queue is None:
            queue = self._queues[chat] = deque()
            self._idle.clear()
            self._workers[chat] = asyncio.create_task(self._work(chat, queue),
                                                      name=f"{self.channel}-chat")
        elif item.priority < queue[0].priority:
            # The chat's head waits at its own priority; what queues behind it must not wait
            # at that pace (a reply behind a broadcast message would never get a slot).
            self.budget.hurry(chat, item.priority)
        queue.append(item)

    async def _work(self, chat: str, queue: deque[_Item]) -> None:
        """Send a chat's queue in order; the message at the head stays there until it is
        done with, so a retry never lets a later message overtake it."""
        try:
            while queue:
                item = queue[0]
                if item.withdrawn or (item.done is not None and item.done.done()):
                    queue.popleft()
                    continue
                outcome = await self._attempt(chat, item, queue)
                if outcome is not None:
                    queue.popleft()
                    self._finish(chat, item, outcome)
        except asyncio.CancelledError:
            for item in queue:  # stopping: nobody waits for these any more
                if item.done is not None and not item.done.done():
                    item.done.set_result(WITHDRAWN)
            raise
        except Exception:  # a bug here must not leave the chat's queue stuck for good
            log.exception("%s: the delivery to one chat failed; its queue is dropped",
                          self.channel)
        finally:
            del self._queues[chat]
            del self._workers[chat]
            self._forget_pace(chat)
            if not self._queues:
                self._idle.set()

    async def _attempt(self, chat: str, item: _Item, queue: deque[_Item]) -> Outcome | None:
        """One try of the message at the head of the queue; None: try it again. It waits for
        the budget as the most urgent message in the chat's queue would."""
        if item.priority is Priority.REPLY and self._clock() >= item.deadline:
            return GIVEN_UP
        await self._chat_turn(chat)
        if item.part.paid and self.paid is not None:
            await self.paid.take(item.priority)
        else:
            await self.budget.take(min(queued.priority for queued in queue), chat)
        if item.withdrawn:
            return None  # withdrawn while it waited: the loop drops it
        item.sending = True
        started = self._clock()
        try:
            outcome = await self.sender.send(chat, item.part)
        except Exception as exc:  # an adapter must not raise; if it does, it is a fault
            log.exception("%s: the adapter raised instead of answering", self.channel)
            outcome = Outcome(Result.TRANSIENT, repr(exc))
        finally:
            item.sending = False
        now = self._clock()
        self._paces[chat].spend(now)
        if item.done is not None:  # its worker sizes its window by the network's time
            outcome = replace(outcome, seconds=now - started)
        return await self._judge(chat, item, outcome)

    async def _judge(self, chat: str, item: _Item, outcome: Outcome) -> Outcome | None:
        """The outcome to report, or None after arranging for the message to go again."""
        if outcome.result is Result.RETRY_AFTER:
            # Nobody's fault: the whole channel waits, the same message goes again.
            # The transport logs flood control once per episode, not once per message.
            self.counts.flood_waits += 1
            log.debug("%s: flood control, everything waits %.1f s", self.channel,
                      outcome.retry_after)
            self.budget.pause(outcome.retry_after)
            if self.paid is not None:
                self.paid.pause(outcome.retry_after)
            return None
        if outcome.result is Result.BAD_REQUEST and item.part.edit_of is not None:
            item.part = item.part.as_new()  # too old to edit, or deleted: a new message
            return None
        if outcome.result is Result.BAD_REQUEST and item.apology:
            log.warning("%s: a reply was refused (%s); an apology instead", self.channel,
                        outcome.detail)
            self.counts.refused += 1
            item.part = Part(item.apology.pop()().text)  # pop: one apology per answer
            return None
        if outcome.result is Result.TRANSIENT and item.priority is Priority.REPLY:
            delay = self._retry_delays[min(item.tries, len(self._retry_delays) - 1)]
            if self._clock() + delay < item.deadline:
                item.tries += 1
                self.counts.retried += 1
                await asyncio.sleep(delay)
                return None
            return GIVEN_UP
        return outcome

    def _finish(self, chat: str, item: _Item, outcome: Outcome) -> None:
        if item.done is not None and not item.done.done():
            item.done.set_result(outcome)
        if outcome.result is Result.SENT:
            self.counts.sent += 1
            self.counts.by_priority[item.priority] = \
                self.counts.by_priority.get(item.priority, 0) + 1
            self._given_up.worked()
            return
        if outcome is GIVEN_UP:
            self.counts.given_up += 1
            self._given_up.failed("given up after their deadline", chat)
            return
        self.counts.refused += 1
        if outcome.result is Result.QUOTA:  # every send fails alike: one line per episode
            self._given_up.failed("the month's messages are used up", outcome.detail)
            return
        if item.done is None:  # a reply: the caller does not look at outcomes
            level = logging.INFO if outcome.result is Result.BLOCKED else logging.WARNING
            log.log(level, "%s: a reply was refused (%s): %s", self.channel, outcome.result,
                    outcome.detail)

    async def _chat_turn(self, chat: str) -> None:
        """Wait until the chat may get another message."""
        now = self._clock()
        pace = self._paces.get(chat)
        if pace is None:
            pace = self._paces[chat] = ChatPace(self.limits.chat_rate, self.limits.chat_burst,
                                                now)
        delay = pace.delay(now)
        if delay > 0:
            await asyncio.sleep(delay)

    def _forget_pace(self, chat: str) -> None:
        """A chat whose burst is whole again needs no memory; others are kept a while."""
        pace = self._paces.get(chat)
        if pace is not None and pace.full(self._clock()):
            del self._paces[chat]
        if len(self._paces) > 4 * len(self._queues) + 1000:
            now = self._clock()
            for key in [key for key, pace in self._paces.items()
                        if key not in self._queues and pace.full(now)]:
                del self._paces[key]


