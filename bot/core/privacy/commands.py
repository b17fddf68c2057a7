"""Privacy: /privacy (what is kept about you, why, how long, who sees it), /deleteme, /audit.

Deletion is confirmed with a one-time token kept in the dialog state: the state goes with the
user's data, so a second press of the same Yes (a double tap, or the button pressed again
later) finds nothing to match and deletes nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime

from bot.core import dialogs as flows
from bot.core.actions import Action, action
from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.help import notify as help_notify
from bot.core.router import ADMINS, Router
from bot.core.shared import outbox
from bot.core.shared.menus import LANGUAGE_NAMES, main_menu, menu_button
from bot.core.shared.roles import is_admin
from bot.i18n import N_
from bot.storage import help_requests, privacy
from bot.storage.privacy import AuditLine, Stored

FLOW = "deleteme"
ASK, YES, NO, MORE = "dme", "dmy", "dmn", "aud"
AUDIT_PAGE = 20
MESSAGE_LIMIT = 1900  # under the 2,000 characters of the strictest channel (Zalo)
CHANNEL_NAMES = {"telegram": "Telegram", "zalo": "Zalo"}
_ADMIN_CHANNELS = {"telegram", "console"}  # as bot.core.roles: admins are Telegram ids


def pack(paragraphs: list[str], limit: int, sep: str = "\n\n") -> list[str]:
    """Paragraphs joined by sep into as few messages as fit under limit characters each."""
    messages: list[str] = []
    for paragraph in paragraphs:
        if messages and len(messages[-1]) + len(sep) + len(paragraph) <= limit:
            messages[-1] += sep + paragraph
        else:
            messages.append(paragraph[:limit])
    return messages


def _what_is_kept(ctx: Context, stored: Stored) -> str:
    t, user = ctx.t, ctx.user
    channel = CHANNEL_NAMES.get(user.channel) or t._("terminal")
    lines = [t._("🔒 What I keep about you:"),
             t._("• your {channel} account number ({number}), so I can answer you;").format(
                 channel=channel, number=user.external_id),
             t._("• your language ({language}) and when you last wrote to me;").format(
                 language=LANGUAGE_NAMES.get(user.locale, user.locale)),
             t._("• your place in your lessons ({started} started, {done} finished) and your "
                 "quiz answers ({answers}), so you can continue where you stopped;").format(
                 started=t.number(stored.lessons_started), done=t.number(stored.lessons_done),
                 answers=t.number(stored.quiz_answers))]
    membership = ctx.membership
    if membership is not None:
        role = t._("leader") if membership.is_leader else t._("volunteer")
        if membership.display_name:
            lines.append(t._("• your team “{team}” ({role}) and the name you showed it: "
                             "“{name}”;").format(team=membership.team.name, role=role,
                                                  name=membership.display_name))
        else:
            lines.append(t._("• your team “{team}” ({role});").format(
                team=membership.team.name, role=role))
    if membership is not None or stored.visits_logged:
        lines.append(t._("• the household visits you logged ({count}), to count the "
                         "campaign's work;").format(count=t.number(stored.visits_logged)))
    for request in stored.requests:
        lines.append(t._("• your help request #{number}: {name}, {hamlet}, {commune}, phone: "
                         "{phone}; so that a volunteer can come to you.").format(
            number=request.id, name=request.first_name or "-", hamlet=request.hamlet or "-",
            commune=help_notify.commune_name(ctx.services, request.commune_code),
            phone=request.phone or t._("not given")))
    lines.append(t._("I never store passwords, OTP codes or bank details."))
    return "\n".join(lines)


def _who_sees(ctx: Context, stored: Stored) -> str:
    t = ctx.t
    lines = [t._("👀 Who sees it:"),
             t._("• Your lessons and answers: only you. The admins see totals (how many people "
                 "learned what), never one person's answers.")]
    if ctx.membership is not None or stored.visits_logged:
        lines.append(t._("• Your name and the visits you logged: your team leader and the "
                         "province's admins."))
    if stored.requests:
        lines.append(t._("• Your help request: the volunteers of your commune and the admins "
                         "see your first name, commune and hamlet; only the volunteer who takes "
                         "it and the admins see your phone number."))
    return "\n".join(lines)


def _how_long(ctx: Context, stored: Stored) -> str:
    t = ctx.t
    lines = [t._("⏳ For how long: until you delete it. Type /deleteme and I erase it at once.")]
    if ctx.membership is not None or stored.visits_logged:
        lines.append(t._("The visits you logged then stay in the campaign's figures, without "
                         "your name."))
    if stored.requests:
        lines.append(t._("A help request's name, hamlet and phone number are erased 30 days "
                         "after it is closed, and its phone number after 90 days in any case."))
    return " ".join(lines)


def _rights(ctx: Context) -> str:
    t = ctx.t
    text = t._("⚖️ Your rights under the Personal Data Protection Law (No. 91/2025/QH15, in "
               "force from 1 January 2026): to know what is kept and why, to withdraw your "
               "consent, to see your data (this message), and to ask for it to be corrected "
               "or deleted. /deleteme deletes it; /language changes your language; /helpme "
               "lets you cancel a help request and send a corrected one. For anything else, "
               "ask your commune's digital technology team.")
    if is_admin(ctx):
        text += "\n\n" + _admin_note(ctx)
    return text


def _admin_note(ctx: Context) -> str:
    return ctx.t._("You are an admin: that comes from the bot's configuration, not from these "
                   "data, so deleting them does not take away your admin rights. The audit log "
                   "keeps a record of your admin actions.")


async def show_privacy(ctx: Context, _args: str) -> list[Reply]:
    """/privacy: what is kept about this user, why, for how long, who sees it, their rights."""
    stored = await privacy.stored_about(ctx.db, ctx.user.id)
    paragraphs = [_what_is_kept(ctx, stored), _who_sees(ctx, stored), _how_long(ctx, stored),
                  _rights(ctx)]
    messages = pack(paragraphs, min(MESSAGE_LIMIT, ctx.event.capabilities.max_text))
    rows = ((Button(ctx.t._("🗑 Delete my data"), ASK),), (menu_button(ctx.t),))
    replies = [Reply(text) for text in messages[:-1]]
    return [*replies, Reply(messages[-1], rows)]


# /deleteme


async def _confirmation(ctx: Context, token: str) -> Reply:
    t = ctx.t
    stored = await privacy.stored_about(ctx.db, ctx.user.id)
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
        parts.append(_admin_note(ctx))
    rows = ((Button(t._("🗑 Yes, delete"), action(YES, token)),),
            (Button(t._("✖ No, keep it"), NO),))
    return Reply("\n\n".join(parts), rows, edit=False)


async def ask_delete(ctx: Context, _arg: str | Action) -> list[Reply]:
    """/deleteme or the button: ask first; asking twice shows the same single confirmation."""
    state = flows.current(ctx, FLOW)
    token = str(state["token"]) if state and state.get("token") else secrets.token_hex(6)
    await flows.save(ctx, {"flow": FLOW, "token": token})
    return [await _confirmation(ctx, token)]


async def typed_while_asking(ctx: Context, _text: str) -> list[Reply]:
    """Text typed while the confirmation is open: ask again."""
    note = ctx.t._("Please answer with one of the buttons below.")
    current = await _confirmation(ctx, str(ctx.state.get("token", "")))
    return [replace(current, text=f"{note}\n\n{current.text}")]


async def refuse_delete(ctx: Context, _act: Action) -> list[Reply]:
    """No: nothing is deleted (another open form, if any, is left alone)."""
    if flows.current(ctx, FLOW) is not None:
        await flows.close(ctx)
    return [main_menu(ctx, ctx.t._("All right: nothing was deleted."))]


async def confirm_delete(ctx: Context, act: Action) -> list[Reply]:
    """Yes: delete in one transaction, if the token is the one this user was just shown."""
    t = ctx.t
    state = flows.current(ctx, FLOW)
    if state is None or state.get("token") != act.args[0]:
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
    taken = await help_requests.taken_by(ctx.db, uid)
    told = {r.id: await help_notify.volunteers_to_tell(services, r.commune_code,
                                                       (r.citizen_id, uid)) for r in taken}
    citizens = {r.id: await outbox.recipients(services, [r.citizen_id] if r.citizen_id else [])
                for r in taken}
    own = await help_requests.active_of(ctx.db, uid)
    takers = await outbox.recipients(services, [own.taken_by] if own and own.taken_by else [])
    tag = (privacy.actor_tag(privacy.ADMIN_TAG, ctx.user.external_id) if admin
           else privacy.actor_tag(privacy.USER_TAG, uid))
    async with ctx.db.transaction() as conn:
        # First put back what they took (as "Can't go" does), while they still exist.
        for request in taken:
            if not await help_requests.release(conn, request.id, uid):
                continue
            reopened = replace(request, status=help_requests.OPEN, taken_by=None, taken_at=None)
            for recipient in told[request.id][0]:
                tr = services.translations.get(recipient.locale)
                await outbox.notify(conn, recipient.user_id,
                                    help_notify.reopened_notice(tr, services, reopened), now)
            for recipient in citizens[request.id]:
                if recipient.user_id != uid:
                    tr = services.translations.get(recipient.locale)
                    await outbox.notify(conn, recipient.user_id, Reply(tr._(
                        "The volunteer who was going to come can no longer make it. Your "
                        "request is open again, and I will tell you who comes.")), now)
        deleted = await privacy.delete_user(conn, uid, tag, now)
        cancelled = {rid for rid, _ in deleted.cancelled} if deleted else set()
        if own is None or own.id not in cancelled:
            return
        # Told after the deletion, which drops the unsent notices about the request.
        for recipient in takers:
            if recipient.user_id != uid:
                tr = services.translations.get(recipient.locale)
                await outbox.notify(conn, recipient.user_id, Reply(tr._(
                    "Help request #{number} was cancelled by the person who asked: you don't "
                    "need to go.").format(number=own.id)), now)


# /audit


def _who(ctx: Context, line: AuditLine) -> tuple[str, str]:
    """Who acted, and the detail without the tag of a deleted actor."""
    t = ctx.t
    if line.actor_id is not None:
        key = line.actor_key or ""
        if line.actor_channel in _ADMIN_CHANNELS and key.isdigit() \
                and int(key) in ctx.services.config.admins:
            return t._("admin {id}").format(id=key), line.detail
        return t._("user #{id}").format(id=line.actor_id), line.detail
    tagged = privacy.split_tag(line.detail)
    if tagged is None:
        return t._("command line"), line.detail
    kind, number, rest = tagged
    if kind == privacy.ADMIN_TAG:
        return t._("admin {id}").format(id=number), rest
    return t._("deleted user #{id}").format(id=number), rest


def _audit_line(ctx: Context, line: AuditLine) -> str:
    local = datetime.fromisoformat(line.at).astimezone(ctx.services.config.timezone)
    who, detail = _who(ctx, line)
    what = f"{line.action}: {detail}"
    return f"{ctx.t.date(local)} {local:%H:%M} · {who} · {what[:200]}"


async def _audit(ctx: Context, before: int | None) -> list[Reply]:
    t = ctx.t
    if not is_admin(ctx):
        return [main_menu(ctx, t._("Only admins can see the audit log."))]
    found = await privacy.audit_page(ctx.db, before, AUDIT_PAGE + 1)
    page = found[:AUDIT_PAGE]
    if not page:
        text = (t._("The audit log has no older entries.") if before
                else t._("The audit log is empty."))
        return [Reply(text, ((menu_button(t),),), edit=False)]
    head = t._("📜 Audit log, newest first:") if before is None \
        else t._("📜 Audit log, older entries:")
    lines = [head, *(_audit_line(ctx, line) for line in page)]
    messages = pack(lines, ctx.event.capabilities.max_text - 100, sep="\n")
    rows: list[tuple[Button, ...]] = []
    if len(found) > AUDIT_PAGE:
        rows.append((Button(t._("More ▸"), action(MORE, page[-1].id)),))
    rows.append((menu_button(t),))
    # Each page is a new message, so the one before stays readable above it.
    return [*(Reply(m, edit=False) for m in messages[:-1]),
            Reply(messages[-1], tuple(rows), edit=False)]


async def show_audit(ctx: Context, _args: str) -> list[Reply]:
    """/audit (admins): the latest entries of the audit log."""
    return await _audit(ctx, None)


async def more_audit(ctx: Context, act: Action) -> list[Reply]:
    """The More button: the entries before the last one shown (admins only, checked again)."""
    return await _audit(ctx, act.number(0))


def register(router: Router) -> None:
    """Add this feature's commands, buttons and flows."""
    router.command("privacy", N_("What I keep about you, and your rights"), show_privacy)
    router.command("deleteme", N_("Delete your data"), ask_delete)
    router.command("audit", N_("The audit log: who did what, and when"), show_audit,
                   audience=ADMINS)
    router.flow(FLOW, typed_while_asking)
    router.action(ASK, ask_delete)
    router.action(YES, confirm_delete)
    router.action(NO, refuse_delete)
    router.action(MORE, more_audit)

