"""Lessons: the catalog, the citizen's journey (steps, quiz), /progress and lesson search."""

from bot.core.lessons import finder, journey, progress
from bot.core.lessons.finder import free_text
from bot.core.router import Router


def register(router: Router) -> None:
    """Add the lessons' commands and buttons."""
    journey.register(router)
    progress.register(router)


def register_search(router: Router) -> None:
    """Add /search (listed last in /help, beside the free-text search it names)."""
    finder.register(router)


__all__ = ["free_text", "register", "register_search"]
