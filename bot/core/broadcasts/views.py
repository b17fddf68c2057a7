"""What admins read about broadcasts: audiences, progress, reports and the recent list.

The delivery worker of each channel uses progress_text and final_text, so the progress message
reads the same everywhere and is translated like the rest of the bot.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.actions import action
from bot.core.events import Button
from bot.core.shared.communes import Communes
from bot.core.shared.menus import LANGUAGE_NAMES
from bot.i18n import N_, Translator
from bot.storage import broadcasts as store
from bot.storage.broadcasts import Audience, Broadcast, Counts

STOP = "bcs"  # ask to stop broadcast #id
AUDIENCE_NAMES = {
    store.EVERYONE: N_("Everyone"),
    store.CITIZENS: N_("Citizens (not in a team)"),
    store.VOLUNTEERS: N_("Volunteers (team members)"),
    store.LEADERS: N_("Team leaders"),
    store.COMMUNE: N_("One commune"),
    store.LANGUAGE: N_("One language"),
}
_STATUS_NAMES = {
    store.SCHEDULED: N_("scheduled"),
    store.SENDING: N_("sending"),
    store.DONE: N_("finished"),
    store.CANCELLED: N_("stopped"),
}


def audience_label(t: Translator, communes: Communes, audience: Audience) -> str:
    """The audience in words: "Everyone", "Commune: Xã Anh Sơn", "Language: English"."""
    if audience.kind == store.COMMUNE:
        commune = communes.get(audience.value or "")
        return t._("Commune: {commune}").format(
            commune=commune.name if commune else audience.value)
    if audience.kind == store.LANGUAGE:
        language = LANGUAGE_NAMES.get(audience.value or "", audience.value or "")
        return t._("Language: {language}").format(language=language)
    return t._(AUDIENCE_NAMES.get(audience.kind, audience.kind))


def counts_line(t: Translator, counts: Counts) -> str:
    """ "1.200 / 5.000 sent · 3 blocked · 0 failed" (and cancelled ones, if any)."""
    line = t._("{sent} / {total} sent · {blocked} blocked · {failed} failed").format(
        sent=t.number(counts.sent), total=t.number(counts.total),
        blocked=t.number(counts.blocked), failed=t.number(counts.failed))
    if counts.cancelled:
        line += " · " + t._("{cancelled} cancelled").format(
            cancelled=t.number(counts.cancelled))
    return line


def stop_button(t: Translator, broadcast_id: int) -> Button:
    """A button asking to stop broadcast #id."""
    return Button(t._("⏹ Stop #{number}").format(number=broadcast_id),
                  action(STOP, broadcast_id))


def progress_text(t: Translator, broadcast_id: int, counts: Counts,
                  status: str = store.SENDING) -> str:
    """The progress message, edited every few seconds while the broadcast is sent."""
    if status == store.DONE:
        title = t._("📣 Broadcast #{number}: finished.")
    elif status == store.CANCELLED:
        title = t._("📣 Broadcast #{number}: stopped.")
    else:
        title = t._("📣 Broadcast #{number}: sending…")
    return "\n".join([title.format(number=broadcast_id), counts_line(t, counts)])


def final_text(t: Translator, broadcast_id: int, status: str, counts: Counts) -> str:
    """The report when a broadcast has finished or was stopped."""
    if status == store.CANCELLED:
        title = t._("⏹ Broadcast #{number} was stopped.").format(number=broadcast_id)
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


def local_time(t: Translator, moment: str | datetime, zone: ZoneInfo) -> str:
    """A stored UTC time as local "07:00 04/10/2026"."""
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    local = value.astimezone(zone)
    return f"{local.strftime('%H:%M')} {t.date(local)}"


def list_entry(t: Translator, communes: Communes, zone: ZoneInfo, broadcast: Broadcast,
               counts: Counts) -> str:
    """One broadcast in /broadcasts: number, time, audience, status and counts."""
    status = t._(_STATUS_NAMES.get(broadcast.status, broadcast.status))
    if broadcast.status == store.SCHEDULED and broadcast.scheduled_for:
        status = t._("scheduled for {time}").format(
            time=local_time(t, broadcast.scheduled_for, zone))
    head = " · ".join([f"#{broadcast.id}", local_time(t, broadcast.created_at, zone),
                       audience_label(t, communes, broadcast.audience), status])
    first_line = broadcast.text_vi.split("\n", 1)[0]
    excerpt = first_line[:60] + ("…" if len(first_line) > 60 else "")
    return "\n".join([head, f"“{excerpt}”", counts_line(t, counts)])
