"""Deliver broadcasts to Telegram users: one task, paced, resumable after any crash.

The protocol (docs/BROADCASTS.md): every delivery row exists before anything is sent; a
delivery is sent, then marked with its outcome in its own short transaction right after
Telegram answers. After a kill -9 only the sends whose answer was not yet recorded (at most the
window of sends in flight, one at the default pace on a fast link) are sent again; nothing is
lost. Flood control (RetryAfter) pauses every send and retries the same message without
counting an attempt; timeouts and server errors are retried with backoff up to
broadcasts.max_attempts; a user who blocked the bot is marked and left out of later
broadcasts.
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

from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.channels.telegram.faults import is_network_fault, retry_after_seconds
from bot.channels.telegram.render import call, keyboard, message_id_of, telegram_file
from bot.core.broadcasts import (
    OutcomeRecorder,
    Pacer,
    Window,
    final_text,
    progress_text,
    stop_button,
    wait_or_halt,
)
from bot.core.context import Services
from bot.core.events import Reply
from bot.core.service import utc_now
from bot.storage import broadcasts as store
from bot.storage.broadcasts import Broadcast, Counts, Outcome, Recipient, Result, Status

log = logging.getLogger(__name__)

CHANNEL = "telegram"
BATCH = 500  # recipients read from the database at a time
RETRY_DELAYS = (2.0, 10.0, 30.0, 60.0)  # seconds after the 1st, 2nd... failed try
PROGRESS_EVERY = 3.0  # seconds between edits of the admin's progress message
STATUS_EVERY = 0.5  # seconds between checks that the broadcast was not stopped


async def send_plain(bot: Bot, chat_id: int, text: str, photo: str | None, paid: bool) -> None:
    """Send a broadcast's message (a photo with it as the caption) as plain text.

    No parse_mode, so a "<" or "&" in the message cannot break it. Called by method name, not
    bot.send_message(): PTB's errors are raised just the same, but the answer is not turned
    into a Message (a fifth of the CPU a send costs, and a broadcast never reads it)."""
    params: dict[str, object] = {"chat_id": chat_id}
    if photo:
        method, params["photo"], params["caption"] = "sendPhoto", photo, text
    else:
        method, params["text"] = "sendMessage", text
    if paid:
        params["allow_paid_broadcast"] = True
    await call(bot, method, **params)


@dataclass(order=True)
class _Retry:
    due: float
    recipient: Recipient = field(compare=False)


class BroadcastWorker:
    """Sends due broadcasts one at a time; started in post_init, stopped in post_stop. It never
    dies of an error: each is logged and the broadcast is taken up again."""

    def __init__(self, bot: Bot, services: Services, clock: Callable[[], datetime] = utc_now,
                 poll_interval: float = 1.0, retry_delays: tuple[float, ...] = RETRY_DELAYS,
                 progress_every: float = PROGRESS_EVERY, pacer: Pacer | None = None) -> None:
        self.bot = bot
        self.services = services
        self.settings = services.config.broadcasts
        self.clock = clock
        self.poll_interval = poll_interval
        self.retry_delays = retry_delays
        self.progress_every = progress_every
        # Shared with the outbox worker (see application.py): one pace for all bulk sends.
        self.pacer = pacer or Pacer(self.settings.rate)
        self.window = Window(self.settings.rate)
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._run: _Run | None = None
        self._last_error = ""

    def start(self) -> None:
        """Start the task (once)."""
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="telegram-broadcasts")

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
        self.recorder = OutcomeRecorder(self.db, job.id, worker.clock)
        self.t = worker.services.translations.get(job.admin_locale or "")
        self.progress_chat = self._chat_of(job.progress_chat)
        self.progress_message = job.progress_message
        self.shown = ""

    @staticmethod
    def _chat_of(where: str | None) -> int | None:
        """The admin's Telegram chat, when they started the broadcast from Telegram."""
        channel, _, chat = (where or "").partition(":")
        return int(chat) if channel == CHANNEL and chat.lstrip("-").isdigit() else None

    def _counts(self) -> Counts:
        return Counts(**self.counts)

    async def execute(self) -> None:
        """Send every pending delivery, then report; a halt leaves the rest for later."""
        job = self.job
        self.counts = asdict((await store.counts(self.db, [job.id]))[job.id])
        log.info("broadcast %s: %s pending of %s", job.id, self.counts["pending"],
                 self._counts().total)
        await self._show(progress_text(self.t, job.id, self._counts()), stop=True)
        watcher = asyncio.create_task(self._watch(), name=f"broadcast-{job.id}-progress")
        try:
            await self._send_all()
        finally:
            if self.tasks:
                await asyncio.wait(self.tasks)
            watcher.cancel()
        if self.worker.stopping:
            return  # shutting down: the broadcast stays 'sending' and resumes at the next start
        pending = (await store.counts(self.db, [job.id]))[job.id].pending
        status = await store.status(self.db, job.id) or store.CANCELLED
        if status == store.SENDING and pending:
            self.left_over = True
            return
        if status == store.SENDING and await store.finish(self.db, job.id, self.worker.clock()):
            status = store.DONE
        await self._report(status)

    async def _send_all(self) -> None:
        buffer: deque[Recipient] = deque()
        after, exhausted = 0, False
        window, pacer = self.worker.window, self.worker.pacer
        while not self.halt.is_set():
            if self.retries and self.retries[0].due <= time.monotonic():
                recipient = heapq.heappop(self.retries).recipient
            elif buffer:
                recipient = buffer.popleft()
            elif not exhausted:
                batch = await store.pending_batch(self.db, self.job.id, after, BATCH)
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
            if not await pacer.wait(self.halt):
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
        """One send (repeated after flood control): the outcome, its reason, and the round trip
        of the send that got it (a pause for flood control is not the time a send takes)."""
        text = self.job.text_for(recipient.locale)
        paid = self.worker.settings.paid
        photo = telegram_file(self.job.photo)
        bot = self.worker.bot
        while True:
            started = time.monotonic()
            try:
                chat_id = int(recipient.external_id)
                await send_plain(bot, chat_id, text, photo, paid)
            except RetryAfter as exc:
                # Flood control is nobody's fault: no attempt counted, everyone waits.
                delay = retry_after_seconds(exc)
                log.info("broadcast %s: Telegram asked to wait %s s", self.job.id, delay)
                self.worker.pacer.pause(delay)
                if not await self.worker.pacer.wait(self.halt):
                    return None, None, 0.0
                continue
            except Forbidden as exc:  # blocked the bot, or the account was deleted
                return store.BLOCKED, exc.message, time.monotonic() - started
            except BadRequest as exc:  # "chat not found" and the like: trying again won't help
                return store.FAILED, exc.message, time.monotonic() - started
            except TelegramError as exc:  # timeouts, network and server errors
                return store.RETRY, exc.message, time.monotonic() - started
            except ValueError:
                return store.FAILED, "not a Telegram chat id", 0.0
            return store.SENT, None, time.monotonic() - started

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
            try:
                await self.worker.bot.send_message(
                    self.progress_chat, final_text(self.t, self.job.id, status, counts))
            except TelegramError as exc:
                log.warning("broadcast %s: could not send the report: %s", self.job.id, exc)

    async def _show(self, text: str, stop: bool) -> None:
        """Send or edit the admin's progress message; a failure never stops the delivery."""
        chat = self.progress_chat
        if chat is None or text == self.shown:
            return
        buttons = ((stop_button(self.t, self.job.id),),) if stop else ()
        markup = keyboard(Reply(text, buttons))
        bot = self.worker.bot
        try:
            if self.progress_message is not None:
                try:
                    await call(bot, "editMessageText", chat_id=chat,
                               message_id=self.progress_message, text=text, reply_markup=markup)
                    self.shown = text
                    return
                except BadRequest as exc:
                    if "not modified" in exc.message.lower():
                        self.shown = text
                        return
                    log.info("broadcast %s: progress message gone (%s); a new one",
                             self.job.id, exc.message)
            sent = await call(bot, "sendMessage", chat_id=chat, text=text, reply_markup=markup)
            self.progress_message = message_id_of(sent)
            self.shown = text
            await store.set_progress_message(self.db, self.job.id, self.progress_message)
        except (TelegramError, ValueError) as exc:  # ValueError: an answer without its id
            level = logging.DEBUG if is_network_fault(exc) else logging.WARNING
            log.log(level, "broadcast %s: could not show progress: %s", self.job.id, exc)
