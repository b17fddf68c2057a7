"""Reports for admins and team leaders: /stats, /chart, /leaderboard."""

from bot.core.reports.stats import register

__all__ = ["register"]
