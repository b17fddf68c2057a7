"""Reports for admins and team leaders: /stats, /chart and /leaderboard, for a campaign or
any range of days; admins see the province, a team leader their own team. Each defaults to
the running campaign, else to the last 30 days (one line says so, and how to ask for others).

- ids.py: the reports' button verbs (each carries a scope token).
- scope.py: what a report covers (a campaign or days), typed or carried by a button.
- stats.py: /stats: the province's or the team's report, every commune, another campaign.
- commune.py: one commune of an admin's report, team by team.
- schools.py: schools in an admin's report: the /stats block and every school by commune.
- learning.py: the learning side of a report (lessons completed, skills mastered).
- chart.py: /chart: visits per day, counted and drawn as a PNG.
- board.py: /leaderboard: teams and volunteers ranked for the campaign's rewards.
- views.py: who may see what, refusals, ranks, replies packed into messages.
"""

from bot.core.reports import board, chart, commune, schools, stats
from bot.core.reports.board import (
    TeamPlace,
    VolunteerPlace,
    ranked_teams,
    ranked_volunteers,
    rule,
)
from bot.core.reports.chart import (
    ChartLabels,
    DailySeries,
    daily_series,
    render,
    series,
)
from bot.core.reports.ids import ALL_COMMUNES, BOARD, CHART, COMMUNE, PICK, SCHOOLS, STATS
from bot.core.reports.learning import Learning, Mastery, skill_lessons
from bot.core.reports.scope import (
    Scope,
    campaign_scope,
    days_scope,
    from_token,
    heading,
    started_campaigns,
)
from bot.core.reports.views import no_campaign
from bot.core.router import ADMINS, Router
from bot.i18n import N_


def register(router: Router) -> None:
    """Add the reports' commands and buttons."""
    router.command("stats", N_("Reports: the province (admins) or your team (team leaders)"),
                   stats.stats, audience=ADMINS)
    router.command("chart", N_("A chart of visits per day"), chart.chart, audience=ADMINS)
    router.command("leaderboard", N_("Teams and volunteers ranked, for a campaign or for days"),
                   board.leaderboard, audience=ADMINS)
    router.action(STATS, stats.pressed_stats)
    router.action(ALL_COMMUNES, stats.all_communes)
    router.action(COMMUNE, commune.pressed)
    router.action(SCHOOLS, schools.pressed)
    router.action(CHART, chart.pressed)
    router.action(BOARD, board.pressed)
    router.action(PICK, stats.pick)


__all__ = [
    "ChartLabels",
    "DailySeries",
    "Learning",
    "Mastery",
    "Scope",
    "TeamPlace",
    "VolunteerPlace",
    "campaign_scope",
    "daily_series",
    "days_scope",
    "from_token",
    "heading",
    "no_campaign",
    "ranked_teams",
    "ranked_volunteers",
    "register",
    "render",
    "rule",
    "series",
    "skill_lessons",
    "started_campaigns",
]
