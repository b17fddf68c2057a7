"""Broadcasts: admins send campaign notices to everyone or a part, now or scheduled."""

from bot.core.broadcasts.commands import register

__all__ = ["register"]
