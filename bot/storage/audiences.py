"""Who a broadcast is for: its audience, and the users of the channels it reaches."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

from bot.storage.classes import School
from bot.storage.db import Database


class AudienceKind(StrEnum):
    """Who a broadcast is for; COMMUNE, LANGUAGE, CHANNEL and SCHOOL carry a value (a commune
    code, a locale, a channel's name, a school's id)."""

    EVERYONE = "everyone"
    CITIZENS = "citizens"
    VOLUNTEERS = "volunteers"
    LEADERS = "leaders"
    COMMUNE = "commune"
    LANGUAGE = "language"
    CHANNEL = "channel"  # the users of one chat app
    SCHOOL = "school"  # the students of one school's classes (issue 17)


# The short names the core and the tests use.
EVERYONE, CITIZENS = AudienceKind.EVERYONE, AudienceKind.CITIZENS
VOLUNTEERS, LEADERS = AudienceKind.VOLUNTEERS, AudienceKind.LEADERS
COMMUNE, LANGUAGE, CHANNEL = AudienceKind.COMMUNE, AudienceKind.LANGUAGE, AudienceKind.CHANNEL
SCHOOL = AudienceKind.SCHOOL
AUDIENCES = tuple(AudienceKind)


@dataclass(frozen=True)
class Audience:
    """Who a broadcast is for: a kind and, for a commune, a language, a channel or a school,
    its value."""

    kind: AudienceKind
    value: str | None = None

    def encode(self) -> str:
        """The JSON stored in broadcasts.audience."""
        return json.dumps({"kind": self.kind, "value": self.value})

    @staticmethod
    def decode(raw: str) -> Audience:
        """The audience stored by encode()."""
        data = json.loads(raw)
        value = data.get("value")
        return Audience(AudienceKind(data["kind"]), None if value is None else str(value))


def audience_filter(audience: Audience, channels: tuple[str, ...] | None
                    ) -> tuple[str, list[str]]:
    """SQL conditions on users u selecting the audience's members that the channels can reach
    (None: in any channel), and parameters. A person with linked accounts (/link) is reached
    once: on the account they act as, else on the first of the others that can be reached."""
    def reachable(alias: str, hint: str = "") -> tuple[str, list[str]]:
        if channels is None:
            return f"{alias}.blocked_at IS NULL", []
        marks = ",".join("?" * len(channels))
        return (f"{alias}.blocked_at IS NULL AND {hint}{alias}.channel IN ({marks})",
                list(channels))

    # A school's students are few: SQLite finds them through their classes, and the unary +
    # keeps it from reading every user of the channel instead.
    mine = reachable("u", "+" if audience.kind == SCHOOL else "")
    main, other = reachable("a"), reachable("o")
    where = [mine[0], "(u.linked_to IS NULL OR ("
             f"NOT EXISTS (SELECT 1 FROM users a WHERE a.id = u.linked_to AND {main[0]}) AND "
             "NOT EXISTS (SELECT 1 FROM users o WHERE o.linked_to = u.linked_to "
             f"AND o.id < u.id AND {other[0]})))"]
    params = [*mine[1], *main[1], *other[1]]
    # The person's team and role are kept on the account they act as.
    member = ("EXISTS (SELECT 1 FROM memberships m WHERE "
              "m.user_id = COALESCE(u.linked_to, u.id){})")
    if audience.kind == CITIZENS:
        where.append("NOT " + member.format(""))
    elif audience.kind == VOLUNTEERS:
        where.append(member.format(""))
    elif audience.kind == LEADERS:
        where.append(member.format(" AND m.role = 'leader'"))
    elif audience.kind == COMMUNE:
        where.append("EXISTS (SELECT 1 FROM memberships m JOIN teams t ON t.id = m.team_id "
                     "WHERE m.user_id = COALESCE(u.linked_to, u.id) AND t.commune_code = ?)")
        params.append(audience.value or "")
    elif audience.kind == LANGUAGE:
        where.append("u.locale = ?")
        params.append(audience.value or "")
    elif audience.kind == CHANNEL:
        where.append("u.channel = ?")
        params.append(audience.value or "")
    elif audience.kind == SCHOOL:
        # A student's class is kept on the account they act as, like a team: the students and
        # the accounts linked to them (the conditions above keep one per person). Teachers
        # are not students of their classes, so they are not in it.
        students = ("SELECT cs.user_id FROM class_students cs JOIN classes c "
                    "ON c.id = cs.class_id WHERE c.school_id = CAST(? AS INTEGER)")
        where.append(f"u.id IN ({students} UNION ALL SELECT l.id FROM users l "
                     f"WHERE l.linked_to IN ({students}))")
        params += [audience.value or "", audience.value or ""]
    elif audience.kind != EVERYONE:
        raise ValueError(f"unknown audience {audience.kind!r}")
    return " AND ".join(where), params


async def count_recipients(db: Database, audience: Audience, channels: tuple[str, ...]
                           ) -> int:
    """How many users of the channels the audience reaches now (blocked users left out)."""
    where, params = audience_filter(audience, channels)
    # Hundreds of thousands of users at province scale: a long read, off the event loop.
    row = await db.read_fetchone(f"SELECT COUNT(*) FROM users u WHERE {where}", params)
    return int(row[0]) if row else 0


async def count_by_channel(db: Database, audience: Audience) -> dict[str, int]:
    """How many users the audience has in each channel (blocked users left out)."""
    where, params = audience_filter(audience, None)
    rows = await db.read_fetchall(
        f"SELECT u.channel, COUNT(*) FROM users u WHERE {where} GROUP BY u.channel", params)
    return {str(row[0]): int(row[1]) for row in rows}


async def school_communes(db: Database) -> list[str]:
    """The communes that have a school with a class: where "students of a school" can be
    chosen."""
    rows = await db.fetchall("SELECT DISTINCT s.commune_code FROM schools s WHERE EXISTS "
                             "(SELECT 1 FROM classes c WHERE c.school_id = s.id)")
    return [str(row[0]) for row in rows]


async def schools_with_classes(db: Database, commune_code: str) -> list[School]:
    """The schools of a commune that have a class, by name (a school whose classes were all
    deleted has no students to reach)."""
    rows = await db.fetchall(
        "SELECT s.id, s.commune_code, s.name FROM schools s WHERE s.commune_code = ? AND EXISTS "
        "(SELECT 1 FROM classes c WHERE c.school_id = s.id) ORDER BY s.folded, s.id",
        (commune_code,))
    return [School(int(r[0]), str(r[1]), str(r[2])) for r in rows]
