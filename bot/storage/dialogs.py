"""Dialog state: the open flow, its draft, and the choices last shown to the user."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.storage.db import Database


@dataclass(frozen=True)
class Option:
    """A choice last shown to the user, so a typed number or label can select it."""

    label: str
    action: str


@dataclass(frozen=True)
class Dialog:
    """Where a user is in the conversation."""

    state: dict[str, Any] = field(default_factory=dict)
    options: tuple[Option, ...] = ()


async def load(db: Database, user_id: int) -> Dialog:
    """The user's dialog, empty if they have none."""
    row = await db.fetchone("SELECT state, options FROM dialogs WHERE user_id = ?", (user_id,))
    return from_columns(row["state"], row["options"]) if row else Dialog()


def from_columns(state: str | None, options: str | None) -> Dialog:
    """The dialog stored in a dialogs row (both None: the user has none)."""
    if state is None or options is None:
        return Dialog()
    shown = tuple(Option(str(o[0]), str(o[1])) for o in json.loads(options))
    return Dialog(json.loads(state), shown)


async def save_options(db: Database, user_id: int, options: list[Option], now: datetime) -> None:
    """Remember the choices just shown."""
    payload = json.dumps([[o.label, o.action] for o in options], ensure_ascii=False)
    await db.execute(
        "INSERT INTO dialogs (user_id, options, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET options = excluded.options, "
        "updated_at = excluded.updated_at",
        (user_id, payload, now.isoformat()))


async def save_state(db: Database, user_id: int, state: dict[str, Any], now: datetime) -> None:
    """Store the open flow and its draft (an empty dict closes it)."""
    payload = json.dumps(state, ensure_ascii=False)
    await db.execute(
        "INSERT INTO dialogs (user_id, state, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET state = excluded.state, "
        "updated_at = excluded.updated_at",
        (user_id, payload, now.isoformat()))
