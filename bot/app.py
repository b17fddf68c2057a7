"""Composition root: build the core's services from the configuration; open and close them."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from bot.config import Config
from bot.core.context import Services
from bot.core.jobs import Scheduler
from bot.core.lessons.catalog import Catalog, load_catalog
from bot.core.lessons.search import SearchIndex
from bot.core.service import Core, build_router
from bot.core.shared.communes import Communes
from bot.core.shared.skills import SKILLS, TRACKS
from bot.i18n import Translations
from bot.storage import lesson_merges, summaries
from bot.storage import visits as visit_store
from bot.storage.db import open_database

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class App:
    """The running bot's core, the services it owns and its jobs."""

    services: Services
    core: Core
    jobs: Scheduler  # not running until start_jobs()

    def start_jobs(self) -> None:
        """Start the application's jobs (escalation, purge, freezing, scheduled broadcasts),
        whatever channels run; App.close stops them."""
        self.jobs.start()

    async def close(self) -> None:
        """Release resources (the jobs, a campaign copy in progress, then the database)."""
        await self.jobs.stop()
        await self.services.freezer.stop()
        await self.services.db.close()


def build_search(catalog: Catalog, translations: Translations) -> SearchIndex:
    """The lesson search index, with each skill's name in every language."""
    names = {skill: [translations.get(loc)._(name) for loc in translations.locales]
             for skill, (_emoji, name) in TRACKS.items()}
    return SearchIndex(catalog, names)


# Python's cycle collector runs after every 700 new objects by default, and every hundredth run
# is a full one that walks everything alive: the lesson catalog, the search index, the
# catalogs. An update makes hundreds of objects (its JSON, events, replies, futures), so that
# was a fifth of the CPU an update costs (measured: 0.81 ms → 0.68 ms an update). After every
# 10,000 instead: the same garbage is collected, a little later (2 MB more at the peak).
GC_THRESHOLDS = (10_000, 10, 10)


async def open_app(config: Config) -> App:
    """Load translations and lessons (failing fast on errors), open the database, build the core."""
    gc.set_threshold(*GC_THRESHOLDS)
    translations = Translations(config.locales, config.default_locale)
    catalog = load_catalog(config.lessons_dir, config.locales)
    db = await open_database(config.database)
    # The summaries learn the catalog's skills now, not in the first /stats after a deploy.
    lessons = {lesson.id: skill for skill in SKILLS for lesson in catalog.by_skill(skill)}
    try:
        await lesson_merges.carry_merged(db, catalog.merged(), datetime.now(UTC))
        await summaries.sync_skills(db, lessons, SKILLS)
        secret = await visit_store.household_secret(db)
    except BaseException:
        await db.close()
        raise
    services = Services(config=config, db=db, catalog=catalog, translations=translations,
                        router=build_router(), search=build_search(catalog, translations),
                        communes=Communes(config.province_code), household_secret=secret)
    return App(services, Core(services), Scheduler(services))


def new_event_loop(kind: str) -> asyncio.AbstractEventLoop:
    """A new event loop: uvloop's when kind is "uvloop" and it is installed, else asyncio's."""
    # uvloop (libuv, the loop of uvicorn) takes 10-15% less CPU per update than asyncio's own
    # loop, a fifth less per Bot API call (docs/PERFORMANCE.md); it has no Windows build.
    if kind == "uvloop":
        try:
            import uvloop
        except ImportError:
            logger.warning("event_loop: uvloop is not installed here; using asyncio's loop")
        else:
            return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def run_service(main: Coroutine[object, object, T], config: Config) -> T:
    """Run the bot's service to its end on the configured event loop."""
    with asyncio.Runner(loop_factory=lambda: new_event_loop(config.event_loop)) as runner:
        return runner.run(main)
