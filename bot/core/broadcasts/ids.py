"""The broadcasts' button verbs (admins only: the role, the form's step and the broadcast are
checked again by each handler)."""

from __future__ import annotations

from bot.core.payloads import ID, SLUG, Verb

AUDIENCE = Verb("bca", (SLUG,))  # /broadcast form: the audience's kind
COMMUNE = Verb("bcc", (ID,))  # the form: a commune's code
LANGUAGE = Verb("bcl", (SLUG,))  # the form: a language
CHANNEL = Verb("bch", (SLUG,))  # the form: a chat app (when broadcasts go out on several)
SCHOOL = Verb("bce", (ID,))  # the form: a school (its students), by the school's id
SKIP_EN = Verb("bck")  # the form: no English version
SEND_NOW = Verb("bcn")  # the form: send now
SEND_AT_NIGHT = Verb("bcy")  # the form: send now, within quiet hours
SCHEDULE = Verb("bcw")  # the form: schedule (asks the time)
SCHEDULE_MORNING = Verb("bcq")  # the form: send when the quiet hours end
CANCEL = Verb("bcx")  # the form: cancel
STOP = Verb("bcs", (ID,))  # stop broadcast #id (asks first)
STOP_CONFIRMED = Verb("bcz", (ID,))  # stop broadcast #id: confirmed
LIST = Verb("bcv")  # the recent broadcasts
RESUME = Verb("bcr", (ID,))  # resume paused broadcast #id
APPROVE = Verb("bcg", (ID,))  # a second admin approves waiting broadcast #id

# The form's buttons, all handled by form.on_button.
FORM_VERBS = (AUDIENCE, COMMUNE, LANGUAGE, CHANNEL, SCHOOL, SKIP_EN, CANCEL, SEND_NOW,
              SEND_AT_NIGHT, SCHEDULE, SCHEDULE_MORNING)
