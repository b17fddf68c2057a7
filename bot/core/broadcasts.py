"""(Being written.)"""

from __future__ import annotations

from bot.core.router import Router


def register(router: Router) -> None:
    """Add this feature's commands, buttons and flows."""
