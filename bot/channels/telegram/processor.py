"""Handle one chat's updates in order while different chats run concurrently."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.channels.telegram.updates import ReadUpdate

# PTB takes its semaphore before do_process_update; if that bounded the work, one chat's
# queued updates could hold every slot while waiting for their own chat. So PTB's bound is
# generous and the real bound is taken inside, after the chat's turn has come.
_QUEUED_LIMIT = 10_000


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates of one chat run one at a time, in arrival order; chats run side by side."""

    def __init__(self, concurrent_updates: int):
        super().__init__(_QUEUED_LIMIT)
        self._running = asyncio.Semaphore(concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._holders: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for this chat's earlier updates, then for a free slot, then run."""
        key = _chat_key(update)
        if key is None:
            async with self._running:
                await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._holders[key] = self._holders.get(key, 0) + 1
        try:
            async with lock, self._running:
                await coroutine
        finally:
            self._holders[key] -= 1
            if not self._holders[key]:
                del self._holders[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def _chat_key(update: object) -> int | None:
    if isinstance(update, ReadUpdate):
        return update.arrival.chat_id
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user else None
