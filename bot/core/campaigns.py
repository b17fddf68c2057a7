"""Campaigns from the configuration, and freezing their figures when they end. (Being written.)"""

from __future__ import annotations

from bot.core.router import Context


async def ensure_frozen(ctx: Context) -> None:
    """Freeze every campaign that has ended and is not frozen yet (call before changing visits)."""
