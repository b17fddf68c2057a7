"""/deleteme: erase what is kept about the user, after a confirmation.

Deletion is confirmed with a one-time token kept in the dialog state: the state goes with the
user's data, so a second press of the same Yes (a double tap, or the button pressed again
later) finds nothing to match and deletes nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from typing import Any

from bot.core import dialogs
from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.help import give_back, plan_give_back
from bot.core.payloads import Action
from bot.core.privacy.ids import NO, YES
from bot.core.privacy.views import admin_note
from bot.core.shared import outbox
from bot.core.shared.menus import main_menu
from bot.core.shared.roles import is_admin
from bot.core.teams import MEMBER_VERBS
from bot.storage import help_requests as request_store
from bot.storage import privacy as privacy_store

FLOW = "deleteme"


@dataclass
class Confirmation:
    """The open /deleteme question: the one-time token its Yes button carries."""

    token: str

    @classmethod
    def new(cls) -> Confirmation:
        """A question with a fresh token (12 hex digits)."""
        return cls(secrets.token_hex(6))

    def to_state(self) -> dict[str, Any]:
        """The dialog state storing this question."""
        return {"flow": FLOW, "token": self.token}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Confirmation | None:
        """The question in a dialog state; None when none is open."""
        token = state.get("token") if state.get("flow") == FLOW else None
        return cls(str(token)) if token else None


async def _confirmation(ctx: Context, asked: Confirmation) -> Reply:
    t = ctx.t
    stored = await privacy_store.stored_about(ctx.db, ctx.user.id)
    parts = [t._("🗑 Delete your data? I will erase your language, your lesson progress and "
                 "your quiz answers at once.")]
    if ctx.membership is not None or stored.visits_logged:
        parts.append(t._("You will leave your team. The visits you logged stay in the "
                         "campaign's figures, without your name."))
    if stored.requests:
        parts.append(t._("The name, hamlet and phone number of your help requests are erased "
                         "too, and a request still waiting is cancelled."))
    parts.append(t._("This cannot be undone."))
    if is_admin(ctx):
        parts.append(admin_note(ctx))
    rows = ((Button(t._("🗑 Yes, delete"), YES(asked.token)),),
            (Button(t._("✖ No, keep it"), NO()),))
    return Reply("\n\n".join(parts), rows, edit=False)


async def ask_delete(ctx: Context, _arg: str | Action) -> list[Reply]:
    """/deleteme or the button: ask first; asking twice shows the same single confirmation."""
    asked = Confirmation.from_state(ctx.state) or Confirmation.new()
    await dialogs.save(ctx, asked.to_state())
    return [await _confirmation(ctx, asked)]


async def typed_while_asking(ctx: Context, text: str) -> list[Reply]:
    """Text typed while the confirmation is open: ask again."""
    asked = Confirmation.from_state(ctx.state)
    if asked is None:  # a damaged state: ask afresh
        return await ask_delete(ctx, text)
    note = ctx.t._("Please answer with one of the buttons below.")
    current = await _confirmation(ctx, asked)
    return [replace(current, text=f"{note}\n\n{current.text}")]


async def refuse_delete(ctx: Context, _act: Action) -> list[Reply]:
    """No: nothing is deleted (another open form, if any, is left alone)."""
    if dialogs.current(ctx, FLOW) is not None:
        await dialogs.close(ctx)
    return [main_menu(ctx, ctx.t._("All right: nothing was deleted."))]


async def confirm_delete(ctx: Context, act: Action) -> list[Reply]:
    """Yes: delete in one transaction, if the token is the one this user was just shown."""
    t = ctx.t
    asked = Confirmation.from_state(ctx.state)
    if asked is None or asked.token != act.args[0]:
        if ctx.user.is_new:  # the core has just created a fresh user: the old one is gone
            return [Reply(t._("Your data has already been deleted; there is nothing more to "
                              "delete."), edit=ctx.pressed)]
        return [main_menu(ctx, t._("That confirmation is no longer valid, so nothing was "
                                   "deleted. To delete your data, type /deleteme."))]
    admin = is_admin(ctx)
    await _delete(ctx, admin)
    text = t._("✅ Done: your data has been deleted. If you write to me again, you start "
               "afresh, as a new user.")
    if admin:
        text += "\n\n" + t._("You are still an admin: admin rights come from the configuration.")
    # No buttons: they would be remembered for a user who no longer exists.
    return [Reply(text, edit=ctx.pressed)]


async def _delete(ctx: Context, admin: bool) -> None:
    """Release the requests the user took, delete their data, tell those who must know."""
    services, uid, now = ctx.services, ctx.user.id, ctx.now
    plans = await plan_give_back(services, await request_store.taken_by(ctx.db, uid), uid)
    own = await request_store.active_of(ctx.db, uid)
    takers = await outbox.recipients(services, [own.taken_by] if own and own.taken_by else [])
    tag = (privacy_store.actor_tag(privacy_store.ADMIN_TAG, ctx.user.external_id) if admin
           else privacy_store.actor_tag(privacy_store.USER_TAG, uid))
    async with ctx.db.transaction() as conn:
        # First put back what they took (as "Can't go" does), while they still exist.
        await give_back(conn, services, plans, uid, now)
        deleted = await privacy_store.delete_user(
            conn, uid, tag, now, [verb.name for verb in MEMBER_VERBS])
        cancelled = {rid for rid, _ in deleted.cancelled} if deleted else set()
        if own is None or own.id not in cancelled:
            return
        # Told after the deletion, which drops the unsent notices about the request.
        for recipient in takers:
            if recipient.user_id != uid:
                tr = services.translations.get(recipient.locale)
                await outbox.notify(conn, recipient, Reply(tr._(
                    "Help request #{number} was cancelled by the person who asked: you don't "
                    "need to go.").format(number=own.id)), now)
