"""A small province with one user of every role, built once and copied for each test.

The authorization matrix (tests/core/test_authorization.py) and the role fuzzer
(tests/core/test_fuzz_roles.py) both need a database where every action has something to act on:
two teams, a leader and volunteers, visits, help requests (open and taken), a scheduled
broadcast with its deliveries, audit entries, and a volunteer who has deleted their data.
Building it through the core takes about a second, so it is built once into a template file;
each test copies the file and opens it with the services (catalog, translations, router)
loaded once, which costs a few milliseconds.

The data carries recognisable marker words (names, join codes, households, phone numbers, the
broadcast text), so tests can assert who may never read which of them.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.app import open_app
from bot.core.context import Services
from bot.core.events import Reply
from bot.core.service import Core
from bot.storage import teams, users
from bot.storage.db import Database, open_database
from tests.factories import ANH_SON, CON_CUONG, Chat, Clock, add_visit, make_config

NOW = datetime(2026, 10, 3, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam, day 3 of the campaign
NIGHT = datetime(2026, 10, 3, 15, 0, tzinfo=UTC)  # 22:00 in Vietnam: within the quiet hours

# Telegram user ids. The roles of the matrix, then the citizens who asked for help.
ADMIN, LEADER, VOLUNTEER, OUTSIDER, DELETED = "900", "501", "502", "503", "504"
CITIZEN, ASKER, ASKER2 = "600", "601", "602"
ROLES: Mapping[str, str] = {
    "citizen": CITIZEN,  # never wrote before: the action is their first message
    "volunteer": VOLUNTEER,  # a volunteer of the team of Anh Sơn
    "leader": LEADER,  # the leader of that team
    "outsider": OUTSIDER,  # a volunteer of another team, in another commune
    "admin": ADMIN,  # an admin from the configuration, in no team
    "deleted": DELETED,  # a volunteer of Anh Sơn who deleted their data with /deleteme
}

# Marker words planted in the data (ASCII, so folding and capitals cannot hide them).
TEAM_CODE, OTHER_CODE = "KQZ7WX", "XWP4RM"
TEAM_NAME, OTHER_TEAM_NAME = "Kestrelwood", "Brambleford"
VOLUNTEER_NAME, LEADER_NAME = "Zephyrine", "Quillonby"
OUTSIDER_NAME, DELETED_NAME = "Ravensky", "Marmaduke"
HOUSEHOLD, OUTSIDER_HOUSEHOLD, DELETED_HOUSEHOLD = "Thistlewaite", "Hazelgrove", "Gorsebrook"
ASKER_NAME, ASKER_HAMLET, ASKER_PHONE = "Hoalinde", "Fernhollow", "0911111111"
ASKER2_NAME, ASKER2_HAMLET, ASKER2_PHONE = "Binhalder", "Larchmere", "0922222222"
BROADCAST_TEXT = "Quasarwick"
MARKERS = (TEAM_CODE, OTHER_CODE, TEAM_NAME, OTHER_TEAM_NAME, VOLUNTEER_NAME, LEADER_NAME,
           OUTSIDER_NAME, DELETED_NAME, HOUSEHOLD, OUTSIDER_HOUSEHOLD, DELETED_HOUSEHOLD,
           ASKER_NAME, ASKER_HAMLET, ASKER_PHONE, ASKER2_NAME, ASKER2_HAMLET, ASKER2_PHONE,
           BROADCAST_TEXT)

# What each role may never read: every marker but those of its own team, visits and requests
# (a help request's name and hamlet go to its commune's members; its phone to its taker).
_OWN: Mapping[str, set[str]] = {
    "citizen": set(), "deleted": set(),
    "volunteer": {TEAM_NAME, VOLUNTEER_NAME, HOUSEHOLD, ASKER_NAME, ASKER_HAMLET, ASKER2_NAME,
                  ASKER2_HAMLET, ASKER2_PHONE},
    "leader": {TEAM_NAME, TEAM_CODE, LEADER_NAME, VOLUNTEER_NAME, HOUSEHOLD, DELETED_HOUSEHOLD,
               ASKER_NAME, ASKER_HAMLET, ASKER2_NAME, ASKER2_HAMLET},
    "outsider": {OTHER_TEAM_NAME, OUTSIDER_NAME, OUTSIDER_HOUSEHOLD},
    "admin": set(MARKERS) - {DELETED_NAME},  # a deleted user's name is gone for all
}
SECRETS = {role: tuple(m for m in MARKERS if m not in own) for role, own in _OWN.items()}



@dataclass(frozen=True)
class Seeds:
    """The ids of what the template holds, and buttons shown before the data was deleted."""

    user_ids: dict[str, int] = field(default_factory=dict)  # Telegram id -> users.id
    team: int = 0  # the team of Anh Sơn
    other_team: int = 0  # the team of Con Cuông
    visit: int = 0  # the volunteer's visit (within 48 hours of NOW)
    outsider_visit: int = 0
    deleted_visit: int = 0  # logged by the user who later deleted their data
    open_request: int = 0  # the asker's request: open (its taker deleted their data)
    taken_request: int = 0  # the second asker's request, taken by the volunteer
    broadcast: int = 0  # scheduled for tomorrow morning, with pending deliveries
    stale: dict[str, str] = field(default_factory=dict)  # verb -> the deleted user's payload


@dataclass
class World:
    """One test's copy of the template: the core, its database, a chat per user."""

    core: Core
    db: Database
    clock: Clock
    seeds: Seeds
    chats: dict[str, Chat] = field(default_factory=dict)

    @property
    def names(self) -> dict[str, object]:
        """What steps and payloads may name in braces: the seeds' ids, e.g. "{visit}"."""
        found: dict[str, object] = {k: v for k, v in dataclasses.asdict(self.seeds).items()
                                    if not isinstance(v, dict)}
        return found | {"team_code": TEAM_CODE, "other_code": OTHER_CODE}

    def chat(self, key: str) -> Chat:
        """The chat of the user with this Telegram id (or role name)."""
        key = ROLES.get(key, key)
        if key not in self.chats:
            self.chats[key] = Chat(self.core, user=key, locale="en")
        return self.chats[key]

    async def user_id(self, key: str) -> int | None:
        """The users.id of the Telegram id (or role) now, if the user exists."""
        user = await users.get(self.db, "telegram", ROLES.get(key, key))
        return user.id if user else None

    async def close(self) -> None:
        """Close the copy's database."""
        await self.db.close()


@dataclass(frozen=True)
class Template:
    """The template database file, the services loaded once (each copy gets its own db), and
    what the file holds."""

    path: Path
    services: Services
    seeds: Seeds

    async def open_copy(self, directory: Path, name: str = "world.db") -> World:
        """A fresh copy of the template, opened with the shared services."""
        target = directory / name
        shutil.copyfile(self.path, target)
        db = await open_database(target)
        clock = Clock(NOW)
        services = dataclasses.replace(self.services, db=db)
        return World(Core(services, clock=clock), db, clock, self.seeds)


def button(replies: list[Reply], label_part: str) -> str:
    """The payload of the first button among replies whose label contains label_part."""
    for reply in replies:
        for option in reply.options():
            if label_part in option.label:
                return option.action
    labels = [o.label for r in replies for o in r.options()]
    raise AssertionError(f"no button with {label_part!r} in {labels}")


async def ask_for_help(chat: Chat, name: str, hamlet: str, phone: str) -> None:
    """Fill in the help request form for a household of Anh Sơn, and press Send."""
    for typed in ("/helpme", "tap:Yes", name, "anh son", hamlet, phone, "tap:Send"):
        await (chat.press(button(chat.last, typed[4:])) if typed.startswith("tap:")
               else chat.say(typed))
    assert "was sent to the volunteers" in chat.last[-1].text, chat.last[-1].text


async def snapshot(db: Database, actor_key: str | None = None
                   ) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, but the acting user's own users and dialogs rows."""
    actor = await users.get(db, "telegram", actor_key) if actor_key else None
    own = actor.id if actor else None
    names = [r[0] for r in await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    found: dict[str, list[tuple[Any, ...]]] = {}
    for name in names:
        rows = await db.fetchall(f"SELECT * FROM {name}")  # names from the schema
        if name in ("users", "dialogs"):
            rows = [r for r in rows if r[0] != own]
        found[name] = sorted((tuple(r) for r in rows), key=repr)
    return found


_WRITTEN = re.compile(r"\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM|"
                      r"REPLACE\s+INTO)\s+\"?(\w+)", re.IGNORECASE)


async def derived_tables(db: Database) -> set[str]:
    """Tables that triggers write (summaries kept in step with the tables they follow); a
    trigger that writes its own table (visits: the next first visit of a household, v009)
    keeps no summary, and the row's own table stays the row's."""
    rows = await db.fetchall("SELECT sql, tbl_name FROM sqlite_master WHERE type = 'trigger'")
    tables = {r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type = "
                                              "'table'")}
    return {name for (sql, own) in rows
            for name in _WRITTEN.findall(sql.split(" BEGIN", 1)[-1]) if name != own} & tables


async def run_steps(world: World, chat: Chat, steps: tuple[str, ...]) -> None:
    """Type each step, or press it ("press:data"), or press a button of the last answer
    ("tap:label"); "{name}" is filled in from world.names."""
    for step in steps:
        step = step.format_map(world.names)
        if step.startswith("tap:"):
            await chat.press(button(chat.last, step[4:]))
        elif step.startswith("press:"):
            await chat.press(step[6:])
        else:
            await chat.say(step)


async def help_form(chat: Chat, until: str) -> None:
    """Walk the help request form to a step: consent, name, choices, phone or summary."""
    await chat.say("/helpme")
    if until != "consent":
        await chat.press(button(chat.last, "Yes"))
    if until in ("consent", "name"):
        return
    await chat.say("Lan")
    await chat.say("son" if until == "choices" else "anh son")
    if until != "choices":
        await chat.say("Xóm 3")
    if until == "summary":
        await chat.press(button(chat.last, "Skip"))


async def broadcast_form(admin: Chat, until: str) -> None:
    """Walk /broadcast to a step: audience, commune, language, english, preview or night."""
    await admin.say("/broadcast")
    await admin.say(f"Bản tin {BROADCAST_TEXT}: họp tổ lúc 8h")
    if until == "commune":
        await admin.press(button(admin.last, "One commune"))
        await admin.say("son")
    elif until == "language":
        await admin.press(button(admin.last, "One language"))
    elif until != "audience":
        await admin.press(button(admin.last, "Everyone"))
        if until != "english":
            await admin.press(button(admin.last, "Skip"))
        if until == "night":  # the clock must be within the quiet hours
            await admin.press(button(admin.last, "Send now"))


async def _member(world: World, key: str, team: int, name: str, leader: bool = False) -> int:
    await world.chat(key).say("/start")
    uid = await world.user_id(key)
    assert uid is not None
    await teams.join(world.db, uid, team, name, NOW)
    if leader:
        assert await teams.set_role(world.db, uid, team, teams.LEADER)
    return uid


async def build_template(directory: Path) -> Template:
    """Build the template through the core (and storage where only setup is at stake)."""
    config = make_config(directory, BOT_ADMINS=ADMIN)
    app = await open_app(config)
    services = app.services
    clock = Clock(NOW)
    world = World(Core(services, clock=clock), services.db, clock, Seeds())
    db = world.db
    await world.chat(ADMIN).say("/start")
    admin_id = await world.user_id(ADMIN)
    team = await teams.create(db, TEAM_CODE, f"Tổ {TEAM_NAME}", ANH_SON, admin_id, NOW)
    other = await teams.create(db, OTHER_CODE, f"Tổ {OTHER_TEAM_NAME}", CON_CUONG, admin_id, NOW)
    ids = {ADMIN: admin_id or 0}
    ids[LEADER] = await _member(world, LEADER, team.id, f"Chị {LEADER_NAME}", leader=True)
    ids[VOLUNTEER] = await _member(world, VOLUNTEER, team.id, f"Anh {VOLUNTEER_NAME}")
    ids[OUTSIDER] = await _member(world, OUTSIDER, other.id, f"Anh {OUTSIDER_NAME}")
    visit = await add_visit(db, ids[VOLUNTEER], team.id, NOW - timedelta(hours=1),
                            household=f"Nhà {HOUSEHOLD}")
    outsider_visit = await add_visit(db, ids[OUTSIDER], other.id, NOW - timedelta(hours=2),
                                     household=f"Nhà {OUTSIDER_HOUSEHOLD}", commune=CON_CUONG)
    await ask_for_help(world.chat(ASKER), ASKER_NAME, f"Xóm {ASKER_HAMLET}", ASKER_PHONE)
    await ask_for_help(world.chat(ASKER2), ASKER2_NAME, f"Xóm {ASKER2_HAMLET}", ASKER2_PHONE)
    ids[ASKER], ids[ASKER2] = (await world.user_id(ASKER) or 0), (await world.user_id(ASKER2) or 0)
    open_request, taken_request = await _requests(db, ids[ASKER], ids[ASKER2])
    volunteer = world.chat(VOLUNTEER)
    await volunteer.say("/requests")
    await volunteer.press(button(volunteer.last, f"#{taken_request}"))
    assert "The request is yours" in volunteer.last[-1].text
    # The deleted user: a volunteer who logged a visit and took a request, then deleted their
    # data; created last, so that were users.id ever reused, the next newcomer would get theirs.
    ids[DELETED] = await _member(world, DELETED, team.id, f"Anh {DELETED_NAME}")
    deleted_visit = await add_visit(db, ids[DELETED], team.id, NOW - timedelta(hours=3),
                                    household=f"Nhà {DELETED_HOUSEHOLD}")
    stale = await _deleted_user_leaves(world, open_request, deleted_visit)
    broadcast = await _scheduled_broadcast(world)
    seeds = Seeds(ids, team.id, other.id, visit, outsider_visit, deleted_visit, open_request,
                  taken_request, broadcast, stale)
    await app.close()
    return Template(config.database, services, seeds)


async def _requests(db: Database, asker: int, asker2: int) -> tuple[int, int]:
    rows = await db.fetchall("SELECT id, citizen_id FROM help_requests ORDER BY id")
    by_citizen = {int(r[1]): int(r[0]) for r in rows}
    return by_citizen[asker], by_citizen[asker2]


async def _deleted_user_leaves(world: World, request: int, visit: int) -> dict[str, str]:
    """The deleted user takes a request, looks at their visits, then deletes their data."""
    chat = world.chat(DELETED)
    stale: dict[str, str] = {}
    await chat.say("/requests")
    await chat.press(button(chat.last, f"#{request}"))
    stale["hdone"] = button(chat.last, "Mark done")
    stale["hrel"] = button(chat.last, "Can't go")
    await chat.say("/myvisits")
    stale["vm edit"] = button(chat.last, f"Edit #{visit}")
    await chat.press(button(chat.last, f"Delete #{visit}"))
    stale["vm delok"] = button(chat.last, "Yes, delete it")
    await chat.say("/deleteme")
    stale["dmy"] = button(chat.last, "Yes, delete")
    await chat.press(stale["dmy"])
    assert "your data has been deleted" in chat.last[-1].text
    return stale


async def _scheduled_broadcast(world: World) -> int:
    """The admin schedules a broadcast to everyone for tomorrow morning."""
    admin = world.chat(ADMIN)
    await admin.say("/broadcast")
    await admin.say(f"Bản tin {BROADCAST_TEXT}: họp tổ lúc 8h")
    await admin.press(button(admin.last, "Everyone"))
    await admin.press(button(admin.last, "Skip"))
    await admin.press(button(admin.last, "Schedule"))
    await admin.say("04/10 09:00")
    assert "is scheduled for" in admin.last[-1].text, admin.last[-1].text
    row = await world.db.fetchone("SELECT MAX(id) FROM broadcasts")
    assert row is not None
    return int(row[0])
