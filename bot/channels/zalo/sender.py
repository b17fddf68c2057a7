"""The delivery engine's adapter for Zalo: a Part as text (buttons as numbered lines, the same as
the terminal shows), a broadcast photo by its public address (bot/channels/photos.py), its fate
as one of the engine's neutral outcomes."""

from __future__ import annotations

import logging
import unicodedata

from bot.channels.base import render_text
from bot.channels.photos import PhotoLinks, public_address
from bot.channels.zalo.client import ZaloClient, ZaloError
from bot.core.events import Reply
from bot.delivery.outcomes import SENT, Outcome, Part, Result

log = logging.getLogger(__name__)

MAX_MESSAGE = 2000  # the platform's limit for a text
SPLIT_AT = 1900  # cut longer texts at paragraphs or lines below this


class ZaloSender:
    """Sends one Part to one Zalo chat; never raises for the platform's or network's faults."""

    def __init__(self, client: ZaloClient, photos: PhotoLinks | None = None) -> None:
        self.client = client
        self.photos = photos
        self._refused: set[str] = set()  # photo addresses Zalo refused (logged once)

    async def send(self, chat: str, part: Part) -> Outcome:
        """Send the part as one or more texts, after its photo when it has one that can be had
        (Zalo edits nothing: an edit is a new message)."""
        if part.document is not None or part.image is not None:
            # The core sends files only where Capabilities.files, and no local images here.
            return Outcome(Result.BAD_REQUEST, "Zalo: files and local images are not sent")
        pieces = split(as_text(part))
        sent = 0
        try:
            address = await self._photo_address(part.photo)
            if address is not None:
                sent, pieces = await self._photo(chat, address, pieces)
            for piece in pieces:
                await self.client.send_message(chat, piece)
                sent += 1
        except ZaloError as exc:
            return outcome_of(exc)
        return SENT if sent == 1 else Outcome(Result.SENT, messages=sent)

    async def _photo(self, chat: str, address: str, pieces: list[str]
                     ) -> tuple[int, list[str]]:
        """Send the photo with the text as its caption (if it fits one message): the messages
        sent and the texts still to send (all of them when Zalo refused the photo itself)."""
        caption = pieces[0] if len(pieces) == 1 else ""
        try:
            await self.client.send_photo(chat, address, caption)
        except ZaloError as exc:
            if outcome_of(exc).result is not Result.BAD_REQUEST:
                raise
            if address not in self._refused:
                self._refused.add(address)
                log.warning("Zalo refused a broadcast photo (%s); the text goes alone",
                            exc.description)
            return 0, pieces
        return 1, [] if caption else pieces

    async def _photo_address(self, ref: str | None) -> str | None:
        if ref is None:
            return None
        address = await self.photos.address(ref) if self.photos else public_address(ref)
        return None if address in self._refused else address


def as_text(part: Part) -> str:
    """The part as Zalo shows it: NFC text, its buttons as numbered lines to type."""
    reply = Reply(part.text, part.buttons, numbered=part.numbered)
    return unicodedata.normalize("NFC", render_text(reply))


def split(text: str, limit: int = SPLIT_AT) -> list[str]:
    """Text cut into messages of at most limit characters, at paragraphs, else lines, else
    anywhere (never an empty message)."""
    pieces: list[str] = []
    rest = text.strip() or "…"
    while len(rest) > limit:
        cut = rest.rfind("\n\n", 0, limit)
        if cut <= 0:
            cut = rest.rfind("\n", 0, limit)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    pieces.append(rest)
    return [piece for piece in pieces if piece]


def outcome_of(exc: ZaloError) -> Outcome:
    """A failed call as the engine's outcome."""
    detail = f"{exc.status}: {exc.description}"
    if exc.status == 429:  # "Quota exceeded", the platform's only 429: the plan's month
        return Outcome(Result.QUOTA, detail)
    if exc.status in (401, 403):
        # 401 is the bot's token, not the user: retrying will not help, nor is the user gone.
        return Outcome(Result.BAD_REQUEST if exc.status == 401 else Result.BLOCKED, detail)
    if exc.status is None or exc.status >= 500 or exc.status == 408:
        return Outcome(Result.TRANSIENT, detail)
    if exc.status == 404 and "user" in exc.description.lower():
        return Outcome(Result.BLOCKED, detail)
    return Outcome(Result.BAD_REQUEST, detail)
