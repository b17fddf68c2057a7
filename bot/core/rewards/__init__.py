"""The reward shortlist (admins): for a campaign, the teams and volunteers placed highest by the
leaderboard's rule (its very figures) with the approved good practices they wrote; admins
nominate some with a short reason, and export the list as an XLSX file for the official
proposal, the rule stated with it. Text-only chats type the numbers shown; Telegram presses.

- ids.py: the button verbs (a campaign's scope token, a candidate's kind and id).
- candidates.py: who may be nominated, with the leaderboard's figures and their practices.
- rules.py: what a reason may be (words, one line, no link, no phone or ID number).
- form.py: /shortlist, choosing a campaign and a candidate, the typed reason, taking off.
- views.py: the list with the rule, a nominee, the questions, the refusals.
- sheet.py: the XLSX export (a header block, then a row per nominee), sent as a document.
"""

from bot.core.rewards import form, ids, sheet
from bot.core.router import ADMINS, Flow, Router
from bot.i18n import N_


def register(router: Router) -> None:
    """Add /shortlist, its buttons and the typed reason."""
    router.command("shortlist", N_("Reward shortlist of a campaign, exported as XLSX"),
                   form.shortlist, audience=ADMINS)
    router.action(ids.LIST, form.list_pressed)
    router.action(ids.CAMPAIGNS, form.campaigns_pressed)
    router.action(ids.OPEN, form.open_pressed)
    router.action(ids.REASON, form.reason_pressed)
    router.action(ids.REMOVE, form.remove_pressed)
    router.action(ids.REMOVED, form.removed_pressed)
    router.action(ids.EXPORT, sheet.export_pressed)
    router.flow(Flow(form.REASON_FLOW, form.reason_typed,
                     N_("The reason you were typing was not saved; nothing changed."),
                     entry=form.REASON_FLOW, verbs=(ids.CANCEL,)))
    router.action(ids.CANCEL, form.cancel_pressed)


__all__ = ["register"]
