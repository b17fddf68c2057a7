"""The per-person flood brake's numbers from config.yaml (`flood:`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class FloodConfigError(ValueError):
    """The flood section is invalid; the message says how to write it."""


@dataclass(frozen=True)
class Flood:
    """Updates one chat identity may send at once (burst), then a second (per_second)."""

    burst: int = 120
    per_second: float = 1.0


def flood_config(raw: Any) -> Flood:
    """The brake's numbers; a missing section keeps the defaults."""
    if raw is None:
        return Flood()
    burst = raw.get("burst", Flood.burst) if isinstance(raw, dict) else None
    rate = raw.get("per_second", Flood.per_second) if isinstance(raw, dict) else None
    if (not isinstance(raw, dict) or set(raw) - {"burst", "per_second"}
            or not isinstance(burst, int) or isinstance(burst, bool) or not 10 <= burst <= 100_000
            or not isinstance(rate, int | float) or isinstance(rate, bool)
            or not 0.1 <= rate <= 1000):
        raise FloodConfigError(
            "flood: a mapping with burst (updates one person may send at once, 10 to 100000) "
            "and per_second (then this many a second, 0.1 to 1000)")
    return Flood(burst, float(rate))
