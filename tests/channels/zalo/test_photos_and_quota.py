"""Broadcasts across Telegram and Zalo: a photo sent on either app reaches the users of both,
and a broadcast that meets the end of Zalo's month pauses cleanly, shows it in /broadcasts and
resumes where it stopped."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from bot.app import open_app
from bot.storage import broadcasts
from tests.channels.zalo.running import both, greet, serving
from tests.factories import ADMIN
from tests.fakes.harness import free_port, tap
from tests.fakes.telegram import FakeBotApi
from tests.fakes.telegram_model import file_bytes
from tests.fakes.zalo import FakeZaloApi, zalo_id

TEXT = "Ngày hội chuyển đổi số: 8 giờ sáng Chủ nhật tại nhà văn hoá xóm"
TELEGRAM_USERS = [7201, 7202]
ZALO_USERS = [zalo_id(f"photo{n}") for n in range(4)]
ZALO_PHOTO = "https://photo-stal.zadn.vn/bot/ngay-hoi.jpg"  # where Zalo keeps a user's image


async def broadcast_from_telegram(telegram: FakeBotApi, with_photo: bool) -> None:
    """The admin writes a broadcast to everyone on Telegram and sends it now."""
    admin = int(ADMIN)
    telegram.send_text(admin, "/broadcast", language_code="en")
    await telegram.wait_text(admin, "New broadcast")
    if with_photo:
        telegram.send_photo(admin, caption=TEXT, language_code="en")
    else:
        telegram.send_text(admin, TEXT, language_code="en")
    await telegram.wait_text(admin, "Who should receive it?")
    await tap(telegram, admin, "Everyone", "English version")
    await tap(telegram, admin, "Skip", "Send it now, or schedule it?")
    await tap(telegram, admin, "Send now", "starts in a moment")


async def test_a_photo_sent_on_telegram_reaches_zalo_users_from_the_bots_own_address(
        apis: tuple[FakeBotApi, FakeZaloApi], tmp_path: Path) -> None:
    telegram, zalo = apis
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    config = both(apis, tmp_path, BOT_LISTEN=f"127.0.0.1:{port}", BOT_PUBLIC_URL=public)
    async with serving(config):
        await greet(telegram, zalo, TELEGRAM_USERS, ZALO_USERS[:2])
        await broadcast_from_telegram(telegram, with_photo=True)
        await telegram.wait_text(int(ADMIN), "is finished", timeout=30)
        photos = [call for user in ZALO_USERS[:2] for call in zalo.sent_to(user)
                  if call.method == "sendPhoto"]
        assert [call.text for call in photos] == [TEXT, TEXT]
        address = str(photos[0].body["photo"])
        assert address.startswith(f"{public}/photos/") and len(address) > len(public) + 40
        assert {call.body["photo"] for call in photos} == {address}
        async with aiohttp.ClientSession() as session:
            async with session.get(address) as served:
                assert served.status == 200 and served.content_type == "image/jpeg"
                assert await served.read() == file_bytes(telegram.downloads[0])
            async with session.get(address[:-6] + "AAAAAA") as guessed:
                assert guessed.status == 404
    assert len(telegram.downloads) == 1  # fetched from Telegram once, for every Zalo user
    for user in TELEGRAM_USERS:  # Telegram's users get it by Telegram's own file id
        sent = [call for call in telegram.sent_to(user) if call.method == "sendPhoto"]
        assert len(sent) == 1 and not str(sent[0].params["photo"]).startswith("http")


async def test_without_a_public_address_zalo_users_get_the_text_alone(
        apis: tuple[FakeBotApi, FakeZaloApi], tmp_path: Path) -> None:
    telegram, zalo = apis
    config = both(apis, tmp_path)  # polling both: no web server, no address for photos
    async with serving(config):
        await greet(telegram, zalo, TELEGRAM_USERS, ZALO_USERS[:1])
        await broadcast_from_telegram(telegram, with_photo=True)
        await telegram.wait_text(int(ADMIN), "is finished", timeout=30)
    calls = zalo.sent_to(ZALO_USERS[0])
    assert [call.method for call in calls if TEXT in call.text] == ["sendMessage"]
    assert telegram.downloads == []


async def test_a_photo_sent_on_zalo_by_a_linked_admin_reaches_telegram_users(
        apis: tuple[FakeBotApi, FakeZaloApi], tmp_path: Path) -> None:
    telegram, zalo = apis
    config = both(apis, tmp_path)
    admin, admin_on_zalo = int(ADMIN), zalo_id("admin")
    async with serving(config):
        await greet(telegram, zalo, TELEGRAM_USERS, ZALO_USERS[:1])
        telegram.send_text(admin, "/link", language_code="en")
        code = await telegram.wait_text(admin, "/link ")
        zalo.send_text(admin_on_zalo, "/link " + code.text.split("/link ")[1][:6])
        await zalo.wait_text(admin_on_zalo, "🔗", timeout=20)  # then the admin's language
        zalo.send_text(admin_on_zalo, "/broadcast")
        await zalo.wait_text(admin_on_zalo, "To add one photo", timeout=20)
        zalo.send_image(admin_on_zalo, ZALO_PHOTO, caption=TEXT)
        await zalo.wait_text(admin_on_zalo, "Who should receive it?", timeout=20)
        zalo.send_text(admin_on_zalo, "1")  # 1. Everyone
        await zalo.wait_text(admin_on_zalo, "English version", timeout=20)
        zalo.send_text(admin_on_zalo, "skip")
        await zalo.wait_text(admin_on_zalo, "Send it now, or schedule it?", timeout=20)
        zalo.send_text(admin_on_zalo, "1")  # 1. Send now
        await zalo.wait_text(admin_on_zalo, "is finished", timeout=30)
        progress = [text for text in zalo.texts_to(admin_on_zalo) if "📣 Broadcast #1:" in text]
        assert len(progress) == 1  # Zalo cannot edit it: shown once, not every few seconds
    for user in TELEGRAM_USERS:
        sent = [call for call in telegram.sent_to(user) if call.method == "sendPhoto"]
        assert [(call.params["photo"], call.params["caption"]) for call in sent] == [
            (ZALO_PHOTO, TEXT)]
    sent_zalo = [call for call in zalo.sent_to(ZALO_USERS[0]) if call.method == "sendPhoto"]
    assert [(call.body["photo"], call.text) for call in sent_zalo] == [(ZALO_PHOTO, TEXT)]


async def test_a_broadcast_pauses_when_zalos_month_runs_out_and_resumes_where_it_stopped(
        apis: tuple[FakeBotApi, FakeZaloApi], tmp_path: Path) -> None:
    telegram, zalo = apis
    config = both(apis, tmp_path)
    admin = int(ADMIN)
    async with serving(config):
        await greet(telegram, zalo, TELEGRAM_USERS, ZALO_USERS)
        zalo.monthly_quota = zalo.quota_used + 2  # two more messages, then 429 "Quota exceeded"
        await broadcast_from_telegram(telegram, with_photo=False)
        report = await telegram.wait_text(admin, "is paused", timeout=30)
        assert "Zalo has no messages left this month" in report.text
        assert "/resumebroadcast 1" in report.text and "2 waiting for messages" in report.text
        for user in TELEGRAM_USERS:  # the other app's users were not kept waiting
            assert sum(TEXT in text for text in telegram.texts_to(user)) == 1
        telegram.send_text(admin, "/broadcasts", language_code="en")
        listed = await telegram.wait_text(admin, "Recent broadcasts")
        assert "paused" in listed.text and "2 waiting for messages" in listed.text
        assert any("Resume #1" in label for label, _ in telegram.buttons(admin))

        zalo.monthly_quota = None  # the month renewed, or the plan grew
        telegram.send_text(admin, "/resumebroadcast", language_code="en")
        await telegram.wait_text(admin, "sending again: 2 messages to go")
        final = await telegram.wait_text(admin, "Broadcast #1 is finished", timeout=30)
        assert "7 / 7 sent" in final.text  # 2 on Telegram, 4 on Zalo, and the admin
    for zalo_user in ZALO_USERS:
        assert sum(TEXT in text for text in zalo.texts_to(zalo_user)) == 1
    app = await open_app(config)
    try:
        job = await broadcasts.get(app.services.db, 1)
        assert job is not None and job.status == broadcasts.DONE and job.held is None
    finally:
        await app.close()
