"""Linked accounts: one person on two chat apps (Telegram and Zalo) keeps one progress, team
and role. /link shows a one-time code; typed on the other app (/link CODE) it links the two.

- commands.py: /link, with and without a code
"""

from bot.core.links.commands import link
from bot.core.router import Router
from bot.i18n import N_


def register(router: Router) -> None:
    """Add /link."""
    router.command("link", N_("Use me on another chat app too, with the same progress"), link)


__all__ = ["register"]
