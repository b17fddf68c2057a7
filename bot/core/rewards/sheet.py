"""The shortlist as an XLSX workbook an official can attach to a proposal (📄 Export XLSX).

Written with the exports' writer (exports.XlsxWriter: text never read as a formula, files
0600 in a private folder, removed after an hour) and sent as a document as /export sends its
files. Two sheets: first the header block (the campaign, its days, the leaderboard's rule,
which practices count, when the list was made), then one row per nominee: kind, unit, commune,
households helped (the leaderboard's figure), rank, visits, approved practices, reason. No
phone number and no household is in it.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.core import exports, reports
from bot.core.context import Context
from bot.core.events import Reply
from bot.core.exports import Column, Kind
from bot.core.payloads import Action
from bot.core.rewards import views
from bot.core.rewards.candidates import PRACTICE_DAYS, Candidate, Shortlist, gather
from bot.core.rewards.form import pressed_campaign
from bot.core.shared.menus import menu_button
from bot.storage import audit as audit_store
from bot.storage import figures as figure_store
from bot.storage.shortlist import TEAM

log = logging.getLogger(__name__)

Row = list[str | int | None]


@dataclass(frozen=True)
class Book:
    """What the workbook holds, already in the admin's language."""

    title: str  # the file's name, without its extension
    about: list[tuple[str, str]]  # the header block: (what, value)
    about_columns: list[Column]
    columns: list[Column]
    rows: list[Row]
    sheet_names: tuple[str, str]


async def visits_of(ctx: Context, found: Shortlist, candidate: Candidate) -> int:
    """The nominee's visits in the campaign (follow-ups included), from its visits or its
    frozen copy once it ended."""
    span, target = found.scope.span, candidate.target
    if span.frozen:
        figures = await (figure_store.frozen_of_team(ctx.db, span.frozen, target)
                         if candidate.kind == TEAM else
                         figure_store.frozen_of_volunteer(ctx.db, span.frozen, target))
    elif candidate.kind == TEAM:
        figures = await figure_store.of_team(ctx.db, target, span.start, span.end)
    else:
        figures = await figure_store.of_volunteer(ctx.db, target, span.start, span.end)
    return figures.visits


def _unit(ctx: Context, candidate: Candidate) -> str:
    """A team's name; a volunteer's shown name and team."""
    name = views.name_of(ctx.t, candidate)
    if candidate.kind == TEAM:
        return name
    team = candidate.team or ctx.t._("no longer in a team")
    return ctx.t._("{name} ({team})").format(name=name, team=team)


async def book_of(ctx: Context, found: Shortlist) -> Book:
    """The workbook's content: the header block and a row per nominee."""
    t, scope = ctx.t, found.scope
    campaign = scope.campaign.name if scope.campaign else ""
    local = ctx.now.astimezone(ctx.services.config.timezone)
    about = [
        (t._("Campaign"), campaign),
        (t._("Days"), reports.heading(ctx, scope)[-1]),
        (t._("Rule"), reports.rule(ctx, scope)),
        (t._("Good practices"), t._("Approved from the campaign's first day to {days} days after "
                                    "its last, written by the volunteer or by a member of the "
                                    "team.").format(days=t.number(PRACTICE_DAYS))),
        (t._("Number of nominees"), t.number(len(found.nominees))),
        (t._("Made"), f"{t.date(local)} {local:%H:%M}"),
    ]
    rows: list[Row] = []
    for place, candidate in enumerate(found.nominees, start=1):
        rows.append([
            place, t._("Team") if candidate.kind == TEAM else t._("Volunteer"),
            _unit(ctx, candidate),
            ctx.services.communes.display_name(candidate.commune_code or ""),
            candidate.households, candidate.rank, await visits_of(ctx, found, candidate),
            "; ".join(candidate.practices), candidate.reason])
    text, number = Kind.TEXT, Kind.NUMBER
    return Book(
        title=f"shortlist_{scope.campaign.key if scope.campaign else 'campaign'}",
        about=about,
        about_columns=[Column(t._("Reward shortlist"), text, 22), Column(campaign, text, 100)],
        columns=[Column(t._("No."), number, 6), Column(t._("Kind"), text, 12),
                 Column(t._("Unit"), text, 36), Column(t._("Commune"), text, 22),
                 Column(t._("Households helped"), number, 12), Column(t._("Rank"), number, 8),
                 Column(t._("Visits"), number, 10),
                 Column(t._("Approved good practices"), text, 50),
                 Column(t._("Reason"), text, 60)],
        rows=rows, sheet_names=(t._("Shortlist"), t._("Nominees")))


def write(book: Book, folder: Path) -> Path:
    """Write the workbook into folder (blocking: run it in a worker thread); its path."""
    work = Path(tempfile.mkdtemp(prefix="cnscd-shortlist-"))
    try:
        writer = exports.XlsxWriter(work)
        writer.add_sheet(book.sheet_names[0], book.about_columns).append(book.about)
        writer.add_sheet(book.sheet_names[1], book.columns).append(book.rows)
        path = folder / f"{book.title}.xlsx"
        writer.save(path)
        return path
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _made(folder: Path, book: Book) -> Path:
    exports.remove_old_exports()
    return write(book, folder)


async def export_pressed(ctx: Context, act: Action) -> list[Reply]:
    """📄 Export XLSX: the shortlist sent as a document, with an audit entry."""
    scope = await pressed_campaign(ctx, act.args[0])
    if not isinstance(scope, reports.Scope):
        return scope
    found = await gather(ctx, scope)
    t = ctx.t
    if not found.nominees:
        return views.list_replies(ctx, found, t._("Nobody is on the shortlist yet: there is "
                                                  "nothing to export."))
    book = await book_of(ctx, found)
    try:
        folder = await asyncio.to_thread(exports.new_export_dir)
        path = await asyncio.to_thread(_made, folder, book)
    except OSError:
        log.exception("the shortlist of %s could not be written", act.args[0])
        return [Reply(t._("I could not write the file (the server's disk may be full). Please "
                          "try again later."), ((menu_button(t),),))]
    async with ctx.db.transaction() as conn:
        await audit_store.record(conn, ctx.user.id, "shortlist", audit_store.detail(
            "shortlist_exported", campaign=scope.campaign.key if scope.campaign else "",
            nominees=len(found.nominees)), ctx.now)
    count = len(found.nominees)
    text = t.ngettext("📄 The reward shortlist of {campaign}: {count} nominee, with the rule and "
                      "the leaderboard's figures. It names volunteers: share it only with those "
                      "who need it.",
                      "📄 The reward shortlist of {campaign}: {count} nominees, with the rule "
                      "and the leaderboard's figures. It names volunteers: share it only with "
                      "those who need it.", count).format(
        campaign=scope.campaign.name if scope.campaign else "", count=t.number(count))
    documents: tuple[str, ...] = (str(path),)
    if not ctx.event.capabilities.files:
        text += "\n\n" + t._("This app cannot receive files. The file is saved on the bot's "
                             "server, in {folder}: whoever runs the server can copy it for "
                             "you.").format(folder=str(folder))
        documents = ()
    buttons = ((views.back_button(t, scope.token),), (menu_button(t),))
    return [Reply(text, buttons, documents=documents)]
