"""Private files and folders: an export holds personal data, so only its owner may read it.

Files are created 0600 and folders 0700 from the first moment (never created readable and
narrowed afterwards), whatever the umask, and a finished file is moved into place whole.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def create_private(path: Path) -> int:
    """Open path for writing, created or emptied, readable by its owner only; return its fd."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        # O_CREAT's mode applies only to a new file: one that existed keeps its own.
        os.fchmod(fd, FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def make_private_dirs(folder: Path) -> None:
    """Create folder and its missing parents, each 0700; folders that exist are left alone."""
    missing = []
    for level in (folder, *folder.parents):
        if level.is_dir():
            break
        missing.append(level)
    for level in reversed(missing):
        try:
            level.mkdir(mode=DIR_MODE)
        except FileExistsError:
            if level.is_dir():
                continue  # made meanwhile by someone else: not ours to change
            raise
        # The umask can only narrow mkdir's mode; this makes it exactly 0700 (still writable).
        level.chmod(DIR_MODE)


def move_into_place(source: Path, target: Path) -> Path:
    """Move a finished file to target (replacing it), its missing folders made 0700; return
    target. The file keeps its 0600 mode, and target never shows it half-written."""
    make_private_dirs(target.parent)
    try:
        source.replace(target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        _copy_across(source, target)
    return target


def _copy_across(source: Path, target: Path) -> None:
    # Another file system: shutil.move would copy into a new file of the default mode (0644)
    # and narrow it only at the end. mkstemp makes the copy 0600 beside the target instead,
    # then a rename puts it in place whole.
    fd, part = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as data:
            shutil.copyfileobj(data, out, 1 << 20)
        Path(part).replace(target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(part).unlink()
        raise
    source.unlink()
