"""Notifications to other users: queued in the outbox, delivered by each channel's worker.

A notification is written in the same transaction as the change that causes it (a request
taken, a request sent), so either both happen or neither does; the channel's worker sends it
afterwards, retrying when the network fails.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import aiosqlite

from bot.core.context import Services
from bot.core.events import Button, Reply
from bot.storage import outbox as store
from bot.storage import users
from bot.storage.outbox import Recipient


def encode(reply: Reply) -> str:
    """A reply as the outbox's JSON: its text and its button rows of [label, payload]."""
    return json.dumps({"text": reply.text,
                       "buttons": [[[b.label, b.action] for b in row] for row in reply.buttons]},
                      ensure_ascii=False)


def decode(payload: str) -> Reply:
    """The reply stored by encode()."""
    data: dict[str, Any] = json.loads(payload)
    rows = tuple(tuple(Button(str(label), str(action)) for label, action in row)
                 for row in data.get("buttons", []))
    return Reply(str(data["text"]), rows)


async def notify(conn: aiosqlite.Connection, recipient: Recipient, reply: Reply, now: datetime
                 ) -> None:
    """Queue reply for the recipient inside the caller's transaction, on the account they used
    last."""
    address = recipient.user_id if recipient.address is None else recipient.address
    await store.insert(conn, address, encode(reply), now)


async def recipients(services: Services, user_ids: Iterable[int]) -> list[Recipient]:
    """These users with their language, each once (read before the transaction that notifies);
    a person with linked accounts is messaged on the one they used last of those reachable."""
    return await store.recipients(services.db, user_ids, services.config.delivery_channels)


async def admins(services: Services) -> list[Recipient]:
    """The configured admins who can be messaged: an admin who never wrote to the bot has no
    user row, and a bot may not start a conversation, so they are left out."""
    channel = services.config.delivery_channel  # admins are named by their ids there
    found = []
    for admin_id in sorted(services.config.admins):
        user = await users.get(services.db, channel, str(admin_id))
        if user is not None:
            found.append(user.id)
    return await recipients(services, found)


def merge(*groups: Iterable[Recipient], without: Iterable[int | None] = ()) -> list[Recipient]:
    """Recipients of several groups, each user once, leaving out the ids in without."""
    skip = {uid for uid in without if uid is not None}
    seen: dict[int, Recipient] = {}
    for group in groups:
        for recipient in group:
            if recipient.user_id not in skip:
                seen.setdefault(recipient.user_id, recipient)
    return list(seen.values())
