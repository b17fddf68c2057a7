"""Join codes: what they look like, making new ones, and the brakes on guessing them (shared
with /link's codes)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TypeVar

import aiosqlite

from bot.core.context import Context
from bot.storage import teams as team_store

# What /join looks up: older teams may have shorter codes, imported before the rules below.
JOIN_CODE = re.compile(r"^[A-Z0-9]{4,12}$")
# No 0/O, 1/I/L: codes are read aloud and copied from paper.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
# A code given from now on (created, imported, changed): six or more of those characters.
NEW_JOIN_CODE = re.compile(rf"^[{CODE_ALPHABET}]{{6,12}}$")
MIN_NAME, MAX_NAME = 2, 60  # characters of a team's name

MAX_WRONG_CODES = 5  # wrong codes one chat identity may type within WRONG_CODE_WINDOW
# Wrong codes everyone together may type within the window (many accounts guessing at once);
# then codes are refused for all until the window has passed.
MAX_WRONG_CODES_EVERYWHERE = 200
WRONG_CODE_WINDOW = timedelta(hours=1)


def new_join_code() -> str:
    """A random six-character join code."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


T = TypeVar("T")
CODE_ATTEMPTS = 5  # random codes tried before giving up (a clash is rare)


async def with_new_code(use: Callable[[str], Awaitable[T]]) -> T:
    """use(code) with a new random join code; again with another when that one is taken (the
    database refuses a code a team or a class has: IntegrityError)."""
    for _ in range(CODE_ATTEMPTS):
        try:
            return await use(new_join_code())
        except aiosqlite.IntegrityError:
            continue
    raise RuntimeError("could not find a free join code")


def is_team_name(name: str) -> bool:
    """Whether a (normalized) team name has an acceptable length."""
    return MIN_NAME <= len(name) <= MAX_NAME


def identity(ctx: Context) -> str:
    """The chat identity typing ("telegram:123"): it stays the same after /deleteme."""
    return f"{ctx.event.channel}:{ctx.event.user_key}"


async def guessing_refusal(ctx: Context) -> str | None:
    """Why no code may be tried now (too many wrong ones), or None."""
    t, since = ctx.t, ctx.now - WRONG_CODE_WINDOW
    mine = await team_store.failures_since(ctx.db, identity(ctx), since)
    if len(mine) >= MAX_WRONG_CODES:
        return _wait(ctx, datetime.fromisoformat(mine[0]) + WRONG_CODE_WINDOW)
    if await team_store.failures_everywhere(ctx.db, since) >= MAX_WRONG_CODES_EVERYWHERE:
        return t._("Too many wrong codes have been typed in the last hour, so codes are not "
                   "checked for a while. Please try again later.")
    return None


async def wrong_code(ctx: Context) -> int:
    """Record a wrong code; how many more this identity may try within the window."""
    now, who = ctx.now, identity(ctx)
    await team_store.record_failure(ctx.db, who, now)
    return max(0, MAX_WRONG_CODES - len(
        await team_store.failures_since(ctx.db, who, now - WRONG_CODE_WINDOW)))


def _wait(ctx: Context, until: datetime) -> str:
    local = until.astimezone(ctx.services.config.timezone)
    return ctx.t._("Too many wrong codes. You can try again after {time}.").format(
        time=local.strftime("%H:%M"))
