"""The core's one entry point: an event in, replies out, the user's state saved between."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime

from bot.core import broadcasts, exports, help, lessons, privacy, reports, teams, visits
from bot.core.context import Context, Services
from bot.core.events import EventKind, Incoming, Reply
from bot.core.router import Router
from bot.core.shared import menus
from bot.core.shared.messages import MAX_INPUT, clip
from bot.core.shared.text import fold, is_number, normalize
from bot.i18n import N_
from bot.storage import dialogs as dialog_store
from bot.storage.dialogs import Option
from bot.storage.sessions import open_session

log = logging.getLogger(__name__)

_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)
_LABEL_KEY = re.compile(r"[^\w]+")


def build_router() -> Router:
    """Every feature's commands and buttons, in one visible place."""
    router = Router()
    menus.register(router)
    lessons.register(router)
    teams.register(router)
    visits.register(router)
    help.register(router)
    broadcasts.register(router)
    reports.register(router)
    exports.register(router)
    privacy.register(router)
    lessons.register_search(router)
    router.command("cancel", N_("Stop what you are doing"), cancel)
    return router


async def cancel(ctx: Context, _args: str) -> list[Reply]:
    """Close the open form, saying what was dropped; lesson places stay saved."""
    t = ctx.t
    dropped = ctx.services.router.dropped_line(ctx)
    await dialog_store.save_state(ctx.db, ctx.user.id, {}, ctx.now, ctx.event.sequence)
    ctx.state.clear()
    if dropped is not None:
        return [menus.main_menu(ctx, dropped)]
    lesson = await lessons.unfinished_lesson(ctx)
    if lesson is not None:
        return [menus.main_menu(ctx, t._("There was no form open to cancel. Your place in the "
                                         "lesson “{title}” is saved: type /continue to go "
                                         "on.").format(title=lesson.title[t.locale]))]
    return [menus.main_menu(ctx, t._("There was nothing to cancel. Here is the menu:"))]


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class Core:
    """Handles events from any channel."""

    def __init__(self, services: Services, clock: Callable[[], datetime] = utc_now):
        self.services = services
        self.router = services.router
        self.clock = clock

    async def handle(self, event: Incoming) -> list[Reply]:
        """Answer one event; never raises: failures become a short apology."""
        t = self.services.translations.get(
            self.services.translations.negotiate(event.locale_hint))
        try:
            now = self.clock()
            locale = self.services.translations.negotiate(event.locale_hint)
            session = await open_session(self.services.db, event.channel, event.user_key,
                                         locale, now)
            t = self.services.translations.get(session.user.locale)
            if session.dialog.has_handled(event.sequence, now):
                # Sent again after a restart (fetched, handled, not yet confirmed to Telegram):
                # handling it twice could put one typed answer into two steps of a form.
                log.info("event %s from %s:%s was handled before; not again", event.event_id,
                         event.channel, event.user_key)
                return []
            ctx = Context(event, session.user, t, now, self.services, session.membership,
                          session.dialog.state)
            replies = await self._dispatch(ctx, session.dialog.options)
            replies = [_fit(reply, event.capabilities.max_text) for reply in replies]
            await self._remember_options(ctx, replies, session.dialog.options)
            return replies
        except Exception:
            log.exception("failed to handle event %s from %s:%s", event.event_id, event.channel,
                          event.user_key)
            return [Reply(t._("Sorry, something went wrong on my side. Please try again in a "
                              "moment, or type /menu."))]

    async def _dispatch(self, ctx: Context, options: tuple[Option, ...]) -> list[Reply]:
        event, t = ctx.event, ctx.t
        on_photo = self.router.photo_flows.get(str(ctx.state.get("flow", "")))
        if event.kind is EventKind.PHOTO and on_photo is not None:
            return await on_photo(ctx)
        if event.kind in (EventKind.UNSUPPORTED, EventKind.PHOTO):
            return [Reply(t._("I can only read text. Please press a button, or type a command "
                              "such as /menu."))]
        if event.kind is EventKind.ACTION:
            return await self._run_action(ctx, event.action)
        if len(event.text) > MAX_INPUT:
            return [Reply(t._("That message is too long for me (more than {limit} characters). "
                              "Please send something shorter.").format(limit=t.number(MAX_INPUT)))]
        text = normalize(event.text)
        if not text:
            return [Reply(t._("Your message was empty. Type /menu to see what I can do."))]
        if text.startswith("/"):
            return await self._run_command(ctx, text)
        flow = self.router.flows.get(str(ctx.state.get("flow", "")))
        # A step waiting for typed text takes numbers as text ("Tổ dân phố 2", "3 people").
        numbers = not ctx.event.capabilities.buttons and not (flow and ctx.state.get("free_text"))
        chosen = _match_option(ctx, options, text, numbers)
        if isinstance(chosen, str):
            return await self._run_action(ctx, chosen)
        if chosen is not None:
            return [chosen]
        if flow is not None:
            return await flow(ctx, text)
        return await lessons.free_text(ctx, text)

    async def _run_command(self, ctx: Context, text: str) -> list[Reply]:
        match = _COMMAND.match(text)
        name = match.group(1).lower() if match else ""
        command = self.router.commands.get(name)
        if command is None:
            shown = clip(text.split()[0])
            return [Reply(ctx.t._("I don't know the command {command}. Type /help to see the "
                                  "commands I know.").format(command=shown))]
        args = (match.group(2) or "").strip() if match else ""
        return await command.handler(ctx, args)

    async def _run_action(self, ctx: Context, payload: str) -> list[Reply]:
        act = self.router.parse(payload)
        handler = self.router.actions.get(act.verb) if act else None
        if act is None or handler is None:
            log.info("unknown button payload %r from user %s", payload[:80], ctx.user.id)
            return [menus.main_menu(ctx, ctx.t._("I don't recognise that button; it may be from "
                                                 "an old message. Here is the menu:"))]
        return await handler(ctx, act)

    async def _remember_options(self, ctx: Context, replies: list[Reply],
                                before: tuple[Option, ...]) -> None:
        shown = [r for r in replies if r.buttons]
        if shown:
            options = [Option(b.label, b.action) for b in shown[-1].options()]
            if tuple(options) != before:  # the same menu again needs no write
                await dialog_store.save_options(ctx.db, ctx.user.id, options, ctx.now,
                                           ctx.event.sequence)


def _match_option(ctx: Context, options: tuple[Option, ...], text: str, numbers: bool
                  ) -> str | Reply | None:
    """The action of the option the user typed (its number or label), if any."""
    if not options:
        return None
    if numbers and is_number(text):
        number = int(text)
        if 1 <= number <= len(options):
            return options[number - 1].action
        if len(options) == 1:  # not "from 1 to 1"
            return Reply(ctx.t._("Please type 1 to choose the option shown."))
        return Reply(ctx.t._("Please type a number from 1 to {count}.").format(
            count=len(options)))
    typed = _label_key(text)
    for option in options:
        if typed and _label_key(option.label) == typed:
            return option.action
    return None


def _label_key(label: str) -> str:
    return _LABEL_KEY.sub(" ", fold(label)).strip()


def _fit(reply: Reply, limit: int) -> Reply:
    if len(reply.text) <= limit:
        return reply
    return dataclasses.replace(reply, text=reply.text[: limit - 1] + "…")


