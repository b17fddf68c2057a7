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
ShowHandler = Callable[[Context], Awaitable[list[Reply]]]
# What /cancel says it dropped when a flow is open: a msgid, or a function of the context
# returning the translated line (for a flow whose drafts differ, a new visit or an edit).
Dropped = str | Callable[[Context], str]


class RegistrationError(ValueError):
    """Two features claimed the same name: a programming error found at start."""


@dataclass(frozen=True)
class Flow:
    """A form: what takes its typed answers, and how it is left and come back to."""

    name: str
    on_text: FlowHandler
    dropped: Dropped  # what /cancel says it threw away
    entry: str  # the command that opens it (/visit), named when it is kept aside
    verbs: tuple[Verb, ...] = ()  # its own buttons: pressing one goes back to it
    entry_verbs: tuple[Verb, ...] = ()  # buttons that open it as its command does
    # Resumable forms name themselves ("Visit form") and show their open question again;
    # others (a yes/no question) are simply closed when the user goes elsewhere.
    title: str | None = None
    show: ShowHandler | None = None
    on_photo: PhotoHandler | None = None

    @property
    def resumable(self) -> bool:
        """Whether leaving it keeps its draft aside to come back to."""
        return self.title is not None and self.show is not None


@dataclass(frozen=True)
class Command:
    """A slash command: its name, its one-line description (a msgid) and its handler."""

    name: str
    description: str
    handler: CommandHandler
    listed: bool = True  # shown in /help and the client's command menu
    audience: Audience = EVERYONE  # who sees it listed
    leaves_form: bool = True  # False for /cancel, which acts on the open form


class Router:
    """Maps command names and button verbs to the feature functions that handle them."""

    def __init__(self) -> None:
        self.commands: dict[str, Command] = {}
        self.verbs: dict[str, Verb] = {}
        self.actions: dict[Verb, ActionHandler] = {}
        self.flows: dict[str, Flow] = {}
        self.owners: dict[Verb, Flow] = {}  # a form's own buttons, and the buttons opening it

    def command(self, name: str, description: str, handler: CommandHandler,
                listed: bool = True, audience: Audience = EVERYONE, leaves_form: bool = True
                ) -> None:
        """Register /name; audience only decides where it is listed, handlers check roles."""
        _claim(self.commands, name)
        self.commands[name] = Command(name, description, handler, listed, Audience(audience),
                                      leaves_form)

    def action(self, verb: Verb, handler: ActionHandler) -> None:
        """Register the handler of the buttons of verb."""
        _claim(self.verbs, verb.name)
        self.verbs[verb.name] = verb
        self.actions[verb] = handler

    def flow(self, flow: Flow) -> None:
        """Register a form: text typed (and photos sent) while it is open go to it."""
        _claim(self.flows, flow.name)
        self.flows[flow.name] = flow
        for verb in (*flow.verbs, *flow.entry_verbs):
            if verb in self.owners:
                raise RegistrationError(f"{verb.name!r} belongs to two forms")
            self.owners[verb] = flow

    def open_flow(self, ctx: Context) -> Flow | None:
        """The form open in ctx, if any."""
        return self.flows.get(str(ctx.state.get("flow", "")))

    def entered_by(self, command: str) -> Flow | None:
        """The form the command opens, if any."""
        return next((f for f in self.flows.values() if f.entry == command), None)

    def dropped_line(self, ctx: Context) -> str | None:
        """What /cancel drops: the open flow's line in the user's language, or None."""
        flow = self.open_flow(ctx)
        if flow is None:
            return None
        dropped = flow.dropped
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
