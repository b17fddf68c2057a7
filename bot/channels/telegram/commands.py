"""Register the command list, with descriptions in each language (setMyCommands)."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScope, BotCommandScopeChat
from telegram.error import TelegramError

from bot.core.router import ADMINS, EVERYONE, VOLUNTEERS, Router
from bot.i18n import Translations

log = logging.getLogger(__name__)


async def register_commands(bot: Bot, router: Router, translations: Translations,
                            admins: frozenset[int] = frozenset()) -> None:
    """Set the command menu per language (and a fuller one in admins' chats); log errors."""
    targets: list[str | None] = [None, *translations.locales]
    scopes: list[tuple[BotCommandScope | None, tuple[str, ...]]] = [(None, (EVERYONE,))]
    scopes += [(BotCommandScopeChat(admin), (EVERYONE, VOLUNTEERS, ADMINS))
               for admin in sorted(admins)]
    for scope, audiences in scopes:
        for language in targets:
            t = translations.get(language or translations.default)
            commands = [BotCommand(c.name, t._(c.description))
                        for c in router.listed_commands(audiences)]
            try:
                await bot.set_my_commands(commands, scope=scope, language_code=language)
            except TelegramError as exc:  # e.g. an admin who never opened the bot
                log.warning("could not register the command list (%s, %s): %s",
                            language or "default", scope or "all chats", exc)
