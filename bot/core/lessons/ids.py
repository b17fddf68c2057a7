"""The lessons' button verbs (SKILL, OPEN_LESSON, CONTINUE, PROGRESS: in shared/menus)."""

from bot.core.payloads import NUMBER, SLUG, Verb

GO = Verb("go", (SLUG, NUMBER, NUMBER))  # lesson, from position, to position
ANSWER = Verb("ans", (SLUG, NUMBER, NUMBER))  # lesson, question, choice
