"""The reward shortlist through the core on a real database: an admin builds it on a text-only
chat while the campaign runs, its figures are /leaderboard's, the XLSX export carries them;
reasons are checked; other roles, forged and old buttons change nothing; /deleteme takes a
volunteer's nomination with it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl

from bot.app import App
from bot.channels.base import TEXT_ONLY
from bot.core.events import Reply
from bot.core.rewards.rules import MAX_REASON
from bot.core.service import Core
from bot.storage import users
from tests.core.rewards.helpers import (
    PRACTICE,
    Province,
    approved_practice,
    board_figures,
    list_figures,
    local,
)
from tests.factories import ADMIN, VINH, Chat, Clock, add_visit

REFUSED = "The reward shortlist is for admins."


def said(chat: Chat) -> str:
    """Everything the last answer said."""
    return "\n\n".join(r.text for r in chat.last)


async def answer(chat: Chat, body: str) -> str:
    """Type body; everything the answer said."""
    await chat.say(body)
    return said(chat)


def number(reply: Reply, label: str) -> str:
    """The number a text-only chat types to choose the option whose label has this in it."""
    for key, button in reply.keyed_options():
        if label in button.label:
            return key
    raise AssertionError(f"no option {label!r} in {[b.label for b in reply.options()]}")


async def rows(app: App) -> list[dict[str, Any]]:
    """The shortlist table."""
    found = await app.services.db.fetchall(
        "SELECT campaign, team_id, user_id, reason FROM shortlist ORDER BY id")
    return [dict(r) for r in found]


async def audit_events(app: App) -> list[dict[str, Any]]:
    found = await app.services.db.fetchall(
        "SELECT detail FROM audit_log WHERE action = 'shortlist' ORDER BY id")
    return [json.loads(r[0]) for r in found]


async def admin_id(app: App) -> int:
    user = await users.get(app.services.db, "telegram", ADMIN)
    assert user is not None
    return user.id


def sheet_rows(sheet: Any) -> list[list[Any]]:
    return [[c.value for c in row] for row in sheet.iter_rows()]


async def nominate(admin: Chat, name: str, reason: str) -> Reply:
    """Choose a candidate by their number in the list shown, then type the reason."""
    listed = await admin.say("/shortlist")
    asked = await admin.say(number(listed, name))
    assert "Why should" in asked.text and not asked.numbered, asked.text
    return await admin.say(reason)


async def test_an_admin_builds_and_exports_a_shortlist_whose_figures_are_the_leaderboards(
        app: App, core: Core, world: Province, admin: Chat) -> None:
    await approved_practice(app, world.hoa, await admin_id(app))
    await approved_practice(app, world.minh, await admin_id(app), "Đã quá hạn",
                            at=local(11, 20))  # approved too late for this campaign
    board = board_figures(await answer(admin, "/leaderboard"))
    assert board == {"Tổ Vinh": 3, "Tổ thôn 1": 3, "Tổ thôn 2": 1, "Sơn": 3, "Hoa": 2,
                     "Lan": 1, "Minh": 1}
    listed = await admin.say("/shortlist")
    text = said(admin)
    assert "🏅 Reward shortlist" in text and "🚩 Đi từng ngõ, gõ từng nhà" in text
    assert "Rule: households helped during the campaign" in text  # the rule, with the list
    figures = list_figures(text)
    assert {name: households for name, (_, households, _) in figures.items()} == board
    assert figures["Tổ Vinh"][2] == figures["Tổ thôn 1"][2] == 1 and figures["Hoa"][2] == 2
    assert text.count(f"👍 {PRACTICE}") == 2  # under her team and under Hoa
    assert "Đã quá hạn" not in text
    assert "Nobody is on the shortlist yet." in text
    # The numbers in the text are the ones a text-only chat types.
    assert figures["Tổ thôn 1"][0] == number(listed, "Tổ thôn 1")
    assert figures["Hoa"][0] == number(listed, "Hoa")
    assert not any("Export" in b.label for b in listed.options())

    done = await nominate(admin, "Tổ thôn 1", "  Dạy   VNeID ở chợ phiên\ncho 3 hộ  ")
    assert "✅ On the shortlist now: team “Tổ thôn 1”, Xã Anh Sơn." in said(admin)
    assert "• Tổ thôn 1 · Xã Anh Sơn: Dạy VNeID ở chợ phiên cho 3 hộ" in said(admin)
    assert any("Export" in b.label for b in done.options())
    await nominate(admin, "Hoa", "Hướng dẫn người cao tuổi")
    assert await rows(app) == [
        {"campaign": "oct", "team_id": world.a1.id, "user_id": None,
         "reason": "Dạy VNeID ở chợ phiên cho 3 hộ"},
        {"campaign": "oct", "team_id": None, "user_id": world.hoa, "reason":
            "Hướng dẫn người cao tuổi"}]
    assert await audit_events(app) == [
        {"event": "shortlist_nominated", "campaign": "oct", "team": world.a1.id},
        {"event": "shortlist_nominated", "campaign": "oct", "user": world.hoa}]

    # A visit logged meanwhile counts at once, on both (the campaign's counts kept whole).
    await add_visit(app.services.db, world.minh, world.a2.id, local(10, 7, 8), "ho e", 2)
    board = board_figures(await answer(admin, "/leaderboard"))
    assert board["Minh"] == board["Tổ thôn 2"] == 2
    listed = await admin.say("/shortlist")
    assert {n: h for n, (_, h, _) in list_figures(said(admin)).items()} == board

    sent = await admin.say(number(listed, "Export XLSX"))
    assert "📄 The reward shortlist of Đi từng ngõ, gõ từng nhà: 2 nominees" in sent.text
    [path] = sent.documents
    assert Path(path).name == "shortlist_oct.xlsx"
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Shortlist", "Nominees"]
    about = {row[0]: row[1] for row in sheet_rows(book["Shortlist"])}
    assert about["Reward shortlist"] == "Đi từng ngõ, gõ từng nhà"
    assert about["Campaign"] == "Đi từng ngõ, gõ từng nhà"
    assert about["Days"] == "Oct 1, 2026 – Oct 10, 2026 · day 7 of 10"
    assert about["Rule"].startswith("Rule: households helped during the campaign")
    assert about["Number of nominees"] == "2" and about["Made"] == "Oct 7, 2026 10:00"
    nominees = sheet_rows(book["Nominees"])
    assert nominees[0] == ["No.", "Kind", "Unit", "Commune", "Households helped", "Rank",
                           "Visits", "Approved good practices", "Reason"]
    assert nominees[1:] == [
        [1, "Team", "Tổ thôn 1", "Xã Anh Sơn", board["Tổ thôn 1"], 1, 4, PRACTICE,
         "Dạy VNeID ở chợ phiên cho 3 hộ"],
        [2, "Volunteer", "Hoa (Tổ thôn 1)", "Xã Anh Sơn", board["Hoa"], 2, 2, PRACTICE,
         "Hướng dẫn người cao tuổi"]]
    cells = " ".join(str(v) for sheet in book for row in sheet_rows(sheet) for v in row)
    for private in ("ho a", "ho b", "thon 1|", "0912"):  # no household, no phone
        assert private not in cells
    assert (await audit_events(app))[-1] == {"event": "shortlist_exported", "campaign": "oct",
                                             "nominees": 2}


async def test_reasons_are_checked_and_nothing_is_kept_until_one_fits(
        app: App, world: Province, admin: Chat) -> None:
    listed = await admin.say("/shortlist")
    await admin.say(number(listed, "Sơn"))
    for typed, answer in (
            ("xem https://example.com", "Links and @names can't go in the shortlist"),
            ("gọi @son_vinh", "Links and @names can't go in the shortlist"),
            ("Gọi 0912 345 678 nhé", "That looks like a phone or ID number"),
            ("CCCD 001234567890", "That looks like a phone or ID number"),
            ("!!! 123", "Please type the reason in words"),
            ("a" * (MAX_REASON + 1), f"That reason has {MAX_REASON + 1} characters")):
        refused = await admin.say(typed)
        assert answer in refused.text, (typed, refused.text)
        assert [b.label for b in refused.options()] == ["✖ Cancel"] and not refused.numbered
        assert await rows(app) == []
    await admin.say("b" * MAX_REASON)  # exactly the limit fits
    assert [r["reason"] for r in await rows(app)] == ["b" * MAX_REASON]


async def test_a_reason_is_changed_and_a_nominee_taken_off(
        app: App, world: Province, admin: Chat) -> None:
    await nominate(admin, "Tổ Vinh", "Ba hộ ở phường")
    listed = await admin.say("/shortlist")
    shown = await admin.say(number(listed, "Tổ Vinh"))
    assert "✅ On the shortlist of Đi từng ngõ, gõ từng nhà:" in shown.text
    assert "Reason: Ba hộ ở phường" in shown.text
    asked = await admin.say(number(shown, "Change the reason"))
    assert "Now: Ba hộ ở phường" in asked.text
    await admin.say("Ba hộ, cả người cao tuổi")
    assert "✏ New reason saved for team “Tổ Vinh”" in said(admin)
    assert [r["reason"] for r in await rows(app)] == ["Ba hộ, cả người cao tuổi"]
    shown = await admin.say(number(await admin.say("/shortlist"), "Tổ Vinh"))
    asked = await admin.say(number(shown, "Take off"))
    assert "Take team “Tổ Vinh”, Phường Thành Vinh off the shortlist?" in asked.text
    back = await admin.say(number(asked, "Back"))  # 9: nothing happens
    assert "Reason: Ba hộ, cả người cao tuổi" in back.text and len(await rows(app)) == 1
    asked = await admin.say(number(back, "Take off"))
    gone = await admin.say(number(asked, "Yes, take them off"))
    assert "Taken off the shortlist: team “Tổ Vinh”" in said(admin)
    assert "Nobody is on the shortlist yet." in said(admin) and gone.options()
    assert await rows(app) == []
    assert [e["event"] for e in await audit_events(app)] == [
        "shortlist_nominated", "shortlist_reason_changed", "shortlist_removed"]
    # Cancel while typing: nothing is kept.
    await admin.say(number(await admin.say("/shortlist"), "Minh"))
    await admin.say("huy")
    assert "The reason you were typing was not saved; nothing changed." in said(admin)
    assert await rows(app) == []


async def test_only_admins_and_never_with_forged_or_old_buttons(
        app: App, core: Core, world: Province, admin: Chat) -> None:
    await nominate(admin, "Tổ Vinh", "Ba hộ ở phường")
    before = await rows(app)
    a1, son = world.a1.id, world.son
    leader = Chat(core, "101", "en", TEXT_ONLY)  # Lan, a team leader
    citizen = Chat(core, "999", "en")
    for chat in (leader, citizen):
        assert REFUSED in (await chat.say("/shortlist")).text
        for payload in (f"rwo:c1:t:{a1}", f"rwe:c1:t:{world.v1.id}", f"rwy:c1:t:{world.v1.id}",
                        "rwx:c1", "rwl:c1", "rwc", "rwq", f"rwr:c1:v:{son}"):
            answer = await chat.press(payload)
            assert REFUSED in answer.text, (payload, answer.text)
            assert "Ba hộ" not in said(chat) and "Sơn" not in said(chat)
    # The admin: campaigns that are not (or not yet) there, days, and non-candidates.
    for payload, answer in (
            (f"rwo:c7:t:{a1}", "That button is from an old message"),
            ("rwl:d20261001-20261010", "That button is from an old message"),
            ("rwx:c9", "That button is from an old message"),
            (f"rwo:c1:x:{a1}", "That button is from an old message"),
            ("rwo:c1:t:0", "That button is from an old message"),
            ("rwo:c1:t:424242", "That is not one of this campaign's candidates"),
            (f"rwo:c1:t:{world.v1.id + 100}", "That is not one of this campaign's candidates"),
            (f"rwy:c1:v:{son}", "Not on the shortlist (taken off meanwhile?): Sơn"),
            (f"rwr:c1:t:{a1}", "Not on the shortlist"),
            ("rwq", "nothing changed"),
            ("rwx:c0", "Nobody is on the shortlist yet: there is nothing to export.")):
        reply = await admin.press(payload)
        assert answer in said(admin), (payload, said(admin))
        assert reply.text and "Sorry, something went wrong" not in said(admin)
    assert await rows(app) == before
    assert len(await audit_events(app)) == 1


async def test_a_volunteers_deleteme_takes_their_nomination(
        app: App, core: Core, world: Province, admin: Chat) -> None:
    await nominate(admin, "Hoa", "Hướng dẫn người cao tuổi")
    await nominate(admin, "Tổ thôn 1", "Cả tổ")
    hoa = Chat(core, "102", "en")
    await hoa.say("/deleteme")
    await hoa.tap("Yes, delete")
    assert "your data has been deleted" in said(hoa)
    assert await rows(app) == [{"campaign": "oct", "team_id": world.a1.id, "user_id": None,
                                "reason": "Cả tổ"}]
    text = await answer(admin, "/shortlist")
    assert "Hoa" not in text and "• Tổ thôn 1 · Xã Anh Sơn: Cả tổ" in text


async def test_after_the_campaign_its_frozen_figures_and_another_campaign(
        app: App, clock: Clock, world: Province, admin: Chat) -> None:
    await nominate(admin, "Sơn", "Ba hộ ở phường")
    await add_visit(app.services.db, world.son, world.v1.id, local(10, 9), "ho late", 1,
                    commune=VINH)
    clock.now = local(10, 20)  # the campaign has ended: its figures are frozen
    await admin.press("rlb:c1")  # its leaderboard (/leaderboard shows the last 30 days now)
    board = board_figures(said(admin))
    assert board["Sơn"] == 4
    listed = await admin.say("/shortlist")
    text = said(admin)
    assert "ended, figures frozen" in text and "• Sơn · Tổ Vinh, Phường Thành Vinh" in text
    assert {n: h for n, (_, h, _) in list_figures(text).items()} == board
    picked = await admin.say(number(listed, "Other campaigns"))
    assert [b.label for b in picked.options()][:2] == ["🚩 Đi từng ngõ, gõ từng nhà",
                                                       "🚩 Tháng Chín số"]
    september = await admin.say(number(picked, "Tháng Chín số"))
    text = said(admin)
    assert "🚩 Tháng Chín số" in text and "Nobody is on the shortlist yet." in text
    assert "No team has helped a household yet." in text
    assert september.options()


async def test_no_campaign_started_yet(app: App, clock: Clock, world: Province,
                                       admin: Chat) -> None:
    clock.now = local(8, 20)
    answer = await admin.say("/shortlist")
    assert "No campaign has started yet" in answer.text
    assert "Type" not in answer.text  # no days to type instead: a shortlist is a campaign's
    assert "No campaign has started yet" in (await admin.press("rwc")).text
    assert "That button is from an old message" in (await admin.press("rwl:c1")).text
