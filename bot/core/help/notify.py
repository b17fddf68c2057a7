"""Who hears about a help request, what they are told, and escalation when nobody takes it."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.core.context import Services
from bot.core.events import Button, Reply
from bot.core.help.ids import TAKE
from bot.core.shared import outbox
from bot.i18n import Translator
from bot.storage import help_requests as request_store
from bot.storage import teams as team_store
from bot.storage.help_requests import HelpRequest
from bot.storage.outbox import Recipient
from bot.storage.teams import Membership

log = logging.getLogger(__name__)

ESCALATE_AFTER = timedelta(hours=24)


def lesson_title(services: Services, lesson_id: str | None, locale: str) -> str | None:
    """The lesson's title in locale, if the lesson is known."""
    lesson = services.catalog.lessons.get(lesson_id) if lesson_id else None
    return lesson.title.get(locale) if lesson else None


def asked_at(t: Translator, services: Services, stamp: str) -> str:
    """When a request was made, as a local date and time."""
    local = datetime.fromisoformat(stamp).astimezone(services.config.timezone)
    return f"{t.date(local)} {local:%H:%M}"


def summary(t: Translator, services: Services, request: HelpRequest) -> str:
    """Who asked, where, and from which lesson: what every volunteer of the commune sees."""
    lines = [t._("{name}, in {hamlet}, {commune}, asks for someone to come and help in "
                 "person.").format(name=request.first_name, hamlet=request.hamlet,
                                   commune=services.communes.display_name(request.commune_code))]
    title = lesson_title(services, request.lesson_id, t.locale)
    if title:
        lines.append(t._("Lesson: {title}").format(title=title))
    lines.append(t._("Asked on {moment}").format(moment=asked_at(t, services, request.created_at)))
    return "\n".join(lines)


def details(t: Translator, services: Services, request: HelpRequest) -> str:
    """The summary with the phone number: only for the taker and admins."""
    phone = request.phone or t._("not given")
    return "\n".join([t._("Help request #{number}").format(number=request.id),
                      summary(t, services, request),
                      t._("Phone: {phone}").format(phone=phone)])


def take_button(t: Translator, request_id: int) -> tuple[Button, ...]:
    """The "I'll go" button row."""
    return (Button(t._("🙋 I'll go"), TAKE(request_id)),)


def _notice(t: Translator, services: Services, request: HelpRequest, head: str) -> Reply:
    text = "\n\n".join([head, summary(t, services, request),
                        t._("If you can visit, press “I'll go”. The first to press takes it.")])
    return Reply(text, (take_button(t, request.id),))


def new_notice(t: Translator, services: Services, request: HelpRequest) -> Reply:
    """What volunteers get when a request is sent."""
    return _notice(t, services, request,
                   t._("🙋 Help request #{number}").format(number=request.id))


def reopened_notice(t: Translator, services: Services, request: HelpRequest) -> Reply:
    """What volunteers get when the one who took a request cannot go."""
    return _notice(t, services, request,
                   t._("↩ Help request #{number} is open again: the volunteer who took it "
                       "cannot go.").format(number=request.id))


def escalation_notice(t: Translator, services: Services, request: HelpRequest) -> Reply:
    """What leaders and admins get when nobody took a request within ESCALATE_AFTER."""
    return _notice(t, services, request,
                   t._("⏰ Nobody has taken help request #{number} for {hours} hours.").format(
                       number=request.id, hours=ESCALATE_AFTER // timedelta(hours=1)))


def volunteer_name(t: Translator, membership: Membership | None) -> str:
    """How a volunteer is named to others: their shown name, or "another volunteer"."""
    if membership is not None and membership.display_name:
        return membership.display_name
    return t._("another volunteer")


def coming_text(t: Translator, membership: Membership | None) -> str:
    """Who is coming, as told to the citizen (never the volunteer's phone)."""
    if membership is not None and membership.display_name:
        return t._("{name} from team {team} will come to help you.").format(
            name=membership.display_name, team=membership.team.name)
    if membership is not None:
        return t._("A volunteer from team {team} will come to help you.").format(
            team=membership.team.name)
    return t._("A volunteer of the province will come to help you.")


async def commune_members(services: Services, commune_code: str) -> list[Membership]:
    """Volunteers and leaders of every team of the commune."""
    found: list[Membership] = []
    for team in await team_store.in_commune(services.db, commune_code):
        found += await team_store.members(services.db, team.id)
    return found


async def volunteers_to_tell(services: Services, commune_code: str,
                             without: tuple[int | None, ...] = ()
                             ) -> tuple[list[Recipient], bool]:
    """Who hears about a request: the commune's members, or the admins when it has none.

    The second value is True when the commune has members (so the citizen can be told).
    """
    members = await commune_members(services, commune_code)
    if members:
        found = await outbox.recipients(services, [m.user_id for m in members])
    else:
        found = await outbox.admins(services)
    return outbox.merge(found, without=without), bool(members)


async def escalate_overdue(services: Services, now: datetime) -> int:
    """Send each request left open too long to the commune's leaders and the admins, once.

    Returns how many were escalated. Safe to run from several places: the conditional update
    on escalated_at lets only one of them notify.
    """
    escalated = 0
    for request in await request_store.not_escalated_since(services.db, now - ESCALATE_AFTER):
        leaders = [m.user_id for m in await commune_members(services, request.commune_code)
                   if m.is_leader]
        told = outbox.merge(await outbox.recipients(services, leaders),
                            await outbox.admins(services), without=(request.citizen_id,))
        async with services.db.transaction() as conn:
            if not await request_store.mark_escalated(conn, request.id, now):
                continue  # taken or cancelled meanwhile
            for recipient in told:
                t = services.translations.get(recipient.locale)
                await outbox.notify(conn, recipient,
                                    escalation_notice(t, services, request), now)
        if not told:
            log.warning("help request %s is overdue but no leader or admin can be messaged",
                        request.id)
        escalated += 1
    return escalated
