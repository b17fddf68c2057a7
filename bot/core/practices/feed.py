"""/practices: the approved good practices, newest first, a page at a time, each opening in full;
`/practices words` searches them (accents and capitals folded as lessons are searched). For the
teams' volunteers, leaders and admins; admins also see the practices waiting for review, and a
writer where their own one stands.
"""

from __future__ import annotations

from bot.core import broadcasts
from bot.core.context import Context
from bot.core.events import Button, Nav, Reply
from bot.core.payloads import Action
from bot.core.practices import review, translate, views
from bot.core.practices.ids import OPEN, PAGE, SHARE
from bot.core.practices.rules import search_words
from bot.core.shared.menus import main_menu, menu_button
from bot.core.shared.messages import ECHO_LIMIT, clip
from bot.core.shared.roles import is_admin, is_volunteer
from bot.storage import practices as practice_store
from bot.storage.practices import APPROVED, CHANGES, Practice

PAGE_SIZE = 5
LAST_PAGE = 999  # the most a page button can carry
SEARCH_SHOWN = 10  # matches shown for one search
REVIEW_SHOWN = 5  # practices waiting for review listed to an admin (the oldest)


def may_read(ctx: Context) -> bool:
    """The teams' volunteers and leaders, and admins."""
    return is_volunteer(ctx) or is_admin(ctx)


def refusal(ctx: Context) -> list[Reply]:
    """The answer to citizens: nothing is shown."""
    return [main_menu(ctx, ctx.t._("Good practices are for the community digital technology "
                                   "teams: their volunteers, team leaders and admins."))]


def _open_rows(practices: list[Practice]) -> list[tuple[Button, ...]]:
    return [(Button(views.open_label(p), OPEN(p.id)),) for p in practices]


async def _own_line(ctx: Context) -> list[str]:
    """Where the user's own practice stands, while it waits."""
    mine = await practice_store.open_of(ctx.db, ctx.user.id)
    if mine is None:
        return []
    t = ctx.t
    if mine.status == CHANGES:
        return [t._("✏ An admin asked for changes to your good practice #{number}: type "
                    "/practice to change it.").format(number=mine.id)]
    return [t._("⏳ Your good practice #{number} is waiting for an admin's review.").format(
        number=mine.id)]


async def _waiting(ctx: Context) -> tuple[list[str], list[tuple[Button, ...]]]:
    """For admins: the practices waiting for review, oldest first, with their buttons."""
    if not is_admin(ctx):
        return [], []
    found = await practice_store.pending(ctx.db, REVIEW_SHOWN + 1)
    if not found:
        return [], []
    t, communes, shown = ctx.t, ctx.services.communes, found[:REVIEW_SHOWN]
    lines = [t._("📝 Waiting for your review:")]
    lines += [f"#{p.id} “{p.title}” · {communes.display_name(p.commune_code)}" for p in shown]
    if len(found) > REVIEW_SHOWN:
        lines.append(t._("More are waiting: these are the oldest."))
    return ["\n".join(lines)], [views.review_button(t, p.id) for p in shown]


async def _page(ctx: Context, page: int) -> list[Reply]:
    t, services = ctx.t, ctx.services
    found = await practice_store.approved(ctx.db, page * PAGE_SIZE, PAGE_SIZE + 1)
    shown = [p.in_language(t.locale) for p in found[:PAGE_SIZE]]
    blocks: list[str] = []
    rows: list[tuple[Button, ...]] = []
    if page == 0:
        blocks += await _own_line(ctx)
        waiting, rows = await _waiting(ctx)
        blocks += waiting
    if shown:
        head = (t._("👍 Good practices of the teams, newest first:") if page == 0
                else t._("👍 Good practices, page {page}:").format(page=page + 1))
        blocks.append("\n".join([head, *(views.list_line(t, services, p) for p in shown)]))
    elif page == 0:
        blocks.append(t._("No good practice has been shared yet."))
    else:
        blocks.append(t._("There are no more good practices."))
    if is_volunteer(ctx):
        blocks.append(t._("To share one of your team's, type /practice. To search, type "
                          "/practices and a few words."))
    rows += _open_rows(shown)
    if len(found) > PAGE_SIZE and page < LAST_PAGE:
        rows.append((Button(t._("More ▸"), PAGE(page + 1)),))
    rows.append((menu_button(t),))
    return [Reply("\n\n".join(blocks), tuple(rows), edit=ctx.pressed)]


async def _search(ctx: Context, typed: str) -> list[Reply]:
    t, services = ctx.t, ctx.services
    words = search_words(typed)
    echo = clip(typed, ECHO_LIMIT)
    found = await practice_store.search(ctx.db, words, SEARCH_SHOWN + 1) if words else []
    if not found:
        text = t._("No good practice matches “{words}”. Try other words, or type /practices "
                   "to see them all.").format(words=echo)
        return [Reply(text, ((Button(t._("👍 Good practices"), PAGE(0)),), (menu_button(t),)))]
    shown = [p.in_language(t.locale) for p in found[:SEARCH_SHOWN]]
    lines = [t._("👍 Good practices matching “{words}”:").format(words=echo),
             *(views.list_line(t, services, p) for p in shown)]
    if len(found) > SEARCH_SHOWN:
        lines.append(t._("Only the {count} newest are shown: add a word to narrow the "
                         "search.").format(count=SEARCH_SHOWN))
    return [Reply("\n".join(lines), (*_open_rows(shown), (menu_button(t),)))]


async def practices_command(ctx: Context, args: str) -> list[Reply]:
    """/practices: the newest approved practices; /practices words: those matching them."""
    if not may_read(ctx):
        return refusal(ctx)
    return await _search(ctx, args) if args.strip() else await _page(ctx, 0)


async def page_pressed(ctx: Context, act: Action) -> list[Reply]:
    """More ▸, or the way back to the list."""
    if not may_read(ctx):
        return refusal(ctx)
    return await _page(ctx, min(act.number(0), LAST_PAGE))


async def open_pressed(ctx: Context, act: Action) -> list[Reply]:
    """One practice in full (its photo first, if it has one)."""
    if not may_read(ctx):
        return refusal(ctx)
    practice = await review.load(ctx, act)
    if isinstance(practice, Reply):
        return [practice]
    t = ctx.t
    if practice.status != APPROVED:
        if is_admin(ctx):
            return await review.review_view(ctx, practice)
        if practice.submitted_by != ctx.user.id:
            return [main_menu(ctx, t._("I can't find that good practice. Here is the menu:"))]
    original, practice = practice, practice.in_language(t.locale)
    text = views.practice_text(t, ctx.services, practice)
    if practice.status != APPROVED:  # the writer's own, still waiting
        status = t._(views.STATUS_NAMES[practice.status])
        text = t._("Your good practice #{number}: {status}").format(
            number=practice.id, status=status) + "\n\n" + text
    photo = views.photo_replies(practice)
    rows: tuple[tuple[Button, ...], ...] = (
        (Button(t._("◀ Back to the list"), PAGE(0), Nav.BACK),), (menu_button(t),))
    if is_admin(ctx) and practice.status == APPROVED:
        rows = ((Button(t._("📣 Broadcast it"), SHARE(practice.id)),),
                (translate.button(ctx, original),), *rows)
    return [*photo, Reply(text, rows, edit=ctx.pressed and not photo)]


async def share_pressed(ctx: Context, act: Action) -> list[Reply]:
    """📣 Broadcast it (admins): the /broadcast form with the practice as its message; the
    admin chooses the audience, sees the preview and may still cancel."""
    if not is_admin(ctx):
        return [Reply(ctx.t._("Only admins can send broadcasts."), ((menu_button(ctx.t),),))]
    practice = await review.load(ctx, act)
    if isinstance(practice, Reply):
        return [practice]
    if practice.status != APPROVED:
        return [main_menu(ctx, ctx.t._("I can't find that good practice. Here is the menu:"))]
    t = ctx.t
    text = t._("👍 A good practice from the teams:") + "\n\n" + views.practice_text(
        t, ctx.services, practice.in_language(t.locale))
    # Clipped with room to spare: the broadcast counts an emoji twice (Telegram's count).
    limit = (broadcasts.MAX_CAPTION if practice.photo else broadcasts.MAX_TEXT) * 3 // 4
    return await broadcasts.begin(ctx, "", clip(text, limit), practice.photo)

