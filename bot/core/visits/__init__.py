"""Household visits: volunteers log each visit with /visit (a guided form), see and correct
their last ones with /myvisits, and read the figures the visits add up to (/mystats, /teamstats).

- ids.py: the button verbs (FORM, MY_VISITS, the figures') and the operations they carry
- draft.py: the form's typed draft and its steps, kept as JSON in the dialog state
- rules.py: pure checks and limits (what may be typed, the dates allowed, the edit window)
- views.py: each step's question and buttons, the summary
- nav.py: moving between steps, Back, the warning about earlier visits to the household
- form.py: the form's state machine: typed answers and button presses, each checked again
- save.py: Confirm (saved once), updating a saved visit, the buttons shown afterwards
- commands.py: the ways in (/visit, a finished help request) and /myvisits
- removal.py: /deletevisit N, for a household that withdraws (its volunteer, leader, admins)
- figures.py: /mystats and /teamstats, figure_lines shared with the reports, and a team's
  campaign figures (good practices attach them)
"""

from bot.core.router import VOLUNTEERS, Flow, Router
from bot.core.shared.menus import LOG_VISIT, MY_FIGURES
from bot.core.visits.commands import my_visits, on_my_visit, start, start_prefilled
from bot.core.visits.draft import FLOW
from bot.core.visits.figures import (
    figure_lines,
    my_stats,
    pressed_list,
    pressed_team,
    pressed_team_stats,
    team_campaign_figures,
    team_stats,
)
from bot.core.visits.form import dropped, on_button, on_text, show
from bot.core.visits.ids import FORM, MY_VISITS, ONE_TEAM, REMOVE, TEAM_FIGURES, TEAM_LIST
from bot.core.visits.removal import ask, confirmed
from bot.core.visits.rules import household_key
from bot.i18n import N_


def register(router: Router) -> None:
    """Add the visit form, /myvisits and the figures (the order sets /help's listing)."""
    router.command("visit", N_("Log a household visit"), start, audience=VOLUNTEERS)
    router.command("myvisits", N_("Your last visits, to edit or delete"), my_visits,
                   audience=VOLUNTEERS)
    router.action(FORM, on_button)
    router.action(LOG_VISIT, start)
    router.action(MY_VISITS, on_my_visit)
    router.command("deletevisit", N_("Delete a visit when its household asks (number from "
                                     "/myvisits)"), ask, audience=VOLUNTEERS)
    router.action(REMOVE, confirmed)
    router.flow(Flow(FLOW, on_text, dropped, entry="visit", verbs=(FORM,),
                     entry_verbs=(LOG_VISIT,), title=N_("Visit form"), show=show))
    router.command("mystats", N_("Your visit figures: today, this campaign, all time"), my_stats)
    router.command("teamstats", N_("Your team's figures and its rank in the commune"),
                   team_stats)
    router.action(MY_FIGURES, my_stats)
    router.action(TEAM_FIGURES, pressed_team_stats)
    router.action(ONE_TEAM, pressed_team)
    router.action(TEAM_LIST, pressed_list)


__all__ = ["figure_lines", "household_key", "register", "start_prefilled",
           "team_campaign_figures"]
