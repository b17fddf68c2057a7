"""Acceptance for volunteers, as a new user would try it: `python -m bot` on Telegram (a fake
Bot API on 127.0.0.1), teams imported from CSV, a visit in at most 12 steps, a duplicate
warning, a kill -9 mid-form, the figures, and a help request taken by the first volunteer."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.acceptance.test_restart import bot_process
from tests.factories import ROOT
from tests.fakes.harness import data_of, tap
from tests.fakes.telegram import FakeBotApi

LAN, MINH, CITIZEN = 8101, 8102, 8103
NAMES = {LAN: "Lan", MINH: "Minh", CITIZEN: "Hoa"}  # their Telegram first names


def import_teams(database: Path, tmp_path: Path) -> None:
    csv_file = tmp_path / "teams.csv"
    csv_file.write_text("code,name,commune\nANHSN3,Tổ CNS thôn 3,xa anh son\n"
                        "VNHKC7,Tổ khối 2,Vinh Loc\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bot", "teams", "import", str(csv_file)],
                            cwd=ROOT, env={"PATH": "/usr/bin:/bin", "BOT_DATABASE": str(database)},
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


async def say(api: FakeBotApi, chat: int, text: str, expect: str) -> None:
    api.send_text(chat, text, language_code="en", first_name=NAMES[chat])
    await api.wait_text(chat, expect, timeout=20)


async def log_visit_until_household(api: FakeBotApi, chat: int, hamlet: str, household: str
                                    ) -> int:
    """/visit with the team's commune, a hamlet and a household; returns the steps taken."""
    await say(api, chat, "/visit", "Step 1 of 8")
    await tap(api, chat, "✓ Xã Anh Sơn", "Step 2 of 8", timeout=20)
    await say(api, chat, hamlet, "Step 3 of 8")
    api.send_text(chat, household, language_code="en", first_name=NAMES[chat])
    return 4


async def test_volunteers_from_csv_to_figures_and_help_requests(tmp_path: Path) -> None:
    database = tmp_path / "bot.db"
    import_teams(database, tmp_path)
    async with FakeBotApi() as api:
        async with bot_process(api, database):
            await say(api, LAN, "/join anhsn3", "Welcome to the team “Tổ CNS thôn 3”")
            await say(api, MINH, "/join ANHSN3", "Welcome")
            # Lan logs a visit, counting every tap and message.
            steps = await log_visit_until_household(api, LAN, "thôn 3", "Nguyễn Văn An")
            await api.wait_text(LAN, "Step 4 of 8", timeout=20)
            for label, expect in (("3", "Step 5 of 8"), ("public services", "Step 5 of 8"),
                                  ("Done", "Step 6 of 8"), ("Done", "Step 7 of 8"),
                                  ("Yes", "Step 8 of 8"), ("Skip", "Please check the visit"),
                                  ("Confirm", "Visit #1 saved")):
                await tap(api, LAN, label, expect, timeout=20)
                steps += 1
            assert steps <= 12
            # Minh logs the same household typed without accents: he is warned.
            await log_visit_until_household(api, MINH, "thon 3", "nguyen van an")
            warning = await api.wait_text(MINH, "before", timeout=20)
            assert "Lan" in warning.text and "#1" in warning.text
            await tap(api, MINH, "follow-up", "Step 4 of 8", timeout=20)
            await tap(api, MINH, "2", "Step 5 of 8", timeout=20)
            await api.wait_idle()
        # Killed with SIGKILL mid-form; the new process resumes Minh's draft.
        async with bot_process(api, database):
            await say(api, MINH, "/visit", "Continue")
            await tap(api, MINH, "Continue", "Step 5 of 8", timeout=30)
            for label, expect in (("payment", "Step 5 of 8"), ("Done", "Step 6 of 8"),
                                  ("Done", "Step 7 of 8"), ("Yes", "Step 8 of 8"),
                                  ("Skip", "Please check the visit"),
                                  ("Confirm", "Visit #2 saved")):
                await tap(api, MINH, label, expect, timeout=20)
            api.send_text(LAN, "/mystats", language_code="en")
            stats = await api.wait_text(LAN, "All time", timeout=20)
            assert "1 household" in stats.text and "3 people" in stats.text
            api.send_text(MINH, "/teamstats", language_code="en")
            team = await api.wait_text(MINH, "All time", timeout=20)
            # One household (the follow-up is not a new one), 3 people, two visits.
            assert "1 household" in team.text and "2 visits" in team.text
            # A citizen of Anh Sơn asks for help; both volunteers are told; Minh is first.
            await say(api, CITIZEN, "/helpme", "Do you agree")
            await tap(api, CITIZEN, "Yes", "What is your first name", timeout=20)
            for typed, expect in (("Hoa", "Which commune"), ("anh son", "Which hamlet"),
                                  ("Xóm 5", "phone number"), ("0912 345 678", "Please check")):
                await say(api, CITIZEN, typed, expect)
            await tap(api, CITIZEN, "Send", "was sent to the volunteers of Xã Anh Sơn",
                      timeout=20)
            for chat in (LAN, MINH):
                notice = await api.wait_text(chat, "Help request #1", timeout=20)
                assert "0912" not in notice.text
            api.press(MINH, data_of(api, MINH, "I'll go"))
            await api.wait_text(MINH, "The request is yours", timeout=20)
            api.press(LAN, data_of(api, LAN, "I'll go"))
            await api.wait_text(LAN, "already taken", timeout=20)
            await api.wait_text(CITIZEN, "will come to help you", timeout=20)


async def test_a_removed_volunteer_cannot_rejoin_and_a_shared_export_opens_no_team(
        tmp_path: Path) -> None:
    admin, database = 8100, tmp_path / "bot.db"
    NAMES[admin] = "Admin"
    import_teams(database, tmp_path)
    async with FakeBotApi() as api, bot_process(api, database, BOT_ADMINS=str(admin)):
        await say(api, LAN, "/join ANHSN3", "Welcome to the team")
        await log_visit_until_household(api, LAN, "thôn 3", "Nguyễn Văn An")
        await api.wait_text(LAN, "Step 4 of 8", timeout=20)
        for label, expect in (("3", "Step 5 of 8"), ("public services", "Step 5 of 8"),
                              ("Done", "Step 6 of 8"), ("Done", "Step 7 of 8"),
                              ("Yes", "Step 8 of 8"), ("Skip", "Please check the visit"),
                              ("Confirm", "Visit #1 saved")):
            await tap(api, LAN, label, expect, timeout=20)
        # The admin removes Lan: the team gets a new join code at once.
        await say(api, admin, "/team ANHSN3", "Join code: ANHSN3")
        await tap(api, admin, "Remove", "Remove Lan from", timeout=20)
        await tap(api, admin, "Yes, remove", "is no longer in", timeout=20)
        await say(api, LAN, "/join ANHSN3", "No team or class has the code ANHSN3")
        # The export, shared by mistake, lets nobody join: no join code in any file.
        await say(api, admin, "/export", "Export visits, teams")
        await tap(api, admin, "Last 7 days", "Export for", timeout=30)
        await api.wait_idle()
        files = [c.params["document"] for c in api.calls
                 if c.method == "sendDocument" and c.chat_id == admin and c.ok]
        assert len(files) >= 2 and any("Tổ CNS thôn 3" in u.data.decode("utf-8", "replace")
                                        for u in files if u.filename.endswith(".csv"))
        code = next(c.text for c in reversed(api.calls)
                    if c.chat_id == admin and "is no longer in" in c.text).split("is now ")[1][:6]
        for upload in files:
            data = upload.data
            texts = ([zipfile.ZipFile(io.BytesIO(data)).read(name).decode("utf-8")
                      for name in zipfile.ZipFile(io.BytesIO(data)).namelist()]
                     if upload.filename.endswith(".xlsx") else [data.decode("utf-8-sig")])
            for text in texts:
                assert "ANHSN3" not in text and code not in text, upload.filename
