"""One process, every channel that has a token (Telegram, Zalo, both), on one database, one
core and the application's one set of jobs; each channel with its own delivery engine, and
one web server for the webhooks and /healthz."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable

from bot.app import App, open_app
from bot.channels.photos import PATH as PHOTOS_PATH
from bot.channels.photos import PhotoLinks
from bot.channels.web import WebServer
from bot.config import Config

Stop = Callable[[], Awaitable[None]]


class StartRefusedError(Exception):
    """A channel refused to start for a reason a restart will not fix (its token)."""


async def serve(config: Config, stop: asyncio.Event | None = None) -> None:
    """Run the channels until stop is set (by default: SIGINT or SIGTERM), then stop them,
    letting queued replies go out, and close the database."""
    stop = stop or _on_signals()
    app = await open_app(config)
    stoppers: list[Stop] = []
    try:
        app.start_jobs()
        await _start(config, app, stoppers)
        await stop.wait()
    finally:
        for stop_part in reversed(stoppers):
            await stop_part()
        await app.close()


async def _start(config: Config, app: App, stoppers: list[Stop]) -> None:
    web = None
    if config.web.listen or config.web.public_url or config.zalo.webhook_url \
            or config.telegram.webhook_url:
        web = WebServer(app.services.db, *config.web.address)
    # Broadcast photos for apps that fetch them by address, served while a server runs.
    photos = PhotoLinks(app.services.db, config.web.public_url if web else None)
    if web is not None:
        web.photos(PHOTOS_PATH, photos.serve)
    begin: list[Stop] = []
    if config.telegram.token:
        from telegram.error import InvalidToken

        from bot.channels.telegram import application as telegram

        try:
            running = await telegram.start_telegram(config, app)
        except InvalidToken:
            raise StartRefusedError("Telegram refused the bot's token; check "
                                    "TELEGRAM_BOT_TOKEN") from None
        stoppers.append(running.stop)
        begin.append(running.begin)
        photos.fetchers["telegram"] = running.fetch_photo
        if web is not None:
            web.checks["telegram"] = running.last_success
        if web is not None and config.telegram.webhook_url and config.telegram.webhook_secret:
            web.webhook(telegram.WEBHOOK_PATH, telegram.SECRET_HEADER,
                        config.telegram.webhook_secret, running.handle)
    if config.zalo.token:
        from bot.channels.zalo.application import start_zalo
        from bot.channels.zalo.client import ZaloError

        try:
            zalo = await start_zalo(config, app, photos)
        except ZaloError as exc:
            raise StartRefusedError(f"Zalo refused the bot's token ({exc.description}); check "
                               "ZALO_BOT_TOKEN") from None
        stoppers.append(zalo.stop)
        begin.append(zalo.begin)
        if web is not None:
            web.checks["zalo"] = lambda: zalo.client.last_success
            if config.zalo.webhook_url and config.zalo.webhook_secret:
                from bot.channels.zalo.application import SECRET_HEADER, WEBHOOK_PATH

                web.webhook(WEBHOOK_PATH, SECRET_HEADER, config.zalo.webhook_secret,
                            zalo.channel.on_update)
    if web is not None:
        await web.start()  # before any webhook is registered: the first POST finds it
        stoppers.append(web.stop)  # stopped first: no new updates while the rest stops
    for start_updates in begin:
        await start_updates()


def _on_signals() -> asyncio.Event:
    event = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, event.set)
    return event
