"""Group commit of broadcast outcomes: the outcomes that arrive while one write is under way
go together in the next transaction, so recording keeps up with a thousand sends a second
while each send still waits until its own outcome is in the database."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from bot.storage import broadcasts as store
from bot.storage.broadcasts import Outcome
from bot.storage.db import Database


class OutcomeRecorder:
    """Records outcomes of one broadcast; record() returns once its outcome is committed."""

    def __init__(self, db: Database, broadcast_id: int, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.broadcast_id = broadcast_id
        self.clock = clock
        self._waiting: list[tuple[Outcome, asyncio.Future[str]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, outcome: Outcome) -> str:
        """Write the outcome (with whatever else is waiting); return the broadcast's status."""
        done: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiting.append((outcome, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all(),
                                               name=f"broadcast-{self.broadcast_id}-record")
        # Shielded: a cancelled send still has its outcome written (it is the truth).
        return await asyncio.shield(done)

    async def _write_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                status = await store.record_many(self.db, self.broadcast_id,
                                                 [outcome for outcome, _ in batch], self.clock())
            except Exception as exc:  # every waiting send learns it, none hangs
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for _, done in batch:
                if not done.done():
                    done.set_result(status)
