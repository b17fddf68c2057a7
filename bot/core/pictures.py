"""Charts drawn to PNG files in the system's temporary folder, one drawing at a time, in a
worker thread so the event loop keeps answering everyone meanwhile.

matplotlib's object API keeps each chart's state in its own Figure, but the font cache and
text layout it shares between figures are not documented as thread-safe: DRAWING is held
around every drawing, whichever feature draws.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

CHART_PREFIX = "cnscd-chart-"
KEEP_FILES_FOR = 3600.0  # seconds: a chart is sent within moments; older files are litter
FONT = "DejaVu Sans"  # matplotlib ships it; it has every Vietnamese letter and tone mark
DRAWING = threading.Lock()


def new_path() -> Path:
    """A fresh file in the system's temporary directory; charts left from earlier are removed."""
    folder = Path(tempfile.gettempdir())
    limit = time.time() - KEEP_FILES_FOR
    for old in folder.glob(f"{CHART_PREFIX}*.png"):
        with contextlib.suppress(OSError):  # another process may have removed it already
            if old.stat().st_mtime < limit:
                old.unlink()
    handle, name = tempfile.mkstemp(prefix=CHART_PREFIX, suffix=".png")
    os.close(handle)
    return Path(name)


def _drawn(draw: Callable[[Path], None]) -> str:
    path = new_path()
    try:
        with DRAWING:
            draw(path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return str(path)


async def render(draw: Callable[[Path], None]) -> str:
    """Run draw(path) in a worker thread, one drawing at a time; the PNG file's path."""
    return await asyncio.to_thread(_drawn, draw)
