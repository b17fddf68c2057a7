"""Who is writing: their user row, open dialog and team membership, read in one query.

Every update needs all three before anything else; one read instead of three is one trip to
the database thread instead of three, on the path every update takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage import dialogs, teams, users
from bot.storage.db import Database
from bot.storage.dialogs import Dialog
from bot.storage.teams import Membership
from bot.storage.users import User

# Column names as users.from_row and teams.membership_from read them; the team's id is "id"
# there, so the user's own columns come from users.from_row on a second, aliased set.
# The writer's own row (i: when they were seen) and the account they act as (u: themselves, or
# the one they linked to with /link).
_SQL = (
    "SELECT u.id AS user_key, u.channel, u.external_id, u.locale, u.locale_chosen, "
    "u.created_at, i.last_seen_at, i.blocked_at, d.state, d.options, d.last_event, d.updated_at, "
    "m.user_id, m.role, m.display_name, m.joined_at, "
    "t.id, t.join_code, t.name, t.commune_code "
    "FROM users i JOIN users u ON u.id = COALESCE(i.linked_to, i.id) "
    "LEFT JOIN dialogs d ON d.user_id = u.id "
    "LEFT JOIN memberships m ON m.user_id = u.id LEFT JOIN teams t ON t.id = m.team_id "
    "WHERE i.channel = ? AND i.external_id = ?"
)


@dataclass(frozen=True)
class Session:
    """What the core knows about the person behind an event when it starts handling it."""

    user: User
    dialog: Dialog
    membership: Membership | None
    new: bool = False  # this event is the user's first contact


async def open_session(db: Database, channel: str, external_id: str, locale: str,
                       now: datetime) -> Session:
    """The writer's session; creates the user with locale on first contact (users.touch)."""
    row = await db.fetchone(_SQL, (channel, external_id))
    if row is None or users.needs_touch(row, now):
        user = await users.acting_as(db, await users.touch(db, channel, external_id, locale, now))
        return Session(user, await dialogs.load(db, user.id),
                       await teams.membership_of(db, user.id), new=row is None)
    user = User(row["user_key"], row["channel"], row["external_id"], row["locale"],
                bool(row["locale_chosen"]), row["created_at"])
    return Session(user, dialogs.from_row(row),
                   teams.membership_from(row))
