"""Campaign freezes: a campaign's visits copied as they stood when it ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.db import Database

# The visit columns a frozen campaign keeps (the figures need no names, hamlets or notes).
_FROZEN_COLUMNS = (
    "volunteer_id, team_id, commune_code, household_key, people, "
    "s_public_services, s_shopping, s_payment, s_cyber_safety, s_other_platforms, "
    "o_vneid_level2, o_public_service, o_payment_account, o_biometrics, o_first_payment, "
    "o_two_factor, o_scam_talk, follow_up_of, visited_at"
)

# Which of these campaigns are frozen already (a primary-key lookup; the IN list is filled in).
FROZEN_AMONG_SQL = "SELECT campaign FROM campaign_freezes WHERE campaign IN ({marks})"

# Claims the campaign; a second freezer (a race) inserts nothing and copies nothing.
CLAIM_SQL = ("INSERT INTO campaign_freezes (campaign, frozen_at) VALUES (?, ?) "
             "ON CONFLICT (campaign) DO NOTHING")

# The campaign's days as UTC bounds [start, end): walks visits_by_time.
COPY_SQL = (
    f"INSERT INTO frozen_visits (campaign, visit_id, {_FROZEN_COLUMNS}) "
    f"SELECT ?, id, {_FROZEN_COLUMNS} FROM visits "
    "WHERE visited_at >= ? AND visited_at < ? AND deleted_at IS NULL"
)


@dataclass(frozen=True)
class Due:
    """A campaign to freeze: its key and its days as UTC ISO bounds [start, end)."""

    key: str
    start: str
    end: str


async def frozen_among(db: Database, keys: list[str]) -> set[str]:
    """Which of these campaign keys are frozen already."""
    if not keys:
        return set()
    rows = await db.fetchall(FROZEN_AMONG_SQL.format(marks=",".join("?" * len(keys))), keys)
    return {row[0] for row in rows}


async def freeze(db: Database, due: list[Due], now: datetime) -> list[str]:
    """Freeze each campaign, all in one transaction; returns the keys this call froze."""
    frozen: list[str] = []
    async with db.transaction() as conn:
        for campaign in due:
            cur = await conn.execute(CLAIM_SQL, (campaign.key, now.isoformat()))
            claimed = cur.rowcount == 1
            await cur.close()
            if not claimed:
                continue  # frozen meanwhile by another caller: its copy stands
            await conn.execute(COPY_SQL, (campaign.key, campaign.start, campaign.end))
            frozen.append(campaign.key)
    return frozen
