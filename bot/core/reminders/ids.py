"""The reminders' button verb."""

from bot.core.payloads import SLUG, Verb

CHOOSE = Verb("rmd", (SLUG, SLUG))  # "on" or "off", the lesson it was offered in ("0": none)
ON, OFF, NO_LESSON = "on", "off", "0"
