"""The terminal chat: text only, buttons shown as numbered options, same core and database.

The application's jobs (bot/core/jobs.py) run meanwhile, as they do beside Telegram.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime
from typing import TextIO

from bot.app import open_app
from bot.channels.base import TEXT_ONLY, render_text
from bot.config import Config
from bot.core.events import EventKind, Incoming
from bot.core.service import Core

CHANNEL = "console"
SEPARATOR = "─" * 40


async def run_terminal(config: Config, user_key: str, locale_hint: str | None,
                       stdin: TextIO, stdout: TextIO) -> None:
    """Open the application, start its jobs, chat until the end of input, then close it."""
    app = await open_app(config)
    try:
        app.start_jobs()
        await run_console(app.core, user_key, locale_hint, stdin, stdout)
    finally:
        await app.close()


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
