"""The authorization matrix: every command and every button verb against every role.

Each row of TABLE names a command or a verb, how to reach it (the steps that make a real
button appear, for whom), and what each role gets: allowed (the feature's answer, and exactly
which tables it changes) or refused (a clear refusal and no change at all: no row written,
nothing queued, no other user's form touched). Admin buttons are taken from an admin's own
replies and pressed by everyone else; volunteers' buttons from the volunteer's replies and
pressed by a leader and a volunteer of another commune. No reply to any role may show the marker
strings that role must never see (tests/roles_setup.py plants them in the data).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from bot.core.events import Reply
from bot.core.lessons import load_catalog
from bot.core.service import build_router
from bot.core.shared.text import fold
from bot.storage import classes as class_store
from bot.storage import users
from bot.storage.db import open_database
from tests import roles_setup as world_
from tests.factories import ROOT, Chat
from tests.fakes.harness import data_of, running_bot, tap
from tests.fakes.telegram import FakeBotApi
from tests.roles_setup import (
    ASKER,
    ASKER2_PHONE,
    ASKER_PHONE,
    DELETED,
    NIGHT,
    OTHER_TEAM_NAME,
    ROLES,
    SECRETS,
    TEAM_CODE,
    TEAM_NAME,
    VOLUNTEER_NAME,
    Template,
    World,
    broadcast_form,
    build_template,
    button,
    derived_tables,
    help_form,
    run_steps,
    snapshot,
)

SELF = "self"  # the acting role makes the button appear in their own chat
HANDBOOK_LESSON, LESSON = "guide-older-people", "vneid-level2"
Walk = Callable[[Chat], Awaitable[None]]


@dataclass(frozen=True)
class Expect:
    """What one role gets: allowed (the tables it changes) or refused (nothing changes)."""

    allowed: bool
    says: str  # a piece of the answer
    writes: frozenset[str] = frozenset()
    shows: tuple[str, ...] = ()  # markers this answer must contain (exempt from SECRETS)
    hides: tuple[str, ...] = ()  # more text this answer must not contain


def ok(says: str, *writes: str, shows: tuple[str, ...] = (), hides: tuple[str, ...] = ()
       ) -> Expect:
    """Allowed: the answer says this and changes exactly these tables."""
    return Expect(True, says, frozenset(writes), shows, hides)


def no(says: str) -> Expect:
    """Refused: the answer says this and nothing in the database changes."""
    return Expect(False, says)


def rule(default: Expect, **roles: Expect) -> dict[str, Expect]:
    """One expectation per role: default, except the roles named."""
    assert set(roles) <= set(ROLES), roles
    return {role: roles.get(role, default) for role in ROLES}


@dataclass(frozen=True)
class Row:
    """A command or verb, how its event is made, and what each role gets."""

    name: str  # "/visit" or "vf", optionally followed by a note: "vf (the volunteer's form)"
    expect: dict[str, Expect]
    event: str = ""  # typed or pressed as is (with {seed} names filled in)
    steps: tuple[str, ...] | Walk = ()  # run by source first: text, "tap:label", "press:data"
    source: str = SELF
    tap: str = ""  # then the event is the button of source's last replies with this label
    forged: str = ""  # the event when the acting role cannot make the button appear
    stale: str = ""  # the deleted user presses their own old button of this kind instead
    night: bool = False  # the clock is within the quiet hours

    @property
    def key(self) -> str:
        """The command name or verb the row covers."""
        return self.name.split()[0].lstrip("/")


def walk(*steps: str) -> tuple[str, ...]:
    """Steps, in order (see Row.steps)."""
    return steps


NO_ADMIN_TEAM = "Only admins can create teams."
NO_VISITS = "Only volunteers of a community digital technology team log visits."
NO_FIGURES = "Figures are for volunteers of a Community Digital Technology Team."
NO_TEAM_FIGURES = "You can see your own team's figures only."
NO_REPORTS = "Reports are for admins and team leaders."
NO_BROADCAST = "Only admins can send broadcasts."
NO_BROADCASTS = "Only admins can see or stop broadcasts."
NO_EXPORT = "Only admins can export data."
NO_AUDIT = "Only admins can see the audit log."
NO_MEMBERS = "Only admins can change a team's members."
NO_HANDBOOK = "That part is for the volunteers of the digital technology teams."
NOT_YOURS = "I can't find that visit among yours."
NO_REMOVAL = "among those you may delete"
NOT_TAKER = "Only the volunteer who took help request"
FORM_CLOSED = "This form is already closed"
ADMIN_PART = "That part of the report is for admins."

NOT_WRITER = "Good practices are written by the volunteers and team leaders"
NO_PRACTICES = "Good practices are for the community digital technology teams"
NO_REVIEW = "Only admins can review good practices."
PRACTICE_CLOSED = "That good practice form is closed"
PRACTICE_TITLE = "Dạy VNeID ở chợ phiên"
NO_SHORTLIST = "The reward shortlist is for admins."
REASON = "Giúp hai hộ cài VNeID"
NOMINATED = ("/shortlist", f"tap:{TEAM_NAME}", REASON)  # the admin nominates the team

VOLUNTEERS_ONLY = {"citizen": no(NO_VISITS), "admin": no(NO_VISITS), "deleted": no(NO_VISITS)}
HANDBOOK_ROLES = {"citizen": no(NO_HANDBOOK), "deleted": no(NO_HANDBOOK)}
NOT_IN_TEAM = {"citizen": no(NO_FIGURES), "deleted": no(NO_FIGURES)}
TEAM_VIEW = rule(ok(f"Team “Tổ {TEAM_NAME}”"), outsider=ok(f"Team “Tổ {OTHER_TEAM_NAME}”"),
                 admin=ok("Choose a team"), **NOT_IN_TEAM)
MY_FIGURES = rule(ok("Your figures"), admin=no("You are not in a team, so you have no figures"),
                  **NOT_IN_TEAM)
LEADER_REPORT = ok(f"Team “Tổ {TEAM_NAME}”")
TAKE = rule(no("Only the volunteers of Xã Anh Sơn can take this request."),
            **{r: ok("The request is yours", "help_requests", "outbox", shows=(ASKER_PHONE,))
               for r in ("volunteer", "leader", "admin")})
HANDBOOK_STEPS = len(load_catalog(ROOT / "lessons", ("vi", "en")).lessons[HANDBOOK_LESSON].steps)
HANDBOOK_WALK = tuple(f"press:go:{HANDBOOK_LESSON}:{i}:{i + 1}" for i in range(HANDBOOK_STEPS))
STATS = walk("/stats")
SEND = ok("starts in a moment", "broadcasts", "deliveries", "audit_log")
KEPT_HELP_FORM = ("/helpme", "tap:Yes", "Lan", "/menu", "/helpme")
DELETE_WRITES = {  # /deleteme confirmed: what each role's deletion changes besides their rows
    "citizen": ok("your data has been deleted", "audit_log"),
    "deleted": ok("your data has been deleted", "audit_log"),
    "volunteer": ok("your data has been deleted", "audit_log", "memberships", "visits",
                    "help_requests", "outbox", "deliveries"),
    "leader": ok("your data has been deleted", "audit_log", "memberships", "deliveries",
                 "outbox"),
    "outsider": ok("your data has been deleted", "audit_log", "memberships", "visits",
                   "deliveries"),
    "admin": ok("your data has been deleted", "audit_log", "deliveries", "broadcasts", "teams"),
}

async def _steps(chat: Chat, steps: tuple[str, ...]) -> None:
    for step in steps:
        await (chat.press(button(chat.last, step[4:])) if step.startswith("tap:")
               else chat.say(step))


# The steps that reach each question of /practice (on Telegram: five steps), in order. A team
# member's team has visits in the campaign, so the figures are offered.
PRACTICE_STEPS = {
    "title": ("/practice",),
    "where": (PRACTICE_TITLE,),
    "figures": ("tap:📍", "Đặt bàn ở chợ phiên.", "40 người cao tuổi dùng được VNeID."),
    "photo": ("tap:Continue without",),
    "summary": ("tap:Skip",),
    "edit": ("tap:Edit",),
}


async def practice_form(chat: Chat, until: str) -> None:
    """Walk /practice to a question: title, where, figures, photo, summary or edit (only
    members get past the first: the others' walk stops at the refusal)."""
    assert until in PRACTICE_STEPS
    for question, steps in PRACTICE_STEPS.items():
        await _steps(chat, steps)
        refused = question == "title" and "Step 1 of 5" not in chat.last[-1].text
        if question == until or refused:
            return


async def practice_sent(chat: Chat) -> None:
    """The volunteer sends a good practice (#1) for review; then chat lists /practices."""
    writer = Chat(chat.core, user=world_.VOLUNTEER, locale="en")
    await practice_form(writer, "summary")
    await writer.press(button(writer.last, "Send"))
    assert "was sent to the admins" in writer.last[-1].text, writer.last[-1].text
    await chat.say("/practices")


async def practice_approved(chat: Chat) -> None:
    """The volunteer's practice #1, approved by the admin."""
    await practice_sent(chat)
    await Chat(chat.core, user=world_.ADMIN, locale="en").press("gpa:1")


async def practice_reviewed(admin: Chat, decision: str = "") -> None:
    """The admin opens the volunteer's practice #1 for review (and presses decision)."""
    await practice_sent(admin)
    await admin.press(button(admin.last, "Review #1"))
    if decision:
        await admin.press(button(admin.last, decision))


# Schools: a class made through /newclass by someone outside the matrix's roles (a teacher)
# or by the admin acting as one; its code is read from the answer.
CLASS_FORM = ("/newclass", "anh son", "Trường THCS Anh Sơn", "8A")
NOT_CLASS = "That class is not one of yours"
TEACHER = "880"


async def _class_code(chat: Chat, names: bool) -> str:
    await _steps(chat, CLASS_FORM)
    await chat.press(button(chat.last, "By name" if names else "By number"))
    found = chat.last[-1].text.split("/join ")
    assert len(found) > 1, chat.last[-1].text
    return found[1].split()[0].rstrip(".:")


async def class_offered(chat: Chat, names: bool = False) -> None:
    """A teacher made a class; chat typed its code (and sees the joining screen)."""
    code = await _class_code(Chat(chat.core, user=TEACHER, locale="en"), names)
    await chat.say(f"/join {code}")


async def class_joined(chat: Chat, leaving: bool = False) -> None:
    """chat is a student of a teacher's class (by name), looking at /class (or asked whether
    to leave it)."""
    await class_offered(chat, names=True)
    await _steps(chat, ("Lan", "/class", *(("tap:Leave the class",) if leaving else ())))


async def schools_listed(chat: Chat) -> None:
    """A teacher made a class in Anh Sơn; chat starts /newclass there (the school is listed)."""
    await _class_code(Chat(chat.core, user=TEACHER, locale="en"), True)
    await _steps(chat, CLASS_FORM[:2])


async def own_class(chat: Chat, more: tuple[str, ...] = ()) -> None:
    """chat (the admin) made a class and looks at it; then the steps."""
    await _class_code(chat, True)
    await _steps(chat, ("/class", *more))


async def two_schools(chat: Chat) -> None:
    """Two schools of Anh Sơn with a class each (made through storage: the template has
    none), for the admins' school list and the broadcast audience "Students of a school"."""
    db = chat.core.services.db
    admin = await users.get(db, "telegram", world_.ADMIN)
    assert admin is not None
    for school, code in (("THCS Anh Sơn", "LOPAS1"), ("Tiểu học Anh Sơn", "LOPAS2")):
        await class_store.create_class(db, world_.ANH_SON, school, fold(school), "6A", code,
                                       admin.id, False, world_.NOW)


async def schools_report(chat: Chat) -> None:
    """/stats once schools have classes (it shows the Schools button)."""
    await two_schools(chat)
    await chat.say("/stats")


async def school_audience(chat: Chat) -> None:
    """/broadcast at the choice of a school of Anh Sơn."""
    await two_schools(chat)
    await broadcast_form(chat, until="audience")
    await chat.press(button(chat.last, "Students of a school"))


TABLE: tuple[Row, ...] = (
    # Everyone's commands
    Row("/start", rule(ok("I am the assistant")), "/start"),
    Row("/menu", rule(ok("Choose a skill to learn")), "/menu"),
    Row("/help", rule(ok("I teach the five basic", hides=("/broadcast", "/audit")),
                      admin=ok("/broadcast")), "/help"),
    Row("/language", rule(ok("Choose your language")), "/language"),
    Row("/continue", rule(ok("You have no lesson in progress")), "/continue"),
    Row("/progress", rule(ok("Your progress")), "/progress"),
    Row("/join", rule(ok("Welcome to the team", "memberships", shows=(OTHER_TEAM_NAME,)),
                      outsider=ok("You are already in the team")), "/join {other_code}"),
    Row("/team", rule(no("You are not in a team."),
                      volunteer=ok(TEAM_NAME, hides=("Join code",)),
                      leader=ok(f"Join code: {TEAM_CODE}", shows=(VOLUNTEER_NAME,)),
                      outsider=ok(OTHER_TEAM_NAME, hides=("Join code",)),
                      admin=ok("Join code: {team_code}", shows=(VOLUNTEER_NAME,))),
        "/team {team_code}"),
    Row("/newteam", rule(no(NO_ADMIN_TEAM), admin=ok("New team. Which commune")), "/newteam"),
    Row("/visit", rule(ok("Step 1 of 8"), **VOLUNTEERS_ONLY), "/visit"),
    Row("/myvisits", rule(ok("Your last visits"), leader=ok("You have not logged any visits"),
                          **VOLUNTEERS_ONLY), "/myvisits"),
    Row("/deletevisit", rule(no(NO_REMOVAL), volunteer=ok("Delete visit #{visit}?"),
                             leader=ok("Delete visit #{visit}?"),
                             admin=ok("Delete visit #{visit}?")), "/deletevisit {visit}"),
    Row("/mystats", MY_FIGURES, "/mystats"),
    Row("/teamstats", TEAM_VIEW, "/teamstats"),
    Row("/helpme", rule(ok("I can ask a volunteer")), "/helpme"),
    Row("/requests", rule(no("That command is for the volunteers"),
                          volunteer=ok("Help request #1", shows=(ASKER2_PHONE,)),
                          leader=ok("Help request #1"),
                          outsider=ok("No help request is waiting in your commune"),
                          admin=ok("Open and taken", "audit_log",
                                   shows=(ASKER_PHONE, ASKER2_PHONE))),
        "/requests"),
    Row("/broadcast", rule(no(NO_BROADCAST), admin=ok("New broadcast")), "/broadcast"),
    Row("/broadcasts", rule(no(NO_BROADCASTS), admin=ok("Recent broadcasts")), "/broadcasts"),
    Row("/stopbroadcast", rule(no(NO_BROADCASTS), admin=ok("Stop broadcast #1?")),
        "/stopbroadcast {broadcast}"),
    Row("/resumebroadcast", rule(no(NO_BROADCASTS), admin=ok("is not paused")),
        "/resumebroadcast {broadcast}"),
    Row("/stats", rule(no(NO_REPORTS), admin=ok("Report for"), leader=LEADER_REPORT), "/stats"),
    Row("/chart", rule(no(NO_REPORTS), admin=ok("Visits per day"), leader=ok("Visits per day")),
        "/chart"),
    Row("/leaderboard", rule(no(NO_REPORTS), admin=ok("Leaderboard", "kept_spans",
                                                       shows=(VOLUNTEER_NAME,)),
                             leader=ok("Leaderboard", hides=(VOLUNTEER_NAME,))), "/leaderboard"),
    Row("/export", rule(no(NO_EXPORT), admin=ok("Export visits, teams")), "/export"),
    Row("/privacy", rule(ok("What I keep about you")), "/privacy"),
    Row("/deleteme", rule(ok("Delete your data?")), "/deleteme"),
    Row("/audit", rule(no(NO_AUDIT), admin=ok("Audit log")), "/audit"),
    Row("/search", rule(ok("Lessons that may help")), "/search vneid"),
    Row("/cancel", rule(ok("nothing to cancel")), "/cancel"),
    Row("/link", rule(ok("To use me on your other chat app", "link_codes")), "/link"),
    Row("/reminders", rule(ok("Reminders are off")), "/reminders"),
    Row("/stopreminders", rule(ok("No more reminders", "reminders")), "/stopreminders"),
    # Menus and lessons
    Row("menu", rule(ok("Choose a skill to learn")), "menu"),
    Row("help", rule(ok("I teach the five basic")), "help"),
    Row("lang", rule(ok("Choose your language")), "lang"),
    Row("setlang", rule(ok("Language set to English")), "setlang:en"),
    Row("cont", rule(ok("You have no lesson in progress")), "cont"),
    Row("prog", rule(ok("Your progress")), "prog"),
    Row("skill (handbook)", rule(ok("Choose a lesson"), **HANDBOOK_ROLES), "skill:handbook"),
    Row("open (handbook)", rule(ok("Step 1 of", "lesson_progress"), **HANDBOOK_ROLES),
        f"open:{HANDBOOK_LESSON}"),
    Row("go (handbook)", rule(ok("Step 2 of", "lesson_progress"), citizen=no(NO_HANDBOOK),
                              deleted=no(NO_HANDBOOK)),
        f"go:{HANDBOOK_LESSON}:0:1", walk(f"press:open:{HANDBOOK_LESSON}")),
    Row("ans (handbook)", rule(ok("Your answer", "quiz_answers"), citizen=no(NO_HANDBOOK),
                               deleted=no(NO_HANDBOOK)),
        f"ans:{HANDBOOK_LESSON}:0:0", walk(f"press:open:{HANDBOOK_LESSON}", *HANDBOOK_WALK)),
    Row("rmd", rule(ok("I will remind you", "reminders")), "rmd:on:0"),
    # Help requests: the citizen's form, then the volunteers' buttons
    Row("hlp", rule(ok("I can ask a volunteer")), f"hlp:{LESSON}"),
    Row("hly", rule(ok("What is your first name")), steps=partial(help_form, until="consent"),
        tap="Yes"),
    Row("hln", rule(ok("nothing was kept and nothing was sent")),
        steps=partial(help_form, until="consent"), tap="No, thanks"),
    Row("hlc", rule(ok("Which hamlet")), steps=partial(help_form, until="choices"),
        tap="Xã Anh Sơn"),
    Row("hlk", rule(ok("Please check your request")), steps=partial(help_form, until="phone"),
        tap="Skip"),
    Row("hls", rule(ok("was sent to the volunteers", "help_requests", "outbox")),
        steps=partial(help_form, until="summary"), tap="Send"),
    Row("hls (no form open)", rule(no("That help request form is closed")), "hls"),
    Row("hlx", rule(ok("Cancelled: nothing was sent")), steps=partial(help_form, until="name"),
        tap="Cancel"),
    Row("hcan (own request)", rule(ok("Your help request was cancelled", "help_requests")),
        steps=walk("/helpme", "tap:Yes", "Lan", "anh son", "Xóm 3", "tap:Skip", "tap:Send",
                   "/helpme"), tap="Cancel my request"),
    Row("hcan (another citizen's)", rule(no("Only the person who asked can cancel")),
        steps=walk("/helpme"), source=ASKER, tap="Cancel my request"),
    Row("hgo", TAKE, steps=walk("/requests"), source="volunteer", tap="#{open_request}"),
    Row("hrel", rule(no(NOT_TAKER), volunteer=ok("is open again", "help_requests", "outbox")),
        steps=walk("press:hgo:{taken_request}"), source="volunteer", tap="Can't go",
        stale="hrel"),
    Row("hdone", rule(no(NOT_TAKER), volunteer=ok("is done", "help_requests", "outbox")),
        steps=walk("press:hgo:{taken_request}"), source="volunteer", tap="Mark done",
        stale="hdone"),
    Row("hlog", rule(no(NOT_TAKER), volunteer=ok("How many people did you guide")),
        steps=walk("press:hgo:{taken_request}", "tap:Mark done"), source="volunteer",
        tap="Log this visit"),
    # Good practices: the members' form, the feed, the admins' review
    Row("/practice", rule(ok("Step 1 of 5"), citizen=no(NOT_WRITER), deleted=no(NOT_WRITER),
                          admin=no("As an admin, you review them")), "/practice"),
    Row("/practices", rule(ok(PRACTICE_TITLE), citizen=no(NO_PRACTICES),
                           deleted=no(NO_PRACTICES)), "/practices", practice_approved),
    Row("/practices (search)", rule(ok("Good practices matching"), citizen=no(NO_PRACTICES),
                                    deleted=no(NO_PRACTICES)), "/practices VNEID cho",
        practice_approved),
    Row("gpw", rule(ok("Step 3 of 5"), citizen=no(PRACTICE_CLOSED), admin=no(PRACTICE_CLOSED),
                    deleted=no(PRACTICE_CLOSED)),
        steps=partial(practice_form, until="where"), tap="📍", forged="gpw:17329"),
    Row("gpf", rule(ok("Step 5 of 5"), citizen=no(PRACTICE_CLOSED), admin=no(PRACTICE_CLOSED),
                    deleted=no(PRACTICE_CLOSED)),
        steps=partial(practice_form, until="figures"), tap="Attach", forged="gpf"),
    Row("gpn", rule(ok("Step 5 of 5"), citizen=no(PRACTICE_CLOSED), admin=no(PRACTICE_CLOSED),
                    deleted=no(PRACTICE_CLOSED)),
        steps=partial(practice_form, until="figures"), tap="Continue without", forged="gpn"),
    Row("gpk", rule(ok("Please check your good practice"), citizen=no(PRACTICE_CLOSED),
                    admin=no(PRACTICE_CLOSED), deleted=no(PRACTICE_CLOSED)),
        steps=partial(practice_form, until="photo"), tap="Skip", forged="gpk"),
    Row("gps", rule(ok("was sent to the admins", "practices", "outbox"),
                    citizen=no(PRACTICE_CLOSED), admin=no(PRACTICE_CLOSED),
                    deleted=no(PRACTICE_CLOSED)),
        steps=partial(practice_form, until="summary"), tap="Send", forged="gps"),
    Row("gpe", rule(ok("What do you want to change?"), citizen=no(PRACTICE_CLOSED),
                    admin=no(PRACTICE_CLOSED), deleted=no(PRACTICE_CLOSED)),
        steps=partial(practice_form, until="summary"), tap="Edit", forged="gpe"),
    Row("gpd", rule(ok(f"Now: {PRACTICE_TITLE}"), citizen=no(PRACTICE_CLOSED),
                    admin=no(PRACTICE_CLOSED), deleted=no(PRACTICE_CLOSED)),
        steps=partial(practice_form, until="edit"), tap="Title", forged="gpd:title"),
    Row("gpx", rule(ok("nothing was sent and nothing was kept"), citizen=no(PRACTICE_CLOSED),
                    admin=no(PRACTICE_CLOSED), deleted=no(PRACTICE_CLOSED)),
        steps=partial(practice_form, until="title"), tap="Cancel", forged="gpx"),
    Row("gpm", rule(ok(PRACTICE_TITLE), citizen=no(NO_PRACTICES), deleted=no(NO_PRACTICES)),
        "gpm:0", practice_approved),
    Row("gpo", rule(ok("What was done:", shows=(PRACTICE_TITLE,)), citizen=no(NO_PRACTICES),
                    deleted=no(NO_PRACTICES)), "gpo:1", practice_approved),
    Row("gpb", rule(no(NO_BROADCAST), admin=ok("Who should receive it?")), "gpb:1",
        practice_approved),
    Row("gpt", rule(no(NO_REVIEW), admin=ok("Step 1 of 3. Type the title in")),
        "gpt:1", practice_approved),
    Row("gpu", rule(ok("was not saved; nothing changed")), "gpu"),
    Row("gpv", rule(no(NO_REVIEW), admin=ok("waiting for review", shows=(VOLUNTEER_NAME,))),
        steps=practice_sent, source="admin", tap="Review #1"),
    Row("gpa", rule(no(NO_REVIEW), admin=ok("is approved", "practices", "outbox", "audit_log")),
        steps=practice_reviewed, source="admin", tap="Approve"),
    Row("gpc", rule(no(NO_REVIEW), admin=ok("What should be changed in good practice #1")),
        steps=practice_reviewed, source="admin", tap="Ask for changes"),
    Row("gpr", rule(no(NO_REVIEW), admin=ok("Why is good practice #1 rejected")),
        steps=practice_reviewed, source="admin", tap="Reject"),
    Row("gpq", rule(no(NO_REVIEW), admin=ok("The reason you were typing was not sent")),
        steps=partial(practice_reviewed, decision="Reject"), source="admin", tap="Cancel"),
    # Schools and classes: anyone may teach a class or join one with its code; a class's
    # buttons are its teacher's (here the admin's) alone.
    Row("/class", rule(ok("You are not in a class")), "/class"),
    Row("/newclass", rule(ok("New class.")), "/newclass"),
    Row("ncc", rule(ok("Type your school's full name")), steps=walk("/newclass", "son"),
        tap="Xã Anh Sơn", forged="ncc:17329"),
    Row("ncs", rule(ok("Now type the class's name")), steps=schools_listed,
        tap="Trường THCS Anh Sơn", forged="ncs:1"),
    Row("ncm", rule(ok("Its code is", "schools", "classes", "audit_log")),
        steps=walk(*CLASS_FORM), tap="By name", forged="ncm:1"),
    Row("ncx", rule(ok("No class was created.")), steps=walk("/newclass"), tap="Cancel"),
    Row("cjy", rule(ok("Your number in the class is 1", "class_students", "classes")),
        steps=class_offered, tap="Join the class", forged="cjy:1"),
    Row("cjx", rule(ok("You did not join the class.")), steps=class_offered, tap="Cancel"),
    Row("cll", rule(ok("Leave class 8A")), steps=class_joined, tap="Leave the class",
        forged="cll"),
    Row("clk", rule(ok("You left class 8A", "class_students")),
        steps=partial(class_joined, leaving=True), tap="Yes, leave", forged="clk"),
    Row("clo", rule(no(NOT_CLASS), admin=ok("🔑 Code")),
        steps=partial(own_class, more=("tap:Delete class",)), source="admin", tap="No, keep it"),
    Row("clg", rule(no(NOT_CLASS), admin=ok("nothing to draw")), steps=own_class,
        source="admin", tap="Chart"),
    Row("cle", rule(no(NOT_CLASS), admin=ok("each student's lessons")), steps=own_class,
        source="admin", tap="Class spreadsheet"),
    Row("clx", rule(no(NOT_CLASS), admin=ok("counted (no names)")), steps=own_class,
        source="admin", tap="School spreadsheet"),
    Row("clc", rule(no(NOT_CLASS), admin=ok("has a new code", "classes", "audit_log")),
        steps=own_class, source="admin", tap="New code"),
    Row("cld", rule(no(NOT_CLASS), admin=ok("Delete class 8A?")), steps=own_class,
        source="admin", tap="Delete class"),
    Row("cly", rule(no(NOT_CLASS), admin=ok("Class 8A deleted", "classes", "audit_log")),
        steps=partial(own_class, more=("tap:Delete class",)), source="admin", tap="Yes, delete it"),
    # A form kept aside while the user looked elsewhere: continue it, or start over
    Row("fresume", rule(ok("Which commune")), steps=walk(*KEPT_HELP_FORM), tap="Continue it"),
    Row("frestart", rule(ok("I can ask a volunteer")), steps=walk(*KEPT_HELP_FORM),
        tap="Start over"),
    # Visits
    Row("vnew", rule(ok("Step 1 of 8"), **VOLUNTEERS_ONLY), "vnew"),
    Row("vf (own form)", rule(ok("Step 2 of 8"), citizen=no(FORM_CLOSED), admin=no(FORM_CLOSED),
                              deleted=no(FORM_CLOSED)),
        steps=walk("/visit"), tap="✓ Xã", forged="vf:abcdefghijkl:com:17329"),
    Row("vf (the volunteer's form)", rule(no(FORM_CLOSED), volunteer=ok("Step 2 of 8")),
        steps=walk("/visit"), source="volunteer", tap="✓ Xã"),
    Row("vm edit", rule(no(NOT_YOURS), volunteer=ok("Editing visit #{visit}"),
                        **VOLUNTEERS_ONLY), steps=walk("/myvisits"), source="volunteer",
        tap="Edit #{visit}", stale="vm edit"),
    Row("vm delok", rule(no(NOT_YOURS), volunteer=ok("Visit #{visit} deleted.", "visits"),
                         **VOLUNTEERS_ONLY), steps=walk("/myvisits", "tap:Delete #{visit}"),
        source="volunteer", tap="Yes, delete it", stale="vm delok"),
    Row("vrm", rule(no(NO_REMOVAL),
                    **{r: ok("Visit #{visit} deleted.", "visits", "audit_log")
                       for r in ("volunteer", "leader", "admin")}),
        steps=walk("/deletevisit {visit}"), source="volunteer", tap="Yes, delete it"),
    # Figures
    Row("fig_me", MY_FIGURES, "fig_me"),
    Row("fig_team", TEAM_VIEW, "fig_team"),
    Row("fig_t", rule(ok(f"Team “Tổ {TEAM_NAME}”"), outsider=no(NO_TEAM_FIGURES), **NOT_IN_TEAM),
        steps=walk("/teamstats"), source="admin", tap=TEAM_NAME),
    Row("fig_list", rule(ok(f"Team “Tổ {TEAM_NAME}”"),
                         outsider=ok(f"Team “Tổ {OTHER_TEAM_NAME}”"), admin=ok("Choose a team"),
                         **NOT_IN_TEAM),
        steps=walk("/teamstats {team_code}"), source="admin", tap="Other teams"),
    # Teams (admins)
    Row("ntc", rule(no(FORM_CLOSED), admin=ok("Now type the team's name")),
        steps=walk("/newteam", "son"), source="admin", tap="Xã Anh Sơn"),
    Row("ntx", rule(no("No team was created."), admin=ok("No team was created.")),
        steps=walk("/newteam"), source="admin", tap="Cancel"),
    Row("tmr", rule(no(NO_MEMBERS), admin=ok(TEAM_NAME, "memberships", "audit_log")),
        steps=walk("/team {team_code}"), source="admin", tap="a leader"),
    Row("tmv", rule(no(NO_MEMBERS), admin=ok(TEAM_NAME, "memberships", "audit_log")),
        steps=walk("/team {team_code}"), source="admin", tap="a volunteer"),
    Row("tmx", rule(no(NO_MEMBERS), admin=ok("Their visits stay counted")),
        steps=walk("/team {team_code}"), source="admin", tap="Remove"),
    Row("tmy", rule(no(NO_MEMBERS), admin=ok("is no longer in", "memberships", "teams",
                                               "audit_log")),
        steps=walk("/team {team_code}", "tap:Remove"), source="admin", tap="Yes, remove"),
    # A new join code: admins for any team, a team's leaders for their own.
    Row("tmc", rule(no("Only admins and the team's leaders can change its join code."),
                    admin=ok("is now", "teams", "audit_log"),
                    leader=ok("is now", "teams", "audit_log")),
        steps=walk("/team {team_code}"), source="admin", tap="New join code"),
    # Privacy and audit
    Row("dme", rule(ok("Delete your data?")), "dme"),
    Row("dmy (own confirmation)", DELETE_WRITES, steps=walk("/deleteme"), tap="Yes, delete"),
    Row("dmy (the volunteer's)", rule(no("That confirmation is no longer valid"),
                                      volunteer=DELETE_WRITES["volunteer"],
                                      citizen=no("nothing more to delete"),
                                      deleted=no("nothing more to delete")),
        steps=walk("/deleteme"), source="volunteer", tap="Yes, delete", stale="dmy"),
    Row("dmn", rule(ok("nothing was deleted")), "dmn"),
    Row("aud", rule(no(NO_AUDIT), admin=ok("Audit log, older entries")), "aud:3"),
    # Reports (admins; leaders for their team)
    Row("rs", rule(no(NO_REPORTS), admin=ok("Report for"), leader=LEADER_REPORT),
        steps=walk("/stats", "tap:All communes"), source="admin", tap="Report"),
    Row("rsa", rule(no(NO_REPORTS), admin=ok("All communes, by households"),
                    leader=no(ADMIN_PART)), steps=STATS, source="admin", tap="All communes"),
    Row("rsc", rule(no(NO_REPORTS), admin=ok("📍 Xã Anh Sơn"), leader=no(ADMIN_PART)),
        steps=walk("/stats son"), source="admin", tap="Xã Anh Sơn"),
    Row("rch", rule(no(NO_REPORTS), admin=ok("Visits per day"), leader=ok("Visits per day")),
        steps=STATS, source="admin", tap="Chart"),
    Row("rlb", rule(no(NO_REPORTS), admin=ok("Leaderboard", "kept_spans"),
                    leader=ok("Leaderboard", hides=(VOLUNTEER_NAME,))),
        steps=STATS, source="admin", tap="Leaderboard"),
    Row("rpk", rule(no(NO_REPORTS), admin=ok("Choose a campaign"),
                    leader=ok("Choose a campaign")), steps=STATS, source="admin",
        tap="Other campaigns"),
    # Broadcasts (admins)
    Row("bca", rule(no(NO_BROADCAST), admin=ok("English version")),
        steps=partial(broadcast_form, until="audience"), source="admin", tap="Everyone"),
    Row("bcc", rule(no(NO_BROADCAST), admin=ok("English version")),
        steps=partial(broadcast_form, until="commune"), source="admin", tap="Xã Anh Sơn"),
    Row("bcl", rule(no(NO_BROADCAST), admin=ok("English version")),
        steps=partial(broadcast_form, until="language"), source="admin", tap="English"),
    Row("bck", rule(no(NO_BROADCAST), admin=ok("Broadcast to Everyone")),
        steps=partial(broadcast_form, until="english"), source="admin", tap="Skip"),
    Row("bcn", rule(no(NO_BROADCAST), admin=SEND),
        steps=partial(broadcast_form, until="preview"), source="admin", tap="Send now"),
    Row("bcy", rule(no(NO_BROADCAST), admin=SEND), steps=partial(broadcast_form, until="night"),
        source="admin", tap="Send now anyway", night=True),
    Row("bcq", rule(no(NO_BROADCAST), admin=ok("is scheduled for", "broadcasts", "deliveries",
                                                "audit_log")),
        steps=partial(broadcast_form, until="night"), source="admin", tap="Send at", night=True),
    Row("bcw", rule(no(NO_BROADCAST), admin=ok("When should it be sent")),
        steps=partial(broadcast_form, until="preview"), source="admin", tap="Schedule"),
    Row("bcx", rule(no(NO_BROADCAST), admin=ok("Cancelled: nothing was sent")),
        steps=partial(broadcast_form, until="audience"), source="admin", tap="Cancel"),
    Row("bcs", rule(no(NO_BROADCASTS), admin=ok("Stop broadcast #{broadcast}?")),
        steps=walk("/broadcasts"), source="admin", tap="Stop #"),
    Row("bcz", rule(no(NO_BROADCASTS), admin=ok("is stopped", "broadcasts", "deliveries",
                                                 "audit_log")),
        steps=walk("/broadcasts", "tap:Stop #"), source="admin", tap="Yes, stop it"),
    # Resuming: the template's broadcast is scheduled, not paused (pausing needs a channel's
    # quota: tests/channels/zalo/test_photos_and_quota.py), so every role forges the button.
    Row("bcr", rule(no(NO_BROADCASTS), admin=ok("is not paused")), event="bcr:{broadcast}"),
    # Approving: the template's broadcast does not wait for a second admin (see
    # tests/core/broadcasts/test_guard.py), so every role forges the button.
    Row("bcg", rule(no(NO_BROADCASTS), admin=ok("is not waiting for approval")),
        event="bcg:{broadcast}"),
    # One chat app: offered when broadcasts go out on several (tests/core/broadcasts); forged
    # here, with no form open.
    Row("bch", rule(no(NO_BROADCAST), admin=ok("This broadcast form is closed")),
        event="bch:telegram"),
    Row("bcv", rule(no(NO_BROADCASTS), admin=ok("Recent broadcasts")),
        steps=walk("/broadcasts", "tap:Stop #"), source="admin", tap="No, keep it"),
    # Exports (admins)
    Row("exd", rule(no(NO_EXPORT), admin=ok("Export for", "audit_log")), steps=walk("/export"),
        source="admin", tap="📅"),
    Row("exw", rule(no(NO_EXPORT), admin=ok("Export for", "audit_log")), steps=walk("/export"),
        source="admin", tap="Last 7 days"),
    Row("exx", rule(no(NO_EXPORT), admin=ok("Nothing was exported.")), steps=walk("/export"),
        source="admin", tap="Cancel"),
    # Schools in the reports and broadcasts (admins): the template has no class, so the steps
    # make two schools first.
    Row("rsh", rule(no(NO_REPORTS), admin=ok("Schools by commune"), leader=no(ADMIN_PART)),
        steps=schools_report, source="admin", tap="🏫 Schools"),
    Row("bce", rule(no(NO_BROADCAST), admin=ok("English version")), steps=school_audience,
        source="admin", tap="Tiểu học Anh Sơn"),
    # The reward shortlist (admins). Its first report keeps the running campaign's counts
    # whole from then on (kept_spans, v026); their totals are kept by triggers.
    Row("/shortlist", rule(no(NO_SHORTLIST), admin=ok("Reward shortlist", "kept_spans",
                                                       shows=(VOLUNTEER_NAME,))), "/shortlist"),
    Row("rwl", rule(no(NO_SHORTLIST), admin=ok("Reward shortlist")),
        steps=walk("/shortlist", "tap:Other campaigns"), source="admin", tap="🚩"),
    Row("rwc", rule(no(NO_SHORTLIST), admin=ok("Choose a campaign")), steps=walk("/shortlist"),
        source="admin", tap="Other campaigns"),
    Row("rwo", rule(no(NO_SHORTLIST), admin=ok("Why should team")), steps=walk("/shortlist"),
        source="admin", tap=TEAM_NAME),
    Row("rwq", rule(no(NO_SHORTLIST), admin=ok("was not saved; nothing changed")),
        steps=walk("/shortlist", f"tap:{TEAM_NAME}"), source="admin", tap="Cancel"),
    Row("rwe", rule(no(NO_SHORTLIST), admin=ok(f"Now: {REASON}")),
        steps=walk(*NOMINATED, f"tap:{TEAM_NAME}"), source="admin", tap="Change the reason"),
    Row("rwr", rule(no(NO_SHORTLIST), admin=ok("off the shortlist?")),
        steps=walk(*NOMINATED, f"tap:{TEAM_NAME}"), source="admin", tap="Take off"),
    Row("rwy", rule(no(NO_SHORTLIST), admin=ok("Taken off the shortlist", "shortlist",
                                               "audit_log")),
        steps=walk(*NOMINATED, f"tap:{TEAM_NAME}", "tap:Take off"), source="admin",
        tap="Yes, take them off"),
    Row("rwx", rule(no(NO_SHORTLIST), admin=ok("The reward shortlist of", "audit_log")),
        steps=walk(*NOMINATED), source="admin", tap="Export XLSX"),
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """The world every case starts from, built once for the module."""
    return asyncio.run(build_template(tmp_path_factory.mktemp("authorization")))


def _cases() -> Iterator[Any]:
    for row in TABLE:
        for role in ROLES:
            yield pytest.param(row, role, id=f"{row.name}-{role}")


def test_every_command_and_button_verb_has_a_row() -> None:
    """A command or verb added to the router without a row here fails this test."""
    router = build_router()
    commands = {row.key for row in TABLE if row.name.startswith("/")}
    verbs = {row.key for row in TABLE if not row.name.startswith("/")}
    assert set(router.commands) - commands == set(), "commands missing from TABLE"
    assert set(router.verbs) - verbs == set(), "verbs missing from TABLE"
    assert commands <= set(router.commands) and verbs <= set(router.verbs)
    assert len({row.name for row in TABLE}) == len(TABLE)


async def _event_of(row: Row, world: World, actor: Chat) -> str:
    """Run the row's steps and return the event the acting role sends."""
    names = world.names
    if row.night:
        world.clock.now = NIGHT
    if row.stale and actor.user == DELETED:
        return world.seeds.stale[row.stale]
    chat = actor if row.source == SELF else world.chat(row.source)
    await (row.steps(chat) if callable(row.steps) else run_steps(world, chat, row.steps))
    if not row.tap:
        return row.event.format_map(names)
    try:
        return button(chat.last, row.tap.format_map(names))
    except AssertionError:
        if not row.forged or row.source != SELF:
            raise
        return row.forged  # this role cannot make the button appear: it forges it


def _check_answer(expect: Expect, role: str, replies: list[Reply], names: dict[str, object]
                  ) -> None:
    said = "\n".join(r.text for r in replies)
    assert replies and all(r.text.strip() for r in replies), replies
    assert expect.says.format_map(names) in said, said
    assert "Sorry, something went wrong" not in said
    for marker in expect.shows:
        assert marker in said, f"{marker!r} missing from the answer:\n{said}"
    for secret in (*SECRETS[role], *expect.hides):
        if secret not in expect.shows:
            assert secret not in said, f"{role} must never read {secret!r}:\n{said}"


@pytest.mark.parametrize(("row", "role"), list(_cases()))
async def test_authorization_matrix(template: Template, tmp_path: Path, row: Row, role: str
                                    ) -> None:
    """The role sends the row's event; the answer and the database are as the table says."""
    world = await template.open_copy(tmp_path)
    try:
        actor = world.chat(role)
        event = await _event_of(row, world, actor)
        before = await snapshot(world.db, actor.user)
        await (actor.say(event) if event.startswith("/") else actor.press(event))
        after = await snapshot(world.db, actor.user)
        expect = row.expect[role]
        _check_answer(expect, role, actor.last, world.names)
        changed = {name for name in after if before.get(name) != after[name]}
        if expect.allowed:  # the summaries triggers keep follow the tables the row names
            kept_by_triggers = await derived_tables(world.db)
            assert changed - kept_by_triggers == expect.writes, f"changed {sorted(changed)}"
        else:
            assert changed == set(), f"a refusal changed {sorted(changed)}"
    finally:
        await world.close()


ADMIN_ID, CITIZEN_ID = 4242, 5151


async def test_on_telegram_a_citizen_pressing_an_admins_send_button_is_refused(tmp_path: Path
                                                                               ) -> None:
    """The real PTB Application: the admin's "Send now" payload pressed by a citizen (forwarded
    or forged) is refused, nothing is sent to anyone, and the admin's form is left as it was."""
    async with FakeBotApi() as api, running_bot(api, tmp_path, BOT_ADMINS=str(ADMIN_ID)):
        api.send_text(CITIZEN_ID, "/start", language_code="en")
        await api.wait_text(CITIZEN_ID, "I am the assistant")
        api.send_text(ADMIN_ID, "/broadcast", language_code="en")
        await api.wait_text(ADMIN_ID, "New broadcast")
        api.send_text(ADMIN_ID, f"Bản tin {world_.BROADCAST_TEXT}", language_code="en")
        await api.wait_text(ADMIN_ID, "Who should receive it?")
        await tap(api, ADMIN_ID, "Everyone", "English version")
        await tap(api, ADMIN_ID, "Skip", "Send it now")
        send_now = data_of(api, ADMIN_ID, "Send now")
        seen = len(api.calls)
        api.press(CITIZEN_ID, send_now, check=False, language_code="en")
        await api.wait_text(CITIZEN_ID, NO_BROADCAST)
        await api.wait_idle()
        later = api.calls[seen:]
        assert {call.chat_id for call in later if call.chat_id is not None} == {CITIZEN_ID}
        assert not any(world_.BROADCAST_TEXT in call.text for call in later)
    db = await open_database(tmp_path / "bot.db")
    try:
        assert await db.fetchall("SELECT * FROM broadcasts") == []
        assert await db.fetchall("SELECT * FROM deliveries") == []
        admin = await users.get(db, "telegram", str(ADMIN_ID))
        assert admin is not None
        row = await db.fetchone("SELECT state FROM dialogs WHERE user_id = ?", (admin.id,))
        assert row is not None and '"step": "preview"' in row[0]
    finally:
        await db.close()


async def test_a_volunteer_removed_from_the_team_can_no_longer_read_the_handbook(
        template: Template, tmp_path: Path) -> None:
    """Removed by an admin mid-lesson, they are a citizen again: no handbook step is shown."""
    world = await template.open_copy(tmp_path)
    try:
        volunteer, admin = world.chat("volunteer"), world.chat("admin")
        await volunteer.press(f"open:{HANDBOOK_LESSON}")
        await admin.press(f"tmy:{world.seeds.user_ids[world_.VOLUNTEER]}:{world.seeds.team}")
        assert "1 member" in admin.last[-1].text
        title = "Guiding older people"
        for event in ("/continue", "cont", f"go:{HANDBOOK_LESSON}:0:1"):
            await (volunteer.say(event) if event.startswith("/") else volunteer.press(event))
            assert title not in volunteer.last[-1].text, (event, volunteer.last[-1].text)
    finally:
        await world.close()


async def test_after_deleteme_a_volunteers_shown_name_is_nowhere_in_the_database(
        template: Template, tmp_path: Path) -> None:
    """The deleted user took a help request before deleting their data (tests/roles_setup.py)."""
    world = await template.open_copy(tmp_path)
    try:
        for table, rows in (await snapshot(world.db)).items():
            for row in rows:
                assert world_.DELETED_NAME not in repr(row), (table, row)
    finally:
        await world.close()
