"""The terminal chat: text only, buttons shown as numbered options, same core and database."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime
from typing import TextIO

from bot.channels.base import TEXT_ONLY, render_text
from bot.core.events import EventKind, Incoming
from bot.core.service import Core

CHANNEL = "console"
SEPARATOR = "─" * 40


async def run_console(core: Core, user_key: str, locale_hint: str | None,
                      stdin: TextIO, stdout: TextIO) -> None:
    """Chat in the terminal until end of input (Ctrl-D) or /quit."""
    counter = itertools.count(1)

    async def say(text: str) -> None:
        event = Incoming(channel=CHANNEL, user_key=user_key, kind=EventKind.TEXT,
                         sent_at=datetime.now(UTC), capabilities=TEXT_ONLY, text=text,
                         locale_hint=locale_hint, event_id=f"console-{next(counter)}")
        for reply in await core.handle(event):
            stdout.write(f"{render_text(reply)}\n{SEPARATOR}\n")
        stdout.flush()

    await say("/start")
    while True:
        stdout.write("> ")
        stdout.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line or line.strip() in {"/quit", "/exit"}:
            stdout.write("\n")
            return
        await say(line.rstrip("\n"))
