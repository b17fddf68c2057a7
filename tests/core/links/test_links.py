"""/link: one person on Telegram and Zalo keeps one progress, team and role."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import App
from bot.channels.base import ZALO
from bot.core.events import EventKind, Incoming, Reply
from bot.storage import teams, users
from tests.factories import ADMIN, ANH_SON, Chat, Clock, add_visit, running_app
from tests.fakes.zalo import zalo_id
from tests.storage.test_summaries import rebuilt, tables

_ids = itertools.count(1)


class ZaloChat:
    """One Zalo user typing to the core."""

    def __init__(self, app: App, key: str) -> None:
        self.app, self.key = app, key

    async def say(self, text: str) -> Reply:
        """Type text; the last reply."""
        event = Incoming("zalo", self.key, EventKind.TEXT, datetime.now(UTC), ZALO, text=text,
                         event_id=str(next(_ids)), message_id=f"m{next(_ids)}")
        return (await self.app.core.handle(event))[-1]


def code_in(reply: Reply) -> str:
    found = re.search(r"/link (\d{6})", reply.text)
    assert found, reply.text
    return found.group(1)


async def test_a_telegram_admin_links_zalo_and_keeps_progress_role_and_both_are_erased(
        tmp_path: Path) -> None:
    async with running_app(tmp_path) as app:
        db = app.services.db
        admin = Chat(app.core, ADMIN, "en")
        await admin.say("/start")
        await admin.tap("Online public services")
        await admin.tap("VNeID")  # a lesson started on Telegram
        zalo = ZaloChat(app, zalo_id("admin"))
        await zalo.say("alo")
        assert "Chỉ cán bộ quản lý" in (await zalo.say("/broadcast")).text  # not an admin
        linked = await zalo.say(f"/link {code_in(await admin.say('/link'))}")
        assert linked.text.startswith("🔗 Đã liên kết.")
        # From now on the Zalo account acts as the Telegram admin: role, language, lesson.
        assert "New broadcast" in (await zalo.say("/broadcast")).text
        await zalo.say("/cancel")
        assert "VNeID" in (await zalo.say("/continue")).text
        assert await tables(db) == await rebuilt(db)
        count = "SELECT COUNT(*) FROM users"
        assert (await db.fetchone(count))[0] == 2  # type: ignore[index]
        await admin.say("/deleteme")
        await admin.tap("Yes, delete")
        assert (await db.fetchone(count))[0] == 0  # type: ignore[index]


async def test_wrong_expired_and_own_codes_change_nothing(tmp_path: Path) -> None:
    clock = Clock(datetime.now(UTC))
    async with running_app(tmp_path) as app:
        app.core.clock = clock
        citizen = Chat(app.core, "501", "en")
        await citizen.say("/start")
        code = code_in(await citizen.say("/link"))
        assert "this same account" in (await citizen.say(f"/link {code}")).text
        zalo = ZaloChat(app, zalo_id("z"))
        await zalo.say("alo")
        assert "sai hoặc đã hết hạn" in (await zalo.say("/link 000000")).text
        clock.now += timedelta(minutes=11)
        assert "sai hoặc đã hết hạn" in (await zalo.say(f"/link {code}")).text
        row = await app.services.db.fetchone("SELECT COUNT(*) FROM users WHERE linked_to IS "
                                             "NOT NULL")
        assert row is not None and row[0] == 0


async def test_two_volunteers_in_teams_are_not_linked(tmp_path: Path) -> None:
    async with running_app(tmp_path) as app:
        db, now = app.services.db, datetime.now(UTC)
        team = await teams.create(db, "NA4K7Q", "Tổ CNS thôn 3", ANH_SON, None, now)
        telegram = Chat(app.core, "601", "en")
        await telegram.say("/start")
        await telegram.say("/join NA4K7Q")
        zalo = ZaloChat(app, zalo_id("v"))
        await zalo.say("alo")
        await zalo.say("/join NA4K7Q")
        reply = await zalo.say(f"/link {code_in(await telegram.say('/link'))}")
        assert "Cả hai tài khoản đều là thành viên" in reply.text
        user = await users.get(db, "zalo", zalo_id("v"))
        assert user is not None and await teams.membership_of(db, user.id) is not None
        assert team.join_code == "NA4K7Q"


async def test_an_admin_exporting_on_zalo_is_told_where_the_files_are(tmp_path: Path) -> None:
    async with running_app(tmp_path) as app:
        admin = Chat(app.core, ADMIN, "en")
        await admin.say("/start")
        zalo = ZaloChat(app, zalo_id("admin"))
        await zalo.say("alo")
        await zalo.say(f"/link {code_in(await admin.say('/link'))}")
        await add_visit(app.services.db, None, None, datetime.now(UTC))
        # The province's day (after 17:00 UTC it is already tomorrow in Vietnam).
        day = datetime.now(app.services.config.timezone).date().isoformat()
        reply = await zalo.say(f"/export {day} {day}")
        assert "This app cannot receive files. They are saved on the bot's server" in reply.text
        assert not reply.documents  # nothing the channel would refuse
        telegram = await admin.say(f"/export {day} {day}")
        assert telegram.documents and "cannot receive files" not in telegram.text


async def test_an_admin_who_types_a_code_shown_on_zalo_stays_an_admin_on_both(
        tmp_path: Path) -> None:
    async with running_app(tmp_path) as app:
        admin = Chat(app.core, ADMIN, "en")
        await admin.say("/start")
        zalo = ZaloChat(app, zalo_id("admin"))
        await zalo.say("alo")
        linked = await admin.say(f"/link {code_in(await zalo.say('/link'))}")
        assert linked.text.startswith("🔗 Linked.")
        assert "New broadcast" in (await admin.say("/broadcast")).text
        await admin.say("/cancel")
        assert "New broadcast" in (await zalo.say("/broadcast")).text


async def test_a_third_account_joins_the_person_and_none_is_left_pointing_nowhere(
        tmp_path: Path) -> None:
    async with running_app(tmp_path) as app:
        db = app.services.db
        first, other = Chat(app.core, "701", "en"), Chat(app.core, "702", "en")
        await first.say("/start")
        await other.say("/start")
        zalo = ZaloChat(app, zalo_id("third"))
        await zalo.say("alo")
        await zalo.say(f"/link {code_in(await first.say('/link'))}")  # Zalo acts as 701
        await zalo.say(f"/link {code_in(await other.say('/link'))}")  # 701 then joins 702
        rows = await db.fetchall("SELECT external_id, linked_to FROM users ORDER BY id")
        target = await users.get(db, "telegram", "702")
        assert target is not None
        assert {str(r[0]): r[1] for r in rows} == {
            "701": target.id, "702": None, zalo_id("third"): target.id}
        assert await tables(db) == await rebuilt(db)


async def test_a_lesson_finished_on_the_account_that_types_the_code_stays_finished(
        tmp_path: Path) -> None:
    async with running_app(tmp_path) as app:
        db = app.services.db
        telegram, zalo = Chat(app.core, "801", "en"), ZaloChat(app, zalo_id("learner"))
        await telegram.say("/start")
        await zalo.say("alo")
        keys = [(await users.get(db, "telegram", "801")), (await users.get(db, "zalo",
                                                                         zalo_id("learner")))]
        assert keys[0] is not None and keys[1] is not None
        kept, typer = keys[0].id, keys[1].id
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO lesson_progress (user_id, lesson_id, position, status, started_at, "
                "updated_at, completed_at) VALUES (?, 'vneid-level2', ?, ?, ?, ?, ?)",
                [(kept, 1, "in_progress", "2026-10-05", "2026-10-05", None),
                 (typer, 6, "done", "2026-10-02", "2026-10-03", "2026-10-03")])
        await zalo.say(f"/link {code_in(await telegram.say('/link'))}")
        row = await db.fetchone("SELECT user_id, position, status, started_at, completed_at "
                                "FROM lesson_progress WHERE lesson_id = 'vneid-level2'")
        assert row is not None
        assert tuple(row) == (kept, 6, "done", "2026-10-02", "2026-10-03")
        assert await tables(db) == await rebuilt(db)  # skills mastered follow


async def test_a_broadcast_reaches_a_linked_person_once_on_an_account_that_can_receive_it(
        tmp_path: Path) -> None:
    from bot.storage.audiences import EVERYONE, Audience, audience_filter

    async with running_app(tmp_path) as app:
        db = app.services.db
        telegram, zalo = Chat(app.core, "901", "en"), ZaloChat(app, zalo_id("reader"))
        await telegram.say("/start")
        await zalo.say("alo")
        await zalo.say(f"/link {code_in(await telegram.say('/link'))}")
        where, params = audience_filter(Audience(EVERYONE), ("telegram", "zalo"))
        reached = f"SELECT u.channel FROM users u WHERE {where}"
        assert [r[0] for r in await db.fetchall(reached, params)] == ["telegram"]
        await db.execute("UPDATE users SET blocked_at = '2026-10-05' WHERE channel = 'telegram'")
        assert [r[0] for r in await db.fetchall(reached, params)] == ["zalo"]
        only_telegram = audience_filter(Audience(EVERYONE), ("telegram",))
        assert await db.fetchall(f"SELECT 1 FROM users u WHERE {only_telegram[0]}",
                                 only_telegram[1]) == []
