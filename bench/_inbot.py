"""bench/updates.py, inside each bot process: run the bot it names, report each finished
update to the benchmark, and (with --profile) count database work and profile the loop."""

from __future__ import annotations

import argparse
import asyncio
import collections
import dataclasses
import os
import signal
import sys
import time
import weakref
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


class _Answering:
    """The update a task is answering, and the time its Bot API calls kept it waiting.

    Calls may overlap (an update's answerCallbackQuery goes beside its edit), so the waiting
    is the union of the calls' intervals, not their sum (the sum made "own" time negative)."""

    __slots__ = ("api_ns", "calls", "closed", "in_flight", "since", "update_id")

    def __init__(self, update_id: int) -> None:
        self.update_id = update_id
        self.api_ns = self.calls = self.in_flight = self.since = 0
        self.closed = False

    def call_started(self, now: int) -> None:
        if self.in_flight == 0:
            self.since = now
        self.in_flight += 1

    def call_ended(self, now: int) -> None:
        self.in_flight -= 1
        if not self.closed:
            self.calls += 1
            if self.in_flight == 0:
                self.api_ns += now - self.since

    def close(self, now: int) -> None:
        """The handlers are done: a call still in flight (sent beside them) counts until now."""
        if self.in_flight:
            self.api_ns += now - self.since
        self.closed = True


_ANSWERING: ContextVar[_Answering | None] = ContextVar("answering", default=None)


class Reporter:
    """The bot process's line to the benchmark: ready, then one line per finished update."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.writer: asyncio.StreamWriter | None = None

    async def connect(self, settings: dict[str, Any]) -> None:
        """Connect and say the bot is up, with the settings it runs with."""
        import json
        _, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.send("R " + json.dumps(settings))

    def send(self, line: str) -> None:
        """One line to the benchmark (buffered; never blocks the loop)."""
        if self.writer is not None:
            self.writer.write(line.encode() + b"\n")


def instrument(reporter: Reporter) -> None:
    """Time every update's handlers and tag and time every Bot API call made for it."""
    from telegram.ext import BaseUpdateProcessor
    from telegram.request import HTTPXRequest

    from bot.channels.telegram.request import BotApiRequest

    async def timed(update: Any, coroutine: Awaitable[Any]) -> None:
        state = _Answering(int(getattr(update, "update_id", 0)))
        token = _ANSWERING.set(state)
        started = time.perf_counter_ns()
        try:
            await coroutine
        finally:
            ended = time.perf_counter_ns()
            _ANSWERING.reset(token)
            state.close(ended)
            reporter.send(f"D {state.update_id} {ended - started - state.api_ns} {state.api_ns} "
                          f"{state.calls}")

    processing = BaseUpdateProcessor.process_update

    async def process_update(self: Any, update: object, coroutine: Awaitable[Any]) -> None:
        # The processor awaits the coroutine only once the update's turn has come.
        await processing(self, update, timed(update, coroutine))

    # setattr: the bench patches PTB's classes in its own bot process only.
    setattr(BaseUpdateProcessor, "process_update", process_update)  # noqa: B010
    for cls in (HTTPXRequest, BotApiRequest):
        setattr(cls, "do_request", _tagged(cls.do_request))  # noqa: B010
    post_json = getattr(BotApiRequest, "post_json", None)  # our engine's sends
    if post_json is not None:
        setattr(BotApiRequest, "post_json", _tagged_post(post_json))  # noqa: B010


def follow_queued_replies() -> bool:
    """Tag the calls of a bot that queues its replies: its delivery engine sends them from a
    task of its own (per chat, made by whichever update came first), so each queued message
    carries the update that queued it and its try runs under that update's tag. False when
    the bot has no such engine (or it changed shape): its calls are tagged as made."""
    try:
        from bot.delivery import engine
    except ImportError:
        return False
    cls = getattr(engine, "DeliveryEngine", None)
    push, attempt = getattr(cls, "_push", None), getattr(cls, "_attempt", None)
    if cls is None or push is None or attempt is None:
        return False
    queued: weakref.WeakKeyDictionary[Any, _Answering] = weakref.WeakKeyDictionary()

    def pushed(self: Any, chat: str, item: Any) -> None:
        state = _ANSWERING.get()
        if state is not None:
            queued[item] = state
        push(self, chat, item)

    async def attempted(self: Any, chat: str, item: Any, *rest: Any) -> Any:
        token = _ANSWERING.set(queued.get(item))  # None: a notice or broadcast, untagged
        try:
            return await attempt(self, chat, item, *rest)
        finally:
            _ANSWERING.reset(token)

    setattr(cls, "_push", pushed)  # noqa: B010
    setattr(cls, "_attempt", attempted)  # noqa: B010
    return True


def _tagged(do_request: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    async def wrapper(self: Any, url: str, method: str, request_data: Any = None,
                      **kwargs: Any) -> Any:
        state = _ANSWERING.get()
        if state is None:
            return await do_request(self, url, method, request_data, **kwargs)
        state.call_started(time.perf_counter_ns())
        try:
            return await do_request(self, f"{url}?u={state.update_id}", method, request_data,
                                    **kwargs)
        finally:
            state.call_ended(time.perf_counter_ns())
    return wrapper


def _tagged_post(post_json: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    async def wrapper(self: Any, url: str, payload: bytes) -> Any:
        state = _ANSWERING.get()
        if state is None:
            return await post_json(self, url, payload)
        state.call_started(time.perf_counter_ns())
        try:
            return await post_json(self, f"{url}?u={state.update_id}", payload)
        finally:
            state.call_ended(time.perf_counter_ns())
    return wrapper


def build_bot(args: argparse.Namespace) -> Any:
    """The Application under test: ours as shipped, or the bare reference bot."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
    from telegram.ext import ApplicationBuilder, CallbackQueryHandler, MessageHandler, filters

    from bot.channels.telegram.request import BotApiRequest
    from tests.factories import TOKEN
    if args.serve == "ours":
        from bot.channels.telegram.application import build_application
        from bot.config import load_config
        config = load_config(ROOT / "config.yaml", {
            "BOT_DATABASE": args.db, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": args.api_url})
        config = dataclasses.replace(config, telegram=dataclasses.replace(
            config.telegram, **ours_settings(args)))
        if any(f.name == "flood" for f in dataclasses.fields(config)):
            # The simulated users act at machine speed, each hundreds of times a run: with
            # config.yaml's brake (120 at once, then 1 a second) their updates were dropped
            # unanswered after a few seconds, and a dropped update costs almost nothing.
            from bot.config_flood import Flood
            config = dataclasses.replace(config, flood=Flood(burst=100_000, per_second=1000.0))
        return build_application(config)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a"),
                                      InlineKeyboardButton("B", callback_data="b")],
                                     [InlineKeyboardButton("C", callback_data="c")]])

    async def on_text(update: Update, context: Any) -> None:
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, f"Got it #{update.update_id}",
                                       reply_markup=keyboard)

    async def on_press(update: Update, context: Any) -> None:
        query = update.callback_query
        assert query is not None and query.message is not None
        await context.bot.edit_message_text(f"Pressed {query.data} #{update.update_id}",
                                            query.message.chat.id, query.message.message_id,
                                            reply_markup=keyboard)

    builder = ApplicationBuilder().token(TOKEN).base_url(args.api_url).concurrent_updates(
        args.bare_concurrency)
    if args.serve == "bare-ours":
        builder = builder.request(BotApiRequest(connection_pool_size=args.bare_concurrency + 64))
        builder = builder.get_updates_request(BotApiRequest(connection_pool_size=1))
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT, on_text))
    application.add_handler(CallbackQueryHandler(on_press))
    return application


def ours_settings(args: argparse.Namespace) -> dict[str, Any]:
    """Our bot's telegram settings for the run: its slots and, where the bot has a pace
    (telegram.rate, messages a second for all it sends; telegram.chat_rate, to one chat), the
    benchmark's --rate (by default past what the configuration allows: no pace) and the
    fastest chat_rate allowed, so that a CPU benchmark measures CPU and not the pace: the
    simulated users act as soon as they are answered, far faster than people."""
    from bot.config import TelegramConfig
    settings: dict[str, Any] = {"concurrent_updates": args.concurrency}
    fields = {f.name for f in dataclasses.fields(TelegramConfig)}
    if "rate" in fields:
        settings["rate"] = args.rate
    if "chat_rate" in fields:
        settings["chat_rate"] = 100.0
    return settings


def serve(args: argparse.Namespace) -> None:
    """The bot process: run the chosen bot until SIGTERM, reporting to the benchmark."""
    import logging

    from bot.channels.telegram.application import ALLOWED_UPDATES
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: "
                        "%(message)s")  # as `python -m bot` does
    logging.getLogger("httpx").setLevel(logging.WARNING)
    reporter = Reporter(args.report_port)
    instrument(reporter)
    hook = os.environ.get("BENCH_BOT_HOOK")  # a what-if experiment: python run in the bot
    if hook:
        exec(compile(Path(hook).read_text(), hook, "exec"), {"__name__": "bench_hook"})
    counters = count_database_work() if args.profile_out else None
    application = build_bot(args)
    started = application.post_init
    settings = ours_settings(args) if args.serve == "ours" else {
        "concurrent_updates": args.bare_concurrency}
    settings["engine"] = args.serve == "ours" and follow_queued_replies()

    async def post_init(app: Any) -> None:
        if started is not None:
            await started(app)
        if counters is not None:
            profile_on_signals(asyncio.get_running_loop(), args.profile_out, args.cprofile,
                               counters, reporter)
        await reporter.connect(settings)

    application.post_init = post_init
    loop = event_loop(args)
    settings["event_loop"] = type(loop).__module__.split(".")[0]
    asyncio.set_event_loop(loop)  # run_polling runs on the current loop
    application.run_polling(allowed_updates=ALLOWED_UPDATES, poll_interval=0.0)


def event_loop(args: argparse.Namespace) -> asyncio.AbstractEventLoop:
    """The bot process's loop: the stock bot on asyncio's (PTB's defaults); ours and the bare
    bot on our transport on --event-loop (config.yaml's event_loop, as `python -m bot` runs)."""
    if args.serve == "bare-httpx":
        return asyncio.new_event_loop()
    try:
        from bot.app import new_event_loop
    except ImportError:  # a tree from before the setting
        return asyncio.new_event_loop()
    return new_event_loop(args.event_loop)


def count_database_work() -> dict[str, int]:
    """Count statements by kind, the time the Database lock is held and waited for."""
    from bot.storage.db import Database
    counters: dict[str, int] = collections.Counter()

    def trace(sql: str) -> None:  # runs on aiosqlite's thread
        counters["sql " + sql.lstrip().split(None, 1)[0].upper()] += 1

    class TimedLock(asyncio.Lock):
        since, holder = 0, ""

        async def acquire(self) -> Literal[True]:
            asked = time.perf_counter_ns()
            await super().acquire()
            self.since, self.holder = time.perf_counter_ns(), _storage_caller()
            counters["lock wait ns"] += self.since - asked
            counters["lock taken"] += 1
            counters["taken by " + self.holder] += 1
            return True

        def release(self) -> None:
            held = time.perf_counter_ns() - self.since
            counters["lock held ns"] += held
            counters["held by " + self.holder] += held
            super().release()

    opened = Database.__init__

    def init(self: Database, conn: Any, *more: Any, **named: Any) -> None:
        opened(self, conn, *more, **named)
        self._lock = TimedLock()  # the writer's lock (a reader connection keeps its own)
        asyncio.get_running_loop().create_task(conn.set_trace_callback(trace))

    setattr(Database, "__init__", init)  # noqa: B010
    return counters


def _storage_caller() -> str:
    """The bot/storage function (not db.py) that is taking the Database lock."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if "/bot/storage/" in name and not name.endswith("/db.py"):
            return f"{Path(name).stem}.{frame.f_code.co_name}"
        frame = frame.f_back  # type: ignore[assignment]
    return "other"


def profile_on_signals(loop: asyncio.AbstractEventLoop, path: str, cpu: bool,
                       counters: dict[str, int], reporter: Reporter) -> None:
    """SIGUSR1 starts the counters (and cProfile); SIGUSR2 sends them (and saves the profile)."""
    import cProfile
    import json
    profiler = cProfile.Profile(time.thread_time)  # CPU of the loop thread, not idle waits
    before: dict[str, int] = {}

    def start() -> None:
        before.update(counters)
        if cpu:
            profiler.enable()

    def stop() -> None:
        if cpu:
            profiler.disable()
            profiler.dump_stats(path)
        reporter.send("P " + json.dumps({k: v - before.get(k, 0) for k, v in counters.items()}))

    loop.add_signal_handler(signal.SIGUSR1, start)
    loop.add_signal_handler(signal.SIGUSR2, stop)
