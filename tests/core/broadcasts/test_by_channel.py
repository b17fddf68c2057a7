"""A broadcast to the users of one chat app, when broadcasts go out on several (Telegram and
Zalo), through the core on a real database."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

from bot.config_zalo import ZaloConfig
from bot.core.service import Core
from bot.storage import broadcasts as store
from bot.storage import users
from bot.storage.audiences import Audience, AudienceKind
from tests.factories import ADMIN, TOKEN, Chat, Clock, make_config, running_app
from tests.fakes.zalo import ZALO_TOKEN

DAY = datetime(2026, 10, 3, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam


async def test_an_admin_sends_to_the_users_of_one_chat_app(tmp_path: Path) -> None:
    telegram = dataclasses.replace(make_config(tmp_path).telegram, token=TOKEN)
    async with running_app(tmp_path, telegram=telegram, zalo=ZaloConfig(token=ZALO_TOKEN)
                           ) as app:
        db = app.services.db
        for n in range(3):
            await users.touch(db, "zalo", f"z{n}", "vi", DAY)
        await users.touch(db, "telegram", "7001", "vi", DAY)
        admin = Chat(Core(app.services, clock=Clock(DAY)), ADMIN, locale="en")
        await admin.say("/start")
        await admin.say("/broadcast")
        await admin.say("Họp tổ lúc 8h")
        assert admin.labels()[-2] == "One chat app"  # after the others: their numbers stay
        await admin.tap("One chat app")
        assert admin.last[-1].text == "Users of which chat app?"
        assert admin.labels() == ["Telegram", "Zalo", "✖ Cancel"]
        await admin.tap("Zalo")
        await admin.tap("Skip")
        assert "Broadcast to Users of Zalo: 3 people." in admin.last[0].text
        await admin.tap("Send now")
        job = await store.get(db, 1)
        assert job is not None and job.audience == Audience(AudienceKind.CHANNEL, "zalo")
        assert (await store.counts(db, [1]))[1].pending == 3

        await admin.say("/broadcast")
        await admin.say("Họp tổ lúc 9h")
        await admin.press("bch:zalo")  # not at this step: nothing chosen
        assert "older message" in admin.last[0].text


async def test_with_one_chat_app_running_there_is_no_such_choice(tmp_path: Path) -> None:
    async with running_app(tmp_path) as app:
        admin = Chat(Core(app.services, clock=Clock(DAY)), ADMIN, locale="en")
        await admin.say("/start")
        await admin.say("/broadcast")
        await admin.say("Họp tổ lúc 8h")
        assert "One chat app" not in admin.labels()
        await admin.tap("Everyone")
        await admin.press("bca:channel")  # forged: refused, the form stays where it is
        assert admin.last[-1].text.startswith("That button is from an older message")
