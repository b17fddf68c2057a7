"""The reward shortlist's button verbs (admins only; every handler checks the role, the
campaign and the candidate again: buttons can be old, forwarded or forged).

A campaign travels as the reports' scope token ("c<n>"); a candidate as its kind ("t" for a
team, "v" for a volunteer) and its id (the team's, or the volunteer's user id).
"""

from bot.core.payloads import ID, SLUG, Verb

LIST = Verb("rwl", (SLUG,))  # the shortlist of a campaign
CAMPAIGNS = Verb("rwc")  # choose another campaign
OPEN = Verb("rwo", (SLUG, SLUG, ID))  # a candidate: nominate them, or their nomination
REASON = Verb("rwe", (SLUG, SLUG, ID))  # type a nominee's reason again
REMOVE = Verb("rwr", (SLUG, SLUG, ID))  # take a nominee off: asks first
REMOVED = Verb("rwy", (SLUG, SLUG, ID))  # yes, take them off
EXPORT = Verb("rwx", (SLUG,))  # the shortlist as an XLSX file
CANCEL = Verb("rwq")  # stop typing a reason: nothing changes
