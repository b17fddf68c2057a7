"""Who learns what from the earlier-visit warning (#15): only volunteers of the household's
commune are warned, and a volunteer's name only within their own team."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import App
from bot.storage import teams, users
from tests.core.visits.test_visits import fill_form, make_volunteer, rows
from tests.factories import ANH_SON, CON_CUONG, Chat


async def another_team(app: App, key: str, name: str, commune: str = ANH_SON) -> None:
    db, now = app.services.db, datetime.now(UTC)
    user = await users.touch(db, "telegram", key, "en", now)
    team = await teams.create(db, f"X{key.upper()}K", "Tổ khác", commune, None, now)
    await teams.join(db, user.id, team.id, name, now)


async def test_another_team_of_the_commune_is_warned_without_the_volunteers_name(
        app: App) -> None:
    await make_volunteer(app, "v1", "Lan")
    await another_team(app, "v2", "Bình")
    first = Chat(app.core, "v1", locale="en")
    await fill_form(first, "Thôn 3", "Nguyễn Văn A")
    await first.tap("Confirm")
    second = Chat(app.core, "v2", locale="en")
    await second.say("/visit")
    await second.tap("✓")  # the team's commune, Anh Sơn
    await second.say("Thôn 3")
    reply = await second.say("Nguyễn Văn A")
    assert "most recently by another team on" in reply.text and "Lan" not in reply.text


async def test_a_volunteer_logging_in_another_commune_learns_nothing_of_its_households(
        app: App) -> None:
    await make_volunteer(app, "v1", "Lan")
    await make_volunteer(app, "v3", "Hoa", commune=CON_CUONG)
    first = Chat(app.core, "v1", locale="en")
    await fill_form(first, "Thôn 3", "Nguyễn Văn A")
    await first.tap("Confirm")
    outsider = Chat(app.core, "v3", locale="en")
    await outsider.say("/visit")
    await outsider.say("Anh Sơn")  # not the team's commune, typed
    await outsider.say("Thôn 3")
    reply = await outsider.say("Nguyễn Văn A")
    assert "logged" not in reply.text and "Step 4 of 8" in reply.text  # no warning at all
    assert len(await rows(app)) == 1
