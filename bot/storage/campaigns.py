"""Campaign freezes: a campaign's visits copied as they stood when it ended.

The copy goes in chunks of visit ids, each chunk its own short transaction, so that the
writes of everyone else interleave with it; a freeze counts once it is complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.db import Database

# The visit columns a frozen campaign keeps (the figures need no names, hamlets or notes;
# the household key is hashed, below).
_FROZEN_COLUMNS = (
    "volunteer_id, team_id, commune_code, household_key, people, "
    "s_public_services, s_shopping, s_payment, s_cyber_safety, s_other_platforms, "
    "o_vneid_level2, o_public_service, o_payment_account, o_biometrics, o_first_payment, "
    "o_two_factor, o_scam_talk, follow_up_of, visited_at"
)

# Which of these campaigns are frozen completely (a primary-key lookup; the IN list filled in).
COMPLETE_AMONG_SQL = ("SELECT campaign FROM campaign_freezes WHERE campaign IN ({marks}) "
                      "AND completed_at IS NOT NULL")

# Claims the campaign and notes the last visit logged by then; the copy starts at the first
# visit of its days (earlier campaigns' visits are not walked again). A second claim does
# nothing. Parameters: key, now, the days' UTC bounds [start, end).
CLAIM_SQL = ("INSERT INTO campaign_freezes (campaign, frozen_at, last_visit_id, copied_to) "
             "VALUES (?1, ?2, (SELECT COALESCE(MAX(id), 0) FROM visits), "
             "(SELECT COALESCE(MIN(id), 1) - 1 FROM visits "
             "WHERE visited_at >= ?3 AND visited_at < ?4)) "
             "ON CONFLICT (campaign) DO NOTHING")

# Where a claimed campaign's copy stands: (copied_to, last_visit_id, completed_at).
PROGRESS_SQL = ("SELECT copied_to, last_visit_id, completed_at FROM campaign_freezes "
                "WHERE campaign = ?")

# One chunk: visits with ids in (from, to] whose day is in the campaign's UTC bounds
# [start, end); walks the visits' primary key.
# The household key is copied as a keyed hash (v018): the copy names no household.
_HASHED = _FROZEN_COLUMNS.replace(
    "household_key", "keyed_hash((SELECT value FROM secrets WHERE name = 'household'), "
    "household_key)")
COPY_CHUNK_SQL = (
    f"INSERT INTO frozen_visits (campaign, visit_id, {_FROZEN_COLUMNS}) "
    f"SELECT ?, id, {_HASHED} FROM visits "
    "WHERE id > ? AND id <= ? AND visited_at >= ? AND visited_at < ? AND deleted_at IS NULL"
)

ADVANCE_SQL = "UPDATE campaign_freezes SET copied_to = ? WHERE campaign = ? AND copied_to = ?"

COMPLETE_SQL = "UPDATE campaign_freezes SET completed_at = ? WHERE campaign = ?"

CHUNK = 2000  # visit ids per transaction: under 0.1 s each at a province's scale


@dataclass(frozen=True)
class Due:
    """A campaign to freeze: its key and its days as UTC ISO bounds [start, end)."""

    key: str
    start: str
    end: str


async def complete_among(db: Database, keys: list[str]) -> set[str]:
    """Which of these campaign keys are frozen completely."""
    if not keys:
        return set()
    rows = await db.fetchall(COMPLETE_AMONG_SQL.format(marks=",".join("?" * len(keys))), keys)
    return {row[0] for row in rows}


async def claim(db: Database, campaign: Due, now: datetime) -> None:
    """Start freezing the campaign (nothing happens if it was started before)."""
    await db.execute(CLAIM_SQL, (campaign.key, now.isoformat(), campaign.start, campaign.end))


async def copy_chunk(db: Database, campaign: Due, now: datetime, size: int | None = None
                     ) -> bool:
    """Copy the next chunk of a claimed campaign's visits; True once the copy is complete."""
    size = size or CHUNK
    async with db.transaction() as conn:
        cur = await conn.execute(PROGRESS_SQL, (campaign.key,))
        row = await cur.fetchone()
        await cur.close()
        if row is None:
            raise LookupError(f"campaign {campaign.key!r} was never claimed")
        copied_to, last, completed = int(row[0]), int(row[1]), row[2]
        if completed is not None:
            return True
        upto = min(copied_to + size, last)
        await conn.execute(COPY_CHUNK_SQL, (campaign.key, copied_to, upto, campaign.start,
                                            campaign.end))
        await conn.execute(ADVANCE_SQL, (upto, campaign.key, copied_to))
        if upto >= last:
            await conn.execute(COMPLETE_SQL, (now.isoformat(), campaign.key))
            return True
    return False


async def freeze(db: Database, due: list[Due], now: datetime) -> list[str]:
    """Freeze each campaign to the end, chunk by chunk; the keys this call completed.

    Between chunks the writer's lock goes to whoever queued for it meanwhile (asyncio's lock
    is first come, first served), so the copy never holds everyone else up for long."""
    done: list[str] = []
    for campaign in due:
        if await complete_among(db, [campaign.key]):
            continue
        await claim(db, campaign, now)
        while not await copy_chunk(db, campaign, now):
            pass
        done.append(campaign.key)
    return done
