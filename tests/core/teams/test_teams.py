"""Teams: communes of the province, /join, /newteam, /team, and the CSV import."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.core.service import Core
from bot.core.shared.communes import Communes
from bot.core.teams import import_teams
from bot.storage import audit, teams
from tests.factories import ADMIN, ROOT, Chat, payload_of, running_app

NOW = datetime(2026, 10, 3, 3, 0, tzinfo=UTC)


@pytest.fixture
async def admin_app(tmp_path: Path) -> AsyncIterator[App]:
    async with running_app(tmp_path) as opened:
        yield opened


def test_nghe_an_has_its_130_communes_since_july_2025() -> None:
    communes = Communes(40)
    names = [c.name for c in communes.all()]
    assert len(names) == 130
    assert sum(n.startswith("Xã ") for n in names) == 119
    assert sum(n.startswith("Phường ") for n in names) == 11
    assert [c.name for c in communes.find("vinh loc")] == ["Phường Vinh Lộc"]
    assert [c.name for c in communes.find("XA ANH SON")] == ["Xã Anh Sơn"]
    assert len(communes.find("Vinh")) > 1
    assert communes.find("Quận 1") == []


async def test_join_with_a_code(app: App) -> None:
    team = await teams.create(app.services.db, "ANHSON1", "Tổ thôn 1", "17329", None, NOW)
    chat = Chat(app.core, user="11", locale="en")
    assert "Type /join and the code you were given" in (await chat.say("/join")).text
    reply = await chat.say("/join anhson1")
    assert "Welcome to the team “Tổ thôn 1” of Xã Anh Sơn" in reply.text
    member = await teams.membership_of(app.services.db, (await _user(app, "11")))
    assert member is not None and member.team == team and not member.is_leader
    assert "already in the team" in (await chat.say("/join ANHSON1")).text


async def test_wrong_codes_are_limited_to_five_an_hour(app: App) -> None:
    await teams.create(app.services.db, "ANHSON1", "Tổ thôn 1", "17329", None, NOW)
    clock = {"now": NOW}
    core = Core(app.services, clock=lambda: clock["now"])
    chat = Chat(core, user="12", locale="en")
    answers = [(await chat.say(f"/join WRONG{i}")).text for i in range(5)]
    assert "You can try 4 more times this hour." in answers[0]
    assert "You can try 0 more times this hour." in answers[4]
    blocked = (await chat.say("/join ANHSON1")).text
    assert "Too many wrong codes" in blocked
    assert await teams.membership_of(app.services.db, await _user(app, "12")) is None
    clock["now"] = NOW + timedelta(hours=1, minutes=1)
    assert "Welcome" in (await chat.say("/join ANHSON1")).text


async def test_only_admins_create_teams(admin_app: App) -> None:
    citizen = Chat(admin_app.core, user="13", locale="en")
    assert "Only admins can create teams." in (await citizen.say("/newteam")).text
    forged = await citizen.press(payload_of("ntc", "17329"))
    assert "closed" in forged.text
    assert await teams.in_commune(admin_app.services.db, "17329") == []


async def test_newteam_dialog_answers_with_a_join_code(admin_app: App) -> None:
    admin = Chat(admin_app.core, user=ADMIN, locale="en")
    assert "Which commune" in (await admin.say("/newteam")).text
    assert "No commune of Nghệ An matches" in (await admin.say("Atlantis")).text
    reply = await admin.say("vinh")
    assert "Several communes match" in reply.text
    reply = await admin.tap("Vinh Lộc")
    assert "Commune: Phường Vinh Lộc" in reply.text
    reply = await admin.say("3")  # a number is a fine name... but too short
    assert "2 to 60 characters" in reply.text
    reply = await admin.say("Tổ công nghệ số khối 3")
    assert "created in Phường Vinh Lộc" in reply.text
    code = reply.text.split("/join ")[-1].strip()
    team = await teams.by_code(admin_app.services.db, code)
    vinh_loc = admin_app.services.communes.find("vinh loc")[0]
    assert team is not None and team.commune_code == vinh_loc.code
    assert "closed" in (await admin.press(payload_of("ntc", "17329"))).text  # stale button


async def test_team_views_and_admin_changes(admin_app: App) -> None:
    db = admin_app.services.db
    team = await teams.create(db, "ANHSON1", "Tổ thôn 1", "17329", None, NOW)
    volunteer = Chat(admin_app.core, user="21", locale="en")
    await volunteer.say("/join ANHSON1")
    view = (await volunteer.say("/team")).text
    assert "Tổ thôn 1" in view and "ANHSON1" not in view  # volunteers don't see the code
    admin = Chat(admin_app.core, user=ADMIN, locale="en")
    managed = await admin.say("/team ANHSON1")
    assert "Join code: ANHSON1" in managed.text and "volunteer" in managed.text
    member_id = await _user(admin_app, "21")
    # A volunteer forging the admin's button is refused and nothing changes.
    forged = await volunteer.press(payload_of("tmr", member_id, team.id))
    assert "Only admins" in forged.text
    await admin.press(payload_of("tmr", member_id, team.id))
    member = await teams.membership_of(db, member_id)
    assert member is not None and member.is_leader
    assert "Join code: ANHSON1" in (await volunteer.say("/team")).text  # leaders see it
    ask = await admin.press(payload_of("tmx", member_id, team.id))
    assert "Their visits stay counted" in ask.text
    assert await teams.membership_of(db, member_id) is not None  # asked first
    await admin.press(payload_of("tmy", member_id, team.id))
    assert await teams.membership_of(db, member_id) is None
    logged = [(e.action, audit.parse(e.detail)) for e in await audit.latest(db)]
    assert logged == [
        ("role", {"event": "member_removed", "user": member_id, "team": team.id}),
        ("role", {"event": "member_role", "user": member_id, "team": team.id, "role": "leader"})]
    shown = (await admin.say("/audit")).text
    assert f"Removed user #{member_id} from team “Tổ thôn 1”." in shown
    assert f"Made user #{member_id} leader of team “Tổ thôn 1”." in shown


async def test_csv_import_checks_every_row_and_imports_all_or_nothing(app: App) -> None:
    communes = app.services.communes
    bad = ("code,name,commune\nANHSN3,Tổ thôn 1,anh son\nX,Tổ 2,anh son\n"
           "VNHK3P,Tổ 3,Vinh\nDPK4Q7,Tổ 4,Atlantis\nANHSN3,Tổ 5,Anh Sơn\n"
           "ANHSON1,Tổ 6,anh son\nAB2C,Tổ 7,anh son\n")
    count, problems = await import_teams(app.services.db, bad, communes, NOW)
    assert count == 0
    assert [p.line for p in problems] == [3, 4, 5, 6, 7, 8]
    assert "matches several communes" in str(problems[1])
    # Codes are read aloud and copied by hand: no 0/O, 1/I/L, and six characters at least.
    assert "6-12 characters" in str(problems[4]) and "6-12 characters" in str(problems[5])
    assert await teams.by_code(app.services.db, "ANHSN3") is None  # nothing imported
    good = "code,name,commune\nANHSN3,Tổ thôn 1,anh son\nVNHKC2,Tổ khối 2,phuong vinh loc\n"
    assert await import_teams(app.services.db, good, communes, NOW) == (2, [])
    count, problems = await import_teams(app.services.db, good, communes, NOW)
    assert count == 0 and "already used" in str(problems[0])


def test_teams_import_from_the_command_line(tmp_path: Path) -> None:
    csv_file = tmp_path / "teams.csv"
    csv_file.write_text("\ufeffcode;name;commune\nANHSN3;Tổ thôn 1;xa anh son\n", "utf-8")
    env = {"PATH": "/usr/bin:/bin", "BOT_DATABASE": str(tmp_path / "bot.db")}
    result = subprocess.run([sys.executable, "-m", "bot", "teams", "import", str(csv_file)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert "Imported 1 team(s)" in result.stdout
    csv_file.write_text("code,name,commune\nANHSN3,Tổ,nowhere\n", "utf-8")
    result = subprocess.run([sys.executable, "-m", "bot", "teams", "import", str(csv_file)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 1
    assert "line 2:" in result.stdout and "Nothing imported" in result.stderr


async def _user(app: App, external_id: str) -> int:
    from bot.storage import users

    user = await users.get(app.services.db, "telegram", external_id)
    assert user is not None
    return user.id
