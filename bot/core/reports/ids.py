"""The reports' button verbs (admins; team leaders for their team).

A scope is "c<n>" (the n-th campaign of the configuration) or "d<YYYYMMDD>-<YYYYMMDD>" (days,
scope.py); the handlers parse it again and re-check the role.
"""

from bot.core.payloads import ID, NUMBER, SLUG, Verb

STATS = Verb("rs", (SLUG,))  # /stats: the report of a scope
ALL_COMMUNES = Verb("rsa", (SLUG,))  # every commune of a scope (admins)
COMMUNE = Verb("rsc", (SLUG, ID))  # one commune of a scope: its official code (admins)
CHART = Verb("rch", (SLUG,))  # the chart of a scope
BOARD = Verb("rlb", (SLUG,))  # the leaderboard of a scope (a campaign or days)
# Every school by commune, a page of them (admins). Schools are counted as they are now: the
# scope is only the way back to the report.
SCHOOLS = Verb("rsh", (SLUG, NUMBER))
PICK = Verb("rpk", (SLUG,))  # choose another campaign: "s" for the report, "l" for the leaderboard
