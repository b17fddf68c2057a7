"""Who may be nominated for a campaign's rewards, with the figures the leaderboard shows.

Candidates are the teams and the volunteers placed highest by the leaderboard's rule (the same
ranking, reports.ranked_teams and ranked_volunteers: the figures always match /leaderboard),
the writers of good practices approved for the campaign, and anyone already nominated.

A good practice is the campaign's when it was approved from the campaign's first day to
PRACTICE_DAYS after its last (time to write up what worked). It is its writer's (practices
keep who sent them, `submitted_by`) and their team's: the team the writer is in now. The
commune a practice names is not used: a commune often has several teams. A writer who deleted
their data (or left their team) takes the link with them: the practice is then nobody's.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from bot.core import campaigns, reports
from bot.core.context import Context
from bot.core.reports import Scope
from bot.core.shared.text import fold
from bot.storage import reports as report_store
from bot.storage import shortlist as shortlist_store
from bot.storage import teams as team_store
from bot.storage.reports import Ranked
from bot.storage.shortlist import TEAM, VOLUNTEER, Kind

TOP = 10  # candidates of each kind by the leaderboard (those tied with the 10th too)
MORE_WRITERS = 10  # writers of good practices beyond the top, at most, of each kind
PRACTICE_DAYS = 30  # practices approved up to this many days after the campaign count


@dataclass(frozen=True)
class Candidate:
    """A team or a volunteer who may be nominated, with the leaderboard's figures."""

    kind: Kind
    target: int  # the team's id, or the volunteer's user id
    rank: int | None  # the leaderboard's rank; None without a household helped
    households: int  # the leaderboard's figure
    name: str | None  # the team's name, or the name the volunteer shows (None: none given)
    team: str | None  # a volunteer's team now (None: no longer in one); a team's own name
    commune_code: str | None  # the team's commune (a volunteer's team's)
    practices: tuple[str, ...]  # titles of the approved good practices that are theirs
    reason: str | None = None  # why they are nominated; None while they are not

    @property
    def nominated(self) -> bool:
        """True when they are on the shortlist."""
        return self.reason is not None


@dataclass(frozen=True)
class Shortlist:
    """A campaign's candidates, teams then volunteers, each in the leaderboard's order."""

    scope: Scope
    teams: tuple[Candidate, ...]
    volunteers: tuple[Candidate, ...]

    @property
    def everyone(self) -> tuple[Candidate, ...]:
        """Teams, then volunteers."""
        return self.teams + self.volunteers

    @property
    def nominees(self) -> tuple[Candidate, ...]:
        """Those on the shortlist, teams first."""
        return tuple(c for c in self.everyone if c.nominated)

    def find(self, kind: str, target: int) -> Candidate | None:
        """The candidate of this kind and id, if they are one."""
        return next((c for c in self.everyone if c.kind == kind and c.target == target), None)


def practice_bounds(ctx: Context, scope: Scope) -> tuple[str, str]:
    """When the campaign's practices were approved: UTC bounds, its first day to PRACTICE_DAYS
    after its last."""
    return campaigns.days_bounds(scope.first, scope.last + timedelta(days=PRACTICE_DAYS),
                                 ctx.services.config.timezone)


async def gather(ctx: Context, scope: Scope) -> Shortlist:
    """The campaign's candidates and nominees (scope is a campaign's)."""
    if scope.campaign is None:  # a programming error: the handlers read campaigns only
        raise ValueError("a shortlist is a campaign's")
    nominated = {(n.kind, n.target): n.reason
                 for n in await shortlist_store.nominees(ctx.db, scope.campaign.key)}
    by_team: dict[int, list[str]] = defaultdict(list)
    by_writer: dict[int, list[str]] = defaultdict(list)
    for written in await shortlist_store.approved_practices(ctx.db, *practice_bounds(ctx,
                                                                                     scope)):
        if written.writer is not None:
            by_writer[written.writer].append(written.title)
        if written.team_id is not None:
            by_team[written.team_id].append(written.title)
    teams = await _teams(ctx, scope, by_team, nominated)
    volunteers = await _volunteers(ctx, scope, by_writer, nominated)
    return Shortlist(scope, teams, volunteers)


def _chosen(ranked: list[int], has_practice: list[bool], nominated: list[bool]) -> list[int]:
    """Which places are candidates: the top (with ties), up to MORE_WRITERS writers of
    practices after them, and every nominee."""
    top = sum(1 for rank in ranked if rank <= TOP)  # ranks rise along the list
    extra = [i for i in range(top, len(ranked)) if has_practice[i]][:MORE_WRITERS]
    return sorted({*range(top), *extra, *(i for i, yes in enumerate(nominated) if yes)})


def _unranked(ids: set[int], nominated: set[int]) -> list[int]:
    """Of those not ranked: every nominee, and up to MORE_WRITERS writers of practices."""
    return sorted(ids & nominated) + sorted(ids - nominated)[:MORE_WRITERS]


async def _teams(ctx: Context, scope: Scope, practices: dict[int, list[str]],
                 nominated: dict[tuple[Kind, int], str]) -> tuple[Candidate, ...]:
    places = await reports.ranked_teams(ctx, scope)
    chosen = _chosen([p.rank for p in places], [p.team.id in practices for p in places],
                     [(TEAM, p.team.id) in nominated for p in places])
    found = [Candidate(TEAM, p.team.id, p.rank, p.households, p.team.name, p.team.name,
                       p.team.commune_code, tuple(practices.get(p.team.id, ())),
                       nominated.get((TEAM, p.team.id))) for p in (places[i] for i in chosen)]
    shown = {c.target for c in found}
    # Writers' teams and nominees without a household helped: after the ranked ones.
    rest = []
    for team_id in _unranked({t for t in practices if t not in shown},
                             {t for k, t in nominated if k == TEAM and t not in shown}):
        team = await team_store.by_id(ctx.db, team_id)
        if team is not None:
            rest.append(Candidate(TEAM, team.id, None, 0, team.name, team.name,
                                  team.commune_code, tuple(practices.get(team.id, ())),
                                  nominated.get((TEAM, team.id))))
    return tuple(found) + tuple(sorted(rest, key=lambda c: fold(c.name or "")))


async def _volunteers(ctx: Context, scope: Scope, practices: dict[int, list[str]],
                      nominated: dict[tuple[Kind, int], str]) -> tuple[Candidate, ...]:
    places = await reports.ranked_volunteers(ctx, scope)
    chosen = _chosen([p.rank for p in places],
                     [p.volunteer.user_id in practices for p in places],
                     [(VOLUNTEER, p.volunteer.user_id) in nominated for p in places])
    picked: list[tuple[int | None, Ranked]] = [(places[i].rank, places[i].volunteer)
                                               for i in chosen]
    shown = {person.user_id for _, person in picked}
    picked += [(None, Ranked(user_id, 0, None, None, None)) for user_id in _unranked(
        {u for u in practices if u not in shown},
        {u for k, u in nominated if k == VOLUNTEER and u not in shown})]
    named = await report_store.named(ctx.db, [person for _, person in picked])
    found = [Candidate(VOLUNTEER, person.user_id, rank, person.households, person.name,
                       person.team, person.commune_code,
                       tuple(practices.get(person.user_id, ())),
                       nominated.get((VOLUNTEER, person.user_id)))
             for (rank, _), person in zip(picked, named, strict=True)]
    ranked = [c for c in found if c.rank is not None]
    return tuple(ranked) + tuple(sorted((c for c in found if c.rank is None),
                                        key=lambda c: fold(c.name or "")))

