"""What admins read about broadcasts: audiences, progress, reports and the recent list.

The delivery worker of each channel uses progress_text and final_text, so the progress message
reads the same everywhere and is translated like the rest of the bot.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.broadcasts.ids import CANCEL, STOP
from bot.core.context import Context
from bot.core.events import Button, Nav
from bot.core.shared.communes import Communes
from bot.core.shared.menus import LANGUAGE_NAMES
from bot.core.shared.messages import clip
from bot.i18n import N_, Translator
from bot.storage import audiences
from bot.storage import classes as class_store
from bot.storage import usage as usage_store
from bot.storage.audiences import Audience, AudienceKind
from bot.storage.broadcasts import Broadcast, Counts, Status
from bot.storage.classes import School

AUDIENCE_NAMES = {
    AudienceKind.EVERYONE: N_("Everyone"),
    AudienceKind.CITIZENS: N_("Citizens (not in a team)"),
    AudienceKind.VOLUNTEERS: N_("Volunteers (team members)"),
    AudienceKind.LEADERS: N_("Team leaders"),
    AudienceKind.COMMUNE: N_("One commune"),
    AudienceKind.SCHOOL: N_("Students of a school"),
    AudienceKind.LANGUAGE: N_("One language"),
    AudienceKind.CHANNEL: N_("One chat app"),
}
_STATUS_NAMES = {
    Status.SCHEDULED: N_("scheduled"),
    Status.SENDING: N_("sending"),
    Status.PAUSED: N_("paused"),
    Status.AWAITING: N_("waiting for a second admin"),
    Status.DONE: N_("finished"),
    Status.CANCELLED: N_("stopped"),
}
EXCERPT = 60  # characters of a broadcast's first line in /broadcasts


def audience_label(t: Translator, communes: Communes, audience: Audience,
                   school: School | None = None) -> str:
    """The audience in words: "Everyone", "Commune: Xã Anh Sơn", "Language: English"; a
    school's students by the school's name when it is given (school_of), else by its number."""
    if audience.kind == AudienceKind.SCHOOL and school is not None:
        return t._("Students of {school}, {commune}").format(
            school=clip(school.name, EXCERPT), commune=communes.display_name(school.commune_code))
    if audience.kind == AudienceKind.SCHOOL:  # the school is gone, or was not looked up
        return t._("Students of school no. {number}").format(number=audience.value or "?")
    if audience.kind == AudienceKind.COMMUNE:
        return t._("Commune: {commune}").format(commune=communes.display_name(audience.value))
    if audience.kind == AudienceKind.LANGUAGE:
        language = LANGUAGE_NAMES.get(audience.value or "", audience.value or "")
        return t._("Language: {language}").format(language=language)
    if audience.kind == AudienceKind.CHANNEL:
        return t._("Users of {channel}").format(channel=(audience.value or "").capitalize())
    return t._(AUDIENCE_NAMES.get(audience.kind, audience.kind))


async def school_of(ctx: Context, audience: Audience) -> School | None:
    """The school whose students the audience is, if it is one and the school still exists."""
    value = audience.value or ""
    if audience.kind != AudienceKind.SCHOOL or not (value.isascii() and value.isdigit()):
        return None
    return await class_store.school(ctx.db, int(value))


def cancel_row(t: Translator) -> tuple[Button, ...]:
    """The form's Cancel button, on a row of its own."""
    return (Button(t._("✖ Cancel"), CANCEL(), Nav.CANCEL),)


def counts_line(t: Translator, counts: Counts) -> str:
    """ "1.200 / 5.000 sent · 3 blocked · 0 failed" (and cancelled ones, if any)."""
    line = t._("{sent} / {total} sent · {blocked} blocked · {failed} failed").format(
        sent=t.number(counts.sent), total=t.number(counts.total),
        blocked=t.number(counts.blocked), failed=t.number(counts.failed))
    if counts.cancelled:
        line += " · " + t._("{cancelled} cancelled").format(
            cancelled=t.number(counts.cancelled))
    if counts.held:
        line += " · " + t._("{held} waiting for messages").format(held=t.number(counts.held))
    return line


def stop_button(t: Translator, broadcast_id: int) -> Button:
    """A button asking to stop broadcast #id."""
    return Button(t._("⏹ Stop #{number}").format(number=broadcast_id),
                  STOP(broadcast_id))


def progress_text(t: Translator, broadcast_id: int, counts: Counts,
                  status: Status = Status.SENDING) -> str:
    """The progress message, edited every few seconds while the broadcast is sent."""
    if status == Status.DONE:
        title = t._("📣 Broadcast #{number}: finished.")
    elif status == Status.CANCELLED:
        title = t._("📣 Broadcast #{number}: stopped.")
    elif status == Status.PAUSED:
        title = t._("📣 Broadcast #{number}: paused.")
    else:
        title = t._("📣 Broadcast #{number}: sending…")
    return "\n".join([title.format(number=broadcast_id), counts_line(t, counts)])


def final_text(t: Translator, broadcast_id: int, status: Status, counts: Counts,
               held: str | None = None) -> str:
    """The report when a broadcast has finished, was stopped or paused."""
    if status == Status.CANCELLED:
        title = t._("⏹ Broadcast #{number} was stopped.").format(number=broadcast_id)
    elif status == Status.PAUSED:
        title = "\n".join([t._("⏸ Broadcast #{number} is paused.").format(number=broadcast_id),
                           paused_text(t, broadcast_id, held)])
    else:
        title = t._("✅ Broadcast #{number} is finished.").format(number=broadcast_id)
    lines = [title, counts_line(t, counts)]
    if counts.blocked:
        lines.append(t._("People who blocked the bot are left out of later broadcasts until "
                         "they write to it again."))
    if counts.failed:
        lines.append(t._("Failed deliveries were tried several times; their reasons are kept "
                         "with the broadcast."))
    return "\n".join(lines)


def paused_text(t: Translator, broadcast_id: int, held: str | None) -> str:
    """Why a broadcast is paused, and how to resume it."""
    return t._("{channel} has no messages left this month, so its users not reached yet are "
               "waiting. Type /resumebroadcast {number} when messages are available again "
               "(next month, or after upgrading the plan).").format(
        channel=(held or "?").capitalize(), number=broadcast_id)


def local_time(t: Translator, moment: str | datetime, zone: ZoneInfo) -> str:
    """A stored UTC time as local "07:00 04/10/2026"."""
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    local = value.astimezone(zone)
    return f"{local.strftime('%H:%M')} {t.date(local)}"


def list_entry(t: Translator, communes: Communes, zone: ZoneInfo, broadcast: Broadcast,
               counts: Counts, school: School | None = None) -> str:
    """One broadcast in /broadcasts: number, time, audience (school: its school, if any),
    status and counts."""
    status = t._(_STATUS_NAMES.get(broadcast.status, broadcast.status))
    if broadcast.status == Status.SCHEDULED and broadcast.scheduled_for:
        status = t._("scheduled for {time}").format(
            time=local_time(t, broadcast.scheduled_for, zone))
    head = " · ".join([f"#{broadcast.id}", local_time(t, broadcast.created_at, zone),
                       audience_label(t, communes, broadcast.audience, school), status])
    excerpt = clip(broadcast.text_vi.split("\n", 1)[0], EXCERPT)
    lines = [head, f"“{excerpt}”", counts_line(t, counts)]
    if broadcast.status == Status.PAUSED:
        lines.append(paused_text(t, broadcast.id, broadcast.held))
    return "\n".join(lines)


def channel_names(channels: tuple[str, ...]) -> str:
    """The channels as people know them: "Telegram", "Telegram, Zalo"."""
    return ", ".join(channel.capitalize() for channel in channels)


async def reach(ctx: Context, audience: Audience) -> str:
    """Who the broadcast reaches, on which channels: the count, a month's quota too short,
    and the people who chat elsewhere and receive nothing."""
    t, config = ctx.t, ctx.services.config
    channels = config.delivery_channels
    counts = await audiences.count_by_channel(ctx.db, audience)
    count = sum(counts.get(channel, 0) for channel in channels)
    lines = [t.ngettext("📣 Broadcast to {audience}: {count} person.",
                        "📣 Broadcast to {audience}: {count} people.", count).format(
        audience=audience_label(t, ctx.services.communes, audience,
                                await school_of(ctx, audience)), count=t.number(count))]
    month = ctx.now.astimezone(config.timezone).strftime("%Y-%m")  # as the sends are counted
    for channel, monthly in config.monthly_quotas.items():
        needed = counts.get(channel, 0)
        left = max(0, monthly - await usage_store.sent_in(ctx.db, channel, month))
        if needed > left:
            lines.append(t._("⚠ {channel}: {needed} messages needed, {left} of this month's "
                             "{limit} left. The rest will wait for next month's messages."
                             ).format(channel=channel.capitalize(), needed=t.number(needed),
                                      left=t.number(left), limit=t.number(monthly)))
    elsewhere = sum(n for name, n in counts.items() if name not in channels)
    if elsewhere:
        lines.append(t.ngettext(
            "{count} more person of this audience chats with me elsewhere (in the terminal) "
            "and receives nothing: broadcasts go out on {channel} only.",
            "{count} more people of this audience chat with me elsewhere (in the terminal) "
            "and receive nothing: broadcasts go out on {channel} only.", elsewhere).format(
            count=t.number(elsewhere), channel=channel_names(channels)))
    return "\n".join(lines)
