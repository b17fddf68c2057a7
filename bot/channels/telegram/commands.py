"""Register the command list, with descriptions in each language (setMyCommands)."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand
from telegram.error import TelegramError

from bot.core.router import Router
from bot.i18n import Translations

log = logging.getLogger(__name__)


async def register_commands(bot: Bot, router: Router, translations: Translations) -> None:
    """Set the menu of commands for each language and the default; log, don't fail, on error."""
    targets: list[str | None] = [None, *translations.locales]
    for language in targets:
        t = translations.get(language or translations.default)
        commands = [BotCommand(c.name, t._(c.description)) for c in router.listed_commands()]
        try:
            await bot.set_my_commands(commands, language_code=language)
        except TelegramError as exc:
            log.warning("could not register the command list for %s: %s", language or "default",
                        exc)
