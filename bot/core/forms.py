"""Leaving a form for another screen, and coming back to it.

The rule: typed text answers only the screen shown last. So a command or a button of another
screen never feeds the open form: the form is kept aside first (with one line saying how to
come back), or closed if it is only a question (a yes/no), saying so. Its command, typed
again, offers to continue it or start over; that choice is answered by that choice only.
"""

from __future__ import annotations

import dataclasses

from bot.core import dialogs
from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.payloads import SLUG, Action, Verb
from bot.core.router import Flow, Router
from bot.core.shared.menus import main_menu

RESUME = Verb("fresume", (SLUG,))  # a kept form: continue it
RESTART = Verb("frestart", (SLUG,))  # a kept form: start it again


async def leave(ctx: Context, router: Router) -> Flow | None:
    """Keep the open form aside, or close it if it cannot be resumed; the form left."""
    flow = router.open_flow(ctx)
    if flow is None:
        return None
    if flow.resumable:
        await dialogs.suspend(ctx)
    else:
        await dialogs.close(ctx)
    return flow


def after_leaving(ctx: Context, left: Flow | None, replies: list[Reply]) -> list[Reply]:
    """The replies with one line first about the form left: kept (how to come back), or
    closed (what was dropped); unchanged when the user is back in it."""
    if left is None or not replies or dialogs.open_flow(ctx) == left.name:
        return replies
    if left.name in dialogs.kept_flows(ctx):
        line = ctx.t._("📌 {form} kept: type /{command} to continue it.").format(
            form=_title(ctx, left), command=left.entry)
    elif left.resumable:
        return replies  # replaced by a new form of its kind, which says so
    else:
        dropped = left.dropped
        line = ctx.t._(dropped) if isinstance(dropped, str) else dropped(ctx)
    first = replies[0]
    return [dataclasses.replace(first, text=f"{line}\n\n{first.text}"), *replies[1:]]


def resume_offer(ctx: Context, flow: Flow) -> Reply:
    """Continue the kept form where it stopped, or start it over."""
    t = ctx.t
    text = t._("{form}: you stopped before the end. Continue where you stopped, or start "
               "over?").format(form=_title(ctx, flow))
    return Reply(text, ((Button(t._("▶ Continue it"), RESUME(flow.name)),),
                        (Button(t._("🔄 Start over"), RESTART(flow.name)),)), edit=ctx.pressed)


async def resume_pressed(ctx: Context, act: Action) -> list[Reply]:
    """Continue: the kept form opens again at its question."""
    flow = ctx.services.router.flows.get(act.args[0])
    if flow is None or flow.show is None or not await dialogs.resume(ctx, flow.name):
        return [_gone(ctx)]
    return await flow.show(ctx)


async def restart_pressed(ctx: Context, act: Action) -> list[Reply]:
    """Start over: the kept draft is dropped and the form opens afresh, as its command does."""
    router = ctx.services.router
    flow = router.flows.get(act.args[0])
    if flow is None or flow.name not in dialogs.kept_flows(ctx):
        return [_gone(ctx)]
    await dialogs.drop_kept(ctx, flow.name)
    return await router.commands[flow.entry].handler(ctx, "")


def _title(ctx: Context, flow: Flow) -> str:
    return ctx.t._(flow.title) if flow.title else f"/{flow.entry}"


def _gone(ctx: Context) -> Reply:
    return main_menu(ctx, ctx.t._("That form is no longer open. Here is the menu:"))


def register(router: Router) -> None:
    """Add the buttons of the offer to continue a kept form."""
    router.action(RESUME, resume_pressed)
    router.action(RESTART, restart_pressed)
