"""Broadcast photos kept to be fetched by their public address (by Zalo, which sends a photo
only from a URL): the bytes under an unguessable token, purged after PHOTO_KEPT by
privacy.purge_expired."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.storage.broadcasts import stamp
from bot.storage.db import Database

PHOTO_KEPT = timedelta(days=30)  # long after any broadcast carrying it was delivered


@dataclass(frozen=True)
class StoredPhoto:
    """A photo's bytes and type."""

    mime: str
    content: bytes


async def token_of(db: Database, ref: str) -> str | None:
    """The token a photo reference is served under, if it is stored."""
    row = await db.fetchone("SELECT token FROM photos WHERE ref = ?", (ref,))
    return str(row[0]) if row else None


async def add(db: Database, token: str, ref: str, photo: StoredPhoto, now: datetime) -> str:
    """Store a photo under token (or keep the one stored for ref meanwhile); its token."""
    rows = await db.execute(
        "INSERT INTO photos (token, ref, mime, content, created_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (ref) DO UPDATE SET ref = excluded.ref RETURNING token",
        (token, ref, photo.mime, photo.content, stamp(now)))
    return str(rows[0][0]) if rows else token


async def get(db: Database, token: str) -> StoredPhoto | None:
    """The photo served under token."""
    row = await db.fetchone("SELECT mime, content FROM photos WHERE token = ?", (token,))
    return StoredPhoto(str(row[0]), bytes(row[1])) if row else None
