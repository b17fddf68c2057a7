"""Privacy: /privacy says what is kept, /deleteme erases it, /audit shows who did what.

- views.py: the /privacy notice (what is kept, who sees it, for how long, the user's rights).
- deletion.py: /deleteme, its one-time confirmation and the deletion itself.
- audit.py: /audit, the audit log a page at a time (admins).
- ids.py: the button verbs.
"""

from bot.core.privacy import audit, deletion, views
from bot.core.privacy.ids import ASK, MORE, NO, YES
from bot.core.router import ADMINS, Flow, Router
from bot.i18n import N_


def register(router: Router) -> None:
    """Add /privacy, /deleteme, /audit and their buttons."""
    router.command("privacy", N_("What I keep about you, and your rights"), views.show_privacy)
    router.command("deleteme", N_("Delete your data"), deletion.ask_delete)
    router.command("audit", N_("The audit log: who did what, and when"), audit.show_audit,
                   audience=ADMINS)
    router.flow(Flow(deletion.FLOW, deletion.typed_while_asking,
                     N_("All right: nothing was deleted."), entry="deleteme", verbs=(YES, NO),
                     entry_verbs=(ASK,)))
    router.action(ASK, deletion.ask_delete)
    router.action(YES, deletion.confirm_delete)
    router.action(NO, deletion.refuse_delete)
    router.action(MORE, audit.more_audit)


__all__ = ["YES", "register"]
