"""Help in person: a citizen asks, the commune's volunteers are told, one of them goes."""

from bot.core.help.requests import register

__all__ = ["register"]
