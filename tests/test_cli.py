"""The command line itself: help for every argument, refusals before writing, and an unusable
database path said in one line (exit 2), for the bot and for every tool that opens it."""

from __future__ import annotations

import argparse
import asyncio
import os
import stat
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.__main__ import build_parser, main
from bot.storage import teams, users
from bot.storage.db import open_database
from tests.factories import ANH_SON, ROOT, TOKEN, add_visit
from tests.fakes.telegram import FakeBotApi


def parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """The parser and every subcommand's, at any depth."""
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                yield from parsers(child)


def test_every_argument_of_every_command_has_help() -> None:
    seen = set()
    for parser in parsers(build_parser()):
        assert parser.description, f"{parser.prog} has no description"
        for action in parser._actions:
            seen.add(f"{parser.prog} {action.dest}")
            assert action.help and action.help != argparse.SUPPRESS, \
                f"{parser.prog}: {action.option_strings or action.dest} has no help"
    assert {"python -m bot name", "python -m bot export force", "python -m bot backup file",
            "python -m bot teams import file", "python -m bot backup config"} <= seen


def test_help_is_printed_for_each_command() -> None:
    for command in ([], ["export"], ["backup"], ["teams", "import"], ["lessons", "check"]):
        done = subprocess.run([sys.executable, "-m", "bot", *command, "--help"], cwd=ROOT,
                              capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0 and done.stdout.startswith("usage: python -m bot"), command
    assert "--name NAME" in subprocess.run(
        [sys.executable, "-m", "bot", "--help"], cwd=ROOT, capture_output=True, text=True,
        timeout=60, check=True).stdout


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database named by BOT_DATABASE with one visit on 2 October 2026."""
    path = tmp_path / "bot.db"
    monkeypatch.setenv("BOT_DATABASE", str(path))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)

    async def create() -> None:
        db = await open_database(path)
        now = datetime(2026, 10, 2, 3, tzinfo=UTC)
        try:
            lan = await users.touch(db, "console", "local", "vi", now)
            team = await teams.create(db, "NA4K7Q", "Tổ CNS thôn 3", ANH_SON, None, now)
            await teams.join(db, lan.id, team.id, "Lan", now)
            await add_visit(db, lan.id, team.id, now)
        finally:
            await db.close()

    asyncio.run(create())
    return path


def export(*args: object) -> int:
    return main(["export", "--from", "2026-10-01", "--to", "2026-10-10", *map(str, args)])


def test_export_refuses_to_replace_a_file_without_force(
        database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "report.xlsx"
    assert export("--out", book) == 0
    written = book.read_bytes()
    book.write_bytes(b"last month's report")
    assert export("--out", book) == 2
    said = capsys.readouterr().err
    assert said == (f"Refused: {book} already exists. Choose a new name, or add --force to "
                    "replace it.\n")
    assert book.read_bytes() == b"last month's report"
    assert export("--out", book, "--force") == 0
    assert book.read_bytes()[:2] == written[:2] == b"PK"  # a workbook again

    folder = tmp_path / "csv"
    assert export("--csv", folder) == 0
    files = sorted(folder.iterdir())
    stamps = [path.stat().st_mtime_ns for path in files]
    capsys.readouterr()
    assert export("--csv", folder) == 2
    said = capsys.readouterr().err
    assert said.startswith("Refused: ") and all(str(path) in said for path in files)
    assert "--force" in said and [path.stat().st_mtime_ns for path in files] == stamps
    assert export("--csv", folder, "--from", "2026-10-02") == 0  # another period: new names
    assert export("--csv", folder, "--force") == 0


def test_export_files_and_the_folders_made_for_them_are_private(
        database: Path, tmp_path: Path) -> None:
    book = tmp_path / "reports" / "2026" / "report.xlsx"
    folder = tmp_path / "csv" / "october"
    replaced = tmp_path / "old.xlsx"
    replaced.write_bytes(b"last month's report")
    replaced.chmod(0o644)
    before = stat.S_IMODE(tmp_path.stat().st_mode)
    old = os.umask(0)  # whatever is private is so because the export made it so
    try:
        assert export("--out", book, "--csv", folder) == 0
        assert export("--out", replaced, "--force") == 0
    finally:
        os.umask(old)
    written = [book, replaced, *sorted(folder.iterdir())]
    assert len(written) == 5
    assert {path: stat.S_IMODE(path.stat().st_mode) for path in written} == dict.fromkeys(
        written, 0o600)
    made = [book.parent, book.parent.parent, folder, folder.parent]
    assert {path: stat.S_IMODE(path.stat().st_mode) for path in made} == dict.fromkeys(
        made, 0o700)
    assert stat.S_IMODE(tmp_path.stat().st_mode) == before  # a folder that existed: not ours
    with zipfile.ZipFile(book) as workbook:
        texts = [workbook.read(name).decode() for name in workbook.namelist()]
    texts += [path.read_text("utf-8-sig") for path in written[2:]]
    assert not [text for text in texts if "NA4K7Q" in text]  # the team's join code


def test_backup_does_not_create_missing_folders(
        database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "backups" / "2026" / "bot.db"
    assert main(["backup", str(target)]) == 2
    assert capsys.readouterr().err == (
        f"Refused: the folder {target.parent} does not exist. Create it first, or name a file "
        "in a folder that exists.\n")
    assert not (tmp_path / "backups").exists()
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert main(["backup", str(blocker / "bot.db")]) == 2
    assert f"{blocker} is a file, not a folder" in capsys.readouterr().err
    target.parent.mkdir(parents=True)
    assert main(["backup", str(target)]) == 0


def unusable(tmp_path: Path, kind: str) -> Path:
    """A database path that cannot be used, of the given kind."""
    if kind == "directory":
        (tmp_path / "data").mkdir()
        return tmp_path / "data"
    if kind == "under a file":
        (tmp_path / "data").write_text("a file where the folder should be")
        return tmp_path / "data" / "bot.db"
    (tmp_path / "notes.db").write_text("not a database, but a file in its place " * 100)
    return tmp_path / "notes.db"


KINDS = ["directory", "under a file", "not SQLite"]
REASONS = {"directory": "is a directory", "under a file": "is a file, not a folder",
           "not SQLite": "is not a SQLite database"}


@pytest.mark.parametrize("kind", KINDS)
def test_the_bot_on_an_unusable_database_says_so_in_one_line(tmp_path: Path, kind: str) -> None:
    path = unusable(tmp_path, kind)
    env = {"PATH": os.environ["PATH"], "BOT_DATABASE": str(path), "LANG": "C.UTF-8",
           "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run([sys.executable, "-m", "bot"], input="/quit\n", cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stdout == ""  # not "chatting in this terminal" before it could start
    line, = done.stderr.splitlines()
    assert line.startswith(f"Cannot start: cannot use {path} as the database: ")
    assert REASONS[kind] in line and "BOT_DATABASE" in line


@pytest.mark.parametrize("kind", KINDS)
def test_the_tools_on_an_unusable_database_say_so_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        kind: str) -> None:
    path = unusable(tmp_path, kind)
    monkeypatch.setenv("BOT_DATABASE", str(path))
    csv = tmp_path / "teams.csv"
    csv.write_text("code,name,commune\n", encoding="utf-8")
    for argv in (["export", "--from", "2026-10-01", "--to", "2026-10-10", "--out",
                  str(tmp_path / "r.xlsx")], ["teams", "import", str(csv)]):
        assert main(argv) == 2, argv
        out, err = capsys.readouterr()
        line, = err.splitlines()
        assert f"cannot use {path} as the database: " in line and REASONS[kind] in line, argv
        assert out == ""


async def test_the_bot_on_telegram_says_so_too(tmp_path: Path) -> None:
    path = unusable(tmp_path, "not SQLite")
    async with FakeBotApi() as api:
        env = {**os.environ, "BOT_DATABASE": str(path), "TELEGRAM_BOT_TOKEN": TOKEN,
               "TELEGRAM_API_URL": api.base_url}
        bot = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(bot.communicate(), 60)
    assert bot.returncode == 2 and out == b""
    line, = err.decode().splitlines()
    assert line.startswith(f"Cannot start: cannot use {path} as the database: the file is not")


def test_admin_in_the_terminal_needs_a_numeric_user(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "--admin", "--user", "local"],
                            input="", cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "BOT_DATABASE": str(tmp_path / "b.db")},
                            check=False)
    assert result.returncode == 2
    assert result.stderr.strip() == "--admin needs a user id made of digits (--user 7, say)"
