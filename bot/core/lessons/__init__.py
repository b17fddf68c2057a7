"""Lessons: short steps and a quiz for each of the five skills, progress, and lesson search.

- ids.py: the lessons' button verbs (the ways into a lesson are in shared/menus.py).
- catalog.py: the lesson model, loading lessons/*.yaml, and every check a writer needs.
- glossary.py: the writing rules of lessons/glossary.yaml (one term per concept, no author notes).
- journey.py: a skill's lessons, the steps, the quiz, /continue.
- progress.py: /progress, skills mastered.
- search.py: the search index (accents, typos, abbreviations, English).
- finder.py: /search and free text answered with the best lessons.
"""

from bot.core.lessons import finder, journey, progress
from bot.core.lessons.catalog import Catalog, CatalogError, Lesson, check_catalog, load_catalog
from bot.core.lessons.finder import free_text
from bot.core.lessons.journey import mastered_all, unfinished_lesson
from bot.core.lessons.search import SearchIndex
from bot.core.router import Router


def register(router: Router) -> None:
    """Add the lessons' commands and buttons."""
    journey.register(router)
    progress.register(router)


def register_search(router: Router) -> None:
    """Add /search (listed last in /help, beside the free-text search it names)."""
    finder.register(router)


__all__ = ["Catalog", "CatalogError", "Lesson", "SearchIndex", "check_catalog", "free_text",
           "load_catalog", "mastered_all", "register", "register_search", "unfinished_lesson"]
