"""Privacy: /privacy says what is kept, /deleteme erases it, /audit shows who did what."""

from bot.core.privacy.commands import register

__all__ = ["register"]
