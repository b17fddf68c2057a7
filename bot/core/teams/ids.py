"""The teams' button verbs (the role, the form and the member are checked again on each press)."""

from bot.core.payloads import ID, Verb

COMMUNE = Verb("ntc", (ID,))  # /newteam: the commune chosen (its official code)
CANCEL = Verb("ntx")  # /newteam: cancel
MAKE_LEADER = Verb("tmr", (ID, ID))  # /team: make member (user id) of team (id) a leader
MAKE_VOLUNTEER = Verb("tmv", (ID, ID))  # /team: make a leader a volunteer again
REMOVE = Verb("tmx", (ID, ID))  # /team: remove a member (asks first)
REMOVE_CONFIRMED = Verb("tmy", (ID, ID))  # /team: removal confirmed
NEW_CODE = Verb("tmc", (ID,))  # /team: give team (id) a new join code (admins, its leaders)

# The admins' buttons on /team, all answered by members.change_member.
MEMBER_VERBS = (MAKE_LEADER, MAKE_VOLUNTEER, REMOVE, REMOVE_CONFIRMED)
