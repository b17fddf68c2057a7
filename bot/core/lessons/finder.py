"""/search and free text: offer the three lessons that best match what the user typed."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.router import Router
from bot.core.shared.menus import OPEN_LESSON, main_menu, menu_button, start
from bot.core.shared.messages import clip
from bot.core.shared.roles import sees_handbook
from bot.core.shared.skills import HANDBOOK, SKILLS
from bot.core.shared.text import fold
from bot.i18n import N_

GREETINGS = frozenset({"xin chao", "chao", "chao ban", "chao bot", "hello", "hi", "alo",
                       "xin chao bot", "hey"})
MAX_QUERY = 200


async def search_command(ctx: Context, args: str) -> list[Reply]:
    """/search words: the best lessons for the words, or how to use the command."""
    if not args.strip():
        return [Reply(ctx.t._("Type what you are looking for after the command, for example: "
                              "/search dịch vụ công"))]
    return await find(ctx, args)


async def free_text(ctx: Context, text: str) -> list[Reply]:
    """Anything typed that is not a command or an expected answer."""
    if fold(text).strip(" !.?") in GREETINGS:
        return await start(ctx, "")
    return await find(ctx, text)


async def find(ctx: Context, query: str) -> list[Reply]:
    """Lessons matching query as buttons, or a clear 'nothing found' with the skills."""
    t = ctx.t
    query = query[:MAX_QUERY]
    allowed = set(SKILLS) | ({HANDBOOK} if sees_handbook(ctx) else set())
    hits = ctx.services.search.search(query, limit=3, allowed=allowed)
    shown = clip(query, 60)
    if not hits:
        return [main_menu(ctx, t._("I found no lesson about “{query}”. Try other words, or "
                                   "choose a skill:").format(query=shown))]
    rows = tuple((Button(hit.lesson.title[t.locale], OPEN_LESSON(hit.lesson.id)),)
                 for hit in hits)
    text = t._("Lessons that may help with “{query}”:").format(query=shown)
    return [Reply(text, (*rows, (menu_button(t),)))]


def register(router: Router) -> None:
    """Add this feature's command."""
    router.command("search", N_("Find a lesson: /search and a few words"), search_command)
