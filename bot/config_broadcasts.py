"""The `broadcasts:` section of config.yaml: pace, quiet hours, and the brakes on a hijacked
admin account (announcing big broadcasts to the other admins, a second admin's approval,
links outside the official domains flagged)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Any

FREE_RATE, PAID_RATE = 30, 1000  # Telegram's messages a second, free and paid broadcasts
_QUIET_HOURS = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
_DOMAIN = re.compile(r"^(?=.{3,253}$)([a-z0-9-]{1,63}\.)*[a-z0-9-]{1,63}$")
_KEYS = ("rate", "quiet_hours", "paid", "max_attempts", "announce_over",
         "require_second_admin", "official_domains")


class BroadcastConfigError(ValueError):
    """A broadcasts setting is invalid; the message names it."""


@dataclass(frozen=True)
class BroadcastConfig:
    """How broadcasts are delivered and the checks on who sends them."""

    rate: int = 25  # messages per second
    quiet_hours: tuple[time, time] | None = (time(21, 0), time(7, 0))  # local; None: never
    paid: bool = False  # allow_paid_broadcast: up to 1,000 messages/s, for a fee in Stars
    max_attempts: int = 5  # tries per recipient on timeouts and server errors
    # A broadcast to more people than this is announced at once to every other admin, with a
    # Stop button: a hijacked admin account cannot message everyone unseen.
    announce_over: int = 50
    # Such a broadcast waits until another admin approves it (two people for a big message).
    require_second_admin: bool = False
    # Links in a broadcast to other sites are flagged in its preview.
    official_domains: tuple[str, ...] = ("gov.vn",)


def broadcast_config(raw: Any) -> BroadcastConfig:
    """The validated settings from the file's `broadcasts:` mapping."""
    if raw is None:
        return BroadcastConfig()
    if not isinstance(raw, dict):
        raise BroadcastConfigError(f"broadcasts: must be a mapping ({', '.join(_KEYS)})")
    unknown = sorted(set(raw) - set(_KEYS))
    if unknown:
        raise BroadcastConfigError(f"broadcasts.{unknown[0]}: unknown key; allowed: "
                                   f"{', '.join(_KEYS)}")
    paid = _flag(raw, "paid")
    limit = PAID_RATE if paid else FREE_RATE
    hint = "" if paid else " (up to 1000 with paid: true)"
    return BroadcastConfig(
        rate=_whole(raw, "rate", 25, 1, limit, f"messages per second{hint}"),
        quiet_hours=_quiet_hours(raw.get("quiet_hours", "21:00-07:00")),
        paid=paid,
        max_attempts=_whole(raw, "max_attempts", 5, 1, 20, "tries per recipient"),
        announce_over=_whole(raw, "announce_over", 50, 0, 10_000_000,
                             "the people a broadcast may reach before the other admins are told"),
        require_second_admin=_flag(raw, "require_second_admin"),
        official_domains=_domains(raw.get("official_domains", ["gov.vn"])))


def _flag(raw: dict[str, Any], key: str) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise BroadcastConfigError(f"broadcasts.{key}: true or false")
    return value


def _whole(raw: dict[str, Any], key: str, default: int, low: int, high: int,
           meaning: str) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BroadcastConfigError(f"broadcasts.{key}: {meaning}, a whole number from {low} "
                                   f"to {high}")
    return value


def _domains(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BroadcastConfigError("broadcasts.official_domains: a list of domains, for "
                                   "example [gov.vn, nghean.gov.vn]")
    domains = tuple(v.strip().lower().lstrip(".") for v in value)
    bad = next((d for d in domains if not _DOMAIN.match(d)), None)
    if bad is not None:
        raise BroadcastConfigError(f"broadcasts.official_domains: '{bad[:60]}' is not a domain")
    return domains


def _quiet_hours(value: Any) -> tuple[time, time] | None:
    if value is None or value is False or value == "":
        return None  # no quiet hours
    match = _QUIET_HOURS.match(value.strip()) if isinstance(value, str) else None
    hours = [int(part) for part in match.groups()] if match else []
    if not match or hours[0] > 23 or hours[2] > 23 or hours[1] > 59 or hours[3] > 59 \
            or hours[:2] == hours[2:]:
        raise BroadcastConfigError("broadcasts.quiet_hours: local start and end such as "
                                   "\"21:00-07:00\", or null for none")
    return time(hours[0], hours[1]), time(hours[2], hours[3])
