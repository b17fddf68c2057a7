"""Admins review good practices: open one, approve it, ask for changes or reject it (with a
typed reason). Each decision, its audit entry and the notice to the writer (in their language)
are one transaction.

Buttons arrive from notifications that may be old, forwarded or forged, so every handler checks
again that an admin is pressing and that the practice is still waiting; a decision is a
conditional update, so the first admin to decide wins and the others change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core import dialogs
from bot.core.context import Context
from bot.core.events import Button, Nav, Reply
from bot.core.payloads import Action
from bot.core.practices import views
from bot.core.practices.ids import APPROVE, CHANGES, DROP_NOTE, PAGE, REJECT
from bot.core.practices.rules import MAX_NOTE, check_note
from bot.core.shared import outbox
from bot.core.shared.menus import main_menu, menu_button
from bot.core.shared.roles import is_admin
from bot.i18n import Translator
from bot.storage import audit as audit_store
from bot.storage import practices as practice_store
from bot.storage import teams as team_store
from bot.storage.practices import APPROVED, PENDING, REJECTED, Practice, Status

NOTE_FLOW = "practice_note"  # the reason an admin is typing
_MAX_ID = 10**12
# Each decision's audit event.
_EVENTS = {APPROVED: "practice_approved", Status.CHANGES: "practice_changes_asked",
           REJECTED: "practice_rejected"}


@dataclass
class Note:
    """The open question "why?": which practice, and the decision it explains."""

    practice: int
    decision: Status  # CHANGES or REJECTED

    def to_state(self) -> dict[str, Any]:
        """The dialog state storing this question."""
        return {"flow": NOTE_FLOW, "practice": self.practice, "decision": self.decision.value}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Note | None:
        """The question in a dialog state; None when none is open."""
        number, decision = state.get("practice"), state.get("decision")
        if state.get("flow") != NOTE_FLOW or not isinstance(number, int) \
                or decision not in (Status.CHANGES.value, REJECTED.value):
            return None
        return cls(number, Status(decision))


def refusal(ctx: Context) -> list[Reply]:
    """The answer to anyone but an admin: nothing changes."""
    return [main_menu(ctx, ctx.t._("Only admins can review good practices."))]


def _number(act: Action) -> int | None:
    raw = act.args[0]
    return int(raw) if raw.isdigit() and 0 < int(raw) < _MAX_ID else None


async def load(ctx: Context, act: Action) -> Practice | Reply:
    """The practice a button is about, or the answer when there is no such practice."""
    number = _number(act)
    practice = await practice_store.get(ctx.db, number) if number is not None else None
    if practice is None:
        return main_menu(ctx, ctx.t._("I can't find that good practice. Here is the menu:"))
    return practice


async def _writer(ctx: Context, practice: Practice) -> str:
    """Who wrote it, in the admin's language."""
    if practice.submitted_by is None:
        return views.writer_name(ctx.t, None, gone=True)
    membership = await team_store.membership_of(ctx.db, practice.submitted_by)
    return views.writer_name(ctx.t, membership, gone=False)


async def review_view(ctx: Context, practice: Practice, note: str | None = None
                      ) -> list[Reply]:
    """A practice in full for an admin, with the decisions while it waits."""
    t = ctx.t
    head = t._("📝 Good practice #{number}: {status}").format(
        number=practice.id, status=t._(views.STATUS_NAMES[practice.status]))
    blocks = [head + "\n" + t._("From {writer}.").format(writer=await _writer(ctx, practice)),
              views.practice_text(t, ctx.services, practice)]
    if practice.note and practice.status != PENDING:
        blocks.append(t._("Reason given: {reason}").format(reason=practice.note))
    if note:
        blocks.insert(0, note)
    rows: list[tuple[Button, ...]] = []
    if practice.status == PENDING:
        rows += [(Button(t._("✅ Approve"), APPROVE(practice.id)),),
                 (Button(t._("✏ Ask for changes"), CHANGES(practice.id)),),
                 (Button(t._("✖ Reject"), REJECT(practice.id)),)]
    rows.append((Button(t._("👍 Good practices"), PAGE(0)), menu_button(t)))
    photo = views.photo_replies(practice)
    return [*photo, Reply("\n\n".join(blocks), tuple(rows), edit=ctx.pressed and not photo)]


async def review(ctx: Context, act: Action) -> list[Reply]:
    """ "Review #N": the practice with its decisions (admins only)."""
    if not is_admin(ctx):
        return refusal(ctx)
    practice = await load(ctx, act)
    return [practice] if isinstance(practice, Reply) else await review_view(ctx, practice)


async def _already(ctx: Context, number: int) -> list[Reply]:
    """The practice as it stands, after a decision that came too late."""
    current = await practice_store.get(ctx.db, number)
    if current is None:
        return [main_menu(ctx, ctx.t._("I can't find that good practice. Here is the menu:"))]
    note = ctx.t._("Good practice #{number} has already been reviewed; nothing changed.").format(
        number=number)
    return await review_view(ctx, current, note)


def _told(t: Translator, practice: Practice, decision: Status, reason: str | None) -> Reply:
    """What the writer is told of a decision."""
    if decision == APPROVED:
        return Reply(t._("✅ Your good practice “{title}” was approved: every team can now read "
                         "it with /practices. Thank you for sharing it!").format(
            title=practice.title))
    if decision == REJECTED:
        return Reply(t._("Your good practice “{title}” was not accepted. The admin's "
                         "reason:\n{reason}").format(title=practice.title, reason=reason))
    return Reply(t._("✏ An admin asks for changes to your good practice “{title}”:\n{reason}\n\n"
                     "Type /practice to change it and send it again.").format(
        title=practice.title, reason=reason))


async def _decide(ctx: Context, practice: Practice, decision: Status, reason: str | None
                  ) -> bool:
    """The decision, its audit entry and the notice to the writer, in one transaction; False
    when another admin decided first."""
    writer = [practice.submitted_by] if practice.submitted_by is not None else []
    told = outbox.merge(await outbox.recipients(ctx.services, writer), without=(ctx.user.id,))
    async with ctx.db.transaction() as conn:
        if not await practice_store.decide(conn, practice.id, decision, ctx.user.id, reason,
                                           ctx.now):
            return False
        await audit_store.record(conn, ctx.user.id, "practice", audit_store.detail(
            _EVENTS[decision], practice=practice.id), ctx.now)
        for recipient in told:
            tr = ctx.services.translations.get(recipient.locale)
            await outbox.notify(conn, recipient, _told(tr, practice, decision, reason), ctx.now)
    return True


def _after(ctx: Context, text: str) -> list[Reply]:
    t = ctx.t
    return [Reply(text, ((Button(t._("👍 Good practices"), PAGE(0)),), (menu_button(t),)),
                  edit=ctx.pressed)]


async def approve(ctx: Context, act: Action) -> list[Reply]:
    """ "Approve": the practice joins the feed and its writer is told."""
    if not is_admin(ctx):
        return refusal(ctx)
    practice = await load(ctx, act)
    if isinstance(practice, Reply):
        return [practice]
    if practice.status != PENDING or not await _decide(ctx, practice, APPROVED, None):
        return await _already(ctx, practice.id)
    return _after(ctx, ctx.t._("✅ Good practice #{number} is approved: every team sees it in "
                               "/practices now, and its writer has been told.").format(
        number=practice.id))


def _cancel_row(ctx: Context) -> tuple[Button, ...]:
    return (Button(ctx.t._("✖ Cancel"), DROP_NOTE(), Nav.CANCEL),)


def _question(ctx: Context, note: Note) -> Reply:
    t = ctx.t
    if note.decision == REJECTED:
        text = t._("✖ Why is good practice #{number} rejected? Type the reason, at most {limit} "
                   "characters: its writer will read it.")
    else:
        text = t._("✏ What should be changed in good practice #{number}? Type it, at most "
                   "{limit} characters: its writer will read it.")
    return Reply(text.format(number=note.practice, limit=MAX_NOTE), (_cancel_row(ctx),),
                 edit=ctx.pressed, numbered=False)


async def ask_reason(ctx: Context, act: Action) -> list[Reply]:
    """ "Ask for changes" or "Reject": ask the admin why, to tell the writer."""
    if not is_admin(ctx):
        return refusal(ctx)
    practice = await load(ctx, act)
    if isinstance(practice, Reply):
        return [practice]
    if practice.status != PENDING:
        return await _already(ctx, practice.id)
    note = Note(practice.id, REJECTED if act.verb == REJECT else Status.CHANGES)
    await dialogs.save(ctx, note.to_state())
    return [_question(ctx, note)]


async def reason_typed(ctx: Context, _text: str) -> list[Reply]:
    """The reason typed: the decision is made and the writer told."""
    note = Note.from_state(ctx.state)
    if note is None or not is_admin(ctx):
        await dialogs.close(ctx)
        return refusal(ctx) if note is not None else [main_menu(ctx)]
    checked = check_note(ctx.event.text)  # line breaks kept
    if checked.value is None:
        if checked.problem is None:  # the rules give a reason whenever they refuse
            raise ValueError("a reason was refused without saying why")
        problem = ctx.t._(checked.problem).format(**checked.numbers)
        return [Reply(problem, (_cancel_row(ctx),), numbered=False)]
    practice = await practice_store.get(ctx.db, note.practice)
    await dialogs.close(ctx)
    if practice is None:
        return [main_menu(ctx, ctx.t._("I can't find that good practice. Here is the menu:"))]
    if practice.status != PENDING or not await _decide(ctx, practice, note.decision,
                                                       checked.value):
        return await _already(ctx, practice.id)
    if note.decision == REJECTED:
        text = ctx.t._("✖ Good practice #{number} is rejected, and its writer has been told "
                       "why.")
    else:
        text = ctx.t._("✏ The writer of good practice #{number} has been asked for these "
                       "changes.")
    return _after(ctx, text.format(number=practice.id))


async def drop_reason(ctx: Context, _act: Action) -> list[Reply]:
    """Cancel while typing a reason: nothing is decided."""
    if not is_admin(ctx):
        return refusal(ctx)
    note = Note.from_state(ctx.state)
    await dialogs.close(ctx)
    line = ctx.t._("The reason you were typing was not sent; nothing changed.")
    practice = await practice_store.get(ctx.db, note.practice) if note is not None else None
    if practice is None:
        return [main_menu(ctx, line)]
    return await review_view(ctx, practice, line)
