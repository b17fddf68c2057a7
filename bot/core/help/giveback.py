"""Requests a volunteer took going back to open, as "Can't go" does: the commune's other
volunteers are told again and the citizen is told nobody is coming yet. Used when the volunteer
says so, deletes their data, or is removed from their team."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import aiosqlite

from bot.core.context import Services
from bot.core.events import Reply
from bot.core.help.notify import reopened_notice, volunteers_to_tell
from bot.core.shared import outbox
from bot.storage import help_requests as request_store
from bot.storage.help_requests import HelpRequest
from bot.storage.outbox import Recipient


@dataclass(frozen=True)
class GiveBack:
    """A taken request and who is to be told when it is open again."""

    request: HelpRequest
    volunteers: list[Recipient]
    citizens: list[Recipient]


async def plan_give_back(services: Services, requests: list[HelpRequest], taker: int
                         ) -> list[GiveBack]:
    """Who hears of each request going back (read before the writing transaction)."""
    plans = []
    for request in requests:
        told, _has_team = await volunteers_to_tell(services, request.commune_code,
                                                   (request.citizen_id, taker))
        citizen = [request.citizen_id] if request.citizen_id else []
        plans.append(GiveBack(request, told, await outbox.recipients(services, citizen)))
    return plans


async def give_back(conn: aiosqlite.Connection, services: Services, plans: list[GiveBack],
                    taker: int, now: datetime) -> list[int]:
    """Put the requests back to open, in the caller's transaction, with the notices; the ids
    released (a request taken by nobody else meanwhile)."""
    released = []
    for plan in plans:
        request = plan.request
        if not await request_store.release(conn, request.id, taker):
            continue
        released.append(request.id)
        reopened = replace(request, status=request_store.OPEN, taken_by=None, taken_at=None)
        for recipient in plan.volunteers:
            t = services.translations.get(recipient.locale)
            await outbox.notify(conn, recipient,
                                reopened_notice(t, services, reopened), now)
        for recipient in plan.citizens:
            if recipient.user_id == taker:
                continue
            t = services.translations.get(recipient.locale)
            await outbox.notify(conn, recipient, Reply(t._(
                "The volunteer who was going to come can no longer make it. Your request is "
                "open again, and I will tell you who comes.")), now)
    return released
