"""Broadcasts and their deliveries: one delivery row per recipient, written before any send."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import aiosqlite

from bot.storage import audit
from bot.storage.audiences import Audience, audience_filter
from bot.storage.db import Database


class Status(StrEnum):
    """A broadcast's status."""

    # Waiting for a second admin's approval (broadcasts.require_second_admin); stored as the
    # schema's "draft".
    AWAITING = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    # A channel's plan ran out of messages for the month while sending (see held); the other
    # channels' deliveries are done, and an admin resumes it when messages are available.
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"


class DeliveryStatus(StrEnum):
    """A delivery's status ("sending" exists in the schema but is not used: see
    docs/BROADCASTS.md)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Result(StrEnum):
    """What one send came to: a final status, or RETRY (one more failed try, still pending)."""

    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"
    RETRY = "retry"


# The short names the core, the channels' workers and the tests use.
SCHEDULED, SENDING, DONE = Status.SCHEDULED, Status.SENDING, Status.DONE
PAUSED, CANCELLED, PENDING = Status.PAUSED, Status.CANCELLED, DeliveryStatus.PENDING
AWAITING = Status.AWAITING
ACTIVE = (SCHEDULED, SENDING, PAUSED, AWAITING)  # not over: can still be stopped
SENT, BLOCKED, FAILED, RETRY = Result.SENT, Result.BLOCKED, Result.FAILED, Result.RETRY


@dataclass(frozen=True)
class Broadcast:
    """A message to many users, sent now or at a scheduled time."""

    id: int
    created_by: int | None
    text_vi: str
    text_en: str | None
    audience: Audience
    status: Status
    scheduled_for: str | None  # UTC ISO; None: as soon as possible
    created_at: str
    started_at: str | None
    finished_at: str | None
    progress_chat: str | None  # "channel:id" of the admin who watches it
    progress_message: int | None  # the message edited with the progress
    admin_locale: str | None = None  # the creator's language, for the progress message
    photo: str | None = None  # a Photo.ref sent with the text as its caption
    held: str | None = None  # the channel whose monthly quota ran out while sending it

    def text_for(self, locale: str) -> str:
        """The version a user of this locale receives."""
        return self.text_en if locale == "en" and self.text_en else self.text_vi


@dataclass(frozen=True)
class Counts:
    """How many deliveries of a broadcast are in each status."""

    pending: int = 0  # still to send (those held for a channel's quota are counted in held)
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    cancelled: int = 0
    held: int = 0  # pending on the channel whose monthly quota ran out

    @property
    def total(self) -> int:
        """Every recipient."""
        return self.pending + self.sent + self.blocked + self.failed + self.cancelled \
            + self.held


@dataclass(frozen=True)
class Recipient:
    """A pending delivery with where to send it."""

    user_id: int
    external_id: str
    locale: str
    attempts: int


_COLUMNS = ("b.id, b.created_by, b.text_vi, b.text_en, b.audience, b.status, b.scheduled_for, "
            "b.created_at, b.started_at, b.finished_at, b.progress_chat, b.progress_message, "
            "u.locale AS admin_locale, b.photo, b.held")
_FROM = "FROM broadcasts b LEFT JOIN users u ON u.id = b.created_by"


def _row(row: aiosqlite.Row) -> Broadcast:
    message = row["progress_message"]
    return Broadcast(row["id"], row["created_by"], row["text_vi"], row["text_en"],
                     Audience.decode(row["audience"]), Status(row["status"]), row["scheduled_for"],
                     row["created_at"], row["started_at"], row["finished_at"],
                     row["progress_chat"], int(message) if message else None,
                     row["admin_locale"], row["photo"], row["held"])


def stamp(moment: datetime) -> str:
    """A UTC time as stored and compared here (whole seconds, so text order is time order)."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


class _NobodyError(Exception):
    """Raised inside create() to roll back a broadcast that reaches nobody."""


async def create(db: Database, created_by: int, text_vi: str, text_en: str | None,
                 audience: Audience, scheduled_for: datetime | None, now: datetime,
                 progress_chat: str | None, *, channels: tuple[str, ...],
                 photo: str | None = None, awaiting: bool = False
                 ) -> tuple[int, int] | None:
    """Queue a broadcast and one pending delivery per recipient (the audience's users of the
    channel), with its audit entry, in one transaction; scheduled_for None sends at once,
    awaiting waits for another admin's approval first. Return (id, recipients), None if
    nobody."""
    where, params = audience_filter(audience, channels)
    status = AWAITING if awaiting else SENDING if scheduled_for is None else SCHEDULED
    when = None if scheduled_for is None else stamp(scheduled_for)
    try:
        async with db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO broadcasts (created_by, text_vi, text_en, photo, audience, status, "
                "scheduled_for, created_at, started_at, progress_chat) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (created_by, text_vi, text_en, photo, audience.encode(), status, when,
                 stamp(now), stamp(now) if status == SENDING else None, progress_chat))
            row = await cur.fetchone()
            await cur.close()
            if row is None:  # RETURNING always gives the new row's id
                raise RuntimeError("the new broadcast has no id")
            broadcast_id = int(row[0])
            # One statement, not a loop: 100,000 recipients are queued in a fraction of a second.
            cur = await conn.execute(
                "INSERT INTO deliveries (broadcast_id, user_id, status) "
                f"SELECT ?, u.id, '{PENDING}' FROM users u WHERE {where} ORDER BY u.id",
                (broadcast_id, *params))
            count = cur.rowcount
            await cur.close()
            if count <= 0:
                raise _NobodyError
            await audit.record(conn, created_by, "broadcast", audit.detail(
                "broadcast_queued", broadcast=broadcast_id, audience=str(audience.kind),
                value=audience.value, recipients=count, photo=photo is not None,
                scheduled_for=when), now)
    except _NobodyError:
        return None
    return broadcast_id, count


async def get(db: Database, broadcast_id: int) -> Broadcast | None:
    """One broadcast."""
    row = await db.fetchone(f"SELECT {_COLUMNS} {_FROM} WHERE b.id = ?", (broadcast_id,))
    return _row(row) if row else None


async def recent(db: Database, limit: int = 10) -> list[Broadcast]:
    """The latest broadcasts, newest first."""
    rows = await db.fetchall(f"SELECT {_COLUMNS} {_FROM} ORDER BY b.id DESC LIMIT ?", (limit,))
    return [_row(r) for r in rows]


async def active(db: Database) -> list[Broadcast]:
    """Broadcasts still to send or being sent, oldest first."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} {_FROM} WHERE b.status IN (?, ?, ?, ?) ORDER BY b.id", ACTIVE)
    return [_row(r) for r in rows]


async def next_due(db: Database, now: datetime, scheduled_allowed: bool) -> Broadcast | None:
    """The broadcast to work on: one being sent (oldest first), else, when scheduled ones may
    start (outside quiet hours), the one due first."""
    row = await db.fetchone(
        f"SELECT {_COLUMNS} {_FROM} WHERE b.status = ? ORDER BY b.id LIMIT 1", (SENDING,))
    if row is None and scheduled_allowed:
        row = await db.fetchone(
            f"SELECT {_COLUMNS} {_FROM} WHERE b.status = ? AND b.scheduled_for <= ? "
            "ORDER BY b.scheduled_for, b.id LIMIT 1", (SCHEDULED, stamp(now)))
    return _row(row) if row else None


async def start(db: Database, broadcast_id: int, now: datetime) -> bool:
    """Mark a scheduled broadcast as being sent; False if it was stopped meanwhile."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE broadcasts SET status = ?, started_at = COALESCE(started_at, ?) "
            "WHERE id = ? AND status IN (?, ?)", (SENDING, stamp(now), broadcast_id, SCHEDULED,
                                                  SENDING))
        changed = cur.rowcount
        await cur.close()
    return changed > 0


async def set_progress_message(db: Database, broadcast_id: int, message_id: int) -> None:
    """Remember the message that shows the progress, so a restart edits the same one."""
    async with db.transaction() as conn:
        await conn.execute("UPDATE broadcasts SET progress_message = ? WHERE id = ?",
                           (str(message_id), broadcast_id))


async def pending_batch(db: Database, broadcast_id: int, after_user_id: int, limit: int = 500,
                        channel: str | None = None) -> list[Recipient]:
    """The next pending deliveries after a user id (to users of the channel, or all), in user
    id order (one read per batch); none on a channel whose quota holds the broadcast."""
    mine = "" if channel is None else "AND u.channel = ? "
    rows = await db.fetchall(
        "SELECT d.user_id, u.external_id, u.locale, d.attempts FROM deliveries d "
        "JOIN users u ON u.id = d.user_id JOIN broadcasts b ON b.id = d.broadcast_id "
        f"WHERE d.broadcast_id = ? AND d.status = ? AND d.user_id > ? {mine}"
        "AND u.channel IS NOT b.held ORDER BY d.user_id LIMIT ?",
        (broadcast_id, PENDING, after_user_id, *([channel] if channel else []), limit))
    return [Recipient(int(r[0]), str(r[1]), str(r[2]), int(r[3])) for r in rows]


@dataclass(frozen=True)
class Outcome:
    """What one send to one recipient came to: SENT, BLOCKED, FAILED or RETRY, and why."""

    user_id: int
    outcome: Result
    reason: str | None = None


async def record(db: Database, broadcast_id: int, user_id: int, outcome: Result,
                 now: datetime, reason: str | None = None) -> Status:
    """Record one delivery's outcome; see record_many."""
    return await record_many(db, broadcast_id, [Outcome(user_id, outcome, reason)], now)


async def record_many(db: Database, broadcast_id: int, outcomes: Iterable[Outcome],
                      now: datetime) -> Status:
    """Record deliveries' outcomes in one transaction (SENT, BLOCKED, FAILED or RETRY); a
    blocked user is marked inactive in it too. Return the broadcast's status, to notice a stop."""
    at = stamp(now)
    retries, finals, blocked = [], [], []
    for item in outcomes:
        reason = None if item.reason is None else item.reason[:200]
        key = (broadcast_id, item.user_id)
        if item.outcome == RETRY:  # one more failed try; the delivery stays as it is
            retries.append((reason or "", at, *key))
        else:
            finals.append((item.outcome, reason, at, *key))
        if item.outcome == BLOCKED:
            blocked.append((at, item.user_id))
    async with db.transaction() as conn:
        if retries:
            await conn.executemany(
                "UPDATE deliveries SET attempts = attempts + 1, reason = ?, updated_at = ? "
                "WHERE broadcast_id = ? AND user_id = ?", retries)
        if finals:
            # What happened is recorded even on a delivery cancelled meanwhile: it is the truth.
            await conn.executemany(
                "UPDATE deliveries SET status = ?, attempts = attempts + 1, reason = ?, "
                "updated_at = ? WHERE broadcast_id = ? AND user_id = ?", finals)
        if blocked:
            await conn.executemany("UPDATE users SET blocked_at = ? WHERE id = ? AND "
                                   "blocked_at IS NULL", blocked)
        rows = await conn.execute_fetchall("SELECT status FROM broadcasts WHERE id = ?",
                                           (broadcast_id,))
    row = next(iter(rows), None)
    return Status(row[0]) if row else CANCELLED


async def status(db: Database, broadcast_id: int) -> Status | None:
    """The broadcast's status now."""
    row = await db.fetchone("SELECT status FROM broadcasts WHERE id = ?", (broadcast_id,))
    return Status(row[0]) if row else None


async def counts(db: Database, broadcast_ids: Iterable[int]) -> dict[int, Counts]:
    """Delivery counts per status of each broadcast."""
    wanted = list(dict.fromkeys(broadcast_ids))
    if not wanted:
        return {}
    marks = ",".join("?" * len(wanted))
    rows = await db.read_fetchall(  # a broadcast's deliveries may be 300,000 rows: off the loop
        f"SELECT broadcast_id, status, COUNT(*) FROM deliveries WHERE broadcast_id IN ({marks}) "
        "GROUP BY broadcast_id, status", wanted)
    found: dict[int, dict[str, int]] = {bid: {} for bid in wanted}
    for bid, state, number in rows:
        found[int(bid)][str(state)] = int(number)
    for bid, number in await _held(db, wanted, marks):
        found[bid]["held"] = number
        found[bid][PENDING] = found[bid].get(PENDING, 0) - number
    return {bid: Counts(**{k: v for k, v in by.items() if k in Counts.__dataclass_fields__})
            for bid, by in found.items()}


async def _held(db: Database, wanted: list[int], marks: str) -> list[tuple[int, int]]:
    """The pending deliveries on each broadcast's held channel, for those that have one."""
    rows = await db.read_fetchall(
        "SELECT b.id, COUNT(*) FROM broadcasts b JOIN deliveries d ON d.broadcast_id = b.id "
        f"JOIN users u ON u.id = d.user_id WHERE b.id IN ({marks}) AND b.held IS NOT NULL "
        "AND d.status = ? AND u.channel = b.held GROUP BY b.id",
        (*wanted, PENDING))
    return [(int(row[0]), int(row[1])) for row in rows]


async def finish(db: Database, broadcast_id: int, now: datetime) -> bool:
    """Mark a broadcast done once nothing is left to send; False if it was stopped."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE broadcasts SET status = ?, finished_at = ? WHERE id = ? AND status = ?",
            (DONE, stamp(now), broadcast_id, SENDING))
        changed = cur.rowcount
        await cur.close()
    return changed > 0


async def cancel(db: Database, broadcast_id: int, actor_id: int, now: datetime) -> int | None:
    """Stop a broadcast: what was sent stays sent, pending deliveries become cancelled; audited.
    Return how many were cancelled, or None when it was no longer scheduled or sending."""
    at = stamp(now)
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE broadcasts SET status = ?, finished_at = ? WHERE id = ? AND status IN "
            "(?, ?, ?, ?)", (CANCELLED, at, broadcast_id, *ACTIVE))
        stopped = cur.rowcount
        await cur.close()
        if stopped <= 0:
            return None
        cur = await conn.execute(
            "UPDATE deliveries SET status = ?, updated_at = ? WHERE broadcast_id = ? AND "
            "status = ?", (DeliveryStatus.CANCELLED, at, broadcast_id, PENDING))
        cancelled = cur.rowcount
        await cur.close()
        await audit.record(conn, actor_id, "broadcast", audit.detail(
            "broadcast_stopped", broadcast=broadcast_id, cancelled=cancelled), now)
    return cancelled


async def hold(db: Database, broadcast_id: int, channel: str) -> bool:
    """Hold a broadcast's deliveries on a channel whose monthly quota ran out (they stay
    pending); False if it was already held or is no longer being sent."""
    rows = await db.execute(
        "UPDATE broadcasts SET held = ? WHERE id = ? AND status = ? AND held IS NULL "
        "RETURNING id", (channel, broadcast_id, SENDING))
    return bool(rows)


async def pause(db: Database, broadcast_id: int) -> bool:
    """Pause a held broadcast once its other channels are done; False if it is not held or no
    longer being sent."""
    rows = await db.execute(
        "UPDATE broadcasts SET status = ? WHERE id = ? AND status = ? AND held IS NOT NULL "
        "RETURNING id", (PAUSED, broadcast_id, SENDING))
    return bool(rows)


async def resume(db: Database, broadcast_id: int, actor_id: int, now: datetime) -> bool:
    """Send a paused broadcast's held deliveries again; audited. False if it is not paused."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE broadcasts SET status = ?, held = NULL WHERE id = ? AND status = ?",
            (SENDING, broadcast_id, PAUSED))
        resumed = cur.rowcount
        await cur.close()
        if resumed > 0:
            await audit.record(conn, actor_id, "broadcast", audit.detail(
                "broadcast_resumed", broadcast=broadcast_id), now)
    return resumed > 0


async def approve(db: Database, broadcast_id: int, approver: int, now: datetime) -> bool:
    """A second admin approves a waiting broadcast: it is sent (or waits for its time); with
    the audit entry. False if it is not waiting, or the approver wrote it."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE broadcasts SET status = CASE WHEN scheduled_for IS NULL THEN ? ELSE ? END, "
            "started_at = CASE WHEN scheduled_for IS NULL THEN ? END "
            "WHERE id = ? AND status = ? AND created_by IS NOT ?",
            (SENDING, SCHEDULED, stamp(now), broadcast_id, AWAITING, approver))
        approved = cur.rowcount > 0
        await cur.close()
        if approved:
            await audit.record(conn, approver, "broadcast", audit.detail(
                "broadcast_approved", broadcast=broadcast_id), now)
    return approved
