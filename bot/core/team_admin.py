"""Teams: /join with a code, /newteam for admins, /team to see and manage members."""

from __future__ import annotations

from bot.core.router import Router


def register(router: Router) -> None:
    """Add this feature's commands, buttons and flows."""
