"""What a team's join code and name must look like, and making new codes."""

from __future__ import annotations

import re
import secrets

JOIN_CODE = re.compile(r"^[A-Z0-9]{4,12}$")
# No 0/O, 1/I/L: codes are read aloud and copied from paper.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
MIN_NAME, MAX_NAME = 2, 60  # characters of a team's name


def new_join_code() -> str:
    """A random six-character join code."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))


def is_team_name(name: str) -> bool:
    """Whether a (normalized) team name has an acceptable length."""
    return MIN_NAME <= len(name) <= MAX_NAME
