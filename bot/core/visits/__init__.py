"""Household visits: /visit (a guided form), /myvisits, and the figures /mystats, /teamstats."""

from bot.core.router import Router
from bot.core.visits import commands, figures


def register(router: Router) -> None:
    """Add the visit form, /myvisits and the figures."""
    commands.register(router)
    figures.register(router)


__all__ = ["register"]
