"""Logging a household visit: /visit (a guided form) and /myvisits. (Being written.)"""

from __future__ import annotations

from bot.core.events import Reply
from bot.core.router import Context, Router


async def start_prefilled(ctx: Context, commune_code: str, hamlet: str, household: str
                          ) -> list[Reply]:
    """Open the /visit form with these fields filled in (from a finished help request)."""
    raise NotImplementedError


def register(router: Router) -> None:
    """Add this feature's commands, buttons and flows."""
