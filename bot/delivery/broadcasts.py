"""Deliver broadcasts to one channel's users through its delivery engine: one task, paced,
resumable after any crash.

The protocol (docs/BROADCASTS.md): every delivery row exists before anything is sent; a
delivery is sent, then marked with its outcome in its own short transaction right after the
channel answers. After a kill -9 only the sends whose answer was not yet recorded (at most the
window of sends in flight, one at the default pace on a fast link) are sent again; nothing is
lost. Broadcasts take what replies and notifications leave of the channel's budget (the engine
sees to that, and to flood control); timeouts and server errors are retried here with backoff
up to broadcasts.max_attempts; a user who blocked the bot is marked and left out of later
broadcasts. A channel whose month's messages run out (QUOTA) holds its deliveries, pending;
the others finish, then the broadcast is paused until an admin resumes it.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime

from bot.core.broadcasts import final_text, progress_text, stop_button
from bot.core.context import Services
from bot.core.service import utc_now
from bot.delivery.engine import DeliveryEngine
from bot.delivery.outcomes import Part, Priority
from bot.delivery.outcomes import Result as Sent
from bot.delivery.pacing import Budget, Window, wait_or_halt
from bot.delivery.record import OutcomeRecorder
from bot.storage import broadcasts as store
from bot.storage.broadcasts import Broadcast, Counts, Outcome, Recipient, Result, Status

log = logging.getLogger(__name__)

BATCH = 500  # recipients read from the database at a time
RETRY_DELAYS = (2.0, 10.0, 30.0, 60.0)  # seconds after the 1st, 2nd... failed try
PROGRESS_EVERY = 3.0  # seconds between edits of the admin's progress message
STATUS_EVERY = 0.5  # seconds between checks that the broadcast was not stopped


@dataclass(order=True)
class _Retry:
    due: float
    recipient: Recipient = field(compare=False)


class BroadcastWorker:
    """Sends due broadcasts one at a time; started in post_init, stopped in post_stop. It never
    dies of an error: each is logged and the broadcast is taken up again."""

    def __init__(self, engine: DeliveryEngine, services: Services,
                 clock: Callable[[], datetime] = utc_now, poll_interval: float = 1.0,
                 retry_delays: tuple[float, ...] = RETRY_DELAYS,
                 progress_every: float = PROGRESS_EVERY, edits: bool = True) -> None:
        self.engine = engine
        # False on a channel that cannot edit a message (Zalo): the progress is shown once,
        # when sending starts, rather than as a new message every few seconds.
        self.edits = edits
        self.services = services
        self.settings = services.config.broadcasts
        self.clock = clock
        self.poll_interval = poll_interval
        self.retry_delays = retry_delays
        self.progress_every = progress_every
        # At most broadcasts.rate, within what the channel's budget leaves (the engine's).
        self.pacer = Budget(self.settings.rate)
        self.window = Window(self.settings.rate)
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._run: _Run | None = None
        self._last_error = ""

    def start(self) -> None:
        """Start the task (once)."""
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name=f"{self.engine.channel}-broadcasts")

    def reports(self, job: Broadcast) -> bool:
        """Whether this worker shows the job's progress and reports its end: the one of the
        channel the admin wrote on, else the first channel broadcasts go out on. Every channel
        sends its own users' deliveries; only this one finishes the broadcast."""
        channels = self.services.config.delivery_channels
        admin_channel = (job.progress_chat or "").partition(":")[0]
        mine = self.engine.channel
        return admin_channel == mine or (admin_channel not in channels and channels[0] == mine)

    @property
    def stopping(self) -> bool:
        """True once stop() was called."""
        return self._stopping.is_set()

    async def stop(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Let the sends in flight finish and be recorded, then end (cancelled after timeout).
        An unfinished broadcast stays 'sending' and resumes at the next start."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        if self._run is not None:
            self._run.halt.set()
        try:
            await asyncio.wait_for(task, timeout)
        except TimeoutError:
            log.warning("the broadcast worker did not stop within %s s; cancelled", timeout)

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                job = await self._next_job()
                if job is not None:
                    await self._work_on(job)
                    self._last_error = ""
                    continue
                self._last_error = ""
            except Exception as exc:
                if repr(exc) != self._last_error:  # one log per new kind of failure
                    log.exception("the broadcast worker failed; it carries on")
                self._last_error = repr(exc)
            await wait_or_halt(self._stopping, self.poll_interval)

    async def _next_job(self) -> Broadcast | None:
        # Only one being sent: the application's jobs (bot/core/jobs.py) start a scheduled
        # broadcast when its time has come, outside quiet hours.
        return await store.next_due(self.services.db, self.clock(), scheduled_allowed=False)

    async def _work_on(self, job: Broadcast) -> None:
        run = _Run(self, job)
        self._run = run
        try:
            await run.execute()
        finally:
            self._run = None
        if not run.halt.is_set() and run.left_over:
            # Rows that could not be recorded (the database failed): try them again shortly.
            await wait_or_halt(self._stopping, self.poll_interval)


class _Run:
    """One broadcast being delivered: its recipients, retries, counts and progress message."""

    def __init__(self, worker: BroadcastWorker, job: Broadcast) -> None:
        self.worker = worker
        self.job = job
        self.db = worker.services.db
        self.halt = asyncio.Event()  # set when the worker stops or the broadcast is stopped
        if worker.stopping:
            self.halt.set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.retries: list[_Retry] = []
        self.counts: dict[str, int] = {}
        self.left_over = False
        self.held = False  # this channel's month's messages ran out: it sends no more
        self.recorder = OutcomeRecorder(self.db, job.id, worker.clock)
        self.t = worker.services.translations.get(job.admin_locale or "")
        self.reports = worker.reports(job)
        self.channel = worker.engine.channel
        self.progress_chat = self._chat_of(job.progress_chat) if self.reports else None
        self.progress_message = job.progress_message
        self.shown = ""

    def _chat_of(self, where: str | None) -> str | None:
        """The admin's chat, when they started the broadcast on this channel."""
        channel, _, chat = (where or "").partition(":")
        return chat if channel == self.worker.engine.channel and chat else None

    def _counts(self) -> Counts:
        return Counts(**self.counts)

    async def execute(self) -> None:
        """Send every pending delivery to this channel's users, then (the reporting channel)
        wait for the others' and report; a halt leaves the rest for later."""
        job = self.job
        if not self.reports and not await store.pending_batch(self.db, job.id, 0, 1,
                                                               self.channel):
            self.left_over = True  # nothing here for this channel: look again later
            return
        self.counts = asdict((await store.counts(self.db, [job.id]))[job.id])
        log.info("broadcast %s: %s pending of %s", job.id, self.counts["pending"],
                 self._counts().total)
        await self._show(progress_text(self.t, job.id, self._counts()), stop=True)
        watcher = asyncio.create_task(self._watch(), name=f"broadcast-{job.id}-progress")
        try:
            await self._send_all()
            if self.tasks:
                await asyncio.wait(self.tasks)
            if self.reports:
                await self._wait_for_other_channels()
        finally:
            if self.tasks:
                await asyncio.wait(self.tasks)
            watcher.cancel()
        if self.worker.stopping or not self.reports:
            # Shutting down: the broadcast stays 'sending' and resumes at the next start.
            # Another channel's worker: the reporting channel's finishes the broadcast.
            self.left_over = not self.worker.stopping
            return
        pending = (await store.counts(self.db, [job.id]))[job.id].pending
        status = await store.status(self.db, job.id) or store.CANCELLED
        if status == store.SENDING and pending:
            self.left_over = True
            return
        if status == store.SENDING and await store.pause(self.db, job.id):
            status = store.PAUSED
            log.warning("broadcast %s paused: a channel's month's messages ran out", job.id)
        if status == store.SENDING and await store.finish(self.db, job.id, self.worker.clock()):
            status = store.DONE
        await self._report(status)

    async def _wait_for_other_channels(self) -> None:
        """Until the other channels' workers have sent theirs (the progress keeps showing)."""
        while not self.halt.is_set():
            if not (await store.counts(self.db, [self.job.id]))[self.job.id].pending:
                return
            if await store.pending_batch(self.db, self.job.id, 0, 1, self.channel):
                return  # more for this channel (a retry): sent on the next round
            await wait_or_halt(self.halt, self.worker.poll_interval)

    async def _send_all(self) -> None:
        buffer: deque[Recipient] = deque()
        after, exhausted = 0, False
        window, pacer = self.worker.window, self.worker.pacer
        while not self.halt.is_set() and not self.held:
            if self.retries and self.retries[0].due <= time.monotonic():
                recipient = heapq.heappop(self.retries).recipient
            elif buffer:
                recipient = buffer.popleft()
            elif not exhausted:
                batch = await store.pending_batch(self.db, self.job.id, after, BATCH,
                                                  self.channel)
                buffer.extend(batch)
                after = batch[-1].user_id if batch else after
                exhausted = not batch
                continue
            elif self.retries:
                await wait_or_halt(self.halt, self.retries[0].due - time.monotonic())
                continue
            elif self.tasks:  # a send in flight may still fail and need a retry
                await asyncio.wait(self.tasks, return_when=asyncio.FIRST_COMPLETED)
                continue
            else:
                return
            if not await window.acquire(self.halt):
                return
            if not await pacer.take_unless(self.halt):
                window.release(None)
                return
            task = asyncio.create_task(self._deliver(recipient))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _deliver(self, recipient: Recipient) -> None:
        """Send to one recipient and record the outcome right after Telegram's answer."""
        measured: float | None = None
        try:
            outcome, reason, round_trip = await self._attempt(recipient)
            if outcome is None:
                return  # halted while waiting out flood control: still pending, not sent
            attempts = recipient.attempts + 1
            if outcome == store.RETRY and attempts >= self.worker.settings.max_attempts:
                outcome = store.FAILED
            status = await self.recorder.record(Outcome(recipient.user_id, outcome, reason))
            # Sized from the network only: a slow disk slows the broadcast down rather than
            # letting more sends out whose outcome is not yet recorded.
            measured = round_trip
            self._count(outcome)
            if status != store.SENDING:
                self.halt.set()  # stopped by an admin: nothing more is sent
            if outcome == store.RETRY:
                delays = self.worker.retry_delays
                delay = delays[min(recipient.attempts, len(delays) - 1)]
                # Network faults are logged once by the transport, not once per recipient.
                log.debug("broadcast %s: user %s failed (try %s), again in %.0f s: %s",
                          self.job.id, recipient.user_id, attempts, delay, reason)
                retry = Recipient(recipient.user_id, recipient.external_id, recipient.locale,
                                  attempts)
                heapq.heappush(self.retries, _Retry(time.monotonic() + delay, retry))
        except Exception:
            self.left_over = True
            log.exception("broadcast %s: could not deliver to user %s", self.job.id,
                          recipient.user_id)
        finally:
            self.worker.window.release(measured)

    async def _attempt(self, recipient: Recipient) -> tuple[Result | None, str | None, float]:
        """One send (flood control is the engine's): the outcome, its reason, and the round
        trip of the send that got it (the time waiting for a turn is not the network's)."""
        part = Part(self.job.text_for(recipient.locale), photo=self.job.photo,
                    paid=self.worker.settings.paid)
        outcome = await self.worker.engine.send(recipient.external_id, part, Priority.BULK,
                                                self.halt)
        if outcome is None:
            return None, None, 0.0  # halted before it went out: still pending, not sent
        if outcome.result is Sent.QUOTA:
            await self._hold(outcome.detail)
            return None, None, 0.0  # still pending, held for the month's messages
        return _RESULTS[outcome.result], outcome.detail or None, outcome.seconds

    async def _hold(self, detail: str) -> None:
        """The channel's month's messages ran out: its deliveries of this broadcast wait."""
        self.held = True
        if await store.hold(self.db, self.job.id, self.channel):
            log.warning("broadcast %s: %s has no messages left this month (%s); its users not "
                        "reached yet wait until an admin resumes it", self.job.id, self.channel,
                        detail)

    def _count(self, outcome: str) -> None:
        if outcome in (store.SENT, store.BLOCKED, store.FAILED):
            self.counts["pending"] = max(0, self.counts["pending"] - 1)
            self.counts[outcome] = self.counts.get(outcome, 0) + 1

    async def _watch(self) -> None:
        """Notice a stop within half a second; refresh the progress message every few s."""
        last_edit = time.monotonic()
        while not await wait_or_halt(self.halt, STATUS_EVERY):
            try:
                if await store.status(self.db, self.job.id) != store.SENDING:
                    self.halt.set()
                    return
                if time.monotonic() - last_edit >= self.worker.progress_every:
                    last_edit = time.monotonic()
                    if len(self.worker.services.config.delivery_channels) > 1:
                        # Other channels send too: the counts are the database's.
                        counts = (await store.counts(self.db, [self.job.id]))[self.job.id]
                        self.counts = asdict(counts)
                    window = self.worker.window
                    log.info("broadcast %s: %s; %s in flight at most, %.1f ms round trip",
                             self.job.id, self._counts(), window.limit,
                             window.seconds_per_send * 1000)
                    await self._show(progress_text(self.t, self.job.id, self._counts()),
                                     stop=True)
            except Exception:
                log.exception("broadcast %s: progress check failed", self.job.id)

    async def _report(self, status: Status) -> None:
        counts = (await store.counts(self.db, [self.job.id]))[self.job.id]
        log.info("broadcast %s %s: %s", self.job.id, status, counts)
        await self._show(progress_text(self.t, self.job.id, counts, status), stop=False)
        if self.progress_chat is not None:
            now = await store.get(self.db, self.job.id)
            held = now.held if now is not None else None
            report = Part(final_text(self.t, self.job.id, status, counts, held))
            outcome = await self.worker.engine.send(self.progress_chat, report, Priority.REPLY)
            if outcome is not None and outcome.result is not Sent.SENT:
                log.warning("broadcast %s: could not send the report: %s", self.job.id,
                            outcome.detail)

    async def _show(self, text: str, stop: bool) -> None:
        """Send or edit the admin's progress message (a new one when it cannot be edited); a
        failure never stops the delivery."""
        chat = self.progress_chat
        if chat is None or text == self.shown or (self.shown and not self.worker.edits):
            return
        buttons = ((stop_button(self.t, self.job.id),),) if stop else ()
        part = Part(text, buttons, edit_of=self.progress_message)
        outcome = await self.worker.engine.send(chat, part, Priority.REPLY)
        if outcome is None or outcome.result is not Sent.SENT:
            level = logging.DEBUG if outcome and outcome.result in (Sent.TRANSIENT, Sent.QUOTA) \
                else logging.WARNING
            log.log(level, "broadcast %s: could not show progress: %s", self.job.id,
                    outcome.detail if outcome else "stopping")
            return
        self.shown = text
        if outcome.message_id is not None and outcome.message_id != self.progress_message:
            self.progress_message = outcome.message_id
            await store.set_progress_message(self.db, self.job.id, self.progress_message)


# The engine's outcomes as a delivery's: a send that failed for now is tried again later.
_RESULTS: dict[Sent, Result] = {Sent.SENT: store.SENT, Sent.BLOCKED: store.BLOCKED,
                                Sent.BAD_REQUEST: store.FAILED, Sent.TRANSIENT: store.RETRY,
                                Sent.RETRY_AFTER: store.RETRY}
