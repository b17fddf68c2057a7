"""Deliver the outbox (notifications queued by the core) to one channel's users, through its
delivery engine: ahead of broadcasts, behind replies.

Delivery is at-least-once, as close to exactly-once as the channel allows: a row is marked sent
right after the channel accepts it. If the process dies between the two (or the channel accepted
a message whose answer timed out), that one message is sent again after the restart; nothing is
ever lost. The jobs that queue some of these notifications (escalating overdue help requests)
run in the application's scheduler (bot/core/jobs.py), not here: this worker only delivers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime

from bot.core import choices
from bot.core.context import Services
from bot.core.service import utc_now
from bot.core.shared import outbox
from bot.delivery.engine import DeliveryEngine
from bot.delivery.outcomes import Outcome, Part, Priority, Result
from bot.storage import dialogs as dialog_store
from bot.storage import outbox as store

log = logging.getLogger(__name__)

BATCH = 50
RETRY_DELAYS = (2.0, 10.0, 60.0, 300.0)  # seconds to wait after the 1st, 2nd... failure


class OutboxWorker:
    """A background task: every second (or when woken) send the channel's pending
    notifications. It never dies of an error: each is logged."""

    def __init__(self, engine: DeliveryEngine, services: Services,
                 clock: Callable[[], datetime] = utc_now, interval: float = 1.0,
                 typed_choices: bool = False) -> None:
        self.engine = engine
        # A text-only channel: a notice's numbered choices become what the user's typed
        # number picks ("1. I'll go"), as a reply's do.
        self.typed_choices = typed_choices
        self.services = services
        self.clock = clock
        self.interval = interval
        self._wake = asyncio.Event()
        self._halt = asyncio.Event()  # set by stop(): a wait for a sending slot ends
        self._task: asyncio.Task[None] | None = None
        self._retry_at: dict[int, float] = {}  # outbox id -> monotonic time of its next try
        self._last_error = ""

    def start(self) -> None:
        """Start the task (once)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"{self.engine.channel}-outbox")

    def wake(self) -> None:
        """Deliver now rather than at the next tick."""
        self._wake.set()

    async def stop(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Let the message being sent finish, then end the task (cancelled after timeout)."""
        task, self._task = self._task, None
        if task is None:
            return
        self._halt.set()
        self._wake.set()
        try:
            await asyncio.wait_for(task, timeout)
        except TimeoutError:
            log.warning("the outbox worker did not stop within %s s; cancelled", timeout)

    async def _run(self) -> None:
        while not self._halt.is_set():
            try:
                await self.deliver_pending()
                self._last_error = ""
            except Exception as exc:
                # One log per new kind of failure: a database that is gone would otherwise
                # fill the log once a second.
                if repr(exc) != self._last_error:
                    log.exception("the outbox worker failed; it carries on")
                self._last_error = repr(exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
            self._wake.clear()

    async def deliver_pending(self) -> int:
        """Send what is waiting for the channel's users; return how many were sent."""
        sent = 0
        now = time.monotonic()
        for message in await store.pending(self.services.db, self.engine.channel, BATCH):
            if self._halt.is_set():
                break
            if self._retry_at.get(message.id, 0.0) > now:
                continue
            if await self._send(message):
                sent += 1
        return sent

    async def _send(self, message: store.Pending) -> bool:
        try:
            reply = outbox.decode(message.reply)
        except (ValueError, KeyError, TypeError) as exc:
            log.error("outbox message %s cannot be sent (%r); given up", message.id, exc)
            await store.give_up(self.services.db, message.id, "unreadable")
            return False
        part = Part(reply.text, reply.buttons)
        if self.typed_choices and reply.buttons:
            # Before it goes out: its numbers work the moment the user reads it.
            await dialog_store.save_options(self.services.db, message.user_id,
                                            choices.shown(reply), self.clock())
        outcome = await self.engine.send(message.external_id, part, Priority.NOTICE, self._halt)
        if outcome is None:
            return False  # the bot is shutting down before it went out: sent after the restart
        if outcome.result is Result.BLOCKED:
            log.info("outbox message %s: user %s blocked the bot (%s); not retried",
                     message.id, message.user_id, outcome.detail)
            await store.give_up(self.services.db, message.id, store.BLOCKED)
            return False
        if outcome.result is not Result.SENT:  # counts as an attempt: the queue moves on
            await self._failed(message, outcome)
            return False
        self._retry_at.pop(message.id, None)
        await store.mark_sent(self.services.db, message.id, self.clock())
        return True

    async def _failed(self, message: store.Pending, outcome: Outcome) -> None:
        reason = outcome.detail or str(outcome.result)
        gave_up = await store.mark_failed(self.services.db, message.id, reason)
        if gave_up:
            self._retry_at.pop(message.id, None)
            log.warning("outbox message %s to user %s failed %s times, given up: %s",
                        message.id, message.user_id, message.attempts + 1, reason)
            return
        delay = RETRY_DELAYS[min(message.attempts, len(RETRY_DELAYS) - 1)]
        self._retry_at[message.id] = time.monotonic() + delay
        # A network fault is logged once by the transport, not once per waiting message.
        level = logging.DEBUG if outcome.result is Result.TRANSIENT else logging.WARNING
        log.log(level, "outbox message %s to user %s failed (attempt %s), retry in %.0f s: %s",
                    message.id, message.user_id, message.attempts + 1, delay, reason)
