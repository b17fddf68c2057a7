"""What an export must not carry or expose: no join code, no deleted visit, and files only
their owner can read (0600, in folders 0700), in the chat and on the command line."""

from __future__ import annotations

import asyncio
import csv
import errno
import io
import os
import shutil
import stat
import zipfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import IO

import openpyxl
import pytest

from bot.__main__ import main
from bot.app import App, open_app
from bot.core.exports import files
from bot.core.exports import run as report
from tests.core.exports.test_exports import (
    DELETED_HOUSEHOLD,
    JOIN_CODES,
    add_visit,
    chat,
    seed,
    sheet_rows,
    utc,
)
from tests.factories import make_config, running_app


@pytest.fixture
async def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[App]:
    monkeypatch.setattr(report, "EXPORT_DIR", tmp_path / "exports")
    async with running_app(tmp_path) as opened:
        yield opened


@pytest.fixture
def open_umask() -> Iterator[None]:
    """No umask at all: whatever is private is so because the export made it so."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def every_text(paths: list[Path]) -> str:
    """Everything the files hold as text: each member of a workbook, each CSV file."""
    texts = []
    for path in paths:
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                texts += [book.read(name).decode("utf-8") for name in book.namelist()]
        else:
            texts.append(path.read_text("utf-8-sig"))
    return "\n".join(texts)


def csv_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"))))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_the_chat_export_names_teams_by_number_never_by_join_code(app: App) -> None:
    seeded = await seed(app)
    reply = await chat(app).say("/export 01/10/2026 10/10/2026")
    paths = [Path(p) for p in reply.documents]
    assert len(paths) == 4
    assert not [code for code in JOIN_CODES if code in every_text(paths)]
    book = openpyxl.load_workbook(paths[0])
    teams = sheet_rows(book["Teams"])
    assert "Team code" not in teams[0] and list(teams[0])[:2] == ["Team no.", "Team"]
    assert {r["Team no."]: r["Team"] for r in teams}[seeded.team] == "Tổ công nghệ số thôn 3"
    visits = sheet_rows(book["Visits"])
    assert "Team code" not in visits[0]
    assert {(r["Team no."], r["Team"]) for r in visits} == {
        (seeded.team, "Tổ công nghệ số thôn 3")}
    assert {r["Team no."] for r in csv_rows(paths[1])} == {str(seeded.team)}


async def test_deleted_visits_are_left_out_and_the_counts_agree(app: App) -> None:
    seeded = await seed(app)
    admin = chat(app)
    reply = await admin.say("/export 01/10/2026 10/10/2026")
    assert "4 visits" in reply.text
    paths = [Path(p) for p in reply.documents]
    assert DELETED_HOUSEHOLD not in every_text(paths)
    visits = sheet_rows(openpyxl.load_workbook(paths[0])["Visits"])
    assert len(visits) == len(csv_rows(paths[1])) == 4
    assert seeded.visits["deleted"] not in {r["Visit no."] for r in visits}
    assert not {"Deleted", "Deleted at"} & set(visits[0])

    # A day with nothing but a deleted visit (one the household withdrew, say) has nothing
    # to export: no file with no rows, and no "0 visits".
    await add_visit(app.services.db, 1, seeded.team, utc(20, 3), "Hộ rút lại",
                    deleted_at=utc(20, 4))
    empty = await admin.say("/export 20/10/2026 20/10/2026")
    assert "Nothing to export" in empty.text and not empty.documents


async def test_the_chat_export_files_are_private_whatever_the_umask(
        app: App, open_umask: None) -> None:
    await seed(app)
    reply = await chat(app).say("/export 01/10/2026 10/10/2026")
    paths = [Path(p) for p in reply.documents]
    assert [mode(p) for p in paths] == [0o600] * 4
    assert mode(paths[0].parent) == mode(report.EXPORT_DIR) == 0o700


def test_the_command_line_export_carries_no_join_code_nor_deleted_visit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("BOT_DATABASE", str(tmp_path / "bot.db"))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)

    async def prepare() -> None:
        opened = await open_app(make_config(tmp_path))
        try:
            await seed(opened)
        finally:
            await opened.close()

    asyncio.run(prepare())
    out, folder = tmp_path / "report.xlsx", tmp_path / "csv"
    assert main(["export", "--from", "2026-10-01", "--to", "2026-10-10", "--out", str(out),
                 "--csv", str(folder), "--locale", "en"]) == 0
    assert "4 visits" in capsys.readouterr().out
    paths = [out, *sorted(folder.iterdir())]
    text = every_text(paths)
    assert not [code for code in JOIN_CODES if code in text]
    assert DELETED_HOUSEHOLD not in text
    assert len(sheet_rows(openpyxl.load_workbook(out)["Visits"])) == 4


def test_a_file_moved_across_file_systems_is_never_readable_by_others(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, open_umask: None) -> None:
    work, target = tmp_path / "work", tmp_path / "out" / "new" / "report.csv"
    work.mkdir()
    source = work / "report.csv"
    os.close(files.create_private(source))
    source.write_bytes(b"household\n" * 1000)
    target.parent.parent.mkdir(mode=0o755)
    target.parent.parent.chmod(0o755)
    replace = Path.replace

    def across(self: Path, to: Path) -> Path:
        if self.parent == work:  # the rename from the work folder: another file system
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return replace(self, to)

    copied_modes: list[int] = []
    copy = shutil.copyfileobj

    def watched(data: IO[bytes], out: IO[bytes], length: int = 0) -> None:
        copied_modes.append(stat.S_IMODE(os.fstat(out.fileno()).st_mode))
        copy(data, out, length)

    monkeypatch.setattr(Path, "replace", across)
    monkeypatch.setattr(shutil, "copyfileobj", watched)
    assert files.move_into_place(source, target) == target
    assert copied_modes == [0o600]  # private before the first byte is written
    assert target.read_bytes() == b"household\n" * 1000 and mode(target) == 0o600
    assert not source.exists() and [p.name for p in target.parent.iterdir()] == ["report.csv"]
    assert mode(target.parent) == 0o700 and mode(target.parent.parent) == 0o755  # not ours
