"""The good practices' button verbs (each id and step is checked again by its handler)."""

from bot.core.payloads import ID, NUMBER, SLUG, Verb

# The /practice form (form.py)
WHERE = Verb("gpw", (ID,))  # where it was done: a commune's code
FIGURES = Verb("gpf")  # attach the team's figures to the result
NO_FIGURES = Verb("gpn")  # go on without them
SKIP_PHOTO = Verb("gpk")  # no photo
SEND = Verb("gps")  # send it for review
EDIT = Verb("gpe")  # the summary: choose what to change
FIELD = Verb("gpd", (SLUG,))  # change one part: title, where, what, result, photo
CANCEL = Verb("gpx")  # drop the form

# The feed (feed.py)
PAGE = Verb("gpm", (NUMBER,))  # a page of approved practices (0 is the newest)
OPEN = Verb("gpo", (ID,))  # one approved practice, in full
SHARE = Verb("gpb", (ID,))  # admins: broadcast an approved practice (the /broadcast form)

# An admin's translation of an approved practice (translate.py)
TRANSLATE = Verb("gpt", (ID,))  # type its version in the other language
DROP_TRANSLATION = Verb("gpu")  # cancel the translation being typed

# Admins' review (review.py)
REVIEW = Verb("gpv", (ID,))  # a practice with the decisions
APPROVE = Verb("gpa", (ID,))
CHANGES = Verb("gpc", (ID,))  # ask for changes: the reason is typed next
REJECT = Verb("gpr", (ID,))  # reject: the reason is typed next
DROP_NOTE = Verb("gpq")  # cancel the reason being typed

# The form's buttons, all answered by form.on_button.
FORM_VERBS = (WHERE, FIGURES, NO_FIGURES, SKIP_PHOTO, SEND, EDIT, FIELD, CANCEL)
