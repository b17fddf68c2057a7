"""Good practices ("mô hình hay"): a volunteer or team leader tells what their team did that
worked, an admin reviews it, and every team reads the approved ones.

- form.py: /practice, the writer's form (title, where, what was done, result, the team's
  figures, a photo), sending it and sending it again after changes were asked.
- draft.py: the form's typed draft and its steps, kept in the dialog state.
- rules.py: pure checks of what is typed and of the photo; the folded words searched.
- views.py: the form's questions and summary, a practice in full or in a list, admins' notices.
- review.py: admins approve, ask for changes or reject (with a typed reason); audited, and the
  writer is told.
- feed.py: /practices, the approved ones a page at a time, search, one in full, and an
  admin's "Broadcast it" (the /broadcast form with the practice as its message).
- translate.py: an admin gives an approved practice its version in the other language.
- ids.py: the button verbs.
"""

from bot.core.practices import feed, form, ids, review, translate
from bot.core.practices.draft import FLOW
from bot.core.router import VOLUNTEERS, Flow, Router
from bot.i18n import N_


def register(router: Router) -> None:
    """Add /practice and its form, /practices, and the admins' review buttons."""
    router.command("practice", N_("Share a good practice of your team"), form.begin,
                   audience=VOLUNTEERS)
    router.command("practices", N_("Good practices of the teams (add words to search)"),
                   feed.practices_command, audience=VOLUNTEERS)
    router.flow(Flow(FLOW, form.on_text, N_("The good practice you were writing was not sent."),
                     entry="practice", verbs=ids.FORM_VERBS, title=N_("Good practice form"),
                     show=form.show, on_photo=form.on_photo))
    for verb in ids.FORM_VERBS:
        router.action(verb, form.on_button)
    router.action(ids.PAGE, feed.page_pressed)
    router.action(ids.OPEN, feed.open_pressed)
    router.action(ids.SHARE, feed.share_pressed)
    router.action(ids.REVIEW, review.review)
    router.action(ids.APPROVE, review.approve)
    router.flow(Flow(review.NOTE_FLOW, review.reason_typed,
                     N_("The reason you were typing was not sent; nothing changed."),
                     entry=review.NOTE_FLOW, verbs=(ids.DROP_NOTE,),
                     entry_verbs=(ids.CHANGES, ids.REJECT)))
    router.action(ids.CHANGES, review.ask_reason)
    router.action(ids.REJECT, review.ask_reason)
    router.action(ids.DROP_NOTE, review.drop_reason)
    router.flow(Flow(translate.FLOW, translate.typed,
                     N_("The translation you were typing was not saved; nothing changed."),
                     entry=translate.FLOW, verbs=(ids.DROP_TRANSLATION,),
                     entry_verbs=(ids.TRANSLATE,)))
    router.action(ids.TRANSLATE, translate.begin)
    router.action(ids.DROP_TRANSLATION, translate.drop)


__all__ = ["register"]
