"""The /export form's button verbs (admins; each press re-checks the role, the open form and
the dates)."""

from bot.core.payloads import ID, Verb

PERIOD = Verb("exd", (ID, ID))  # a period: first and last day as YYYYMMDD
LAST_WEEK = Verb("exw")  # the last 7 days (WEEK in form.py), counted when pressed
CANCEL = Verb("exx")  # cancel
