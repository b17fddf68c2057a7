"""Broadcasts: admins send campaign notices to everyone or a part (citizens, volunteers, team
leaders, one commune, the students of one school, one language, one chat app), now or
scheduled, see the recent ones, stop one, and resume one paused when a chat app's month's
messages ran out. The delivery worker (bot/delivery/broadcasts.py) sends them through each
channel's delivery engine, paced and resumable; see docs/BROADCASTS.md.

- ids.py: the button verbs
- draft.py: the /broadcast form's typed draft and its steps, kept in the dialog state
- form.py: /broadcast, the form's state machine: each typed answer and button checked again
- audience.py: the form's audience steps: the kind, then a commune, a language, a chat app, or
  a school's commune and the school
- photo.py: the one photo a broadcast may carry and the limits it must fit
- schedule.py: quiet hours, the times admins type, and starting a scheduled broadcast when due
  (called by the application's jobs, bot/core/jobs.py)
- views.py: audiences, counts, the progress message and the report, the recent list
- commands.py: /broadcasts, /stopbroadcast and /resumebroadcast
- guard.py: links flagged, big broadcasts announced to the other admins or approved by one
"""

from bot.core.broadcasts.commands import (
    list_pressed,
    recent,
    resume_command,
    resume_pressed,
    stop_button_pressed,
    stop_command,
    stop_confirmed,
)
from bot.core.broadcasts.draft import FLOW
from bot.core.broadcasts.form import MAX_TEXT, begin, on_button, on_photo, on_text, show
from bot.core.broadcasts.guard import approve_pressed
from bot.core.broadcasts.ids import APPROVE, FORM_VERBS, LIST, RESUME, STOP, STOP_CONFIRMED
from bot.core.broadcasts.photo import MAX_BYTES, MAX_CAPTION
from bot.core.broadcasts.schedule import in_quiet_hours, start_due_broadcast
from bot.core.broadcasts.views import audience_label, final_text, progress_text, stop_button
from bot.core.router import ADMINS, Flow, Router
from bot.i18n import N_


def register(router: Router) -> None:
    """Add /broadcast and its form, /broadcasts and /stopbroadcast with their buttons."""
    router.command("broadcast", N_("Send a message to many users"), begin, audience=ADMINS)
    router.command("broadcasts", N_("Recent broadcasts and their counts"), recent,
                   audience=ADMINS)
    router.command("stopbroadcast", N_("Stop a broadcast"), stop_command, audience=ADMINS)
    router.command("resumebroadcast", N_("Resume a paused broadcast"), resume_command,
                   audience=ADMINS)
    router.flow(Flow(FLOW, on_text, N_("The broadcast you were writing was not sent."),
                     entry="broadcast", verbs=FORM_VERBS, title=N_("Broadcast form"),
                     show=show, on_photo=on_photo))
    for verb in FORM_VERBS:
        router.action(verb, on_button)
    router.action(STOP, stop_button_pressed)
    router.action(STOP_CONFIRMED, stop_confirmed)
    router.action(LIST, list_pressed)
    router.action(RESUME, resume_pressed)
    router.action(APPROVE, approve_pressed)


__all__ = [
    "MAX_BYTES",
    "MAX_CAPTION",
    "MAX_TEXT",
    "audience_label",
    "begin",
    "final_text",
    "in_quiet_hours",
    "progress_text",
    "register",
    "start_due_broadcast",
    "stop_button",
]
