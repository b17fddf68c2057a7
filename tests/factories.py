"""Build configs, apps and events for tests, on a real SQLite file."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from bot.app import App, open_app
from bot.channels.base import TELEGRAM, TEXT_ONLY
from bot.config import Config, load_config
from bot.config_flood import Flood
from bot.core.events import Capabilities, EventKind, Incoming, Reply
from bot.core.service import Core
from bot.storage.db import Database
from bot.storage.teams import Team

ROOT = Path(__file__).resolve().parent.parent
NO_BRAKE = Flood(burst=100_000, per_second=1000.0)
# Communes of Nghệ An the tests use, by their official codes.
ANH_SON, CON_CUONG, VINH, DIEN_CHAU = "17329", "17254", "16681", "17464"
ADMIN = "4242"  # the admin id the tests configure (BOT_ADMINS)
# A well-formed token for the fake Bot API: digits, a colon and 35 URL-safe characters.
TOKEN = "123456789:" + "A" * 10 + "b" * 10 + "C" * 10 + "_-0a9"
_ids = itertools.count(1)


class Clock:
    """The time the core sees (pass it as Core's clock); a test moves it by setting now."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def make_config(tmp_path: Path, **env: str) -> Config:
    """The shipped config.yaml with the database in tmp_path."""
    environ = {"BOT_DATABASE": str(tmp_path / "bot.db"), **env}
    # Simulated users act at machine speed with the clock standing still: no flood brake.
    return dataclasses.replace(load_config(ROOT / "config.yaml", environ), flood=NO_BRAKE)


@asynccontextmanager
async def running_app(tmp_path: Path, admins: str = ADMIN, **changes: Any) -> AsyncIterator[App]:
    """The app on a fresh database in tmp_path, these ids its admins, the config changed by
    changes (campaigns=..., for example); closed at the end."""
    config = dataclasses.replace(make_config(tmp_path, BOT_ADMINS=admins), **changes)
    opened = await open_app(config)
    try:
        yield opened
    finally:
        await opened.close()


def text(body: str, user: str = "1", caps: Capabilities = TEXT_ONLY, locale: str | None = "vi"
         ) -> Incoming:
    """A typed message."""
    return Incoming("telegram", user, EventKind.TEXT, datetime.now(UTC), caps, text=body,
                    locale_hint=locale, event_id=str(next(_ids)))


def press(payload: str, user: str = "1", caps: Capabilities = TELEGRAM,
          locale: str | None = "vi") -> Incoming:
    """A button press."""
    return Incoming("telegram", user, EventKind.ACTION, datetime.now(UTC), caps, action=payload,
                    locale_hint=locale, event_id=str(next(_ids)))


class Chat:
    """Talks to the core as one user and keeps what it answered."""

    def __init__(self, core: Core, user: str = "1", locale: str | None = "vi",
                 caps: Capabilities = TELEGRAM):
        self.core, self.user, self.locale, self.caps = core, user, locale, caps
        self.last: list[Reply] = []

    async def say(self, body: str) -> Reply:
        """Type body; return the last reply."""
        self.last = await self.core.handle(text(body, self.user, self.caps, self.locale))
        return self.last[-1]

    async def press(self, payload: str) -> Reply:
        """Press a button with this payload; return the last reply."""
        self.last = await self.core.handle(press(payload, self.user, self.caps, self.locale))
        return self.last[-1]

    async def tap(self, label_part: str) -> Reply:
        """Press the button of the last reply whose label contains label_part."""
        for button in self.last[-1].options():
            if label_part in button.label:
                return await self.press(button.action)
        labels = [b.label for b in self.last[-1].options()]
        raise AssertionError(f"no button with {label_part!r} in {labels}")

    def labels(self) -> list[str]:
        """The button labels of the last reply."""
        return [b.label for b in self.last[-1].options()]


async def add_visit(db: Database, volunteer: int | None, team: int | None, at: datetime,
                    household: str = "nguyen van a", people: int = 1,
                    commune: str = "17329", skills: tuple[str, ...] = (),
                    outcomes: tuple[str, ...] = (), follow_up_of: int | None = None,
                    deleted: bool = False) -> int:
    """A visit row written as the /visit form would (for report and figures tests); its id."""
    flags = {f"s_{s}": 1 for s in skills} | {f"o_{o}": 1 for o in outcomes}
    columns = ["draft_id", "volunteer_id", "team_id", "commune_code", "hamlet", "household",
               "household_key", "people", "follow_up_of", "visited_at", "created_at",
               "updated_at", "deleted_at", *flags]
    stamp = at.isoformat()
    values: list[Any] = [f"t{next(_ids)}", volunteer, team, commune, "thon 1", household,
                         f"{commune}|thon 1|{household}", people, follow_up_of, stamp, stamp,
                         stamp, stamp if deleted else None, *flags.values()]
    async with db.transaction() as conn:
        cur = await conn.execute(
            f"INSERT INTO visits ({', '.join(columns)}) VALUES ({', '.join('?' * len(values))}) "
            "RETURNING id", values)
        row = await cur.fetchone()
        await cur.close()
    assert row is not None
    return int(row[0])


async def add_many_visits(db: Database, people: list[int], teams: list[Team],
                          times: list[str]) -> None:
    """One visit per time, round-robin over people and teams (2 people each, every 50th
    deleted, every 7th a follow-up), written in one transaction: for scale tests."""
    rows = []
    for i, at in enumerate(times):
        team = teams[i % len(teams)]
        rows.append((f"p{i}", people[i % len(people)], team.id, team.commune_code,
                     f"h{i % 3000}", at, at, at, at if i % 50 == 0 else None,
                     i if i % 7 == 0 and i else None))
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO visits (draft_id, volunteer_id, team_id, commune_code, hamlet, "
            "household, household_key, people, visited_at, created_at, updated_at, deleted_at, "
            "follow_up_of) VALUES (?, ?, ?, ?, 'h', 'x', ?, 2, ?, ?, ?, ?, ?)", rows)


# Simulated users tap far faster than people: for them, no pace per chat (TELEGRAM_CHAT_RATE);
# the pace per chat is tested on its own (tests/delivery).
FAST_USERS = "100"


def write_config(tmp_path: Path, rate: int, paid: bool, telegram_rate: int = 25) -> Path:
    """The shipped config.yaml at this broadcast pace (and this pace for all sends), without
    quiet hours, lessons from the repository: for tests that run `python -m bot --config` as a
    process."""
    raw = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    raw["lessons_dir"] = str(ROOT / "lessons")
    raw["telegram"]["rate"] = telegram_rate
    raw["broadcasts"] = {"rate": rate, "paid": paid, "quiet_hours": None, "max_attempts": 5}
    raw["flood"] = {"burst": NO_BRAKE.burst, "per_second": NO_BRAKE.per_second}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def payload_of(verb: str, *args: str | int) -> str:
    """A button payload as a client sends it back: the verb's wire name and its arguments."""
    return ":".join((verb, *(str(a) for a in args)))
