"""Broadcast photos for channels that send a photo only from a public address (Zalo).

A photo an admin sent on Telegram is known by Telegram's file id, which no other platform can
read. The first time a Zalo user is to receive it, the bytes are fetched once from Telegram,
kept in the database (storage/photos.py, 30 days) and served by the bot's web server at
`<BOT_PUBLIC_URL>/photos/<token>`, the token random and unguessable. A photo sent on Zalo
already has a public address on Zalo's servers and is sent by it. Without a public address
(no BOT_PUBLIC_URL and no webhook), the text goes without the photo (docs/DEPLOYMENT.md).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from bot.storage import photos as photo_store
from bot.storage.db import Database
from bot.storage.photos import StoredPhoto

log = logging.getLogger(__name__)

PATH = "/photos/"
MAX_BYTES = 10 * 1024 * 1024  # the most a broadcast photo may be (bot/core/broadcasts/photo.py)
Fetch = Callable[[str], Awaitable[bytes]]  # a channel's file id -> the photo's bytes


def public_address(ref: str) -> str | None:
    """The address in a reference that is one ("zalo:https://…"), else None."""
    _, _, key = ref.partition(":")
    return key if key.startswith(("https://", "http://")) else None


class PhotoLinks:
    """Public addresses of broadcast photos, fetching each from its channel once."""

    def __init__(self, db: Database, public_url: str | None) -> None:
        self.db = db
        self.public_url = public_url
        self.fetchers: dict[str, Fetch] = {}  # channel -> how to get a photo's bytes
        self._known: dict[str, str] = {}  # ref -> address
        self._locks: dict[str, asyncio.Lock] = {}
        self._failed: set[str] = set()  # refs that could not be fetched (logged once)

    async def address(self, ref: str) -> str | None:
        """Where a channel can fetch the photo; None when it cannot be had (logged once)."""
        direct = public_address(ref)
        if direct is not None:
            return direct
        known = self._known.get(ref)
        if known is not None or self.public_url is None or ref in self._failed:
            return known
        async with self._locks.setdefault(ref, asyncio.Lock()):
            if ref not in self._known and ref not in self._failed:
                await self._keep(ref)
        return self._known.get(ref)

    async def _keep(self, ref: str) -> None:
        channel, _, file_id = ref.partition(":")
        token = await photo_store.token_of(self.db, ref)
        if token is None:
            fetch = self.fetchers.get(channel)
            try:
                if fetch is None:
                    raise LookupError(f"no way to fetch {channel} photos here")
                content = await fetch(file_id)
                if not content or len(content) > MAX_BYTES:
                    raise ValueError(f"{len(content)} bytes")
            except Exception as exc:  # any failure: the text goes without the photo
                self._failed.add(ref)
                log.warning("a broadcast photo could not be fetched (%s: %s); chat apps that "
                            "need its address get the text alone", type(exc).__name__, exc)
                return
            token = await photo_store.add(self.db, secrets.token_urlsafe(32), ref,
                                          StoredPhoto(_mime(content), content),
                                          datetime.now(UTC))
        self._known[ref] = f"{self.public_url}{PATH}{token}"

    async def serve(self, token: str) -> StoredPhoto | None:
        """The photo stored under token, if any."""
        if not 20 <= len(token) <= 64:
            return None
        return await photo_store.get(self.db, token)


def _mime(content: bytes) -> str:
    """The image type from its first bytes (a broadcast photo is JPEG or PNG)."""
    if content.startswith(b"\x89PNG"):
        return "image/png"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return "image/jpeg"
