"""A good practice in both languages: an admin types the other version of an approved one (on
a text-only chat too), readers of that language see it, search finds it by either version's
words; bad input, other roles and forged buttons change nothing."""

from __future__ import annotations

from bot.app import App
from bot.channels.base import TEXT_ONLY
from bot.core.service import Core
from bot.storage import practices as practice_store
from bot.storage.teams import Team
from tests.core.practices.helpers import admin, member
from tests.factories import Chat

TITLE_EN = "Teaching VNeID at the weekend market"
WHAT_EN = "We set up a table at the Saturday market."
RESULT_EN = "40 older people can now use VNeID."


async def submit_in_vietnamese(writer: Chat) -> None:
    """The form filled on Telegram in Vietnamese, no figures, no photo, and Gửi."""
    await writer.say("/practice")
    await writer.say("Dạy VNeID ở chợ phiên")
    await writer.tap("📍")
    await writer.say("Chúng tôi đặt bàn ở chợ phiên sáng thứ bảy.")
    await writer.say("40 người cao tuổi đã dùng được VNeID.")
    if any("không đính kèm" in label for label in writer.labels()):
        await writer.tap("không đính kèm")
    await writer.tap("Bỏ qua")
    assert "Bạn hãy kiểm tra lại mô hình hay" in writer.last[-1].text
    await writer.tap("Gửi")


async def approved(app: App, core: Core, team: Team) -> int:
    """A practice written in Vietnamese by a volunteer, approved; its number."""
    writer = await member(app, core, "11", team, "Minh", locale="vi")
    await submit_in_vietnamese(writer)
    boss = await admin(core)
    await boss.press("gpa:1")
    found = await practice_store.get(app.services.db, 1)
    assert found is not None and found.status == "approved" and found.language == "vi"
    return found.id


async def test_an_admin_adds_the_english_version_by_typing_and_readers_see_theirs(
        app: App, core: Core, team: Team) -> None:
    number = await approved(app, core, team)
    boss = await admin(core)
    opened = await boss.press(f"gpo:{number}")
    assert "🌐 Add the English version" in [b.label for b in opened.options()]
    typist = await admin(core)
    typist.caps = TEXT_ONLY  # the same admin, now typing on a text-only app
    asked = await typist.press(f"gpt:{number}")
    assert "Step 1 of 3. Type the title in English" in asked.text and not asked.numbered
    refused = await typist.say("see https://example.com")
    assert "Links and @names can't go in a title" in refused.text
    assert "Step 1 of 3" in refused.text  # asked again
    assert (await practice_store.get(app.services.db, number)).translation is None  # type: ignore[union-attr]
    assert "Step 2 of 3" in (await typist.say(TITLE_EN)).text
    assert "Step 3 of 3" in (await typist.say(WHAT_EN)).text
    saved = await typist.say(RESULT_EN)
    assert f"readers of English now see good practice #{number} as “{TITLE_EN}”" in saved.text

    english = await member(app, core, "12", team, "Lan", locale="en")
    listed = await english.say("/practices")
    assert TITLE_EN in listed.text
    shown = await english.press(f"gpo:{number}")
    assert WHAT_EN in shown.text and RESULT_EN in shown.text
    vietnamese = await member(app, core, "13", team, "Hoa", locale="vi")
    assert "Dạy VNeID ở chợ phiên" in (await vietnamese.say("/practices")).text
    # Found by the words of either version, by readers of either language.
    assert TITLE_EN in (await english.say("/practices weekend market")).text
    assert "Dạy VNeID ở chợ phiên" in (await vietnamese.say("/practices weekend")).text
    assert TITLE_EN in (await english.say("/practices cho phien")).text
    again = await boss.press(f"gpo:{number}")
    assert "🌐 Change the English version" in [b.label for b in again.options()]


async def test_cancel_other_roles_and_forged_buttons_change_nothing(
        app: App, core: Core, team: Team) -> None:
    number = await approved(app, core, team)
    volunteer = await member(app, core, "12", team, "Lan", locale="en")
    refused = await volunteer.press(f"gpt:{number}")
    assert "Only admins can review good practices." in refused.text
    boss = await admin(core)
    assert "can't find that good practice" in (await boss.press("gpt:999")).text
    await boss.press(f"gpt:{number}")
    await boss.say(TITLE_EN)
    dropped = await boss.press("gpu")
    assert "was not saved; nothing changed" in dropped.text
    assert (await practice_store.get(app.services.db, number)).translation is None  # type: ignore[union-attr]
    # The form is closed: what is typed now is no part of a translation.
    await boss.say(WHAT_EN)
    assert (await practice_store.get(app.services.db, number)).translation is None  # type: ignore[union-attr]
