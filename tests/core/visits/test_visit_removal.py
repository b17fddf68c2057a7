"""/deletevisit N: a household that withdraws is deleted by its volunteer, a leader of the
visit's team or an admin, whatever the visit's age; nobody else; audited with the deletion."""

from __future__ import annotations

from pathlib import Path

from bot.app import App
from bot.channels.base import TEXT_ONLY
from bot.storage import audit, teams
from bot.storage import visits as visit_store
from bot.storage.teams import LEADER
from tests.core.visits.test_visit_edits import age, saved_visits
from tests.core.visits.test_visits import make_volunteer
from tests.factories import ADMIN, Chat, running_app

OTHER_COMMUNE = "17330"


async def visit_row(app: App, number: int) -> tuple[str, str | None, str | None, int | None]:
    visit = await visit_store.get(app.services.db, number)
    assert visit is not None
    return visit.record.household, visit.record.note, visit.deleted_at, visit.deleted_by


async def test_only_the_volunteer_their_leader_or_an_admin_may_delete_a_visit(
        tmp_path: Path) -> None:
    async with running_app(tmp_path) as app:
        volunteer = await make_volunteer(app, "v1")
        leader = await make_volunteer(app, "v2", "Hoa")
        await make_volunteer(app, "v3", "Nam", commune=OTHER_COMMUNE)
        membership = await teams.membership_of(app.services.db, leader)
        assert membership is not None
        await teams.set_role(app.services.db, leader, membership.team.id, LEADER)
        await saved_visits(app, volunteer, 12)
        await age(app, 1, hours=24 * 90)  # long out of /myvisits and its 48 hours

        stranger = Chat(app.core, "v3", locale="en")
        reply = await stranger.say("/deletevisit 1")
        assert "I can't find visit #1 among those you may delete" in reply.text
        assert (await visit_row(app, 1))[2] is None

        lead = Chat(app.core, "v2", locale="en", caps=TEXT_ONLY)  # as on Zalo
        reply = await lead.say("/deletevisit #1")
        assert "Delete visit #1?" in reply.text and "Nhà số 1" in reply.text
        assert (await visit_row(app, 1))[2] is None  # asked first, nothing changed yet
        reply = await lead.say("1")  # typed, as on a text-only app: "Yes, delete it"
        assert "Visit #1 deleted." in reply.text
        assert await visit_row(app, 1) == ("", None, (await visit_row(app, 1))[2], leader)
        [entry] = [e for e in await audit.latest(app.services.db) if e.action == "visit"]
        assert entry.actor_id == leader and '"visit":1' in entry.detail

        admin = Chat(app.core, ADMIN, locale="en")
        await admin.say("/start")
        reply = await admin.say("/deletevisit 2")
        reply = await admin.tap("Yes, delete it")
        assert "Visit #2 deleted." in reply.text
        own = Chat(app.core, "v1", locale="en")
        await own.say("/deletevisit 3")
        assert "Visit #3 deleted." in (await own.tap("Yes, delete it")).text
        assert "Visit #3 was deleted." in (await own.say("/deletevisit 3")).text
        # A pressed button of someone who may not: checked again, nothing changes.
        assert "I can't find visit #4" in (await stranger.press("vrm:4")).text
        assert (await visit_row(app, 4))[2] is None
