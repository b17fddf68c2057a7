"""Helpers of the good practices' tests: members, the admin, photos, the outbox, the form."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from typing import Any

from bot.app import App
from bot.core.events import Capabilities, EventKind, Incoming, Photo, Reply
from bot.core.service import Core
from bot.storage import teams, users
from bot.storage.teams import Team
from tests.factories import ADMIN, Chat

NOW = datetime(2026, 10, 3, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam, day 3 of the campaign
PHOTO = Photo("telegram:AgACPractice1", 180_000, 1280, 960)
_ids = itertools.count(1)


async def user_id(app: App, key: str) -> int:
    """The users.id of a Telegram user."""
    user = await users.get(app.services.db, "telegram", key)
    assert user is not None
    return user.id


async def member(app: App, core: Core, key: str, team: Team, name: str | None = None,
                 caps: Capabilities | None = None, leader: bool = False,
                 locale: str = "en") -> Chat:
    """A user who wrote to the bot and belongs to team."""
    chat = Chat(core, user=key, locale=locale) if caps is None else Chat(core, key, locale, caps)
    await chat.say("/start")
    uid = await user_id(app, key)
    await teams.join(app.services.db, uid, team.id, name, NOW)
    if leader:
        assert await teams.set_role(app.services.db, uid, team.id, teams.LEADER)
    return chat


async def admin(core: Core, locale: str = "en") -> Chat:
    """The configured admin, who has written to the bot (so notices can reach them)."""
    chat = Chat(core, user=ADMIN, locale=locale)
    await chat.say("/start")
    return chat


async def send_photo(chat: Chat, photo: Photo | None, caption: str = "") -> list[Reply]:
    """The user sends a photo."""
    event = Incoming("telegram", chat.user, EventKind.PHOTO, datetime.now(UTC), chat.caps,
                     text=caption, locale_hint=chat.locale, event_id=f"p{next(_ids)}",
                     photo=photo)
    chat.last = await chat.core.handle(event)
    return chat.last


async def outbox_to(app: App, key: str) -> list[dict[str, Any]]:
    """The notices queued for a Telegram user, in order."""
    uid = await user_id(app, key)
    rows = await app.services.db.fetchall("SELECT reply FROM outbox WHERE user_id = ? ORDER BY id",
                                          (uid,))
    return [json.loads(r[0]) for r in rows]


async def state_of(app: App, key: str) -> dict[str, Any]:
    """The user's dialog state."""
    uid = await user_id(app, key)
    row = await app.services.db.fetchone("SELECT state FROM dialogs WHERE user_id = ?", (uid,))
    return dict(json.loads(row[0])) if row else {}


async def submit(chat: Chat, title: str = "Dạy VNeID ở chợ phiên",
                 what: str = "Chúng tôi đặt bàn ở chợ phiên sáng thứ bảy.",
                 result: str = "40 người cao tuổi đã dùng được VNeID.") -> Reply:
    """On Telegram, fill in the form in the team's commune, no figures, no photo, and Send."""
    await chat.say("/practice")
    await chat.say(title)
    await chat.tap("📍")
    await chat.say(what)
    await chat.say(result)
    if any("Attach" in label for label in chat.labels()):
        await chat.tap("Continue without")
    if any("Skip" in label for label in chat.labels()):
        await chat.tap("Skip")
    assert "Please check your good practice" in chat.last[-1].text, chat.last[-1].text
    return await chat.tap("Send")
