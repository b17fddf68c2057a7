"""Gentle reminders (opt-in): a learner who stopped mid-lesson gets one reminder after three
days, at most one a week, in the daytime, only if they agreed at a lesson's first step.

- ids.py: the button verb (on or off, and the lesson it was offered in).
- rules.py: when a reminder may go (days, week, hours, a capped app's share of the month).
- choice.py: the offer at a lesson's first step, /reminders, /stopreminders.
- job.py: the job that queues the reminders due, through the outbox.
"""

from bot.core.reminders.choice import chosen, offer, show, stop
from bot.core.reminders.ids import CHOOSE
from bot.core.reminders.job import send_reminders
from bot.core.router import Router
from bot.i18n import N_


def register(router: Router) -> None:
    """Add /reminders, /stopreminders and the choice's buttons."""
    router.command("reminders", N_("Reminders when you stop in the middle of a lesson"), show)
    router.command("stopreminders", N_("No more lesson reminders"), stop)
    router.action(CHOOSE, chosen)


__all__ = ["offer", "register", "send_reminders"]
