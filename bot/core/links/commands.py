"""/link: a one-time code on one app; /link CODE on the other joins the two accounts."""

from __future__ import annotations

import secrets
from datetime import timedelta

from bot.core.context import Context
from bot.core.events import Reply
from bot.core.shared.menus import menu_button
from bot.core.shared.roles import is_admin
from bot.core.shared.text import normalize
from bot.core.teams.rules import guessing_refusal, wrong_code
from bot.storage import links as link_store
from bot.storage.links import Linked

CODE_VALID = timedelta(minutes=10)
CODE_DIGITS = 6


async def link(ctx: Context, args: str) -> list[Reply]:
    """/link: show a code to type on the other app; /link CODE: link this account to it."""
    code = normalize(args).replace(" ", "")
    if not code:
        return [await _show_code(ctx)]
    return [await _use_code(ctx, code)]


async def _show_code(ctx: Context) -> Reply:
    t = ctx.t
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    await link_store.new_code(ctx.db, ctx.user.id, code, ctx.now + CODE_VALID)
    return Reply(t._("🔗 To use me on your other chat app too, with the same progress, team and "
                     "role: there, within {minutes} minutes, type\n/link {code}\nNever give "
                     "this code to anyone else: it opens your account.").format(
        minutes=t.number(CODE_VALID.seconds // 60), code=code), ((menu_button(t),),))


async def _use_code(ctx: Context, code: str) -> Reply:
    t = ctx.t
    refused = await guessing_refusal(ctx)
    if refused:
        return Reply(refused)
    owner = await link_store.owner_of(ctx.db, code, ctx.now) if code.isdigit() else None
    if owner is None:
        await wrong_code(ctx)
        return Reply(t._("That code is wrong or has expired. On your other app, type /link to "
                         "get a new one."))
    if is_admin(ctx):  # the account the configuration names stays the one acted as
        result = await link_store.link(ctx.db, owner, ctx.user.id, code, ctx.user.id, ctx.now)
    else:
        result = await link_store.link(ctx.db, ctx.user.id, owner, code, ctx.user.id, ctx.now)
    if result is Linked.SAME:
        return Reply(t._("That code is for this same account. Type it on your other chat "
                         "app."))
    if result is Linked.ALREADY:
        return Reply(t._("This account is already linked to another one."))
    if result is Linked.TWO_TEAMS:
        return Reply(t._("Both accounts are members of a team. Ask your team leader to remove "
                         "one of them first, then link them."))
    return Reply(t._("🔗 Linked. Here I now know your progress, team and role from your other "
                     "app. /deleteme on either app erases both."), ((menu_button(t),),))
