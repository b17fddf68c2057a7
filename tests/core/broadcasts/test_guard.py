"""The brakes on a hijacked admin account (#15, item 5): links to unofficial sites flagged in
the preview, big broadcasts announced at once to the other admins with Stop, an optional
second admin's approval, and admin actions typed in the terminal labelled in /audit."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from bot.app import App
from bot.channels.base import TEXT_ONLY
from bot.config import TERMINAL
from bot.config_broadcasts import BroadcastConfig
from bot.core.broadcasts.guard import foreign_hosts
from bot.core.events import EventKind, Incoming
from bot.storage import broadcasts as store
from bot.storage import outbox, users
from tests.factories import ADMIN, Chat, running_app

SECOND = "4343"
ADMINS = f"{ADMIN},{SECOND}"
GOV = ("gov.vn",)


def test_links_outside_the_official_domains_are_found() -> None:
    text = ("Xem https://dichvucong.gov.vn/p/home và www.nghean.gov.vn, rồi bấm bit.ly/abc "
            "hoặc https://vneid-xac-thuc.com/login?x=1 . Hẹn 8.30 sáng, 1.200 người.")
    assert foreign_hosts(text, GOV) == ["bit.ly", "vneid-xac-thuc.com"]
    assert foreign_hosts("Liên hệ zalo.me/0912345678", ("gov.vn", "zalo.me")) == []
    assert foreign_hosts("Không có đường dẫn nào.", GOV) == []


async def people(app: App, count: int) -> None:
    for n in range(count):
        await users.touch(app.services.db, "telegram", str(9000 + n), "vi",
                          app.core.clock())


async def compose(chat: Chat, text: str) -> str:
    await chat.say("/broadcast")
    await chat.say(text)
    await chat.tap("Everyone")
    await chat.tap("Skip")
    return chat.last[0].text


async def notices_to(app: App, external_id: str) -> list[dict[str, object]]:
    user = await users.get(app.services.db, "telegram", external_id)
    assert user is not None
    return [json.loads(p.reply) for p in await outbox.pending(app.services.db, "telegram")
            if p.user_id == user.id]


async def test_the_preview_flags_a_link_to_an_unofficial_site(tmp_path: Path) -> None:
    async with running_app(tmp_path) as app:
        admin = Chat(app.core, ADMIN, "en")
        await admin.say("/start")
        preview = await compose(admin, "Cập nhật tại https://vneid-xac-thuc.com ngay hôm nay")
        assert "links to vneid-xac-thuc.com, which is not an official address (.gov.vn)" \
            in preview
        await admin.tap("Cancel")
        assert "not an official" not in await compose(
            admin, "Làm thủ tục tại https://dichvucong.gov.vn")


async def test_a_big_broadcast_is_announced_at_once_to_the_other_admins(tmp_path: Path) -> None:
    settings = BroadcastConfig(quiet_hours=None, announce_over=3)
    async with running_app(tmp_path, admins=ADMINS, broadcasts=settings) as app:
        first, second = Chat(app.core, ADMIN, "en"), Chat(app.core, SECOND, "en")
        await first.say("/start")
        await second.say("/start")
        await people(app, 3)
        await compose(first, "Họp tổ lúc 8 giờ")
        assert "starts in a moment" in (await first.tap("Send now")).text
        [notice] = await notices_to(app, SECOND)
        assert "started broadcast #1 to 5 people" in str(notice["text"])
        assert "Họp tổ lúc 8 giờ" in str(notice["text"])
        assert "Stop #1" in json.dumps(notice["buttons"], ensure_ascii=False)
        assert await notices_to(app, ADMIN) == []  # not told of their own


async def test_with_two_person_rule_a_second_admin_must_approve(tmp_path: Path) -> None:
    settings = BroadcastConfig(quiet_hours=None, announce_over=3, require_second_admin=True)
    async with running_app(tmp_path, admins=ADMINS, broadcasts=settings) as app:
        db = app.services.db
        first, second = Chat(app.core, ADMIN, "en"), Chat(app.core, SECOND, "en")
        await first.say("/start")
        await second.say("/start")
        await people(app, 3)
        preview = await compose(first, "Họp tổ lúc 8 giờ")
        assert "another admin must approve it" in preview
        assert "waits for another admin's approval" in (await first.tap("Send now")).text
        job = await store.get(db, 1)
        assert job is not None and job.status == store.AWAITING
        assert await store.next_due(db, app.core.clock(), scheduled_allowed=True) is None
        assert "Another admin must approve" in (await first.press("bcg:1")).text
        [notice] = await notices_to(app, SECOND)
        assert "It waits for another admin's approval" in str(notice["text"])
        assert "approved" in (await second.press("bcg:1")).text
        job = await store.get(db, 1)
        assert job is not None and job.status == store.SENDING
        assert "not waiting for approval" in (await second.press("bcg:1")).text
        assert "Approved broadcast #1" in (await second.say("/audit")).text


async def test_an_admin_action_typed_in_the_terminal_says_so_in_the_audit(
        tmp_path: Path) -> None:
    async with running_app(tmp_path, admins=ADMINS) as app:
        for typed in ("/start", "/newteam", "Anh Sơn", "Tổ thôn 9"):
            event = Incoming(TERMINAL, ADMIN, EventKind.TEXT, datetime.now(UTC), TEXT_ONLY,
                             text=typed, locale_hint="en", event_id=typed)
            replies = await app.core.handle(event)
        assert "created" in replies[-1].text
        second = Chat(app.core, SECOND, "en")
        await second.say("/start")
        assert f"admin {ADMIN}, in the terminal · Created team" in (
            await second.say("/audit")).text
