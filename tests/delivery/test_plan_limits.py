"""A chat app's plan caps messages a month and users (Zalo's Basic plan: 3,000 and 50): once the
month's messages are used up nothing more is tried until the next month, and admins are told
as the users near the cap."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

from bot.config_zalo import ZaloConfig
from bot.core.jobs import warn_plan_users
from bot.core.shared.outbox import decode
from bot.delivery.outcomes import SENT, Outcome, Part, Result
from bot.delivery.quota import CountedSender
from bot.storage import outbox, usage, users
from tests.factories import ADMIN, running_app
from tests.fakes.zalo import ZALO_TOKEN

OCTOBER = datetime(2026, 10, 31, 10, 0, tzinfo=UTC)  # 17:00 in Vietnam, still October
NOVEMBER = datetime(2026, 10, 31, 18, 0, tzinfo=UTC)  # 01:00 on 1 November in Vietnam


class Recorder:
    """A channel that sends everything and remembers what."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, chat: str, part: Part) -> Outcome:
        self.sent.append(chat)
        return SENT


async def test_once_the_months_messages_are_used_nothing_more_is_tried_until_next_month(
        tmp_path: Path) -> None:
    now = [OCTOBER]
    async with running_app(tmp_path) as app:
        inner = Recorder()
        sender = CountedSender(inner, app.services, "zalo", 3, clock=lambda: now[0])
        outcomes = [await sender.send(f"chat{n}", Part("Xin chào")) for n in range(5)]
        assert [o.result for o in outcomes] == [Result.SENT] * 3 + [Result.QUOTA] * 2
        assert inner.sent == ["chat0", "chat1", "chat2"]  # the platform was not asked again
        restarted = CountedSender(inner, app.services, "zalo", 3, clock=lambda: now[0])
        assert (await restarted.send("chat5", Part("Xin chào"))).result is Result.QUOTA
        now[0] = NOVEMBER  # Vietnam's month, not UTC's, renews the count
        assert (await sender.send("chat6", Part("Xin chào"))).result is Result.SENT
        assert inner.sent[-1] == "chat6"


async def test_admins_are_told_once_per_level_as_a_channels_users_near_the_plans_cap(
        tmp_path: Path) -> None:
    zalo = ZaloConfig(token=ZALO_TOKEN, plan_users=4)
    async with running_app(tmp_path, zalo=zalo) as app:
        db = app.services.db
        admin = await users.touch(db, "telegram", ADMIN, "en", OCTOBER)
        for n in range(2):
            await users.touch(db, "zalo", f"z{n}", "vi", OCTOBER)
        assert await warn_plan_users(app.services, OCTOBER) == 0  # 2 of 4: 50%
        await users.touch(db, "zalo", "z2", "vi", OCTOBER)  # 3 of 4: 75%
        assert await warn_plan_users(app.services, OCTOBER) == 1
        assert await warn_plan_users(app.services, OCTOBER) == 0  # told once
        await users.touch(db, "zalo", "z3", "vi", OCTOBER)  # 4 of 4: 100%, past 85 and 95
        assert await warn_plan_users(app.services, OCTOBER) == 1
        notices = [decode(p.reply).text for p in await outbox.pending(db, "telegram")
                   if p.user_id == admin.id]
        assert [n.split(" (")[0] for n in notices] == [
            "⚠ Zalo: 3 people use the bot, of the 4 its plan allows",
            "⚠ Zalo: 4 people use the bot, of the 4 its plan allows"]
        uncapped = dataclasses.replace(app.services.config, zalo=ZaloConfig(token=ZALO_TOKEN))
        assert await warn_plan_users(dataclasses.replace(app.services, config=uncapped),
                                     OCTOBER) == 0


async def test_a_long_text_split_in_three_messages_counts_three(tmp_path: Path) -> None:
    class Splitting(Recorder):
        async def send(self, chat: str, part: Part) -> Outcome:
            await super().send(chat, part)
            return Outcome(Result.SENT, messages=3)

    async with running_app(tmp_path) as app:
        sender = CountedSender(Splitting(), app.services, "zalo", 10, clock=lambda: OCTOBER)
        assert (await sender.send("chat", Part("…" * 5000))).result is Result.SENT
        assert await usage.sent_in(app.services.db, "zalo", "2026-10") == 3
