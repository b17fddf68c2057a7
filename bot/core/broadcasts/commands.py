"""/broadcasts lists the recent broadcasts with their counts; /stopbroadcast stops one cleanly
(what was sent stays sent); /resumebroadcast sends a paused one's waiting messages. Admins
only. See docs/BROADCASTS.md."""

from __future__ import annotations

from bot.core.broadcasts.ids import LIST, RESUME, STOP_CONFIRMED
from bot.core.broadcasts.views import counts_line, list_entry, school_of, stop_button
from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.payloads import Action
from bot.core.shared.menus import menu_button
from bot.core.shared.roles import is_admin
from bot.core.shared.text import is_number
from bot.storage import broadcasts as store
from bot.storage.broadcasts import Status

RECENT = 10  # broadcasts listed by /broadcasts


def _refusal(ctx: Context) -> list[Reply]:
    return [Reply(ctx.t._("Only admins can see or stop broadcasts."))]  # or resume them


async def recent(ctx: Context, _args: str = "") -> list[Reply]:
    """/broadcasts: the latest ten with their counts, and a Stop button on the active ones."""
    t = ctx.t
    if not is_admin(ctx):
        return _refusal(ctx)
    found = await store.recent(ctx.db, RECENT)
    if not found:
        return [Reply(t._("No broadcast yet. Type /broadcast to write one."),
                      ((menu_button(t),),), edit=ctx.pressed)]
    counts = await store.counts(ctx.db, [b.id for b in found])
    config = ctx.services.config
    entries = [list_entry(t, ctx.services.communes, config.timezone, b, counts[b.id],
                          await school_of(ctx, b.audience)) for b in found]
    rows = [(Button(t._("▶ Resume #{number}").format(number=b.id), RESUME(b.id)),)
            for b in found if b.status == Status.PAUSED]
    rows += [(stop_button(t, b.id),) for b in found if b.status in store.ACTIVE]
    text = t._("📣 Recent broadcasts, newest first:") + "\n\n" + "\n\n".join(entries)
    return [Reply(text, (*rows, (menu_button(t),)), edit=ctx.pressed)]


async def stop_command(ctx: Context, args: str) -> list[Reply]:
    """/stopbroadcast [number]: ask to stop that broadcast (or choose among the active ones)."""
    t = ctx.t
    if not is_admin(ctx):
        return _refusal(ctx)
    number = args.strip().lstrip("#")
    if is_number(number) and len(number) <= 12:
        return await _ask_stop(ctx, int(number))
    if number:
        return [Reply(t._("Type /stopbroadcast and the broadcast's number, for example: "
                          "/stopbroadcast 12."))]
    active = await store.active(ctx.db)
    if not active:
        return [Reply(t._("No broadcast is being sent or waiting to be sent."),
                      ((menu_button(t),),))]
    if len(active) == 1:
        return await _ask_stop(ctx, active[0].id)
    rows = [(stop_button(t, b.id),) for b in active]
    return [Reply(t._("Which broadcast should be stopped?"), (*rows, (menu_button(t),)))]


async def _ask_stop(ctx: Context, broadcast_id: int) -> list[Reply]:
    t = ctx.t
    broadcast = await store.get(ctx.db, broadcast_id)
    if broadcast is None:
        return [Reply(t._("There is no broadcast #{number}.").format(number=broadcast_id))]
    if broadcast.status not in store.ACTIVE:
        return [_already_over(ctx, broadcast_id, broadcast.status)]
    counts = (await store.counts(ctx.db, [broadcast_id]))[broadcast_id]
    text = "\n".join([
        t.ngettext("Stop broadcast #{number}? What was sent stays sent; the {pending} message "
                   "not yet sent will be cancelled.",
                   "Stop broadcast #{number}? What was sent stays sent; the {pending} messages "
                   "not yet sent will be cancelled.", counts.pending).format(
            number=broadcast_id, pending=t.number(counts.pending)),
        counts_line(t, counts)])
    buttons = ((Button(t._("⏹ Yes, stop it"), STOP_CONFIRMED(broadcast_id)),),
               (Button(t._("↩ No, keep it"), LIST()),))
    # A new message: the Stop button may sit on the progress message, which the worker edits.
    return [Reply(text, buttons, edit=False)]


def _already_over(ctx: Context, broadcast_id: int, status: Status) -> Reply:
    t = ctx.t
    if status == Status.CANCELLED:
        text = t._("Broadcast #{number} was already stopped.").format(number=broadcast_id)
    else:
        text = t._("Broadcast #{number} has already finished.").format(number=broadcast_id)
    return Reply(text, ((menu_button(t),),), edit=ctx.pressed)


async def stop_button_pressed(ctx: Context, act: Action) -> list[Reply]:
    """⏹ Stop #N: ask first (admins only)."""
    if not is_admin(ctx):
        return _refusal(ctx)
    return await _ask_stop(ctx, act.number(0))


async def stop_confirmed(ctx: Context, act: Action) -> list[Reply]:
    """Yes, stop it: cancel what is not sent yet, in one transaction with its audit entry."""
    t = ctx.t
    if not is_admin(ctx):
        return _refusal(ctx)
    broadcast_id = act.number(0)
    broadcast = await store.get(ctx.db, broadcast_id)
    if broadcast is None:
        return [Reply(t._("There is no broadcast #{number}.").format(number=broadcast_id))]
    cancelled = await store.cancel(ctx.db, broadcast_id, ctx.user.id, ctx.now)
    if cancelled is None:
        return [_already_over(ctx, broadcast_id, broadcast.status)]
    counts = (await store.counts(ctx.db, [broadcast_id]))[broadcast_id]
    text = "\n".join([
        t.ngettext("⏹ Broadcast #{number} is stopped: {cancelled} message not yet sent was "
                   "cancelled.",
                   "⏹ Broadcast #{number} is stopped: {cancelled} messages not yet sent were "
                   "cancelled.", cancelled).format(number=broadcast_id,
                                                   cancelled=t.number(cancelled)),
        counts_line(t, counts)])
    return [Reply(text, ((menu_button(t),),), edit=ctx.pressed)]


async def resume_command(ctx: Context, args: str) -> list[Reply]:
    """/resumebroadcast [number]: send a paused broadcast's waiting messages."""
    t = ctx.t
    if not is_admin(ctx):
        return _refusal(ctx)
    number = args.strip().lstrip("#")
    if is_number(number) and len(number) <= 12:
        return await _resume(ctx, int(number))
    paused = [b for b in await store.active(ctx.db) if b.status == Status.PAUSED]
    if len(paused) == 1 and not number:
        return await _resume(ctx, paused[0].id)
    if not paused:
        return [Reply(t._("No broadcast is paused."), ((menu_button(t),),))]
    rows = [(Button(t._("▶ Resume #{number}").format(number=b.id), RESUME(b.id)),)
            for b in paused]
    return [Reply(t._("Which broadcast should be resumed?"), (*rows, (menu_button(t),)))]


async def resume_pressed(ctx: Context, act: Action) -> list[Reply]:
    """▶ Resume #N (admins only)."""
    if not is_admin(ctx):
        return _refusal(ctx)
    return await _resume(ctx, act.number(0))


async def _resume(ctx: Context, broadcast_id: int) -> list[Reply]:
    t = ctx.t
    broadcast = await store.get(ctx.db, broadcast_id)
    if broadcast is None:
        return [Reply(t._("There is no broadcast #{number}.").format(number=broadcast_id))]
    if not await store.resume(ctx.db, broadcast_id, ctx.user.id, ctx.now):
        return [Reply(t._("Broadcast #{number} is not paused.").format(number=broadcast_id),
                      ((menu_button(t),),), edit=ctx.pressed)]
    counts = (await store.counts(ctx.db, [broadcast_id]))[broadcast_id]
    text = "\n".join([t.ngettext(
        "▶ Broadcast #{number} is sending again: {pending} message to go.",
        "▶ Broadcast #{number} is sending again: {pending} messages to go.",
        counts.pending).format(number=broadcast_id, pending=t.number(counts.pending)),
        t._("If the month's messages are still used up, it pauses again and says so.")])
    return [Reply(text, ((menu_button(t),),), edit=ctx.pressed)]


async def list_pressed(ctx: Context, _act: Action) -> list[Reply]:
    """↩ No, keep it: the recent broadcasts."""
    return await recent(ctx)
