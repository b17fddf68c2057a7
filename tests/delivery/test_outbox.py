"""The outbox: storage on a real database, and the Telegram worker against the fake Bot API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.core.events import Button, Reply
from bot.core.shared import outbox
from bot.storage import outbox as store
from bot.storage import teams, users
from bot.storage.db import Database, open_database
from tests.factories import Chat
from tests.fakes.harness import running_bot, tap
from tests.fakes.telegram import FakeBotApi

NOW = datetime(2026, 10, 3, 3, 0, tzinfo=UTC)
CITIZEN, VOLUNTEER, BLOCKED_VOLUNTEER = 5101, 5102, 5103


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


async def _queue(db: Database, user_id: int, reply: Reply) -> None:
    async with db.transaction() as conn:
        await outbox.notify(conn, store.Recipient(user_id, "vi"), reply, NOW)


def test_a_reply_survives_the_outbox_json() -> None:
    reply = Reply("Xin chào “Lan”\nhàng 2", ((Button("🙋 Tôi sẽ đến", "hgo:12"),),
                                            (Button("a", "b"), Button("c", "d"))))
    assert outbox.decode(outbox.encode(reply)) == reply
    assert outbox.decode(outbox.encode(Reply("x"))) == Reply("x")


async def test_pending_rows_in_order_for_one_channel_only(app: App) -> None:
    db = app.services.db
    first = await users.touch(db, "telegram", "1", "vi", NOW)
    second = await users.touch(db, "telegram", "2", "en", NOW)
    zalo = await users.touch(db, "zalo", "3", "vi", NOW)
    for user in (second, zalo, first, second):
        await _queue(db, user.id, Reply(f"to {user.external_id}"))
    pending = await store.pending(db, "telegram")
    assert [(p.external_id, outbox.decode(p.reply).text) for p in pending] == [
        ("2", "to 2"), ("1", "to 1"), ("2", "to 2")]
    assert [p.id for p in pending] == sorted(p.id for p in pending)
    assert len(await store.pending(db, "telegram", limit=2)) == 2
    await store.mark_sent(db, pending[0].id, NOW)
    await store.give_up(db, pending[1].id, store.BLOCKED)
    assert [p.id for p in await store.pending(db, "telegram")] == [pending[2].id]
    assert [p.external_id for p in await store.pending(db, "zalo")] == ["3"]  # left for Zalo


async def test_a_message_is_given_up_after_five_failures(app: App) -> None:
    db = app.services.db
    user = await users.touch(db, "telegram", "1", "vi", NOW)
    await _queue(db, user.id, Reply("hello"))
    (message,) = await store.pending(db, "telegram")
    gave_up = [await store.mark_failed(db, message.id, "Timed out") for _ in range(5)]
    assert gave_up == [False, False, False, False, True]
    assert await store.pending(db, "telegram") == []
    row = await db.fetchone("SELECT attempts, failed, sent_at FROM outbox")
    assert row is not None and tuple(row) == (5, "Timed out", None)


async def test_recipients_are_each_user_once_with_their_language(app: App) -> None:
    db = app.services.db
    a = await users.touch(db, "telegram", "1", "vi", NOW)
    b = await users.touch(db, "telegram", "2", "en", NOW)
    found = await store.recipients(db, [b.id, a.id, b.id, 999])
    assert found == [store.Recipient(b.id, "en", b.id), store.Recipient(a.id, "vi", a.id)]
    assert outbox.merge(found, [store.Recipient(a.id, "vi")], without=(b.id, None)) == [
        store.Recipient(a.id, "vi", a.id)]


async def test_a_linked_person_is_notified_on_the_app_they_used_last_that_runs(app: App
                                                                            ) -> None:
    db = app.services.db
    main = await users.touch(db, "telegram", "7", "vi", NOW)
    zalo = await users.touch(db, "zalo", "z7", "vi", NOW + timedelta(days=1))
    await db.execute("UPDATE users SET linked_to = ? WHERE id = ?", (main.id, zalo.id))
    [on_both] = await store.recipients(db, [main.id], ("telegram", "zalo"))
    assert (on_both.user_id, on_both.address) == (main.id, zalo.id)
    [telegram_only] = await store.recipients(db, [main.id], ("telegram",))
    assert telegram_only.address == main.id  # Zalo is not running: the account that can be
    await db.execute("UPDATE users SET blocked_at = ? WHERE id = ?", (NOW.isoformat(), zalo.id))
    [blocked] = await store.recipients(db, [main.id], ("telegram", "zalo"))
    assert blocked.address == main.id
    async with db.transaction() as conn:
        await outbox.notify(conn, on_both, Reply("Có người cần giúp"), NOW)
    assert [p.user_id for p in await store.pending(db, "zalo")] == [zalo.id]


async def _joined(db: Database, telegram_id: int, team_id: int, name: str) -> None:
    user = await users.get(db, "telegram", str(telegram_id))
    assert user is not None
    await teams.join(db, user.id, team_id, name, NOW)


async def test_the_worker_delivers_a_request_and_skips_a_blocked_chat(
        api: FakeBotApi, tmp_path: Path) -> None:
    async with running_bot(api, tmp_path):
        db = await open_database(tmp_path / "bot.db")  # a second connection, as an operator's
        try:
            for chat in (VOLUNTEER, BLOCKED_VOLUNTEER):
                api.send_text(chat, "/start", language_code="en")
                await api.wait_text(chat, "Hello")
            team = await teams.create(db, "AS1", "Thôn 1", "17329", None, NOW)
            await _joined(db, VOLUNTEER, team.id, "Minh")
            await _joined(db, BLOCKED_VOLUNTEER, team.id, "Hoa")
            api.block_chat(BLOCKED_VOLUNTEER)

            api.send_text(CITIZEN, "/helpme", language_code="en")
            await api.wait_text(CITIZEN, "Do you agree")
            await tap(api, CITIZEN, "Yes", "What is your first name")
            for typed, expect in (("Lan", "Which commune"), ("anh son", "Which hamlet"),
                                  ("Xóm 3", "phone number"), ("0912 345 678", "Please check")):
                api.send_text(CITIZEN, typed, language_code="en")
                await api.wait_text(CITIZEN, expect)
            await tap(api, CITIZEN, "Send", "was sent to the volunteers of Xã Anh Sơn")

            notice = await api.wait_text(VOLUNTEER, "Help request #1")
            assert notice.method == "sendMessage" and "Lan, in Xóm 3" in notice.text
            assert "0912" not in notice.text
            assert api.buttons(VOLUNTEER) == [("🙋 I'll go", "hgo:1")]

            api.press(VOLUNTEER, "hgo:1")
            taken = await api.wait_text(VOLUNTEER, "The request is yours")
            assert taken.method == "editMessageText" and "0912345678" in taken.text
            await api.wait_text(CITIZEN, "Minh from team Thôn 1 will come to help you.")

            async def blocked_row() -> tuple[int, str | None]:
                row = await db.fetchone(
                    "SELECT o.attempts, o.failed FROM outbox o JOIN users u ON u.id = o.user_id "
                    "WHERE u.external_id = ?", (str(BLOCKED_VOLUNTEER),))
                assert row is not None
                return int(row[0]), row[1]

            for _ in range(100):
                if (await blocked_row())[1] is not None:
                    break
                await asyncio.sleep(0.05)
            assert await blocked_row() == (1, "blocked")
            await asyncio.sleep(2.5)  # more than two ticks of the worker: no retry
            attempts = [c for c in api.calls
                        if c.method == "sendMessage" and c.chat_id == BLOCKED_VOLUNTEER
                        and c.status == 403]
            assert len(attempts) == 1
            assert await blocked_row() == (1, "blocked")
            for _ in range(100):  # marked sent just after Telegram accepted each one
                sent = await db.fetchall("SELECT sent_at FROM outbox WHERE failed IS NULL")
                if sent and all(row[0] is not None for row in sent):
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("some delivered messages are not marked sent")
        finally:
            await db.close()


async def _when_sent(db: Database) -> tuple[int, str | None]:
    """(attempts, failed) of the only outbox row once it is marked sent (just after Telegram
    accepted it)."""
    for _ in range(100):
        row = await db.fetchone("SELECT attempts, failed, sent_at FROM outbox")
        if row is not None and row[2] is not None:
            return int(row[0]), row[1]
        await asyncio.sleep(0.05)
    raise AssertionError("the message was never marked sent")


async def test_flood_control_is_waited_out_and_a_failure_retried(api: FakeBotApi,
                                                                  tmp_path: Path) -> None:
    async with running_bot(api, tmp_path):
        db = await open_database(tmp_path / "bot.db")
        try:
            api.send_text(VOLUNTEER, "/start", language_code="en")
            await api.wait_text(VOLUNTEER, "Hello")
            user = await users.get(db, "telegram", str(VOLUNTEER))
            assert user is not None
            api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
            api.fail_next("sendMessage", 502, "Bad Gateway")
            await _queue(db, user.id, Reply("first", ((Button("OK", "menu"),),)))
            await api.wait_text(VOLUNTEER, "first", timeout=15)
            row = await _when_sent(db)
            # The 429 is not counted; the 502 is one failed attempt, then the send.
            assert (row[0], row[1]) == (2, None), api.describe(12)
            assert api.buttons(VOLUNTEER) == [("OK", "menu")]
        finally:
            await db.close()


async def test_a_notification_for_a_user_of_another_channel_waits(app: App) -> None:
    # The console user's row is not the Telegram worker's: it stays pending for its channel.
    chat = Chat(app.core, user="9", locale="en")
    await chat.say("/start")
    console = await users.touch(app.services.db, "console", "local", "vi", NOW)
    await _queue(app.services.db, console.id, Reply("later"))
    assert await store.pending(app.services.db, "telegram") == []
