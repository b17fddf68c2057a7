"""The delivery engine's adapter for Zalo: a Part as text (buttons as numbered lines, the same as
the terminal shows), its fate as one of the engine's neutral outcomes."""

from __future__ import annotations

import unicodedata

from bot.channels.base import render_text
from bot.channels.zalo.client import ZaloClient, ZaloError
from bot.core.events import Reply
from bot.delivery.outcomes import SENT, Outcome, Part, Result

MAX_MESSAGE = 2000  # the platform's limit for a text
SPLIT_AT = 1900  # cut longer texts at paragraphs or lines below this
QUOTA_PAUSE = 60.0  # seconds to wait on "Quota exceeded" (it names no retry time)


class ZaloSender:
    """Sends one Part to one Zalo chat; never raises for the platform's or network's faults."""

    def __init__(self, client: ZaloClient) -> None:
        self.client = client

    async def send(self, chat: str, part: Part) -> Outcome:
        """Send the part as one or more texts (Zalo edits nothing: an edit is a new message)."""
        if part.document is not None or part.image is not None:
            # Files and local images need a public URL, which this bot does not serve yet.
            return Outcome(Result.BAD_REQUEST, "Zalo: files and local images are not sent")
        text = as_text(part)
        try:
            for piece in split(text):
                await self.client.send_message(chat, piece)
        except ZaloError as exc:
            return outcome_of(exc)
        return SENT


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
    if exc.status == 429:  # "Quota exceeded": the month's messages (or a burst) are used up
        return Outcome(Result.RETRY_AFTER, detail, retry_after=QUOTA_PAUSE)
    if exc.status in (401, 403):
        # 401 is the bot's token, not the user: retrying will not help, nor is the user gone.
        return Outcome(Result.BAD_REQUEST if exc.status == 401 else Result.BLOCKED, detail)
    if exc.status is None or exc.status >= 500 or exc.status == 408:
        return Outcome(Result.TRANSIENT, detail)
    if exc.status == 404 and "user" in exc.description.lower():
        return Outcome(Result.BLOCKED, detail)
    return Outcome(Result.BAD_REQUEST, detail)
