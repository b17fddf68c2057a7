"""/broadcast written in the terminal: it says broadcasts reach only the delivery channel's
users, and its preview counts who chats elsewhere and receives nothing."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

from bot.app import App, open_app
from bot.channels.base import TEXT_ONLY
from bot.core.events import EventKind, Incoming, Reply
from bot.storage import usage, users
from tests.factories import ADMIN, TOKEN, Chat, make_config, running_app
from tests.fakes.zalo import ZALO_TOKEN, zalo_id

_ids = itertools.count(1)


async def in_terminal(app: App, user: str, body: str) -> list[Reply]:
    """A line typed in the terminal chat by user."""
    return await app.core.handle(Incoming("console", user, EventKind.TEXT, datetime.now(UTC),
                                          TEXT_ONLY, text=body, locale_hint="en",
                                          event_id=f"console-{next(_ids)}"))


async def test_a_broadcast_written_in_the_terminal_says_who_receives_nothing(
        tmp_path: Path) -> None:
    async with running_app(tmp_path) as app:
        for key in ("501", "502"):  # two people on the delivery channel
            await Chat(app.core, key, "en").say("/start")
        await in_terminal(app, "local", "/start")  # one in the terminal
        asked = await in_terminal(app, ADMIN, "/broadcast")
        assert asked[0].text.startswith("Broadcasts go out on Telegram only: people who chat "
                                        "with me here, in the terminal, receive nothing.")
        await in_terminal(app, ADMIN, "Họp tổ lúc 8 giờ")
        await in_terminal(app, ADMIN, "1")  # Everyone
        preview = await in_terminal(app, ADMIN, "skip")
        summary = preview[0].text
        assert "📣 Broadcast to Everyone: 2 people." in summary, summary
        # The terminal user and the admin writing in the terminal:
        assert ("2 more people of this audience chat with me elsewhere (in the terminal) and "
                "receive nothing: broadcasts go out on Telegram only.") in summary


async def test_an_admin_on_the_delivery_channel_sees_no_such_line(tmp_path: Path) -> None:
    async with running_app(tmp_path) as app:
        admin = Chat(app.core, ADMIN, "en")
        asked = await admin.say("/broadcast")
        assert "receive nothing" not in asked.text



async def test_the_preview_says_when_zalo_s_month_has_too_few_messages_left(
        tmp_path: Path) -> None:
    config = make_config(tmp_path, BOT_ADMINS=ADMIN, TELEGRAM_BOT_TOKEN=TOKEN,
                         ZALO_BOT_TOKEN=ZALO_TOKEN)
    app = await open_app(config)
    try:
        now = datetime.now(UTC)
        for n in range(3):
            await users.touch(app.services.db, "zalo", zalo_id(n), "vi", now)
        month = now.astimezone(config.timezone).strftime("%Y-%m")
        await usage.add_sent(app.services.db, "zalo", month, 2999)
        admin = Chat(app.core, ADMIN, "en")
        await admin.say("/broadcast")
        await admin.say("Họp tổ lúc 8 giờ")
        await admin.tap("Everyone")
        await admin.tap("Skip")
        summary = admin.last[0].text
        assert "📣 Broadcast to Everyone: 4 people." in summary  # 3 on Zalo, the admin
        assert ("⚠ Zalo: 3 messages needed, 1 of this month's 3,000 left. The rest will wait "
                "for next month's messages.") in summary
    finally:
        await app.close()
