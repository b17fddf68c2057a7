"""Freezing ended campaigns in the background: one copy at a time, awaited by whoever needs it.

A province's campaign is hundreds of thousands of visits. They are copied chunk by chunk
(bot/storage/campaigns.py), each chunk a short transaction, so lessons, menus and visit forms
go on meanwhile; only a request that needs the frozen copy (an ended campaign's figures, a
change to a visit) waits for it. The bot starts the copy itself a minute after a campaign's
last day ends, so at a province's scale it is usually done before anyone asks.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from bot.storage import campaigns as campaign_store
from bot.storage.db import Database

log = logging.getLogger(__name__)


class Freezer:
    """Runs at most one freezing task; callers wait for it rather than copy twice."""

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    async def ensure(self, db: Database, ended: list[campaign_store.Due], now: datetime
                     ) -> None:
        """Return once every ended campaign is frozen completely, freezing what is left."""
        while True:
            left = await _incomplete(db, ended)
            if not left:
                return
            # Shielded: a caller that gives up (a cancelled update) does not stop the copy.
            await asyncio.shield(self._start(db, left, now))

    async def start(self, db: Database, ended: list[campaign_store.Due], now: datetime
                    ) -> None:
        """Begin freezing the ended campaigns not frozen yet, without waiting for it."""
        left = await _incomplete(db, ended)
        if left:
            self._start(db, left, now)

    async def stop(self) -> None:
        """Cancel a copy in progress (its chunk is rolled back; the next start resumes)."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    def _start(self, db: Database, left: list[campaign_store.Due], now: datetime
               ) -> asyncio.Task[None]:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(_freeze(db, left, now), name="campaign-freezer")
            self._task.add_done_callback(_log_failure)
        return self._task


async def _incomplete(db: Database, ended: list[campaign_store.Due]
                      ) -> list[campaign_store.Due]:
    complete = await campaign_store.complete_among(db, [c.key for c in ended])
    return [c for c in ended if c.key not in complete]


async def _freeze(db: Database, campaigns: list[campaign_store.Due], now: datetime) -> None:
    for key in await campaign_store.freeze(db, campaigns, now):
        log.info("campaign %s ended: its figures are frozen", key)


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("freezing an ended campaign failed; it resumes at the next request or "
                  "minute", exc_info=task.exception())
