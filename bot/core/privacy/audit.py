"""/audit (admins): the audit log, newest first, a page at a time."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from bot.config import TERMINAL
from bot.core.broadcasts import audience_label
from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.payloads import Action
from bot.core.privacy.ids import MORE
from bot.core.shared.menus import main_menu, menu_button
from bot.core.shared.messages import pack
from bot.core.shared.roles import is_admin
from bot.storage import audit as audit_store
from bot.storage import privacy as privacy_store
from bot.storage import teams as team_store
from bot.storage.audiences import Audience, AudienceKind
from bot.storage.privacy import AuditLine
from bot.storage.teams import LEADER, VOLUNTEER

AUDIT_PAGE = 20  # entries a page
DETAIL_LIMIT = 200  # characters of one entry's action and detail shown


def _who(ctx: Context, line: AuditLine) -> tuple[str, str]:
    """Who acted, and the detail without the tag of a deleted actor."""
    t, config = ctx.t, ctx.services.config
    if line.actor_id is not None:
        key = line.actor_key or ""
        # The configured admins are user ids on the admin channels only.
        if line.actor_channel in config.admin_channels and key.isdigit() \
                and int(key) in config.admins:
            if line.actor_channel == TERMINAL:  # typed on the server, not in a chat app
                return t._("admin {id}, in the terminal").format(id=key), line.detail
            return t._("admin {id}").format(id=key), line.detail
        return t._("user #{id}").format(id=line.actor_id), line.detail
    tagged = privacy_store.split_tag(line.detail)
    if tagged is None:
        return t._("command line"), line.detail
    kind, number, rest = tagged
    if kind == privacy_store.ADMIN_TAG:
        return t._("admin {id}").format(id=number), rest
    return t._("deleted user #{id}").format(id=number), rest


def _when(ctx: Context, moment: datetime) -> str:
    local = moment.astimezone(ctx.services.config.timezone)
    return f"{ctx.t.date(local)} {local:%H:%M}"


# An event's sentence from its parameters and the names of the teams it mentions.
Render = Callable[[Context, dict[str, Any], Mapping[int, str]], str]


def _team(event: dict[str, Any], names: Mapping[int, str]) -> str:
    """The team's current name; its number if it no longer exists."""
    number = int(event["team"])
    return names.get(number, f"#{number}")


def _user(ctx: Context, event: dict[str, Any]) -> str:
    return ctx.t._("user #{id}").format(id=int(event["user"]))


def _team_created(ctx: Context, event: dict[str, Any], names: Mapping[int, str]) -> str:
    return ctx.t._("Created team “{team}” ({code}) in {commune}.").format(
        team=_team(event, names), code=str(event["code"]),
        commune=ctx.services.communes.display_name(str(event["commune"])))


def _code_changed(ctx: Context, event: dict[str, Any], names: Mapping[int, str]) -> str:
    return ctx.t._("Gave team “{team}” a new join code.").format(team=_team(event, names))


def _teams_imported(ctx: Context, event: dict[str, Any], _names: Mapping[int, str]) -> str:
    t, count = ctx.t, int(event["count"])
    teams = t.ngettext("{count} team", "{count} teams", count).format(count=t.number(count))
    return t._("Imported {teams} from a CSV file.").format(teams=teams)


def _member_role(ctx: Context, event: dict[str, Any], names: Mapping[int, str]) -> str:
    t, role = ctx.t, event["role"]
    if role == LEADER:
        text = t._("Made {user} leader of team “{team}”.")
    elif role == VOLUNTEER:
        text = t._("Made {user} a volunteer in team “{team}”.")
    else:
        raise ValueError(f"unknown role {role!r}")
    return text.format(user=_user(ctx, event), team=_team(event, names))


def _member_removed(ctx: Context, event: dict[str, Any], names: Mapping[int, str]) -> str:
    return ctx.t._("Removed {user} from team “{team}”.").format(
        user=_user(ctx, event), team=_team(event, names))


def _audience(ctx: Context, kind: str, value: str | None) -> str:
    return audience_label(ctx.t, ctx.services.communes, Audience(AudienceKind(kind), value))


def _broadcast_queued(ctx: Context, event: dict[str, Any], _names: Mapping[int, str]) -> str:
    t, count = ctx.t, int(event["recipients"])
    people = t.ngettext("{count} person", "{count} people", count).format(count=t.number(count))
    value = event.get("value")
    audience = _audience(ctx, str(event["audience"]), None if value is None else str(value))
    number = int(event["broadcast"])
    scheduled = event.get("scheduled_for")
    if scheduled is None:
        text = t._("Started broadcast #{number} to {people} — {audience}.").format(
            number=number, audience=audience, people=people)
    else:
        text = t._("Scheduled broadcast #{number} for {time}, to {people} — {audience}.").format(
            number=number, audience=audience, people=people,
            time=_when(ctx, datetime.fromisoformat(str(scheduled))))
    return text + " " + t._("With a photo.") if event.get("photo") else text


def _broadcast_stopped(ctx: Context, event: dict[str, Any], _names: Mapping[int, str]) -> str:
    t, count = ctx.t, int(event["cancelled"])
    return t.ngettext("Stopped broadcast #{number}: {count} message not yet sent was cancelled.",
                      "Stopped broadcast #{number}: {count} messages not yet sent were "
                      "cancelled.", count).format(number=int(event["broadcast"]),
                                                  count=t.number(count))


def _phones_viewed(ctx: Context, event: dict[str, Any], _names: Mapping[int, str]) -> str:
    numbers = ", ".join(f"#{int(n)}" for n in str(event["requests"]).split(","))
    return ctx.t._("Viewed the phone numbers of help requests {numbers}.").format(
        numbers=numbers)


def _backup_made(ctx: Context, event: dict[str, Any], _names: Mapping[int, str]) -> str:
    return ctx.t._("Made a backup copy of the database ({megabytes} MB).").format(
        megabytes=ctx.t.number(round(int(event["size"]) / 1e6, 1)))


def _broadcast_approved(ctx: Context, event: dict[str, Any], _names: Mapping[int, str]) -> str:
    return ctx.t._("Approved broadcast #{number}.").format(number=int(event["broadcast"]))


def _broadcast_resumed(ctx: Context, event: dict[str, Any], _names: Mapping[int, str]) -> str:
    return ctx.t._("Resumed broadcast #{number}.").format(number=int(event["broadcast"]))


def _export(ctx: Context, event: dict[str, Any], _names: Mapping[int, str]) -> str:
    t = ctx.t
    visits, teams, learners = int(event["visits"]), int(event["teams"]), int(event["learners"])
    return t._("Exported data for {first} – {last}: {visits}, {teams}, {learners}.").format(
        first=t.date(date.fromisoformat(str(event["first"]))),
        last=t.date(date.fromisoformat(str(event["last"]))),
        visits=t.ngettext("{count} visit", "{count} visits", visits).format(
            count=t.number(visits)),
        teams=t.ngettext("{count} team", "{count} teams", teams).format(count=t.number(teams)),
        learners=t.ngettext("{count} learner", "{count} learners", learners).format(
            count=t.number(learners)))


def _data_deleted(ctx: Context, event: dict[str, Any], _names: Mapping[int, str]) -> str:
    return ctx.t._("User #{id} deleted their data.").format(id=int(event["user"]))


def _accounts_linked(ctx: Context, event: dict[str, Any], _names: Mapping[int, str]) -> str:
    return ctx.t._("Linked a second chat app to {user}.").format(user=_user(ctx, event))


def _visit_deleted(ctx: Context, event: dict[str, Any], _names: Mapping[int, str]) -> str:
    return ctx.t._("Deleted visit #{number} (the household's label with it).").format(
        number=int(event["visit"]))


def _practice_approved(ctx: Context, event: dict[str, Any], _names: Mapping[int, str]) -> str:
    return ctx.t._("Approved good practice #{number}.").format(number=int(event["practice"]))


def _practice_changes(ctx: Context, event: dict[str, Any], _names: Mapping[int, str]) -> str:
    return ctx.t._("Asked for changes to good practice #{number}.").format(
        number=int(event["practice"]))


def _practice_rejected(ctx: Context, event: dict[str, Any], _names: Mapping[int, str]) -> str:
    return ctx.t._("Rejected good practice #{number}.").format(number=int(event["practice"]))


def _practice_translated(ctx: Context, event: dict[str, Any], _names: Mapping[int, str]) -> str:
    return ctx.t._("Gave good practice #{number} its version in the other language.").format(
        number=int(event["practice"]))


def _class_event(ctx: Context, event: dict[str, Any], _names: Mapping[int, str]) -> str:
    number = int(event["class"])
    sentences = {"class_created": ctx.t._("Created class #{number} (/newclass)."),
                 "class_code_changed": ctx.t._("Gave class #{number} a new code."),
                 "class_deleted": ctx.t._("Deleted class #{number}.")}
    return sentences[str(event["event"])].format(number=number)


def _nominee(ctx: Context, event: dict[str, Any], names: Mapping[int, str]) -> str:
    return (ctx.t._("team “{team}”").format(team=_team(event, names)) if "team" in event
            else _user(ctx, event))


def _shortlist_event(ctx: Context, event: dict[str, Any], names: Mapping[int, str]) -> str:
    t, campaign = ctx.t, str(event.get("campaign", ""))
    if event["event"] == "shortlist_exported":
        return t._("Exported the reward shortlist of {campaign} ({count} nominees).").format(
            campaign=campaign, count=int(event.get("nominees", 0)))
    sentences = {"shortlist_nominated": t._("Put {who} on the reward shortlist of {campaign}."),
                 "shortlist_reason_changed": t._("Changed the reason for {who} on the reward "
                                                 "shortlist of {campaign}."),
                 "shortlist_removed": t._("Took {who} off the reward shortlist of "
                                          "{campaign}.")}
    return sentences[str(event["event"])].format(who=_nominee(ctx, event, names),
                                                 campaign=campaign)


# The events of bot.storage.audit.detail(...) written by the bot, and their sentences.
_EVENTS: dict[str, Render] = {
    "team_created": _team_created,
    "teams_imported": _teams_imported,
    "join_code_changed": _code_changed,
    "member_role": _member_role,
    "member_removed": _member_removed,
    "broadcast_queued": _broadcast_queued,
    "broadcast_stopped": _broadcast_stopped,
    "broadcast_resumed": _broadcast_resumed,
    "broadcast_approved": _broadcast_approved,
    "phones_viewed": _phones_viewed,
    "backup_made": _backup_made,
    "export": _export,
    "data_deleted": _data_deleted,
    "accounts_linked": _accounts_linked,
    "visit_deleted": _visit_deleted,
    "practice_approved": _practice_approved,
    "practice_changes_asked": _practice_changes,
    "practice_rejected": _practice_rejected,
    "practice_translated": _practice_translated,
    "class_created": _class_event,
    "class_code_changed": _class_event,
    "class_deleted": _class_event,
    "shortlist_nominated": _shortlist_event,
    "shortlist_reason_changed": _shortlist_event,
    "shortlist_removed": _shortlist_event,
    "shortlist_exported": _shortlist_event,
}


def _sentence(ctx: Context, detail: str, names: Mapping[int, str]) -> str | None:
    """The entry in the reader's language; None for free text (older entries), an unknown
    event or one whose parameters do not fit."""
    event = audit_store.parse(detail)
    render = _EVENTS.get(event["event"]) if event else None
    if event is None or render is None:
        return None
    try:
        return render(ctx, event, names)
    except (KeyError, TypeError, ValueError):
        return None


async def _team_names(ctx: Context, lines: list[AuditLine]) -> dict[int, str]:
    """The current names of the teams the entries mention (a page holds at most 20)."""
    wanted: set[int] = set()
    for line in lines:
        tagged = privacy_store.split_tag(line.detail)
        event = audit_store.parse(tagged[2] if tagged else line.detail)
        if event and isinstance(event.get("team"), int):
            wanted.add(event["team"])
    names = {}
    for number in sorted(wanted):
        team = await team_store.by_id(ctx.db, number)
        if team is not None:
            names[number] = team.name
    return names


def _audit_line(ctx: Context, line: AuditLine, names: Mapping[int, str]) -> str:
    who, detail = _who(ctx, line)
    what = _sentence(ctx, detail, names) or f"{line.action}: {detail}"
    return f"{_when(ctx, datetime.fromisoformat(line.at))} · {who} · {what[:DETAIL_LIMIT]}"


async def _audit(ctx: Context, before: int | None) -> list[Reply]:
    t = ctx.t
    if not is_admin(ctx):
        return [main_menu(ctx, t._("Only admins can see the audit log."))]
    found = await privacy_store.audit_page(ctx.db, before, AUDIT_PAGE + 1)
    page = found[:AUDIT_PAGE]
    if not page:
        text = (t._("The audit log has no older entries.") if before
                else t._("The audit log is empty."))
        return [Reply(text, ((menu_button(t),),), edit=False)]
    head = t._("📜 Audit log, newest first:") if before is None \
        else t._("📜 Audit log, older entries:")
    names = await _team_names(ctx, page)
    lines = [head, *(_audit_line(ctx, line, names) for line in page)]
    # Room is left for the numbered buttons a text-only channel appends.
    messages = pack(lines, ctx.event.capabilities.max_text - 100, sep="\n")
    rows: list[tuple[Button, ...]] = []
    if len(found) > AUDIT_PAGE:
        rows.append((Button(t._("More ▸"), MORE(page[-1].id)),))
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
