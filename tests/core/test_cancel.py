"""/cancel through the core on a real database: it names what it dropped, in the user's language."""

from __future__ import annotations

from pathlib import Path

from bot.app import App
from bot.storage import dialogs, users
from tests.core.visits.test_visits import fill_form, make_volunteer, rows
from tests.factories import ADMIN, Chat, payload_of, running_app


async def state_of(app: App, key: str) -> dict[str, object]:
    user = await users.get(app.services.db, "telegram", key)
    assert user is not None
    return (await dialogs.load(app.services.db, user.id)).state


async def test_cancel_names_the_visit_that_was_not_saved(app: App) -> None:
    await make_volunteer(app)
    chat = Chat(app.core, "v1", locale="en")
    await chat.say("/visit")
    await chat.tap("✓")
    reply = await chat.say("/cancel")
    assert "The visit you were logging was not saved." in reply.text
    assert "lesson" not in reply.text
    assert await state_of(app, "v1") == {}
    assert await rows(app) == []


async def test_cancel_in_vietnamese_names_the_visit(app: App) -> None:
    await users.set_locale(app.services.db, await make_volunteer(app), "vi")
    chat = Chat(app.core, "v1", locale="vi")
    await chat.say("/visit")
    reply = await chat.say("/cancel")
    assert "Lượt đến hộ bạn đang ghi chưa được lưu." in reply.text


async def test_cancel_of_an_edit_says_the_saved_visit_stays_as_it_was(app: App) -> None:
    await make_volunteer(app)
    chat = Chat(app.core, "v1", locale="en")
    await fill_form(chat)
    await chat.tap("Confirm")
    await chat.say("/myvisits")
    await chat.tap("Edit #1")
    reply = await chat.say("/cancel")
    assert "Your changes to visit #1 were not saved: it stays as it was." in reply.text


async def test_cancel_names_the_help_request_form(app: App) -> None:
    citizen = Chat(app.core, "c1", locale="en")
    await citizen.say("/helpme")
    await citizen.tap("Yes")
    await citizen.say("Lan")
    reply = await citizen.say("/cancel")
    assert "The help request you were filling in was not sent." in reply.text
    assert await app.services.db.fetchall("SELECT * FROM help_requests") == []
    vi = Chat(app.core, "c2", locale="vi")
    await vi.say("/helpme")
    assert "Yêu cầu hỗ trợ bạn đang điền chưa được gửi." in (await vi.say("/cancel")).text


async def test_cancel_names_the_admins_forms(tmp_path: Path) -> None:
    async with running_app(tmp_path) as app:
        admin = Chat(app.core, ADMIN, locale="en")
        await admin.say("/broadcast")
        assert "The broadcast you were writing was not sent." in (await admin.say("/cancel")).text
        await admin.say("/newteam")
        assert "No team was created." in (await admin.say("/cancel")).text
        await admin.say("/export")
        assert "Nothing was exported." in (await admin.say("/cancel")).text
        await admin.say("/deleteme")
        assert "nothing was deleted" in (await admin.say("/cancel")).text
        assert await state_of(app, ADMIN) == {}


async def test_cancel_with_nothing_open_says_so_and_names_the_lesson_kept(app: App) -> None:
    chat = Chat(app.core, "1", locale="en")
    reply = await chat.say("/cancel")
    assert "There was nothing to cancel." in reply.text and "lesson" not in reply.text
    await chat.press(payload_of("open", "vneid-level2"))
    title = app.services.catalog.lessons["vneid-level2"].title["en"]
    reply = await chat.say("/cancel")
    assert f"There was no form open to cancel. Your place in the lesson “{title}” is saved" \
        in reply.text
    vi = Chat(app.core, "2", locale="vi")
    assert "Không có việc gì đang làm dở để hủy." in (await vi.say("/cancel")).text
