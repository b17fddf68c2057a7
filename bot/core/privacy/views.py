"""/privacy: what is kept about the user, why, for how long, who sees it, and their rights."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.privacy.ids import ASK
from bot.core.shared.menus import LANGUAGE_NAMES, menu_button
from bot.core.shared.messages import MESSAGE_LIMIT, pack
from bot.core.shared.roles import is_admin
from bot.storage import classes as class_store
from bot.storage import links as link_store
from bot.storage import privacy as privacy_store
from bot.storage import reminders as reminder_store
from bot.storage.classes import SchoolClass, Student
from bot.storage.privacy import Stored


def _what_is_kept(ctx: Context, stored: Stored, accounts: list[tuple[str, str]],
                  reminders: bool | None, school: Schooling) -> str:
    t, user, event = ctx.t, ctx.user, ctx.event
    # The account writing (ctx.user is the one it acts as, another app's after /link), then
    # the person's other accounts, each once.
    own = (event.channel, event.user_key)
    numbers = [(event.capabilities.name or t._("terminal"), event.user_key)]
    numbers += [(channel.capitalize(), key) for channel, key in accounts if (channel, key) != own]
    lines = [t._("🔒 What I keep about you:"),
             *(t._("• your {channel} account number ({number}), so I can answer you;").format(
                 channel=channel, number=number) for channel, number in numbers),
             t._("• your language ({language}) and when you last wrote to me;").format(
                 language=LANGUAGE_NAMES.get(user.locale, user.locale)),
             t._("• your place in your lessons ({started} started, {done} finished) and your "
                 "quiz answers ({answers}), so you can continue where you stopped;").format(
                 started=t.number(stored.lessons_started), done=t.number(stored.lessons_done),
                 answers=t.number(stored.quiz_answers))]
    if reminders is not None:
        lines.append(t._("• whether you want lesson reminders ({choice}) and when the last one "
                         "went (/reminders);").format(
            choice=t._("yes") if reminders else t._("no")))
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
    if stored.practices_sent:
        lines.append(t._("• the good practices you shared ({count}), marked as yours; the "
                         "approved ones are your team's work for all teams to read (/practices) "
                         "and stay, without your name, if you delete your data;").format(
            count=t.number(stored.practices_sent)))
    for request in stored.requests:
        lines.append(t._("• your help request #{number}: {name}, {hamlet}, {commune}, phone: "
                         "{phone}; so that a volunteer can come to you.").format(
            number=request.id, name=request.first_name or "-", hamlet=request.hamlet or "-",
            commune=ctx.services.communes.display_name(request.commune_code),
            phone=request.phone or t._("not given")))
    lines.extend(_class_lines(ctx, *school))
    lines.append(t._("I never store passwords, OTP codes or bank details."))
    return "\n".join(lines)


Schooling = tuple[tuple[Student, SchoolClass] | None, list[SchoolClass]]


def _class_lines(ctx: Context, place: tuple[Student, SchoolClass] | None,
                 taught: list[SchoolClass]) -> list[str]:
    """A student's class and the name shown there; a teacher's classes."""
    t, lines = ctx.t, []
    if place is not None:
        student, school_class = place
        shown = student.name or t._("number {number}").format(number=student.number)
        lines.append(t._("• your class {name} of {school} and how you appear there: "
                         "“{shown}”;").format(name=school_class.name,
                                               school=school_class.school.name, shown=shown))
    if taught:
        lines.append(t.ngettext("• the class you teach ({names});",
                                "• the classes you teach ({names});", len(taught)).format(
            names=", ".join(c.name for c in taught)))
    return lines


def _who_sees(ctx: Context, stored: Stored, school: Schooling) -> str:
    t = ctx.t
    lines = [t._("👀 Who sees it:"),
             t._("• Your lessons and answers: only you. The admins see totals (how many people "
                 "learned what), never one person's answers.")]
    if school[0] is not None:
        lines.append(t._("• Which lessons you started and finished: also your class's teacher, "
                         "with the name or number you show the class; the province's admins "
                         "see your school's totals only."))
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
        lines.append(t._("A visited household's name or house number and the note about it "
                         "are erased {months} months after the campaign ends.").format(
            months=ctx.services.config.household_months))
    if stored.requests:
        lines.append(t._("A help request's name, hamlet and phone number are erased {days} days "
                         "after it is closed, and its phone number after {phone_days} days in "
                         "any case.").format(
            days=privacy_store.CLOSED_REQUEST_KEPT.days,
            phone_days=privacy_store.ANY_REQUEST_PHONE_KEPT.days))
    lines.append(t._("A form you leave unfinished (a help request not sent, a visit not saved) "
                     "is dropped after {days} days without a message from you.").format(
        days=privacy_store.DRAFT_KEPT.days))
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
        text += "\n\n" + admin_note(ctx)
    return text


def admin_note(ctx: Context) -> str:
    """Why deleting an admin's data leaves them an admin (in /privacy and /deleteme)."""
    return ctx.t._("You are an admin: that comes from the bot's configuration, not from these "
                   "data, so deleting them does not take away your admin rights. The audit log "
                   "keeps a record of your admin actions.")


async def show_privacy(ctx: Context, _args: str) -> list[Reply]:
    """/privacy: what is kept about this user, why, for how long, who sees it, their rights."""
    stored = await privacy_store.stored_about(ctx.db, ctx.user.id)
    accounts = await link_store.accounts(ctx.db, ctx.user.id)
    reminders = await reminder_store.choice(ctx.db, ctx.user.id)
    school = (await class_store.student_of(ctx.db, ctx.user.id),
              await class_store.of_teacher(ctx.db, ctx.user.id))
    paragraphs = [_what_is_kept(ctx, stored, accounts, reminders, school),
                  _who_sees(ctx, stored, school),
                  _how_long(ctx, stored), _rights(ctx)]
    messages = pack(paragraphs, min(MESSAGE_LIMIT, ctx.event.capabilities.max_text))
    rows = ((Button(ctx.t._("🗑 Delete my data"), ASK()),), (menu_button(ctx.t),))
    replies = [Reply(text) for text in messages[:-1]]
    return [*replies, Reply(messages[-1], rows)]
