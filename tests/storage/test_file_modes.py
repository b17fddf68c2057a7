"""The database holds personal data (#15): created 0600 in folders created 0700, whatever the
umask of the process that starts the bot."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from bot.storage.db import open_database


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_a_new_database_and_its_folders_are_private(tmp_path: Path) -> None:
    path = tmp_path / "var" / "lib" / "bot.db"
    old = os.umask(0)  # the most permissive a process may have
    try:
        db = await open_database(path)
        try:
            await db.execute("CREATE TABLE probe (x)")  # writes the -wal file too
        finally:
            await db.close()
    finally:
        os.umask(old)
    assert mode(path) == 0o600
    assert mode(path.parent) == mode(path.parent.parent) == 0o700
    for extra in path.parent.glob("bot.db-*"):
        assert mode(extra) & 0o077 == 0, extra
