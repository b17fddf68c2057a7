"""Zalo updates -> core events -> replies queued on the delivery engine. No business rules here;
updates come from polling (development) or the webhook (production), one at a time per user."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from bot.channels.zalo.client import ZaloClient, ZaloError
from bot.channels.zalo.updates import incoming, unwrap
from bot.core.events import Reply
from bot.core.service import Core
from bot.delivery.engine import DeliveryEngine
from bot.delivery.episodes import Episodes
from bot.i18n import Translations

log = logging.getLogger("bot.zalo")

POLL_WAIT = 30.0  # seconds getUpdates waits for an update before answering 408
POLL_GAP = 1.0  # seconds between two polls at least (the platform asks no faster)
RETRY_GAP = 5.0  # seconds after a failed poll


class ZaloChannel:
    """Handles each update once, in order per user, and queues its replies."""

    def __init__(self, core: Core, engine: DeliveryEngine, translations: Translations) -> None:
        self.core = core
        self.engine = engine
        self.translations = translations
        # One user's updates are handled in order (a form's answers), others' side by side;
        # a user's lock lives while they have an update in hand.
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    async def on_update(self, body: Any) -> bool:
        """Handle one update (either envelope); False when it is not one the bot handles."""
        update = unwrap(body)
        event = incoming(update) if update is not None else None
        if event is None:
            log.info("ignored a Zalo update that is not a private message: %s",
                     (update or {}).get("event_name", "no event_name"))
            return False
        lock, holders = self._locks.get(event.user_key, (asyncio.Lock(), 0))
        self._locks[event.user_key] = (lock, holders + 1)
        try:
            async with lock:
                replies = await self.core.handle(event)
        finally:
            lock, holders = self._locks[event.user_key]
            if holders == 1:
                del self._locks[event.user_key]
            else:
                self._locks[event.user_key] = (lock, holders - 1)
        # Queued, not awaited: the engine paces and retries (replies go first).
        self.engine.reply(event.user_key, replies, apology=lambda: self._apology(event.locale_hint))
        return True

    def _apology(self, language: str | None) -> Reply:
        t = self.translations.get(self.translations.negotiate(language))
        return Reply(t._("Sorry, something went wrong on my side. Please try again in a "
                         "moment, or type /menu."))


class ZaloPoller:
    """Development mode: asks getUpdates for one update at a time, and hands each on."""

    def __init__(self, client: ZaloClient, channel: ZaloChannel, gap: float = POLL_GAP,
                 wait: float = POLL_WAIT) -> None:
        self.client, self.channel = client, channel
        self.gap, self.wait = gap, wait
        self.faults = Episodes("Zalo polling", log)
        self._task: asyncio.Task[None] | None = None
        self._handling: set[asyncio.Task[bool]] = set()

    def start(self) -> None:
        """Start polling in the background."""
        self._task = asyncio.create_task(self._run(), name="zalo-polling")

    async def stop(self) -> None:
        """Stop polling (if it was started); updates being handled finish first."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._handling:
            await asyncio.gather(*self._handling, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            started = asyncio.get_running_loop().time()
            try:
                update = await self.client.get_update(self.wait)
            except ZaloError as exc:
                self.faults.failed(str(exc.status or "network"), exc.description)
                await asyncio.sleep(RETRY_GAP)
                continue
            self.faults.worked()
            if update is not None:
                # Handled beside the next poll, so one slow answer does not hold the others.
                task = asyncio.create_task(self.channel.on_update(update))
                self._handling.add(task)
                task.add_done_callback(self._handling.discard)
            elapsed = asyncio.get_running_loop().time() - started
            await asyncio.sleep(max(0.0, self.gap - elapsed))
