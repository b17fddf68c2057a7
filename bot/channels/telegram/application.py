"""Build python-telegram-bot's Application around the core: resources open in post_init."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder

from bot.app import App, open_app
from bot.channels.telegram.channel import CHANNEL, TelegramChannel
from bot.channels.telegram.commands import register_commands
from bot.channels.telegram.faults import fault_log
from bot.channels.telegram.processor import PerChatUpdateProcessor
from bot.channels.telegram.request import BotApiRequest
from bot.channels.telegram.sender import TelegramSender
from bot.channels.telegram.updates import ReadingBot, parse_update
from bot.config import Config, check_token
from bot.delivery.broadcasts import BroadcastWorker
from bot.delivery.engine import DeliveryEngine, Limits
from bot.delivery.outbox import OutboxWorker
from bot.i18n import Translations

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]


def build_application(config: Config, shared: App | None = None
                      ) -> Application:  # type: ignore[type-arg]
    """The Application, with the database opened when it starts and closed when it stops;
    or on a shared App, opened and closed by its owner (several channels in one process)."""
    token = config.telegram.token
    if token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    check_token(token)
    translations = Translations(config.locales, config.default_locale)
    channel = TelegramChannel(translations, allow_groups=config.telegram.allow_groups)
    # Several times less CPU per Bot API call than PTB's default httpx (request.py,
    # docs/PERFORMANCE.md); the delivery engine's sends use it directly.
    transport = BotApiRequest(connection_pool_size=config.telegram.concurrent_updates + 64,
                              faults=fault_log("Telegram Bot API calls"))
    holder: dict[str, App] = {}
    workers: list[OutboxWorker | BroadcastWorker] = []
    engines: list[DeliveryEngine] = []

    async def post_init(application: Application) -> None:  # type: ignore[type-arg]
        app = shared or await open_app(config)
        holder["app"] = app
        channel.core = app.core
        await register_commands(application.bot, app.services.router, translations,
                                config.admins)
        me = application.bot.bot
        log.info("bot @%s is running", me.username)
        # The application's jobs (escalation, purge, freezing, starting scheduled broadcasts);
        # this channel only delivers what they queue. Stopped by app.close().
        if shared is None:
            app.start_jobs()
        # Everything the bot sends goes through one engine, under one budget: replies first,
        # then notifications, broadcasts fill what is left. Paid broadcasts have their own.
        sender = TelegramSender(application.bot, transport)
        engine = DeliveryEngine(CHANNEL, sender, limits(config))
        engines.append(engine)
        channel.engine, channel.sender = engine, sender
        worker = OutboxWorker(engine, app.services)
        workers.append(worker)
        worker.start()
        # Broadcasts have their own task, so the bot keeps answering everyone meanwhile.
        broadcaster = BroadcastWorker(engine, app.services)
        workers.append(broadcaster)
        broadcaster.start()

    async def post_stop(_application: Application) -> None:  # type: ignore[type-arg]
        # Before PTB closes the bot's connection, so a send under way can finish: the workers
        # withdraw what they queued, then the replies still queued get a moment to go out.
        while workers:
            await workers.pop().stop()
        while engines:
            await engines.pop().stop()

    async def post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
        await post_stop(application)  # in case stop was skipped; the database comes next
        app = holder.pop("app", None)
        if app is not None and shared is None:
            await app.close()

    api_url = config.telegram.api_url
    # getUpdates gets its own session, as PTB does by default, and its own episodes: a poll
    # that works says nothing about sends that fail, and back. Private texts and presses are
    # read from their JSON (updates.py).
    bot = ReadingBot(token, api_url, _file_url(api_url), transport,
                     BotApiRequest(connection_pool_size=1, faults=fault_log("Telegram polling")))
    application = (
        ApplicationBuilder()
        .bot(bot)
        .concurrent_updates(PerChatUpdateProcessor(config.telegram.concurrent_updates))
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.add_handlers(channel.handlers())
    application.add_error_handler(channel.on_error)
    return application


def limits(config: Config) -> Limits:
    """The engine's limits from the configuration."""
    broadcasts = config.broadcasts
    telegram = config.telegram
    return Limits(rate=telegram.rate, chat_rate=telegram.chat_rate,
                  reply_deadline=telegram.reply_deadline,
                  paid_rate=broadcasts.rate if broadcasts.paid else None)


WEBHOOK_PATH = "/webhook/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class RunningTelegram:
    """The Telegram channel while it runs."""

    handle: Callable[[Any], Awaitable[None]]  # one webhook update, handled before the 200
    last_success: Callable[[], float | None]  # when a Bot API call last got an answer
    begin: Callable[[], Awaitable[None]]  # start taking updates (the webhook served first)
    stop: Callable[[], Awaitable[None]]
    fetch_photo: Callable[[str], Awaitable[bytes]]  # a photo's bytes by its file id


async def start_telegram(config: Config, app: App) -> RunningTelegram:
    """Start the Telegram channel on the shared app: sending at once; updates once begin() is
    called, by long polling as run_polling would, or by the webhook (TELEGRAM_WEBHOOK_URL)."""
    application = build_application(config, app)
    await application.initialize()
    if application.post_init is None or application.updater is None:  # built above with both
        raise RuntimeError("the Telegram application lacks its updater or post_init")
    await application.post_init(application)
    await application.start()
    settings = config.telegram

    def polling_error(exc: TelegramError) -> None:  # what run_polling does with them
        # Polling errors reach channel.on_error, which leaves network faults to the
        # transport's one-line-per-episode log.
        application.create_task(application.process_error(error=exc, update=None))

    async def begin() -> None:
        if settings.webhook_url and settings.webhook_secret:
            await application.bot.set_webhook(settings.webhook_url,
                                              secret_token=settings.webhook_secret,
                                              allowed_updates=ALLOWED_UPDATES)
        elif application.updater is not None:  # start_polling removes any webhook first
            await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES,
                                                    error_callback=polling_error)

    async def handle(body: Any) -> None:
        update = parse_update(body, application.bot) if isinstance(body, dict) else None
        if update is None:
            return
        # Through the per-chat processor, as polled updates go: one chat's in order.
        await application.update_processor.process_update(
            update, application.process_update(update))

    async def stop() -> None:
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)

    async def fetch_photo(file_id: str) -> bytes:
        found = await application.bot.get_file(file_id)
        return bytes(await found.download_as_bytearray())

    transport = application.bot.request
    return RunningTelegram(
        handle, lambda: transport.last_success if isinstance(transport, BotApiRequest) else None,
        begin, stop, fetch_photo)


def _file_url(api_url: str) -> str:
    base = api_url.rstrip("/")
    if base.endswith("/bot"):
        return base[: -len("/bot")] + "/file/bot"
    return base + "/file/bot"
