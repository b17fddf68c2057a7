"""Network faults logged once per episode, not once per message.

When Telegram is unreachable, slow or overloaded, every send and every poll fails the same way;
a traceback for each would bury the log. The transport reports each call's fate here: the first
failure of a kind is logged as one warning, later ones are only counted, and the first call
that works again closes the episode with one line saying how many calls failed meanwhile.
"""

from __future__ import annotations

import logging
import time
import warnings
from datetime import timedelta

from telegram.error import BadRequest, NetworkError, RetryAfter

log = logging.getLogger("bot.telegram.network")


class FaultLog:
    """Counts failed Bot API calls by kind and logs the start and end of each episode."""

    def __init__(self, calls: str = "Telegram Bot API") -> None:
        self.calls = calls  # which calls: polling and sends keep separate episodes
        self._open: dict[str, int] = {}  # kind -> calls failed since the episode began
        self._since = 0.0

    @property
    def faulty(self) -> bool:
        """True while an episode is open (a call failed and none has worked since)."""
        return bool(self._open)

    def failed(self, kind: str, detail: str) -> None:
        """A call failed: logged if it is the first of its kind in this episode."""
        if not self._open:
            self._since = time.monotonic()
        if kind not in self._open:
            log.warning("%s: %s (%s); the bot retries, further failures of this kind are "
                        "counted until calls work again", self.calls, kind, detail)
            self._open[kind] = 0
        self._open[kind] += 1

    def worked(self) -> None:
        """A call got an answer: an open episode ends with one line."""
        if not self._open:
            return
        counts = ", ".join(f"{count} × {kind}" for kind, count in self._open.items())
        log.warning("%s work again after %.0f s (%s)", self.calls,
                    time.monotonic() - self._since, counts)
        self._open.clear()


def is_network_fault(exc: BaseException | None) -> bool:
    """A failure of the network or of Telegram's servers, already logged by the transport."""
    # PTB derives BadRequest from NetworkError, but a refused request is our fault, not the
    # network's: it is logged in full where it happens.
    return isinstance(exc, NetworkError | RetryAfter) and not isinstance(exc, BadRequest)


def retry_after_seconds(exc: RetryAfter) -> float:
    """How long Telegram asked us to wait (the attribute's type is changing in PTB 22)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
