"""Teams: /join with a code, /newteam, /team, and the CSV import."""

from bot.core.teams.admin import register

__all__ = ["register"]
