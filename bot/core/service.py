"""The core's one entry point: an event in, replies out, the user's state saved between."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

from bot.config_flood import Flood
from bot.core import (
    broadcasts,
    choices,
    dialogs,
    exports,
    forms,
    help,
    lessons,
    links,
    practices,
    privacy,
    reminders,
    reports,
    rewards,
    schools,
    teams,
    visits,
)
from bot.core.context import Context, Services
from bot.core.events import EventKind, Incoming, Reply
from bot.core.router import Flow, Router
from bot.core.shared import menus
from bot.core.shared.messages import MAX_INPUT, clip, pack
from bot.core.shared.text import normalize
from bot.i18n import N_
from bot.storage import dialogs as dialog_store
from bot.storage import handled
from bot.storage import users as user_store
from bot.storage.dialogs import Dialog, Option
from bot.storage.sessions import open_session

log = logging.getLogger(__name__)

_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)


def build_router() -> Router:
    """Every feature's commands and buttons, in one visible place."""
    router = Router()
    menus.register(router)
    lessons.register(router)
    reminders.register(router)
    schools.register(router)
    teams.register(router)
    visits.register(router)
    help.register(router)
    practices.register(router)
    rewards.register(router)
    broadcasts.register(router)
    reports.register(router)
    exports.register(router)
    privacy.register(router)
    links.register(router)
    lessons.register_search(router)
    forms.register(router)
    router.command("cancel", N_("Stop what you are doing"), cancel, leaves_form=False)
    return router


async def cancel(ctx: Context, _args: str) -> list[Reply]:
    """Close the open form (or else the one kept aside last), saying what was dropped; lesson
    places stay saved."""
    t = ctx.t
    router = ctx.services.router
    kept = dialogs.kept_flows(ctx)
    if router.open_flow(ctx) is None and kept:
        await dialogs.resume(ctx, kept[-1])
    dropped = router.dropped_line(ctx)
    await dialogs.close(ctx)
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


# The flood brake: a token bucket per chat identity (the event's channel and user key), kept in
# memory (a brake, not a record: a restart forgets it) and checked before anything else, so an
# update it holds back changes nothing and writes nothing (only the one "slow down" answer
# reads the user's language). It is there for load, not manners: a script or a stuck client
# sending thousands of updates must not take the bot's time and database from everyone else,
# while a person is not stopped: someone reading lessons sends far less than one update a
# second, so the bucket stays full, and a burst of taps fits in it. The numbers come from
# config.yaml (`flood:`, bot/config_flood.py): by default 120 at once, a tenth of a second of
# the bot's capacity (docs/PERFORMANCE.md), then one a second, a thousandth of it. (Tests and
# bench/ drive simulated users at machine speed with the clock standing still: their
# configurations loosen it.)
FLOOD_BURST = Flood.burst  # updates at once (what a full bucket holds)
FLOOD_REFILL = Flood.per_second  # updates a second after that
FLOOD_CALM = 10  # updates' worth refilled (10 s of calm) before a new rush is told again
FLOOD_TRACKED = 10_000  # buckets kept at most; the one idle longest is forgotten first


class Brake(Enum):
    """What the flood brake does with an update."""

    PASS = "pass"  # handle it
    WARN = "warn"  # over the limit, first time: say "slow down" once, handle nothing
    DROP = "drop"  # still over the limit: no answer, nothing changes


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float  # when tokens was counted (POSIX seconds: cheaper to subtract than datetimes)
    warned: bool = False  # "slow down" was said, and the bucket has not refilled FLOOD_CALM


class FloodBrake:
    """Token buckets by chat identity. A bucket full again is forgotten: only identities that
    sent much lately are kept, at most `tracked` (the idlest dropped first: a fresh bucket)."""

    def __init__(self, burst: int = FLOOD_BURST, refill: float = FLOOD_REFILL,
                 calm: int = FLOOD_CALM, tracked: int = FLOOD_TRACKED):
        self.burst, self.refill, self.calm, self.tracked = burst, refill, calm, tracked
        # In order of last update (a bucket used moves to the end): the front is the one idle
        # longest, the first to be full again.
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    def __len__(self) -> int:
        return len(self._buckets)

    def _level(self, bucket: _Bucket, now: float) -> float:
        idle = max(0.0, now - bucket.at)  # a clock set back refills nothing
        return min(float(self.burst), bucket.tokens + idle * self.refill)

    def admit(self, key: tuple[str, str], at: datetime) -> Brake:
        """Take one update of this identity out of its bucket."""
        now = at.timestamp()
        bucket = self._buckets.pop(key, None) or _Bucket(float(self.burst), now)
        bucket.tokens, bucket.at = self._level(bucket, now), now
        if bucket.tokens >= min(self.calm, self.burst):
            bucket.warned = False
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            verdict = Brake.PASS
        else:
            verdict = Brake.DROP if bucket.warned else Brake.WARN
            bucket.warned = True
        while self._buckets:  # forget full buckets, and the idlest beyond the cap
            oldest = next(iter(self._buckets))
            if len(self._buckets) < self.tracked \
                    and self._level(self._buckets[oldest], now) < self.burst:
                break
            del self._buckets[oldest]
        self._buckets[key] = bucket
        return verdict


class Core:
    """Handles events from any channel."""

    def __init__(self, services: Services, clock: Callable[[], datetime] = utc_now,
                 brake: FloodBrake | None = None):
        self.services = services
        self.router = services.router
        self.clock = clock
        flood = services.config.flood
        self.brake = FloodBrake(flood.burst, flood.per_second) if brake is None else brake

    async def handle(self, event: Incoming) -> list[Reply]:
        """Answer one event; never raises: failures become a short apology."""
        locale = self.services.translations.negotiate(event.locale_hint)
        t = self.services.translations.get(locale)
        try:
            now = self.clock()
            braked = self.brake.admit((event.channel, event.user_key), now)
            if braked is not Brake.PASS:
                return await self._slow_down(event) if braked is Brake.WARN else []
            session = await open_session(self.services.db, event.channel, event.user_key,
                                         locale, now)
            t = self.services.translations.get(session.user.locale)
            if await self._replayed(event, session.dialog, now):
                # Sent again after a restart (fetched, handled, not yet confirmed to the
                # channel): handling it twice could put one answer into two steps of a form.
                log.info("event %s from %s:%s was handled before; not again", event.event_id,
                         event.channel, event.user_key)
                return []
            ctx = Context(event, session.user, t, now, self.services, session.membership,
                          session.dialog.state)
            if session.new and event.kind is not EventKind.ACTION \
                    and not event.text.startswith("/"):
                # Whatever a newcomer's first message says, it is answered by the greeting.
                replies, screen = await menus.start(ctx, "") + _withheld(ctx), True
            else:
                replies, screen = await self._dispatch(ctx, session.dialog.options)
            replies = [part for reply in replies
                       for part in _fit(reply, event.capabilities.max_text)]
            await self._remember_options(ctx, replies, session.dialog.options, screen)
            return replies
        except Exception:
            log.exception("failed to handle event %s from %s:%s", event.event_id, event.channel,
                          event.user_key)
            return [Reply(t._("Sorry, something went wrong on my side. Please try again in a "
                              "moment, or type /menu."))]

    async def _slow_down(self, event: Incoming) -> list[Reply]:
        """The one answer to an identity over the flood limit, in its language (read only)."""
        log.info("%s:%s is over the flood limit; its updates are dropped for a while",
                 event.channel, event.user_key)
        user = await user_store.get(self.services.db, event.channel, event.user_key)
        translations = self.services.translations
        t = translations.get(user.locale if user else translations.negotiate(event.locale_hint))
        return [Reply(t._("You are sending messages very fast; I'll answer again in a few "
                          "seconds."))]

    async def _replayed(self, event: Incoming, dialog: Dialog, now: datetime) -> bool:
        if dialog.has_handled(event.sequence, now):
            return True
        return event.message_id is not None and not await handled.first_time(
            self.services.db, event.channel, event.message_id, now)

    async def _dispatch(self, ctx: Context, options: tuple[Option, ...]
                        ) -> tuple[list[Reply], bool]:
        """The replies, and whether they are a new screen (a command or a button's): its
        options replace the old ones for typing even when it shows none."""
        event, t = ctx.event, ctx.t
        flow = self.router.open_flow(ctx)
        if event.kind is EventKind.PHOTO and flow is not None and flow.on_photo is not None:
            return await flow.on_photo(ctx), False
        if event.kind is EventKind.WITHHELD:
            return _withheld(ctx), False
        if event.kind in (EventKind.UNSUPPORTED, EventKind.PHOTO):
            return [Reply(t._("I can only read text. Please press a button, or type a command "
                              "such as /menu."))], False
        if event.kind is EventKind.ACTION:
            return await self._run_action(ctx, event.action), True
        if len(event.text) > MAX_INPUT:
            return [Reply(t._("That message is too long for me (more than {limit} characters). "
                              "Please send something shorter.").format(limit=t.number(MAX_INPUT)))
                    ], False
        text = normalize(event.text)
        if not text:
            return [Reply(t._("Your message was empty. Type /menu to see what I can do."))], False
        if text.startswith("/"):
            return await self._run_command(ctx, text), True
        # Typed numbers choose only where numbers are shown; a question asking to type takes
        # them as its answer ("Tổ dân phố 2", "3 people").
        numbers = not event.capabilities.buttons
        if choices.wants_menu(text, numbers):
            return await self._run_action(ctx, menus.MENU()), True
        chosen = choices.pick(t, options, text, numbers)
        if isinstance(chosen, str):
            return await self._run_action(ctx, chosen), True
        if chosen is not None:
            return [chosen], False
        if flow is not None:
            return await flow.on_text(ctx, text), False
        return await lessons.free_text(ctx, text), False

    async def _run_command(self, ctx: Context, text: str) -> list[Reply]:
        match = _COMMAND.match(text)
        name = match.group(1).lower() if match else ""
        command = self.router.commands.get(name)
        if command is None:
            shown = clip(text.split()[0])
            return [Reply(ctx.t._("I don't know the command {command}. Type /help to see the "
                                  "commands I know.").format(command=shown))]
        args = (match.group(2) or "").strip() if match else ""
        if not command.leaves_form:
            return await command.handler(ctx, args)
        return await self._elsewhere(ctx, self.router.entered_by(name),
                                     lambda: command.handler(ctx, args))

    async def _run_action(self, ctx: Context, payload: str) -> list[Reply]:
        act = self.router.parse(payload)
        handler = self.router.actions.get(act.verb) if act else None
        if act is None or handler is None:
            log.info("unknown button payload %r from user %s", payload[:80], ctx.user.id)
            return [menus.main_menu(ctx, ctx.t._("I don't recognise that button; it may be from "
                                                 "an old message. Here is the menu:"))]
        owner = self.router.owners.get(act.verb)
        if owner is not None and act.verb in owner.verbs:
            # A form's own button goes back to the form, which checks it is still current.
            if dialogs.open_flow(ctx) != owner.name:
                left = await forms.leave(ctx, self.router)
                await dialogs.resume(ctx, owner.name)  # if it was kept aside
                return forms.after_leaving(ctx, left, await handler(ctx, act))
            return await handler(ctx, act)
        return await self._elsewhere(ctx, owner, lambda: handler(ctx, act))

    async def _elsewhere(self, ctx: Context, opens: Flow | None,
                         run: Callable[[], Awaitable[list[Reply]]]) -> list[Reply]:
        """Run a command or button of another screen: the open form is left first. One that
        opens a form kept aside offers to continue it instead."""
        if opens is not None and opens is self.router.open_flow(ctx) and not opens.resumable:
            return await run()  # its own command again: a yes/no question asks once
        left = await forms.leave(ctx, self.router)
        if opens is not None and opens.name in dialogs.kept_flows(ctx):
            return forms.after_leaving(ctx, left if left is not opens else None,
                                       [forms.resume_offer(ctx, opens)])
        return forms.after_leaving(ctx, left, await run())

    async def _remember_options(self, ctx: Context, replies: list[Reply],
                                before: tuple[Option, ...], screen: bool) -> None:
        shown = [r for r in replies if r.buttons]
        if shown or screen:  # a nudge without buttons ("type 1 to 5") keeps the options
            options = choices.shown(shown[-1]) if shown else []
            if tuple(options) != before:  # the same menu again needs no write
                await dialog_store.save_options(ctx.db, ctx.user.id, options, ctx.now,
                                           ctx.event.sequence)


def _withheld(ctx: Context) -> list[Reply]:
    """The answer when the channel withheld what was sent (a protected user's message)."""
    if ctx.event.kind is not EventKind.WITHHELD:
        return []
    return [Reply(ctx.t._("I could not read your message: the app keeps some users' messages "
                          "from bots. You can still learn by typing the numbers shown, or ask "
                          "the Community Digital Technology Team of your commune for help: "
                          "type /helpme."))]


def _fit(reply: Reply, limit: int) -> list[Reply]:
    """A reply too long for the channel as several, cut at paragraphs (then lines): the first
    keeps its picture, the last its buttons and files."""
    if len(reply.text) <= limit:
        return [reply]
    texts = pack(reply.text.split("\n\n"), limit)
    if len(texts) == 1:  # one line longer than the limit: cut
        return [dataclasses.replace(reply, text=texts[0])]
    first = dataclasses.replace(reply, text=texts[0], buttons=(), documents=())
    middle = [Reply(text) for text in texts[1:-1]]
    last = dataclasses.replace(reply, text=texts[-1], image=None, photo=None, edit=False)
    return [first, *middle, last]


