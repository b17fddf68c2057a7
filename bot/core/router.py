"""Routing inside the core: commands and button verbs, registered by feature modules."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.config import Config
from bot.core.actions import Action
from bot.core.campaigns.freezer import Freezer
from bot.core.events import Incoming, Reply
from bot.core.lessons.catalog import Catalog
from bot.core.lessons.search import SearchIndex
from bot.core.shared.communes import Communes
from bot.i18n import Translations, Translator
from bot.storage.db import Database
from bot.storage.teams import Membership
from bot.storage.users import User


@dataclass(frozen=True)
class Services:
    """What the core's features work with; built once by the composition root."""

    config: Config
    db: Database
    catalog: Catalog
    translations: Translations
    router: Router
    search: SearchIndex
    communes: Communes
    freezer: Freezer = field(default_factory=Freezer)  # ended campaigns' copies, one at a time


@dataclass(frozen=True)
class Context:
    """One event being handled: who sent it, in which language, and the services."""

    event: Incoming
    user: User
    t: Translator
    now: datetime
    services: Services
    membership: Membership | None = None  # the user's team and role, if they joined one
    state: dict[str, Any] = field(default_factory=dict)  # the open flow and its draft

    @property
    def db(self) -> Database:
        """The database."""
        return self.services.db

    @property
    def catalog(self) -> Catalog:
        """The lesson catalog."""
        return self.services.catalog

    @property
    def pressed(self) -> bool:
        """True when the user pressed a button (so the view can replace that message)."""
        return self.event.kind.value == "action"


EVERYONE, VOLUNTEERS, ADMINS = "everyone", "volunteers", "admins"

CommandHandler = Callable[[Context, str], Awaitable[list[Reply]]]
ActionHandler = Callable[[Context, Action], Awaitable[list[Reply]]]
FlowHandler = Callable[[Context, str], Awaitable[list[Reply]]]
PhotoHandler = Callable[[Context], Awaitable[list[Reply]]]


@dataclass(frozen=True)
class Command:
    """A slash command: its name, its one-line description (a msgid) and its handler."""

    name: str
    description: str
    handler: CommandHandler
    listed: bool = True  # shown in /help and the client's command menu
    audience: str = EVERYONE  # who sees it listed: everyone, volunteers, or admins


class Router:
    """Maps command names and button verbs to the feature functions that handle them."""

    def __init__(self) -> None:
        self.commands: dict[str, Command] = {}
        self.actions: dict[str, ActionHandler] = {}
        self.flows: dict[str, FlowHandler] = {}
        self.photo_flows: dict[str, PhotoHandler] = {}

    def command(self, name: str, description: str, handler: CommandHandler,
                listed: bool = True, audience: str = EVERYONE) -> None:
        """Register /name; audience only decides where it is listed, handlers check roles."""
        assert name not in self.commands, name
        assert audience in (EVERYONE, VOLUNTEERS, ADMINS), audience
        self.commands[name] = Command(name, description, handler, listed, audience)

    def action(self, verb: str, handler: ActionHandler) -> None:
        """Register the handler of button payloads starting with verb."""
        assert verb not in self.actions, verb
        self.actions[verb] = handler

    def flow(self, name: str, handler: FlowHandler, on_photo: PhotoHandler | None = None
             ) -> None:
        """Register the handler of text typed while the dialog state's "flow" is name (and of
        photos sent then, for the flows that take one)."""
        assert name not in self.flows, name
        self.flows[name] = handler
        if on_photo is not None:
            self.photo_flows[name] = on_photo

    def listed_commands(self, audiences: tuple[str, ...] = (EVERYONE,)) -> list[Command]:
        """Commands to show these audiences in /help and the client's menu, in order."""
        return [c for c in self.commands.values() if c.listed and c.audience in audiences]
