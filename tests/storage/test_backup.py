"""Backups: `python -m bot backup` copies the database while `python -m bot` writes to it, and a
copy restored as docs/DEPLOYMENT.md says gives the bot back with the same figures.

The bot runs as a subprocess against the fake Bot API; volunteers log visits and a learner walks
through lessons through it while the backup is taken. The first copy is taken under that load
(it must be a consistent snapshot: each volunteer's visits a gap-free prefix of what they
logged); the second with the bot running but idle, so the bot restored from it must answer
/stats, /progress and /continue exactly as the original did when the copy was made, although
the original went on changing afterwards.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.__main__ import main
from bot.core.lessons.catalog import load_catalog
from bot.storage import teams, users
from bot.storage.db import Database, open_database
from tests.factories import ANH_SON, FAST_USERS, ROOT, TOKEN
from tests.fakes.harness import finish_lesson as walk_lesson
from tests.fakes.harness import tap
from tests.fakes.telegram import FakeBotApi

ADMIN, LEARNER = 42, 7101
VOLUNTEERS = (7201, 7202)
CAMPAIGN_VISITS = 3000  # logged before the bot starts, so the figures are not trivial
CATALOG = load_catalog(ROOT / "lessons", ("vi", "en"))


async def prepare(database: Path) -> None:
    """Two volunteers in one team, and a campaign's worth of visits already logged."""
    db = await open_database(database)
    now = datetime.now(UTC)
    try:
        team = await teams.create(db, "NA4K7Q", "Tổ CNS thôn 3", ANH_SON, None, now)
        ids = []
        for number, chat in enumerate(VOLUNTEERS, start=1):
            user = await users.touch(db, "telegram", str(chat), "en", now)
            await teams.join(db, user.id, team.id, f"Lan {number}", now)
            ids.append(user.id)
        await prefill_visits(db, team.id, ids)
    finally:
        await db.close()


async def prefill_visits(db: Database, team_id: int, volunteers: list[int]) -> None:
    """Visits spread over the campaign's ten days, in one transaction."""
    start = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)
    rows = []
    for n in range(CAMPAIGN_VISITS):
        at = (start + timedelta(minutes=7 * n)).isoformat()
        household = f"ho so {n}"
        rows.append((f"prefill{n}", volunteers[n % 2], team_id, ANH_SON, "thon 3", household,
                     f"{ANH_SON}|thon 3|{household}", 1 + n % 4, at, at, at, n % 2, n % 3 == 0))
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO visits (draft_id, volunteer_id, team_id, commune_code, hamlet, "
            "household, household_key, people, visited_at, created_at, updated_at, "
            "s_public_services, o_vneid_level2) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows)


def environment(database: Path, api: FakeBotApi | None = None) -> dict[str, str]:
    env = {**os.environ, "BOT_DATABASE": str(database), "BOT_ADMINS": str(ADMIN)}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    if api is not None:
        env |= {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.base_url,
                "TELEGRAM_CHAT_RATE": FAST_USERS}
    return env


@asynccontextmanager
async def bot_process(api: FakeBotApi, database: Path) -> AsyncIterator[None]:
    """`python -m bot` on the fake API; killed with SIGKILL at the end, as a crash would."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=ROOT, env=environment(database, api),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        yield
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def backup_command(database: Path, *args: str) -> tuple[int, str]:
    """`python -m bot backup ...` as a subprocess (the fake API keeps serving meanwhile)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "backup", *args, cwd=ROOT, env=environment(database),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, output.decode()


async def log_visit(api: FakeBotApi, chat: int, number: int) -> None:
    """One visit through the /visit form, up to "Visit #N saved"."""
    api.send_text(chat, "/visit", language_code="en")
    await api.wait_text(chat, "Step 1 of 8")
    await tap(api, chat, "✓ Xã Anh Sơn", "Step 2 of 8")
    api.send_text(chat, f"thôn {chat}", language_code="en")
    await api.wait_text(chat, "Step 3 of 8")
    api.send_text(chat, f"Nhà số {number}", language_code="en")
    await api.wait_text(chat, "Step 4 of 8")
    await tap(api, chat, "3", "Step 5 of 8")
    await tap(api, chat, "public services", "Step 5 of 8")
    await tap(api, chat, "Done", "Step 6 of 8")
    await tap(api, chat, "Done", "Step 7 of 8")
    await tap(api, chat, "Yes", "Step 8 of 8")
    await tap(api, chat, "Skip", "Please check the visit")
    await tap(api, chat, "Confirm", "saved")


async def log_visits(api: FakeBotApi, chat: int, saved: list[int], stop: asyncio.Event) -> None:
    """Log visits until stopped; saved lists those confirmed to the volunteer."""
    while not stop.is_set():
        await log_visit(api, chat, len(saved) + 1)
        saved.append(len(saved) + 1)


async def walk_lessons(api: FakeBotApi, stop: asyncio.Event) -> None:
    """Step forward and back in a lesson until stopped (each move is a write)."""
    lesson = CATALOG.by_skill("payment")[0]
    api.send_text(LEARNER, "/menu", language_code="en")
    await api.wait_text(LEARNER, "Choose a skill")
    api.press(LEARNER, f"skill:{lesson.skill}")
    await api.wait_text(LEARNER, "Choose a lesson:")
    await tap(api, LEARNER, lesson.title["en"], "Step 1 of")
    while not stop.is_set():
        await tap(api, LEARNER, "Next", "Step 2 of")
        await tap(api, LEARNER, "Back", "Step 1 of")


async def finish_lesson(api: FakeBotApi) -> None:
    """The learner completes a lesson with its quiz, so /progress has a ✓."""
    lesson = CATALOG.by_skill("shopping")[0]
    api.send_text(LEARNER, "/menu", language_code="en")
    await api.wait_text(LEARNER, "Choose a skill")
    await tap(api, LEARNER, "shopping", "Choose a lesson:")
    await walk_lesson(api, LEARNER, lesson)


async def answers(api: FakeBotApi, today: date) -> dict[str, str]:
    """What the admin's reports and the learner's progress say now."""
    asks = {"campaign": (ADMIN, "/stats"),
            "recent days": (ADMIN, f"/stats {today - timedelta(days=1)} {today}"),
            "progress": (LEARNER, "/progress"),
            "continue": (LEARNER, "/continue")}
    found = {}
    for name, (chat, command) in asks.items():
        api.send_text(chat, command, language_code="en")
        await api.wait_idle(quiet=0.2)
        found[name] = api.texts_to(chat)[-1]
    return found


def visits_by_volunteer(database: Path) -> dict[str, list[str]]:
    """The households each volunteer logged through the bot, as the database has them."""
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
        rows = conn.execute("SELECT hamlet, household FROM visits WHERE draft_id NOT LIKE "
                            "'prefill%' ORDER BY id").fetchall()
    found: dict[str, list[str]] = {}
    for hamlet, household in rows:
        found.setdefault(hamlet, []).append(household)
    return found


def table_rows(database: Path, *tables: str) -> list[tuple[object, ...]]:
    """Every row of the tables, in order."""
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
        return [row for table in tables
                for row in conn.execute(f"SELECT * FROM {table} ORDER BY rowid")]


def restore(copy: Path, database: Path) -> None:
    """docs/DEPLOYMENT.md, "Restoring": the bot is stopped; the copy replaces the database and
    the old database's -wal and -shm files go (SQLite would apply them to the copy)."""
    shutil.copyfile(copy, database)
    for end in ("-wal", "-shm"):
        database.with_name(database.name + end).unlink(missing_ok=True)


async def test_backup_while_the_bot_writes_then_restore_gives_the_same_figures(
        tmp_path: Path) -> None:
    database = tmp_path / "live" / "bot.db"
    database.parent.mkdir()
    await prepare(database)
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()  # one range for every /stats
    under_load, quiet = tmp_path / "copies" / "under-load.db", tmp_path / "copies" / "quiet.db"
    under_load.parent.mkdir()  # backup creates no folder
    async with FakeBotApi() as api:
        async with bot_process(api, database):
            api.send_text(ADMIN, "/start", language_code="en")
            await api.wait_text(ADMIN, "Hello", timeout=30)
            api.send_text(LEARNER, "/start", language_code="en")
            await api.wait_text(LEARNER, "Hello")

            # 1. A copy while two volunteers log visits and a learner moves through lessons.
            saved: dict[int, list[int]] = {chat: [] for chat in VOLUNTEERS}
            stop = asyncio.Event()
            load = [asyncio.create_task(log_visits(api, chat, saved[chat], stop))
                    for chat in VOLUNTEERS] + [asyncio.create_task(walk_lessons(api, stop))]
            await api.wait_for(lambda: all(len(s) >= 2 for s in saved.values()), timeout=30)
            confirmed_before = {chat: len(s) for chat, s in saved.items()}
            code, output = await backup_command(database, str(under_load))
            await api.wait_for(lambda: all(len(s) >= confirmed_before[c] + 3
                                           for c, s in saved.items()), timeout=30)
            stop.set()
            await asyncio.gather(*load)
            assert code == 0, output
            assert f"Backed up {database} to {under_load}" in output
            assert under_load.stat().st_mode & 0o077 == 0  # personal data: owner only

            # 2. A copy while the bot runs idle; the original changes afterwards.
            await finish_lesson(api)
            before = await answers(api, today)
            rows_before = table_rows(database, "visits", "lesson_progress", "quiz_answers")
            code, output = await backup_command(database, str(quiet), "--config",
                                                str(ROOT / "config.yaml"))
            assert code == 0, output
            for chat in VOLUNTEERS:
                await log_visit(api, chat, len(saved[chat]) + 1)
            await tap(api, LEARNER, "Next", "Step")
            after = await answers(api, today)
            assert after["recent days"] != before["recent days"]
            assert after["continue"] != before["continue"]

        # The copy under load is a snapshot: each volunteer's visits a gap-free prefix, with at
        # least every visit confirmed before the backup started.
        code, output = await backup_command(database, "--check", str(under_load))
        assert code == 0 and "integrity ok" in output, output
        copied = visits_by_volunteer(under_load)
        for chat in VOLUNTEERS:
            households = copied.get(f"Thôn {chat}", [])
            assert households == [f"Nhà số {n}" for n in range(1, len(households) + 1)]
            assert confirmed_before[chat] <= len(households) <= len(saved[chat])

        # Restore the idle copy and start the bot on it: it answers as when the copy was made.
        restore(quiet, database)
        assert table_rows(database, "visits", "lesson_progress", "quiz_answers") == rows_before
        async with bot_process(api, database):
            api.send_text(ADMIN, "/start", language_code="en")
            await api.wait_text(ADMIN, "Hello", timeout=30)
            restored = await answers(api, today)
    assert restored == before
    assert "✓ " + CATALOG.by_skill("shopping")[0].title["en"] in restored["progress"]


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small live database (as the bot leaves it: WAL mode), named by BOT_DATABASE."""
    database = tmp_path / "bot.db"
    monkeypatch.setenv("BOT_DATABASE", str(database))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)

    async def create() -> None:
        db = await open_database(database)
        await users.touch(db, "telegram", "1", "vi", datetime.now(UTC))
        await db.close()

    asyncio.run(create())
    return database


def backup(*args: object) -> int:
    """`python -m bot backup ...` in this process (the refusals need no running bot)."""
    return main(["backup", *map(str, args)])


def test_refused_onto_the_live_database_a_directory_or_an_existing_file(
        live: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    original = live.read_bytes()
    for target in (live, tmp_path / "." / "bot.db", live.with_name("bot.db-wal")):
        assert backup(target, "--force") == 2
        assert "is the live database" in capsys.readouterr().err
    assert live.read_bytes() == original
    assert backup(tmp_path) == 2
    assert "is a directory" in capsys.readouterr().err
    existing = tmp_path / "old.db"
    existing.write_text("an older copy")
    assert backup(existing) == 2
    assert "already exists" in capsys.readouterr().err
    assert existing.read_text() == "an older copy"
    assert backup(existing, "--force") == 0
    assert f"Backed up {live} to {existing}" in capsys.readouterr().out
    # A copy of everyone's data is on the record, made by the command line (no actor).
    with closing(sqlite3.connect(live)) as conn:
        entries = conn.execute("SELECT actor_id, action, detail FROM audit_log").fetchall()
    assert [(actor, action) for actor, action, _ in entries] == [(None, "backup")]
    assert '"event":"backup_made"' in entries[0][2]
    assert backup("--check", existing) == 0
    assert "integrity ok" in capsys.readouterr().out


def test_nothing_to_back_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BOT_DATABASE", str(tmp_path / "missing.db"))
    assert backup(tmp_path / "copy.db") == 2
    said = capsys.readouterr().err
    assert "No database at" in said and "BOT_DATABASE" in said
    assert not (tmp_path / "copy.db").exists()


def test_a_failed_copy_leaves_no_file(live: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    live.unlink()
    for end in ("-wal", "-shm"):
        live.with_name(live.name + end).unlink(missing_ok=True)
    live.write_bytes(b"not a database, but a file in its place " * 200)
    target = tmp_path / "copies" / "copy.db"
    target.parent.mkdir()
    assert backup(target) == 1
    assert "Backup failed" in capsys.readouterr().err
    assert not target.exists() and list(target.parent.iterdir()) == []


def test_check_tells_a_sound_copy_from_a_damaged_or_newer_one(
        live: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "copy.db"
    assert backup(copy) == 0
    assert backup("--check", copy) == 0
    said = capsys.readouterr().out
    assert "integrity ok" in said and "1 users" in said
    assert backup("--check", tmp_path / "nothing.db") == 2
    assert "No file at" in capsys.readouterr().err

    newer = tmp_path / "newer.db"
    shutil.copyfile(copy, newer)
    with closing(sqlite3.connect(newer)) as conn:
        conn.execute("PRAGMA user_version = 999")
    assert backup("--check", newer) == 1
    assert "newer than this bot" in capsys.readouterr().err

    damaged = tmp_path / "damaged.db"
    data = bytearray(copy.read_bytes())
    page = 4096
    data[2 * page:len(data)] = bytes([0x5A]) * (len(data) - 2 * page)  # pages 3.. overwritten
    damaged.write_bytes(bytes(data))
    assert backup("--check", damaged) == 1
    said = capsys.readouterr().err
    assert "integrity check" in said or "not a sound database" in said
