"""Privacy's and the audit log's button verbs."""

from bot.core.payloads import ID, SLUG, Verb

ASK = Verb("dme")  # /privacy: "Delete my data" (asks first, like /deleteme)
YES = Verb("dmy", (SLUG,))  # /deleteme confirmed: the one-time token kept in the dialog state
NO = Verb("dmn")  # /deleteme: No
MORE = Verb("aud", (ID,))  # /audit (admins): the entries older than this entry id
