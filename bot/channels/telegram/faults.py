"""Telegram's faults: which errors are the network's (logged once per episode by the
transport, bot/delivery/episodes.py) and how long flood control asks to wait."""

from __future__ import annotations

import logging
import warnings
from datetime import timedelta

from telegram.error import BadRequest, NetworkError, RetryAfter

from bot.delivery.episodes import Episodes

log = logging.getLogger("bot.telegram.network")


def fault_log(calls: str) -> Episodes:
    """Episodes of failed Bot API calls (polling and sends keep separate ones)."""
    return Episodes(calls, log)


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
