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
from bot.config import TERMINAL, Config
from bot.core.events import EventKind, Incoming
from bot.core.service import Core

CHANNEL = TERMINAL
SEPARATOR = "─" * 40
START = "/start"


async def run_terminal(config: Config, user_key: str, locale_hint: str | None,
                       stdin: TextIO, stdout: TextIO, name: str | None = None,
                       banner: str | None = None) -> None:
    """Open the application, start its jobs, chat until the end of input, then close it.

    banner, when given, is written once the application is open (not if it cannot start)."""
    app = await open_app(config)
    try:
        app.start_jobs()
        if banner:
            stdout.write(f"{banner}\n")
        await run_console(app.core, user_key, locale_hint, stdin, stdout, name)
    finally:
        await app.close()


async def run_console(core: Core, user_key: str, locale_hint: str | None,
                      stdin: TextIO, stdout: TextIO, name: str | None = None) -> None:
    """Chat in the terminal until end of input (Ctrl-D) or /quit.

    name is the user's display name, as Telegram gives a user's first name: the greeting,
    teams, exports and the audit log show it.

    The chat opens with the greeting and main menu, as Telegram's Start button does. A first
    typed line that is /start alone is that same press, already answered on the screen: it is
    not answered a second time (`printf '/start\\n' | python -m bot` greets once). /start typed
    later, or with an argument, is answered as usual.
    """
    counter = itertools.count(1)
    display_name = (name or "").strip() or None

    async def say(text: str) -> None:
        event = Incoming(channel=CHANNEL, user_key=user_key, kind=EventKind.TEXT,
                         sent_at=datetime.now(UTC), capabilities=TEXT_ONLY, text=text,
                         locale_hint=locale_hint, display_name=display_name,
                         event_id=f"console-{next(counter)}")
        for reply in await core.handle(event):
            stdout.write(f"{render_text(reply)}\n{SEPARATOR}\n")
        stdout.flush()

    await say(START)
    first = True
    while True:
        stdout.write("> ")
        stdout.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line or line.strip() in {"/quit", "/exit"}:
            stdout.write("\n")
            return
        typed = line.rstrip("\n")
        if first and typed.strip().lower() == START:
            first = False
            continue
        first = False
        await say(typed)
