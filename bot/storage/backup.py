"""Consistent copies of the database while the bot runs (SQLite's online backup API)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path


def backup(source: Path, target: Path, pages_per_step: int = -1) -> int:
    """Copy the live database at source to target; return the copy's size in bytes.

    The backup API copies a consistent snapshot even while the bot writes: in WAL mode a
    reader blocks no writer, so the whole copy is one step by default. (Copied in smaller
    steps, SQLite restarts the copy whenever the bot commits between two steps, and a busy bot
    commits many times a second: the copy might never finish.) The copy is written beside the
    target and renamed into place, so a half-written file never has the target's name.
    """
    if not source.is_file():
        raise FileNotFoundError(f"no database at {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src, \
                closing(sqlite3.connect(partial)) as dst:
            src.backup(dst, pages=pages_per_step)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            check = dst.execute("PRAGMA integrity_check").fetchone()
        if not check or check[0] != "ok":
            raise sqlite3.DatabaseError(f"the copy failed its integrity check: {check}")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)
    return target.stat().st_size
