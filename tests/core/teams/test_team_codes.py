"""Join codes that can be changed and guessing that is braked (#15): a removed volunteer cannot
come back with the old code, the requests they took go back to the others, and wrong codes are
counted per chat identity (also after /deleteme) and province-wide."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App
from bot.core.teams import rules
from bot.storage import audit, help_requests, teams, users
from tests.factories import ADMIN, ANH_SON, Chat, running_app
from tests.roles_setup import ask_for_help

CODE = "ANHSN3"


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    async with running_app(tmp_path) as opened:
        await teams.create(opened.services.db, CODE, "Tổ thôn 1", ANH_SON, None,
                           opened.core.clock())
        yield opened


async def joined(app: App, key: str, code: str = CODE) -> Chat:
    chat = Chat(app.core, key, "en")
    await chat.say("/start")
    assert "Welcome to the team" in (await chat.say(f"/join {code}")).text
    return chat


def code_in(text: str) -> str:
    found = re.search(r"is now ([A-Z0-9]{6})", text)
    assert found, text
    return found.group(1)


async def test_a_removed_volunteer_cannot_rejoin_with_the_old_code(app: App) -> None:
    db = app.services.db
    minh, hoa = await joined(app, "201"), await joined(app, "202")
    team, minh_user = await teams.by_code(db, CODE), await users.get(db, "telegram", "201")
    assert team is not None and minh_user is not None
    admin = Chat(app.core, ADMIN, "en")
    await admin.say("/start")
    await admin.say(f"/team {CODE}")
    asked = await admin.press(f"tmx:{minh_user.id}:{team.id}")  # ✖ Remove, asks first
    assert "Remove" in asked.text
    done = await admin.tap("Yes, remove")
    new = code_in(done.text)
    assert new != CODE and rules.NEW_JOIN_CODE.match(new)
    assert f"Join code: {new}" in done.text
    assert "No team or class has the code" in (await minh.say(f"/join {CODE}")).text
    assert "Tổ thôn 1" in (await hoa.say("/team")).text  # the others stay
    newcomer = await joined(app, "204", new)
    assert "Tổ thôn 1" in (await newcomer.say("/team")).text
    entry = (await audit.latest(db))[0]
    assert json.loads(entry.detail)["event"] == "member_removed"


async def test_removing_the_volunteer_who_took_a_request_gives_it_back_and_tells_everyone(
        app: App) -> None:
    db = app.services.db
    minh = await joined(app, "211")
    await joined(app, "212")
    citizen = Chat(app.core, "213", "en")
    await ask_for_help(citizen, "Lan", "Xóm 3", "0912345678")
    await minh.press("hgo:1")
    request = await help_requests.get(db, 1)
    assert request is not None and request.taken_by is not None
    team = await teams.by_code(db, CODE)
    assert team is not None
    admin = Chat(app.core, ADMIN, "en")
    await admin.say("/start")
    last_notice = (await db.fetchone("SELECT MAX(id) FROM outbox"))[0]  # type: ignore[index]
    await admin.press(f"tmy:{request.taken_by}:{team.id}")  # remove the taker, confirmed
    assert "is no longer in" in admin.last[-1].text
    reopened = await help_requests.get(db, 1)
    assert reopened is not None and reopened.status == "open" and reopened.taken_by is None
    told = [json.loads(row[0])["text"] for row in await db.fetchall(
        "SELECT reply FROM outbox WHERE id > ?", (last_notice,))]
    assert any("can no longer make it" in text for text in told)  # the citizen
    assert any("Lan" in text and "Xóm 3" in text for text in told)  # the other volunteer
    assert "Mark done" not in " ".join(told)


async def test_leaders_change_their_teams_code_and_nobody_else_can(app: App) -> None:
    db = app.services.db
    leader, volunteer = await joined(app, "221"), await joined(app, "222")
    team = await teams.by_code(db, CODE)
    assert team is not None
    leader_user = await users.get(db, "telegram", "221")
    assert leader_user is not None
    await teams.set_role(db, leader_user.id, team.id, teams.LEADER)
    assert "🔄 New join code" not in [b.label for b in (await volunteer.say("/team")).options()]
    view = await leader.say("/team")
    assert "🔄 New join code" in [b.label for b in view.options()]
    changed = await leader.tap("New join code")
    new = code_in(changed.text)
    assert await teams.by_code(db, CODE) is None and await teams.by_code(db, new) is not None
    refused = await volunteer.press(f"tmc:{team.id}")
    assert "Only admins and the team's leaders" in refused.text
    assert await teams.by_code(db, new) is not None  # unchanged
    outsider = Chat(app.core, "229", "en")
    await outsider.say("/start")
    assert "Only admins" in (await outsider.press(f"tmc:{team.id}")).text
    admin = Chat(app.core, ADMIN, "en")
    await admin.say("/start")
    assert "new join code" in (await admin.say("/audit")).text


async def test_wrong_codes_count_per_chat_identity_and_survive_deleteme(app: App) -> None:
    guesser = Chat(app.core, "231", "en")
    await guesser.say("/start")
    for _ in range(rules.MAX_WRONG_CODES):
        assert "No team or class has the code" in (await guesser.say("/join ZZZZZZ")).text
    assert "Too many wrong codes" in (await guesser.say(f"/join {CODE}")).text
    await guesser.say("/deleteme")
    await guesser.tap("Yes, delete")
    await guesser.say("/start")  # a fresh user, the same chat
    assert "Too many wrong codes" in (await guesser.say(f"/join {CODE}")).text
    assert "Too many wrong codes" in (await guesser.say("/link 123456")).text


async def test_many_accounts_guessing_pause_codes_for_everyone(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules, "MAX_WRONG_CODES_EVERYWHERE", 6)
    for key in ("241", "242", "243"):
        chat = Chat(app.core, key, "en")
        await chat.say("/start")
        for _ in range(2):
            await chat.say("/join ZZZZZZ")
    honest = Chat(app.core, "244", "en")
    await honest.say("/start")
    paused = await honest.say(f"/join {CODE}")
    assert "codes are not checked for a while" in paused.text
