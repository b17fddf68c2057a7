"""Faults logged once per episode, not once per message.

When a channel is unreachable, slow or overloaded, every send fails the same way; a line for
each would bury the log. Each failure is reported here: the first of a kind is logged as one
warning, later ones are only counted, and the first success closes the episode with one line
saying how many failed meanwhile.
"""

from __future__ import annotations

import logging
import time

_log = logging.getLogger(__name__)


class Episodes:
    """Counts failures by kind and logs the start and end of each episode."""

    def __init__(self, what: str, logger: logging.Logger | None = None) -> None:
        self.what = what  # e.g. "Telegram Bot API calls": polling and sends keep their own
        self._log = logger or _log
        self._open: dict[str, int] = {}  # kind -> failures since the episode began
        self._since = 0.0

    @property
    def faulty(self) -> bool:
        """True while an episode is open (a failure and no success since)."""
        return bool(self._open)

    def failed(self, kind: str, detail: str) -> None:
        """One failure: logged if it is the first of its kind in this episode."""
        if not self._open:
            self._since = time.monotonic()
        if kind not in self._open:
            self._log.warning("%s: %s (%s); the bot retries, further failures of this kind are "
                              "counted until they work again", self.what, kind, detail)
            self._open[kind] = 0
        self._open[kind] += 1

    def worked(self) -> None:
        """A success: an open episode ends with one line."""
        if not self._open:
            return
        counts = ", ".join(f"{count} × {kind}" for kind, count in self._open.items())
        self._log.warning("%s work again after %.0f s (%s)", self.what,
                          time.monotonic() - self._since, counts)
        self._open.clear()
