"""A citizen asks for a volunteer to come and help in person: /helpme, or the button in a lesson.

The form is in form.py, the volunteers' side in volunteer.py, notifications and escalation in
notify.py; this module is the citizen's way in and out.
"""

from __future__ import annotations

from dataclasses import replace

from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.help import form as help_form
from bot.core.help import notify as help_notify
from bot.core.help import volunteer as help_volunteer
from bot.core.help.ids import ASK, WITHDRAW
from bot.core.payloads import Action
from bot.core.shared import outbox
from bot.core.shared.menus import main_menu, menu_button
from bot.storage import help_requests as request_store
from bot.storage import progress as progress_store
from bot.storage import teams as team_store
from bot.storage.help_requests import HelpRequest


def ask_button(ctx: Context, lesson_id: str) -> Button:
    """The "I need someone to help me in person" button shown in lessons."""
    return Button(ctx.t._("🙋 I need someone to help me in person"), ASK(lesson_id))


async def start(ctx: Context, lesson_id: str | None) -> list[Reply]:
    """Show the citizen's waiting request, or say when they may ask again (after the most
    requests for one day), or open the form."""
    active = await request_store.active_of(ctx.db, ctx.user.id)
    if active is not None:  # asked from a lesson: the lesson's message stays on screen
        return [replace(await own_request(ctx, active), edit=False)]
    refused = await help_form.refused_today(ctx, lesson_id)
    if refused is not None:
        return [replace(refused, edit=False)]
    return await help_form.begin(ctx, lesson_id)


async def helpme_command(ctx: Context, _args: str) -> list[Reply]:
    """/helpme: from the lesson in progress, if there is one."""
    row = await progress_store.latest_unfinished(ctx.db, ctx.user.id)
    return await start(ctx, row.lesson_id if row else None)


async def ask_from_lesson(ctx: Context, act: Action) -> list[Reply]:
    """The button in a lesson (the lesson id is checked before it is stored)."""
    lesson = act.args[0] if act.args[0] in ctx.catalog.lessons else None
    return await start(ctx, lesson)


async def own_request(ctx: Context, request: HelpRequest) -> Reply:
    """The citizen's request: where it stands, with a Cancel button."""
    t = ctx.t
    commune = ctx.services.communes.display_name(request.commune_code)
    if request.status == request_store.TAKEN and request.taken_by is not None:
        taker = await team_store.membership_of(ctx.db, request.taken_by)
        state = help_notify.coming_text(t, taker)
    else:
        state = t._("It is waiting for a volunteer to take it.")
    text = "\n\n".join([
        t._("You already have a help request (#{number}) for {name} in {hamlet}, {commune}."
            ).format(number=request.id, name=request.first_name, hamlet=request.hamlet,
                     commune=commune),
        state,
        t._("If you no longer need help, you can cancel it."),
    ])
    rows = ((Button(t._("✖ Cancel my request"), WITHDRAW(request.id)),),
            (menu_button(t),))
    return Reply(text, rows, edit=ctx.pressed)


async def withdraw(ctx: Context, act: Action) -> list[Reply]:
    """The citizen cancels their own request; a volunteer on the way is told."""
    request = await help_volunteer.load(ctx, act)
    if isinstance(request, Reply):
        return [request]
    t = ctx.t
    if request.citizen_id != ctx.user.id:
        return [main_menu(ctx, t._("Only the person who asked can cancel that request."))]
    if request.status not in (request_store.OPEN, request_store.TAKEN):
        return [main_menu(ctx, t._("That request is already closed; nothing changed."))]
    taker = await outbox.recipients(ctx.services, [request.taken_by]
                                    if request.status == request_store.TAKEN
                                    and request.taken_by else [])
    async with ctx.db.transaction() as conn:
        cancelled = await request_store.cancel(conn, request.id, ctx.user.id)
        if cancelled:
            for recipient in taker:
                tr = ctx.services.translations.get(recipient.locale)
                await outbox.notify(conn, recipient, Reply(tr._(
                    "Help request #{number} ({name}, {hamlet}) was cancelled by the person "
                    "who asked: you don't need to go.").format(
                        number=request.id, name=request.first_name, hamlet=request.hamlet)),
                    ctx.now)
    if not cancelled:  # taken, done or cancelled a moment ago
        current = await request_store.get(ctx.db, request.id)
        if current is not None and current.status in (request_store.OPEN, request_store.TAKEN):
            return [await own_request(ctx, current)]
        return [main_menu(ctx, t._("That request is already closed; nothing changed."))]
    return [main_menu(ctx, t._("Your help request was cancelled. You can ask again at any time "
                               "with /helpme."))]
