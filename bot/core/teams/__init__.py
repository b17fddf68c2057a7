"""Teams: joining with a code, /newteam, /team, and the CSV import.

- join.py: a volunteer joins the team whose code they typed (/join itself lives in the schools
  package, which also takes class codes).
- form.py: /newteam (admins), with its typed draft kept in the dialog.
- members.py: /team, the team's members, the admins' role buttons, removal and new codes.
- importer.py: teams imported from a CSV file (`python -m bot teams import FILE`).
- rules.py: what join codes and team names look like, new join codes, the brakes on guessing
  them; ids.py: button verbs.
"""

from bot.core.router import ADMINS, VOLUNTEERS, Flow, Router
from bot.core.teams import form, ids, members
from bot.core.teams.ids import MEMBER_VERBS
from bot.core.teams.importer import import_teams
from bot.core.teams.join import join_team
from bot.core.teams.rules import JOIN_CODE, guessing_refusal, with_new_code, wrong_code
from bot.i18n import N_


def register(router: Router) -> None:
    """Add /team, /newteam and their buttons."""
    router.command("team", N_("Your team"), members.show_team, audience=VOLUNTEERS)
    router.command("newteam", N_("Create a team and get its join code"), form.new_team,
                   audience=ADMINS)
    router.flow(Flow(form.FLOW, form.on_text, N_("No team was created."), entry="newteam",
                     verbs=(ids.COMMUNE, ids.CANCEL)))
    router.action(ids.COMMUNE, form.on_commune)
    router.action(ids.CANCEL, form.on_cancel)
    for verb in ids.MEMBER_VERBS:
        router.action(verb, members.change_member)
    router.action(ids.NEW_CODE, members.new_code)


__all__ = ["JOIN_CODE", "MEMBER_VERBS", "guessing_refusal", "import_teams", "join_team",
           "register", "with_new_code", "wrong_code"]
