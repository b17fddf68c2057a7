"""The one photo a broadcast may carry: what Telegram can send again to everyone.

Photos come only from channels that can show them (Capabilities.photos), and only Telegram
does today, so these are Telegram's limits for a photo a bot sends."""

from __future__ import annotations

from bot.core.events import Photo
from bot.i18n import Translator

# Characters in a photo's caption: Telegram's limit, far below a message's (MAX_TEXT), so a
# broadcast with a photo has a shorter text; kept here as only broadcasts send photos.
MAX_CAPTION = 1024
MEGABYTE = 1024 * 1024
MAX_MEGABYTES = 10  # the size of a photo a bot may send
MAX_BYTES = MAX_MEGABYTES * MEGABYTE
MAX_SIDES = 10_000  # pixels: width + height, another of Telegram's limits for photos
MAX_RATIO = 20  # the longer side at most 20 times the shorter


def photo_problem(t: Translator, photo: Photo | None) -> str:
    """Why this photo cannot be broadcast, or "" when it can."""
    if photo is None:
        return t._("I could not read that photo. Please send it again.")
    if photo.size is not None and photo.size > MAX_BYTES:
        shown = t._("{megabytes} MB").format(
            megabytes=t.number(round(photo.size / MEGABYTE, 1)))
    elif photo.width + photo.height > MAX_SIDES:
        shown = f"{photo.width}×{photo.height}"
    else:
        shown = ""
    if shown:
        return t._("That photo is too large ({size}): Telegram lets a bot send photos of at "
                   "most {megabytes} MB and {pixels} pixels wide and high together. Send a "
                   "smaller one, or type the message without a photo.").format(
            size=shown, megabytes=t.number(MAX_MEGABYTES), pixels=t.number(MAX_SIDES))
    if photo.as_file:
        return t._("That picture came as a file. Please send it as a photo (not as a file), "
                   "so everyone sees it in the chat.")
    short, long = sorted((max(photo.width, 1), max(photo.height, 1)))
    if long > MAX_RATIO * short:
        return t._("That photo is too long and thin for Telegram to send. Send a photo closer "
                   "to a normal shape.")
    return ""
