"""The help requests' button verbs (each id is checked again by the handler)."""

from bot.core.payloads import ID, SLUG, Verb

ASK = Verb("hlp", (SLUG,))  # ask for help in person from a lesson: the lesson
AGREE = Verb("hly")  # the form: agree to share the details
REFUSE = Verb("hln")  # the form: refuse (nothing kept)
COMMUNE = Verb("hlc", (ID,))  # the form: a commune's code
SKIP_PHONE = Verb("hlk")  # the form: skip the phone number
SEND = Verb("hls")  # the form: send
CANCEL = Verb("hlx")  # the form: cancel
WITHDRAW = Verb("hcan", (ID,))  # the citizen cancels their request
TAKE = Verb("hgo", (ID,))  # a volunteer: "I'll go"
RELEASE = Verb("hrel", (ID,))  # the taker: "Can't go"
DONE = Verb("hdone", (ID,))  # the taker: "Mark done"
LOG_VISIT = Verb("hlog", (ID,))  # the taker: log the visit of a finished request

# The form's buttons, all answered by form.on_button.
FORM_VERBS = (AGREE, REFUSE, COMMUNE, SKIP_PHONE, SEND, CANCEL)
