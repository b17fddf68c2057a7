"""What every handler works with: the services built once, and the event being handled."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.config import Config
from bot.core.campaigns import Freezer
from bot.core.events import EventKind, Incoming
from bot.core.shared.communes import Communes
from bot.i18n import Translations, Translator
from bot.storage.db import Database
from bot.storage.teams import Membership
from bot.storage.users import User

if TYPE_CHECKING:  # features import this module: it imports none of them at run time
    from bot.core.lessons.catalog import Catalog
    from bot.core.lessons.search import SearchIndex
    from bot.core.router import Router


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
    household_secret: bytes = b""  # the key household keys are hashed with (visits)


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
        return self.event.kind is EventKind.ACTION
