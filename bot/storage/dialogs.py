"""Dialog state: the open flow, its draft, and the choices last shown to the user."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import aiosqlite

from bot.storage.db import Database

REPLAY_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class Option:
    """A choice last shown to the user, so a typed number or label can select it."""

    label: str
    action: str
    key: str = ""  # the number shown for it; "" when the user was asked to type instead
    nav: str = ""  # the navigation it does (menu, back, cancel, skip), if any


@dataclass(frozen=True)
class Dialog:
    """Where a user is in the conversation."""

    state: dict[str, Any] = field(default_factory=dict)
    options: tuple[Option, ...] = ()
    last_event: int | None = None  # the last event whose handling wrote this dialog
    updated_at: str | None = None  # when (UTC ISO)

    def has_handled(self, sequence: int | None, now: datetime) -> bool:
        """True when the event numbered sequence was handled already (a replay)."""
        if sequence is None or self.last_event is None or self.updated_at is None:
            return False
        # Telegram keeps unconfirmed updates a day, and after a week without any update it
        # numbers the next ones afresh (maybe lower): only a recent number says "replay".
        recent = datetime.fromisoformat(self.updated_at) > now - REPLAY_WINDOW
        return recent and sequence <= self.last_event


async def load(db: Database, user_id: int) -> Dialog:
    """The user's dialog, empty if they have none."""
    row = await db.fetchone("SELECT state, options, last_event, updated_at FROM dialogs "
                            "WHERE user_id = ?", (user_id,))
    return from_row(row) if row else Dialog()


def from_row(row: aiosqlite.Row) -> Dialog:
    """The dialog in a row with the dialogs columns state, options, last_event, updated_at
    (all None: the user has none)."""
    if row["state"] is None or row["options"] is None:
        return Dialog()
    return Dialog(json.loads(row["state"]), _options(row["options"]), row["last_event"],
                  row["updated_at"])


@lru_cache(maxsize=2048)
def _options(stored: str) -> tuple[Option, ...]:
    # Every update reads its user's options; most users stand at one of a few hundred screens
    # (the same menus, the same lesson steps), and options are immutable: parsed once each.
    return tuple(_option(number, o) for number, o in enumerate(json.loads(stored), 1))


def _option(number: int, stored: list[str]) -> Option:
    if len(stored) < 4:  # stored before options kept their numbers: numbered in order
        return Option(str(stored[0]), str(stored[1]), str(number))
    return Option(*(str(part) for part in stored[:4]))


# Each write also notes the event it comes from (in the same statement: no extra write).
_LAST_EVENT = "last_event = COALESCE(excluded.last_event, dialogs.last_event)"


async def save_options(db: Database, user_id: int, options: list[Option], now: datetime,
                       event: int | None = None) -> None:
    """Remember the choices just shown (in answer to the event numbered event); nothing when
    the user is gone (their answer was the deletion of their data)."""
    payload = json.dumps([[o.label, o.action, o.key, o.nav] for o in options],
                         ensure_ascii=False)
    await db.execute(
        "INSERT INTO dialogs (user_id, options, updated_at, last_event) "
        "SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM users WHERE id = ?1) "
        "ON CONFLICT (user_id) DO UPDATE SET options = excluded.options, "
        f"updated_at = excluded.updated_at, {_LAST_EVENT}",
        (user_id, payload, now.isoformat(), event))


async def save_state(db: Database, user_id: int, state: dict[str, Any], now: datetime,
                     event: int | None = None) -> None:
    """Store the open flow and its draft (an empty dict closes it), after the event numbered
    event."""
    payload = json.dumps(state, ensure_ascii=False)
    await db.execute(
        "INSERT INTO dialogs (user_id, state, updated_at, last_event) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET state = excluded.state, "
        f"updated_at = excluded.updated_at, {_LAST_EVENT}",
        (user_id, payload, now.isoformat(), event))
