"""Telegram and Zalo in one process (`python -m bot` with both tokens): one database, one core;
a broadcast written on Telegram reaches every user of both, once each, and the admin gets one
report."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.app import open_app
from bot.storage import teams, usage
from tests.channels.zalo.running import both, greet, serving
from tests.factories import ADMIN, ANH_SON
from tests.fakes.harness import tap
from tests.fakes.telegram import FakeBotApi
from tests.fakes.zalo import FakeZaloApi, zalo_id

TEXT = "Họp tổ công nghệ số lúc 8 giờ sáng thứ Bảy"
TELEGRAM_USERS = [7001, 7002]
ZALO_USERS = [zalo_id(f"z{n}") for n in range(3)]


async def test_a_broadcast_reaches_both_channels_once_each(
        apis: tuple[FakeBotApi, FakeZaloApi], tmp_path: Path) -> None:
    telegram, zalo = apis
    config = both(apis, tmp_path)
    async with serving(config):
        await greet(telegram, zalo, TELEGRAM_USERS, ZALO_USERS)

        admin = int(ADMIN)
        telegram.send_text(admin, "/broadcast", language_code="en")
        await telegram.wait_text(admin, "New broadcast")
        telegram.send_text(admin, TEXT, language_code="en")
        await telegram.wait_text(admin, "Who should receive it?")
        await tap(telegram, admin, "Everyone", "English version")
        await tap(telegram, admin, "Skip", "Send it now, or schedule it?")
        preview = next(t for t in reversed(telegram.texts_to(admin)) if "📣" in t)
        assert "6 people" in preview  # 2 + 3 users and the admin, on both channels
        await tap(telegram, admin, "Send now", "starts in a moment")
        await telegram.wait_text(admin, "is finished", timeout=30)
        await zalo.wait_idle()
        await telegram.wait_idle()
    for user in TELEGRAM_USERS:
        assert sum(TEXT in text for text in telegram.texts_to(user)) == 1
    for zalo_user in ZALO_USERS:
        assert sum(TEXT in text for text in zalo.texts_to(zalo_user)) == 1
    reports = [t for t in telegram.texts_to(int(ADMIN)) if "is finished" in t]
    assert len(reports) == 1 and "6 / 6 sent" in reports[0]


async def test_a_telegram_citizens_request_reaches_a_zalo_volunteer_who_takes_it_by_typing(
        apis: tuple[FakeBotApi, FakeZaloApi], tmp_path: Path) -> None:
    telegram, zalo = apis
    config = both(apis, tmp_path)
    setup = await open_app(config)
    await teams.create(setup.services.db, "ANHSON1", "Tổ CNS thôn 3", ANH_SON, None,
                       datetime.now(UTC))
    await setup.close()
    citizen, volunteer = 7101, zalo_id("volunteer")
    async with serving(config):
        zalo.send_text(volunteer, "/join ANHSON1")
        await zalo.wait_text(volunteer, "Tổ CNS thôn 3", timeout=20)
        telegram.send_text(citizen, "/helpme", language_code="en")
        await telegram.wait_text(citizen, "I can ask a volunteer")
        await tap(telegram, citizen, "Yes", "What is your first name")
        for typed, expect in (("Lan", "Which commune"), ("anh son", "Which hamlet"),
                              ("Xóm 3", "A phone number")):
            telegram.send_text(citizen, typed, language_code="en")
            await telegram.wait_text(citizen, expect)
        await tap(telegram, citizen, "Skip", "Please check your request")
        await tap(telegram, citizen, "Send", "was sent to the volunteers")
        await zalo.wait_for(
            lambda: any("1. 🙋 Tôi sẽ đến" in t for t in zalo.texts_to(volunteer)), 20,
            "the notice to the Zalo volunteer, its choice numbered")
        zalo.send_text(volunteer, "1")  # "1. 🙋 Tôi sẽ đến", typed
        await zalo.wait_text(volunteer, "Cảm ơn bạn", timeout=20)
        await telegram.wait_text(citizen, "will come to help you", timeout=20)


async def test_admins_are_warned_as_zalo_s_monthly_messages_run_out(
        apis: tuple[FakeBotApi, FakeZaloApi], tmp_path: Path) -> None:
    telegram, zalo = apis
    config = both(apis, tmp_path)
    assert config.zalo.monthly_messages == 3000  # the shipped config: Zalo's Basic plan
    setup = await open_app(config)
    month = datetime.now(UTC).astimezone(config.timezone).strftime("%Y-%m")
    await usage.add_sent(setup.services.db, "zalo", month, 2099)  # one short of 70%
    await setup.close()
    admin, citizen = int(ADMIN), zalo_id("citizen")
    async with serving(config):
        telegram.send_text(admin, "/start", language_code="en")
        await telegram.wait_text(admin, "Hello")
        zalo.send_text(citizen, "alo")  # the greeting is the month's 2,100th message: 70%
        await zalo.wait_text(citizen, "Xin chào", timeout=20)
        await telegram.wait_text(admin, "⚠ Zalo: 2,100 of this month's 3,000 messages are "
                                        "used (70%).", timeout=20)
        zalo.send_text(citizen, "/progress")  # 71%: no second warning
        await zalo.wait_text(citizen, "Tiến độ", timeout=20)

        telegram.send_text(admin, "/broadcast", language_code="en")
        await telegram.wait_text(admin, "New broadcast")
        telegram.send_text(admin, TEXT, language_code="en")
        await telegram.wait_text(admin, "Who should receive it?")
        await tap(telegram, admin, "Everyone", "English version")
        await tap(telegram, admin, "Skip", "Send it now, or schedule it?")
        await telegram.wait_idle()
    warnings = [t for t in telegram.texts_to(admin) if "⚠ Zalo" in t and "used" in t]
    assert len(warnings) == 1
    preview = next(t for t in reversed(telegram.texts_to(admin)) if "📣" in t)
    assert "⚠ Zalo" not in preview  # 898 left, 1 needed: no line
