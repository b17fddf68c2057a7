"""Broadcasts with one photo: taken at the first step, checked, previewed and sent to all."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.channels.base import TELEGRAM, TEXT_ONLY
from bot.core.broadcasts import MAX_BYTES
from bot.core.events import EventKind, Incoming, Photo, Reply
from bot.core.service import Core
from bot.storage import broadcasts as store
from tests.factories import ADMIN, Chat, running_app
from tests.fakes.harness import data_of, running_bot
from tests.fakes.telegram import FakeBotApi

DAY = datetime(2026, 10, 3, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam, outside quiet hours
PHOTO = Photo("telegram:AgACPhoto1", 180_000, 1280, 960)
_ids = itertools.count(1)


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    async with running_app(tmp_path) as opened:
        yield opened


async def send_photo(chat: Chat, photo: Photo, caption: str = "") -> list[Reply]:
    """The user sends a photo (with a caption, or none)."""
    event = Incoming("telegram", chat.user, EventKind.PHOTO, datetime.now(UTC), chat.caps,
                     text=caption, locale_hint=chat.locale, event_id=str(next(_ids)),
                     photo=photo)
    chat.last = await chat.core.handle(event)
    return chat.last


async def state(app: App) -> dict[str, Any]:
    row = await app.services.db.fetchone(
        "SELECT d.state FROM dialogs d JOIN users u ON u.id = d.user_id "
        "WHERE u.external_id = ?", (ADMIN,))
    assert row is not None
    return dict(json.loads(row[0]))


async def test_a_photo_with_its_caption_is_broadcast(app: App) -> None:
    admin = Chat(Core(app.services, clock=lambda: DAY), ADMIN, locale="en")
    await admin.say("/broadcast")
    assert "To add one photo, send it now" in admin.last[-1].text
    await send_photo(admin, PHOTO, "Họp tổ lúc 8h <sáng>")
    assert admin.last[-1].text == "Who should receive it?"
    await admin.tap("Everyone")
    await admin.tap("Skip")
    shown = [r for r in admin.last if r.photo]
    assert [(r.photo, r.text) for r in shown] == [(PHOTO.ref, "Họp tổ lúc 8h <sáng>")]
    await admin.tap("Send now")
    broadcast = (await store.recent(app.services.db, 1))[0]
    assert (broadcast.photo, broadcast.text_vi) == (PHOTO.ref, "Họp tổ lúc 8h <sáng>")
    row = await app.services.db.fetchone("SELECT detail FROM audit_log WHERE action = "
                                         "'broadcast'")
    assert row is not None and '"photo":true' in row[0]


async def test_a_photo_without_caption_asks_for_a_short_enough_text(app: App) -> None:
    admin = Chat(app.core, ADMIN, locale="en")
    await admin.say("/broadcast")
    await send_photo(admin, PHOTO)
    assert admin.last[-1].text.startswith("🖼 Photo added. Now type the message")
    await admin.say("x" * 1025)
    assert "With a photo, the message can have at most 1,024 characters" in admin.last[-1].text
    assert (await state(app))["step"] == "text"
    await admin.say("Ngày hội chuyển đổi số")
    assert admin.last[-1].text == "Who should receive it?"
    assert (await state(app))["photo"] == PHOTO.ref


@pytest.mark.parametrize(("photo", "answer"), [
    (Photo("telegram:big", MAX_BYTES + 1, 4000, 3000), "That photo is too large (10 MB)"),
    (Photo("telegram:wide", 5000, 9000, 2000), "That photo is too large (9000×2000)"),
    (Photo("telegram:file", 5000, 800, 600, as_file=True), "Please send it as a photo"),
    (Photo("telegram:thin", 5000, 2100, 100), "too long and thin"),
])
async def test_a_photo_telegram_cannot_send_is_refused_and_nothing_kept(
        app: App, photo: Photo, answer: str) -> None:
    admin = Chat(app.core, ADMIN, locale="en")
    await admin.say("/broadcast")
    before = await state(app)
    await send_photo(admin, photo, "caption")
    assert answer in admin.last[-1].text
    assert await state(app) == before


async def test_a_photo_out_of_place_changes_nothing(app: App) -> None:
    admin = Chat(app.core, ADMIN, locale="en")
    await admin.say("/broadcast")
    await admin.say("Họp tổ")
    before = await state(app)
    await send_photo(admin, PHOTO, "caption")
    assert admin.last[0].text.startswith("A photo can only be added at the start")
    assert await state(app) == before
    citizen = Chat(app.core, "7", locale="en")
    await citizen.say("/start")  # a newcomer's first message, whatever it is, is greeted
    await send_photo(citizen, PHOTO, "hello")
    assert citizen.last[-1].text.startswith("I can only read text")
    assert await store.recent(app.services.db, 1) == []


async def test_text_only_channels_are_not_offered_photos(app: App) -> None:
    admin = Chat(app.core, ADMIN, locale="en", caps=TEXT_ONLY)
    await admin.say("/broadcast")
    assert "photo" not in admin.last[-1].text
    assert TELEGRAM.photos and not TEXT_ONLY.photos


async def test_telegram_recipients_get_the_photo_with_the_caption(tmp_path: Path) -> None:
    admin = int(ADMIN)
    async with FakeBotApi() as api, running_bot(api, tmp_path, BOT_ADMINS=ADMIN):
        for citizen in (501, 502):
            api.send_text(citizen, "/start")
            await api.wait_text(citizen, "")
        api.send_text(admin, "/broadcast", language_code="en")
        await api.wait_text(admin, "To add one photo")
        api.send_photo(admin, caption="Ngày hội <số> & quà", language_code="en")
        await api.wait_text(admin, "Who should receive it?")
        api.press(admin, data_of(api, admin, "Everyone"))
        await api.wait_text(admin, "English version")
        api.press(admin, data_of(api, admin, "Skip"))
        await api.wait_text(admin, "Send it now, or schedule it?")
        preview = [c for c in api.sent_to(admin) if c.method == "sendPhoto"]
        assert [c.params.get("caption") for c in preview] == ["Ngày hội <số> & quà"]
        file_id = preview[0].params["photo"]
        assert file_id.endswith("_1280")  # the largest size
        api.press(admin, data_of(api, admin, "Send now"))
        await api.wait_for(lambda: any(word in api.texts_to(admin)[-1]
                                       for word in ("Broadcast #1", "quiet hours")))
        if any(label.startswith("📨 Send now anyway") for label, _ in api.buttons(admin)):
            api.press(admin, data_of(api, admin, "Send now anyway"))
        await api.wait_for(lambda: {c.chat_id for c in api.calls if c.method == "sendPhoto"
                                    and c.ok} >= {501, 502}, what="photo to both citizens")
        sent = [c for c in api.calls if c.method == "sendPhoto" and c.chat_id in (501, 502)]
        assert sorted(c.chat_id for c in sent) == [501, 502]
        assert all(c.params["photo"] == file_id and c.params.get("caption") ==
                   "Ngày hội <số> & quà" and "parse_mode" not in c.params for c in sent)
