"""Personal data: what is stored about a user, deleting it (/deleteme), retention, audit pages.

Deletion removes the users row, which cascades to everything keyed on it (dialogs, lesson
progress, quiz answers, membership, wrong join codes, queued messages, broadcast deliveries);
foreign keys set the links from visits, teams, broadcasts, help requests, good practices and
the audit log to NULL. The statements here cover what the schema cannot: copies of personal
data in rows that belong to others, and user ids kept without a foreign key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiosqlite

from bot.storage import audit, handled, photos
from bot.storage.broadcasts import stamp
from bot.storage.db import Database, expect_row

# A closed help request's name, hamlet and phone are kept this long for follow-up questions.
CLOSED_REQUEST_KEPT = timedelta(days=30)
# Requests nobody closed (a taker who never pressed "Mark done"): the phone goes after this.
ANY_REQUEST_PHONE_KEPT = timedelta(days=90)
# Delivered or abandoned notifications (they may quote a citizen's name or hamlet).
NOTIFICATION_KEPT = timedelta(days=30)
# A rejected good practice, kept this long after the decision so its writer can read why.
REJECTED_PRACTICE_KEPT = timedelta(days=30)
# Wrong join codes only matter for the one-hour guessing limit.
JOIN_FAILURE_KEPT = timedelta(days=1)
# A form (open or kept aside) and the buttons last shown, in a chat silent this long: a draft
# may hold a household's name or a phone number, and a visit cannot be dated further back
# (bot/core/visits/rules.py DAYS_BACK).
DRAFT_KEPT = timedelta(days=7)

# Audit entries of someone who deleted their data lose actor_id (ON DELETE SET NULL); this
# prefix on the detail keeps who acted, so the entry is not mistaken for the command line.
_ACTOR_TAG = re.compile(r"^\[(admin|user):(\d{1,20})\] ")
ADMIN_TAG, USER_TAG = "admin", "user"
# What a delivered notification about a deleted user's request is left with.
_ERASED_NOTICE = json.dumps({"text": "", "buttons": []})


@dataclass(frozen=True)
class OwnRequest:
    """A help request the user made whose personal details are still kept."""

    id: int
    first_name: str
    commune_code: str
    hamlet: str
    phone: str | None
    status: str


@dataclass(frozen=True)
class Stored:
    """What the database holds about one user, besides their users row and membership."""

    lessons_started: int
    lessons_done: int
    quiz_answers: int
    visits_logged: int
    requests: tuple[OwnRequest, ...]
    practices_sent: int = 0  # good practices they sent that are still linked to them


@dataclass(frozen=True)
class Deleted:
    """What a deletion did; cancelled: (request id, taker id) of requests that were waiting."""

    user_id: int
    requests_erased: int
    cancelled: tuple[tuple[int, int | None], ...]
    visits_unlinked: int


@dataclass(frozen=True)
class AuditLine:
    """An audit entry with its actor's account (None when the actor has no users row)."""

    id: int
    at: str
    action: str
    detail: str
    actor_id: int | None
    actor_channel: str | None
    actor_key: str | None


async def stored_about(db: Database, user_id: int) -> Stored:
    """Counts of the user's lessons, answers and visits, and their kept help requests."""
    row = await db.fetchone(
        "SELECT (SELECT COUNT(*) FROM lesson_progress WHERE user_id = ?1) AS started, "
        "(SELECT COUNT(*) FROM lesson_progress WHERE user_id = ?1 "
        " AND completed_at IS NOT NULL) AS done, "
        "(SELECT COUNT(*) FROM quiz_answers WHERE user_id = ?1) AS answers, "
        "(SELECT COUNT(*) FROM visits WHERE volunteer_id = ?1) AS visits, "
        "(SELECT COUNT(*) FROM practices WHERE submitted_by = ?1) AS practices", (user_id,))
    row = expect_row(row, "count what a user has stored")  # subqueries: always one row
    requests = await db.fetchall(
        "SELECT id, first_name, commune_code, hamlet, phone, status FROM help_requests "
        "WHERE citizen_id = ? AND (first_name != '' OR hamlet != '' OR phone IS NOT NULL) "
        "ORDER BY id DESC LIMIT 5", (user_id,))
    return Stored(int(row["started"]), int(row["done"]), int(row["answers"]),
                  int(row["visits"]),
                  tuple(OwnRequest(r[0], r[1], r[2], r[3], r[4], r[5]) for r in requests),
                  int(row["practices"]))


def actor_tag(kind: str, number: int | str) -> str:
    """The prefix kept on a deleted actor's audit entries: "[admin:123] " or "[user:45] "."""
    if kind not in (ADMIN_TAG, USER_TAG):
        raise ValueError(f"unknown actor kind {kind!r}")
    return f"[{kind}:{number}] "


def split_tag(detail: str) -> tuple[str, str, str] | None:
    """(kind, number, rest) of a detail that starts with an actor tag, else None."""
    match = _ACTOR_TAG.match(detail)
    return (match.group(1), match.group(2), detail[match.end():]) if match else None


async def _one(conn: aiosqlite.Connection, sql: str, params: tuple[object, ...]
               ) -> aiosqlite.Row | None:
    cur = await conn.execute(sql, params)
    row = await cur.fetchone()
    await cur.close()
    return row


async def _all(conn: aiosqlite.Connection, sql: str, params: tuple[object, ...]
               ) -> list[aiosqlite.Row]:
    cur = await conn.execute(sql, params)
    rows = await cur.fetchall()
    await cur.close()
    return list(rows)


def _in_json(text: str) -> str:
    """text as it appears inside the outbox's JSON (written with ensure_ascii=False)."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


async def _erase_notices(conn: aiosqlite.Connection, user_id: int) -> None:
    """Notifications to others about the user's help requests quote their name and hamlet:
    the ones not yet sent are dropped, the text of the ones sent is blanked."""
    requests = await _all(conn, "SELECT id, first_name, hamlet FROM help_requests "
                                "WHERE citizen_id = ? AND first_name != ''", (user_id,))
    for request_id, first_name, hamlet in requests:
        # The number as a whole ("#12", "số 12"), not inside another ("123").
        number = re.compile(rf"(?<!\d){request_id}(?!\d)")
        candidates = await _all(
            conn, "SELECT id, reply, sent_at, failed FROM outbox WHERE user_id != ? AND "
                  "(instr(reply, ?) > 0 OR (instr(reply, ?) > 0 AND instr(reply, ?) > 0))",
            (user_id, f'"hgo:{request_id}"', _in_json(first_name), _in_json(hamlet)))
        for row in candidates:
            if f'"hgo:{request_id}"' not in row["reply"] and not number.search(row["reply"]):
                continue
            if row["sent_at"] is None and row["failed"] is None:
                await conn.execute("DELETE FROM outbox WHERE id = ?", (row["id"],))
            else:
                await conn.execute("UPDATE outbox SET reply = ? WHERE id = ?",
                                   (_ERASED_NOTICE, row["id"]))


async def _erase_taker_notices(conn: aiosqlite.Connection, user_id: int) -> None:
    """Notices about requests the user took name them to the citizen ("Anh Lan from team ...
    will come"): every notice to others quoting their shown name is dropped if not yet sent,
    blanked if sent. (Requests they held are released before this, so the name is the key.)"""
    member = await _one(conn, "SELECT display_name FROM memberships WHERE user_id = ?",
                        (user_id,))
    name = member["display_name"] if member else None
    if not name:
        return
    await conn.execute("DELETE FROM outbox WHERE user_id != ? AND instr(reply, ?) > 0 "
                       "AND sent_at IS NULL AND failed IS NULL", (user_id, _in_json(name)))
    await conn.execute("UPDATE outbox SET reply = ? WHERE user_id != ? AND instr(reply, ?) > 0",
                       (_ERASED_NOTICE, user_id, _in_json(name)))


async def delete_user(conn: aiosqlite.Connection, user_id: int, tag: str, now: datetime,
                      member_verbs: Iterable[str] = ()) -> Deleted | None:
    """Delete the user's personal data inside the caller's transaction; None if already gone.

    tag (from actor_tag) is kept on their audit entries and on the entry recording this.
    """
    user = await _one(conn, "SELECT channel, external_id FROM users WHERE id = ?", (user_id,))
    if user is None:
        return None
    # The person's linked accounts (/link) first, each as fully: their chats and audit entries.
    for linked in await _all(conn, "SELECT id FROM users WHERE linked_to = ?", (user_id,)):
        await delete_user(conn, int(linked[0]), tag, now, member_verbs)
    await _erase_notices(conn, user_id)
    await _erase_taker_notices(conn, user_id)
    waiting = await _all(conn, "SELECT id, taken_by FROM help_requests WHERE citizen_id = ? "
                               "AND status IN ('open', 'taken')", (user_id,))
    # The row stays, so the commune's requests are still counted; nobody can be found from it.
    cur = await conn.execute(
        "UPDATE help_requests SET first_name = '', hamlet = '', phone = NULL, "
        "status = CASE WHEN status IN ('open', 'taken') THEN 'cancelled' ELSE status END "
        "WHERE citizen_id = ?", (user_id,))
    erased = cur.rowcount
    cur = await conn.execute("UPDATE visits SET volunteer_id = NULL WHERE volunteer_id = ?",
                             (user_id,))
    unlinked = cur.rowcount
    # Good practices: those never approved go with the person; approved ones stay as the
    # team's public work, without the link to them (the foreign keys would unlink them too).
    await conn.execute("DELETE FROM practices WHERE submitted_by = ? AND status != 'approved'",
                       (user_id,))
    await conn.execute("UPDATE practices SET submitted_by = NULL WHERE submitted_by = ?",
                       (user_id,))
    await conn.execute("UPDATE practices SET reviewed_by = NULL WHERE reviewed_by = ?",
                       (user_id,))
    # The foreign keys would do these two; done explicitly so nothing depends on the pragma.
    await conn.execute("UPDATE visits SET deleted_by = NULL WHERE deleted_by = ?", (user_id,))
    await conn.execute("UPDATE help_requests SET taken_by = NULL WHERE taken_by = ?",
                       (user_id,))
    # No foreign key here: a later user given the same id would inherit these visits.
    await conn.execute("UPDATE frozen_visits SET volunteer_id = NULL WHERE volunteer_id = ?",
                       (user_id,))
    await conn.execute("UPDATE broadcasts SET progress_chat = NULL, progress_message = NULL "
                       "WHERE progress_chat = ?", (f"{user['channel']}:{user['external_id']}",))
    # Admins' remembered /team buttons (member_verbs: the names of the verbs that carry a
    # member's user id) are labelled with the member's shown name.
    for verb in member_verbs:
        await conn.execute("UPDATE dialogs SET options = '[]' WHERE user_id != ? "
                           "AND instr(options, ?) > 0", (user_id, f'"{verb}:{user_id}:'))
    await conn.execute("UPDATE audit_log SET detail = ? || detail WHERE actor_id = ?",
                       (tag, user_id))
    await conn.execute("DELETE FROM users WHERE id = ?", (user_id,))
    # The tag stays in front of the JSON, as on their other entries.
    await audit.record(conn, None, "delete",
                       tag + audit.detail("data_deleted", user=user_id), now)
    return Deleted(user_id, erased, tuple((int(r[0]), r[1]) for r in waiting), unlinked)


async def purge_expired(db: Database, now: datetime) -> int:
    """Erase what has outlived its purpose; run every minute. Returns help requests erased.

    Closed requests lose name, hamlet and phone CLOSED_REQUEST_KEPT after closing (a cancelled
    request has no closing time, so its creation time counts: it goes sooner, never later);
    any request loses its phone after ANY_REQUEST_PHONE_KEPT; old notifications and wrong join
    codes and good practices rejected REJECTED_PRACTICE_KEPT ago are deleted; forms and
    remembered buttons of chats silent for DRAFT_KEPT are dropped;
    broadcast photos served to chat apps go after photos.PHOTO_KEPT.
    """
    closed_before = (now - CLOSED_REQUEST_KEPT).isoformat()
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE help_requests SET first_name = '', hamlet = '', phone = NULL "
            "WHERE (first_name != '' OR hamlet != '' OR phone IS NOT NULL) AND ("
            "(status = 'done' AND done_at < ?) OR (status = 'cancelled' AND created_at < ?))",
            (closed_before, closed_before))
        erased = cur.rowcount
        cur = await conn.execute(
            "UPDATE help_requests SET phone = NULL WHERE phone IS NOT NULL AND created_at < ?",
            ((now - ANY_REQUEST_PHONE_KEPT).isoformat(),))
        erased += cur.rowcount
        notified_before = (now - NOTIFICATION_KEPT).isoformat()
        await conn.execute(
            "DELETE FROM outbox WHERE (sent_at IS NOT NULL AND sent_at < ?) "
            "OR (failed IS NOT NULL AND created_at < ?)", (notified_before, notified_before))
        await conn.execute("DELETE FROM practices WHERE status = 'rejected' AND reviewed_at < ?",
                           ((now - REJECTED_PRACTICE_KEPT).isoformat(),))
        await conn.execute("DELETE FROM join_failures WHERE at < ?",
                           ((now - JOIN_FAILURE_KEPT).isoformat(),))
        await conn.execute("DELETE FROM handled_messages WHERE at < ?",
                           ((now - handled.KEPT).isoformat(),))
        await conn.execute("DELETE FROM link_codes WHERE expires_at < ?", (now.isoformat(),))
        await conn.execute("DELETE FROM photos WHERE created_at < ?",
                           (stamp(now - photos.PHOTO_KEPT),))
        await conn.execute("UPDATE dialogs SET state = '{}', options = '[]' "
                           "WHERE updated_at < ? AND (state != '{}' OR options != '[]')",
                           ((now - DRAFT_KEPT).isoformat(),))
    return erased


async def blank_households(db: Database, before: datetime, kept: list[tuple[str, str]]
                           ) -> int:
    """Blank the household label and note of visits made before a moment, except those
    within the kept spans [start, end) (campaigns whose retention runs on); how many. The
    household key, a keyed hash, stays: the figures do not change."""
    spans = "".join(" AND NOT (visited_at >= ? AND visited_at < ?)" for _ in kept)
    bounds = [moment for span in kept for moment in span]  # UTC ISO, as visited_at
    rows = await db.execute(
        "UPDATE visits SET household = '', note = NULL WHERE visited_at < ? "
        f"AND (household != '' OR note IS NOT NULL){spans} RETURNING id",
        (before.astimezone(UTC).isoformat(), *bounds))
    return len(rows)


async def audit_page(db: Database, before: int | None, limit: int) -> list[AuditLine]:
    """Up to limit audit entries older than entry before (the newest when None), newest first."""
    rows = await db.fetchall(
        "SELECT a.id, a.at, a.action, a.detail, a.actor_id, u.channel, u.external_id "
        "FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id "
        "WHERE a.id < ? ORDER BY a.id DESC LIMIT ?",
        (before if before is not None else 2**62, limit))
    return [AuditLine(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows]
