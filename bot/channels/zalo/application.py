"""The Zalo channel in the running process: client, delivery engine, workers, and updates by
polling (development) or by the webhook (production, served by bot/channels/web.py)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.app import App
from bot.channels.photos import PhotoLinks
from bot.channels.zalo.channel import ZaloChannel, ZaloPoller
from bot.channels.zalo.client import ZaloClient, ZaloError
from bot.channels.zalo.sender import ZaloSender
from bot.channels.zalo.updates import CHANNEL
from bot.config import Config
from bot.delivery.broadcasts import BroadcastWorker
from bot.delivery.engine import DeliveryEngine, Limits
from bot.delivery.outbox import OutboxWorker
from bot.delivery.outcomes import Sender
from bot.delivery.quota import CountedSender

log = logging.getLogger("bot.zalo")

WEBHOOK_PATH = "/webhook/zalo"
SECRET_HEADER = "X-Bot-Api-Secret-Token"


@dataclass
class RunningZalo:
    """The parts of the Zalo channel while it runs."""

    client: ZaloClient
    channel: ZaloChannel
    begin: Callable[[], Awaitable[None]]  # start taking updates (the webhook served first)
    stop: Callable[[], Awaitable[None]]


async def start_zalo(config: Config, app: App, photos: PhotoLinks | None = None
                     ) -> RunningZalo:
    """Start the Zalo channel on the shared app: sending at once, updates once begin() is
    called (webhook mode when ZALO_WEBHOOK_URL is set: the web server, already listening,
    hands this channel the updates; else polling). Broadcast photos from other apps reach
    Zalo users by the addresses photos gives them."""
    settings = config.zalo
    if settings.token is None:
        raise ValueError("ZALO_BOT_TOKEN is not set")
    client = ZaloClient(settings.token, settings.api_url)
    try:
        me = await client.get_me()
        log.info("Zalo bot %s is running", me.get("account_name") or me.get("id") or "?")
    except ZaloError as exc:
        if exc.status == 401:
            await client.close()
            raise
        log.warning("Zalo: getMe failed (%s); the bot keeps trying", exc.description)
    limits = Limits(rate=settings.rate, chat_rate=settings.chat_rate,
                    reply_deadline=settings.reply_deadline)
    sender: Sender = ZaloSender(client, photos)
    if settings.monthly_messages:  # the plan caps the month's messages: count them
        sender = CountedSender(sender, app.services, CHANNEL, settings.monthly_messages)
    engine = DeliveryEngine(CHANNEL, sender, limits)
    channel = ZaloChannel(app.core, engine, app.services.translations)
    workers: list[OutboxWorker | BroadcastWorker] = [
        OutboxWorker(engine, app.services, typed_choices=True),
        BroadcastWorker(engine, app.services, edits=False)]
    for worker in workers:
        worker.start()
    poller = ZaloPoller(client, channel)

    async def begin() -> None:
        if settings.webhook_url and settings.webhook_secret:
            await client.set_webhook(settings.webhook_url, settings.webhook_secret)
            return
        try:  # polling and a webhook exclude each other
            await client.delete_webhook()
        except ZaloError as exc:
            log.warning("Zalo: deleteWebhook failed (%s)", exc.description)
        poller.start()

    async def stop() -> None:
        await poller.stop()
        for worker in reversed(workers):
            await worker.stop()
        await engine.stop()
        await client.close()

    return RunningZalo(client, channel, begin, stop)
