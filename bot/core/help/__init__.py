"""Help in person: a citizen asks, the commune's volunteers are told, one of them goes.

- requests.py: the citizen's way in (/helpme, the button in a lesson) and out (cancel).
- form.py: the request form's state machine; draft.py: its typed draft kept in the dialog.
- rules.py: pure checks of what the citizen types (first name, hamlet, phone number).
- volunteer.py: "I'll go", "Can't go", "Mark done", logging the visit, and /requests.
- notify.py: who is told what, and the escalation of requests nobody took.
- giveback.py: taken requests going back to open (Can't go, /deleteme, removal from a team).
- ids.py: the button verbs.
"""

from bot.core.help import draft, form, ids, requests, volunteer
from bot.core.help.giveback import give_back, plan_give_back
from bot.core.help.notify import escalate_overdue, reopened_notice, volunteers_to_tell
from bot.core.help.requests import ask_button
from bot.core.help.rules import check_first_name, check_hamlet, normalize_phone
from bot.core.router import VOLUNTEERS, Flow, Router
from bot.i18n import N_


def register(router: Router) -> None:
    """Add /helpme, /requests, the form and the volunteers' buttons."""
    router.command("helpme", N_("Ask a volunteer to come and help you in person"),
                   requests.helpme_command)
    router.command("requests", N_("Help requests waiting for a volunteer"),
                   volunteer.list_requests, audience=VOLUNTEERS)
    router.action(ids.ASK, requests.ask_from_lesson)
    router.action(ids.WITHDRAW, requests.withdraw)
    router.flow(Flow(draft.FLOW, form.on_text,
                     N_("The help request you were filling in was not sent."), entry="helpme",
                     verbs=ids.FORM_VERBS, entry_verbs=(ids.ASK,),
                     title=N_("Help request form"), show=form.show))
    for verb in ids.FORM_VERBS:
        router.action(verb, form.on_button)
    router.action(ids.TAKE, volunteer.take)
    router.action(ids.RELEASE, volunteer.release)
    router.action(ids.DONE, volunteer.finish)
    router.action(ids.LOG_VISIT, volunteer.log_visit)


__all__ = ["ask_button", "check_first_name", "check_hamlet", "escalate_overdue", "give_back",
           "normalize_phone", "plan_give_back", "register", "reopened_notice",
           "volunteers_to_tell"]
