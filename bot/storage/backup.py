"""Consistent copies of the database while the bot runs (SQLite's online backup API)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path


def backup(source: Path, target: Path, pages_per_step: int = 1024) -> int:
    """Copy the live database at source to target; return the copy's size in bytes.

    The backup API copies a consistent snapshot even while the bot writes (WAL mode); it
    proceeds in steps so writers are never blocked for long. The copy is written beside the
    target and renamed into place, so a half-written file never has the target's name.
    """
    if not source.is_file():
        raise FileNotFoundError(f"no database at {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src, \
            closing(sqlite3.connect(partial)) as dst:
        src.backup(dst, pages=pages_per_step)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        check = dst.execute("PRAGMA integrity_check").fetchone()
    if not check or check[0] != "ok":
        partial.unlink(missing_ok=True)
        raise sqlite3.DatabaseError(f"the copy failed its integrity check: {check}")
    partial.replace(target)
    return target.stat().st_size
