"""The one photo a broadcast may carry: what Telegram can send again to everyone."""

from __future__ import annotations

from bot.core.events import Photo
from bot.i18n import Translator

MAX_CAPTION = 1024  # characters in a photo's caption (Telegram's limit)
MAX_BYTES = 10 * 1024 * 1024  # Telegram's limit for a photo a bot sends
MAX_SIDES = 10_000  # width + height, another of Telegram's limits for photos
MAX_RATIO = 20  # the longer side at most 20 times the shorter


def photo_problem(t: Translator, photo: Photo | None) -> str:
    """Why this photo cannot be broadcast, or "" when it can."""
    if photo is None:
        return t._("I could not read that photo. Please send it again.")
    if photo.size is not None and photo.size > MAX_BYTES:
        shown = t._("{megabytes} MB").format(
            megabytes=t.number(round(photo.size / (1024 * 1024), 1)))
    elif photo.width + photo.height > MAX_SIDES:
        shown = f"{photo.width}×{photo.height}"
    else:
        shown = ""
    if shown:
        return t._("That photo is too large ({size}): Telegram lets a bot send photos of at "
                   "most 10 MB and 10,000 pixels wide and high together. Send a smaller one, "
                   "or type the message without a photo.").format(size=shown)
    if photo.as_file:
        return t._("That picture came as a file. Please send it as a photo (not as a file), "
                   "so everyone sees it in the chat.")
    short, long = sorted((max(photo.width, 1), max(photo.height, 1)))
    if long > MAX_RATIO * short:
        return t._("That photo is too long and thin for Telegram to send. Send a photo closer "
                   "to a normal shape.")
    return ""
