"""Routing inside the core: commands, button verbs and form steps, registered by features."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.core.context import Context
from bot.core.events import Reply
from bot.core.payloads import Action, Verb, parse


class Audience(StrEnum):
    """Who sees a command listed in /help and the client's menu."""

    EVERYONE = "everyone"
    VOLUNTEERS = "volunteers"
    ADMINS = "admins"


EVERYONE, VOLUNTEERS, ADMINS = Audience.EVERYONE, Audience.VOLUNTEERS, Audience.ADMINS

CommandHandler = Callable[[Context, str], Awaitable[list[Reply]]]
ActionHandler = Callable[[Context, Action], Awaitable[list[Reply]]]
FlowHandler = Callable[[Context, str], Awaitable[list[Reply]]]
PhotoHandler = Callable[[Context], Awaitable[list[Reply]]]
# What /cancel says it dropped when a flow is open: a msgid, or a function of the context
# returning the translated line (for a flow whose drafts differ, a new visit or an edit).
Dropped = str | Callable[[Context], str]


class RegistrationError(ValueError):
    """Two features claimed the same name: a programming error found at start."""


@dataclass(frozen=True)
class Command:
    """A slash command: its name, its one-line description (a msgid) and its handler."""

    name: str
    description: str
    handler: CommandHandler
    listed: bool = True  # shown in /help and the client's command menu
    audience: Audience = EVERYONE  # who sees it listed


class Router:
    """Maps command names and button verbs to the feature functions that handle them."""

    def __init__(self) -> None:
        self.commands: dict[str, Command] = {}
        self.verbs: dict[str, Verb] = {}
        self.actions: dict[Verb, ActionHandler] = {}
        self.flows: dict[str, FlowHandler] = {}
        self.photo_flows: dict[str, PhotoHandler] = {}
        self.dropped: dict[str, Dropped] = {}

    def command(self, name: str, description: str, handler: CommandHandler,
                listed: bool = True, audience: Audience = EVERYONE) -> None:
        """Register /name; audience only decides where it is listed, handlers check roles."""
        _claim(self.commands, name)
        self.commands[name] = Command(name, description, handler, listed, Audience(audience))

    def action(self, verb: Verb, handler: ActionHandler) -> None:
        """Register the handler of the buttons of verb."""
        _claim(self.verbs, verb.name)
        self.verbs[verb.name] = verb
        self.actions[verb] = handler

    def flow(self, name: str, handler: FlowHandler, on_photo: PhotoHandler | None = None, *,
             dropped: Dropped) -> None:
        """Register the handler of text typed while the dialog state's "flow" is name (and of
        photos sent then, for the flows that take one); dropped is what /cancel says it threw
        away ("The visit you were logging was not saved.")."""
        _claim(self.flows, name)
        self.flows[name] = handler
        self.dropped[name] = dropped
        if on_photo is not None:
            self.photo_flows[name] = on_photo

    def dropped_line(self, ctx: Context) -> str | None:
        """What /cancel drops: the open flow's line in the user's language, or None."""
        dropped = self.dropped.get(str(ctx.state.get("flow", "")))
        if dropped is None:
            return None
        return ctx.t._(dropped) if isinstance(dropped, str) else dropped(ctx)

    def parse(self, payload: str) -> Action | None:
        """The registered action in payload, or None when it is malformed or unknown."""
        return parse(payload, self.verbs)

    def listed_commands(self, audiences: tuple[str, ...] = (EVERYONE,)) -> list[Command]:
        """Commands to show these audiences in /help and the client's menu, in order."""
        return [c for c in self.commands.values() if c.listed and c.audience in audiences]


def _claim(taken: Mapping[str, object], name: str) -> None:
    if name in taken:
        raise RegistrationError(f"{name!r} is registered twice")
