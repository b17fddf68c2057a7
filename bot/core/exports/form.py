"""/export (admins): the form that asks for a period, then the export sent as documents."""

from __future__ import annotations

import asyncio
import logging
import shutil
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.core import campaigns, dialogs
from bot.core.context import Context
from bot.core.events import Button, Nav, Reply
from bot.core.exports.ids import CANCEL, LAST_WEEK, PERIOD
from bot.core.exports.tables import Setting
from bot.core.payloads import Action
from bot.core.shared import audit
from bot.core.shared.dates import (
    DateRangeError,
    DayRange,
    Problem,
    checked,
    compact,
    from_compact,
    parse_range,
)
from bot.core.shared.menus import menu_button
from bot.core.shared.messages import clip
from bot.core.shared.roles import is_admin
from bot.storage import audit as audit_store

log = logging.getLogger(__name__)

FLOW = "export"  # the flow: choosing the period
WEEK = 7  # days of the "Last 7 days" button, today included
# Telegram refuses documents over 50 MB from a bot; a larger file is named, not sent.
MAX_DOCUMENT = 50 * 1000 * 1000


@dataclass(frozen=True)
class Draft:
    """The open /export form. It only waits for the period, so being open is all it holds."""

    # Typed numbers still choose a shown button when the chat has none: the period is typed
    # as dates, never as a bare number.
    free_text: bool = False

    def to_state(self) -> dict[str, Any]:
        """The dialog state storing this draft."""
        return {"flow": FLOW, "free_text": self.free_text}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Draft | None:
        """The draft in a dialog state; None when the export form is not the open one."""
        if state.get("flow") != FLOW:
            return None
        return cls(free_text=state.get("free_text") is True)


def _refused(ctx: Context) -> Reply:
    return Reply(ctx.t._("Only admins can export data."), ((menu_button(ctx.t),),),
                 edit=ctx.pressed)


def _ask(ctx: Context, text: str) -> Reply:
    """The choice of period: the running campaign first, else the last 30 days as in the
    reports (then the campaign that ended last); the last 7 days; or typed."""
    t = ctx.t
    rows: list[tuple[Button, ...]] = []
    shown = campaigns.shown(ctx)
    if shown is None or shown.ended:
        first, last = campaigns.recent_days(ctx)
        label = t._("🗓 Last {days} days").format(days=t.number(campaigns.RECENT_DAYS))
        rows.append((Button(label, PERIOD(compact(first), compact(last))),))
    if shown is not None:
        first, last = shown.campaign.first_day, shown.campaign.last_day
        label = t._("📅 {campaign}: {first} – {last}").format(
            campaign=shown.campaign.name, first=t.date(first), last=t.date(last))
        rows.append((Button(label, PERIOD(compact(first), compact(last))),))
    rows.append((Button(t._("🗓 Last {days} days").format(days=t.number(WEEK)), LAST_WEEK()),))
    rows.append((Button(t._("✖ Cancel"), CANCEL(), Nav.CANCEL),))
    return Reply(text, tuple(rows), edit=ctx.pressed)


def _prompt(ctx: Context) -> str:
    return ctx.t._("Export visits, teams and learning progress as a spreadsheet (XLSX) and CSV "
                   "files. Choose the period, or type its first and last day, for example: "
                   "01/10/2026 10/10/2026")


def _problem(ctx: Context, exc: DateRangeError) -> str:
    t = ctx.t
    if exc.problem is Problem.END_BEFORE_START:
        return t._("The last day is before the first day. Type the first day, then the last "
                   "day, for example: 01/10/2026 10/10/2026")
    if exc.problem is Problem.TOO_MANY:
        return t._("Type just two dates, the first and the last day, for example: "
                   "01/10/2026 10/10/2026")
    if exc.problem in (Problem.NOT_A_DATE, Problem.YEARS) and exc.text:
        return t._("“{text}” is not a date. Type the first and last day, for example: "
                   "01/10/2026 10/10/2026").format(text=clip(exc.text))
    return t._("I found no dates in that. Type the first and last day, for example: "
               "01/10/2026 10/10/2026 (or 2026-10-01 2026-10-10)")


async def start(ctx: Context, args: str) -> list[Reply]:
    """/export: ask for the period; /export 01/10/2026 10/10/2026 exports at once."""
    if not is_admin(ctx):
        return [_refused(ctx)]
    await dialogs.save(ctx, Draft().to_state())
    if args.strip():
        return await typed(ctx, args)
    return [_ask(ctx, _prompt(ctx))]


async def typed(ctx: Context, text: str) -> list[Reply]:
    """Dates typed while the period is asked for."""
    if not is_admin(ctx):
        await dialogs.close(ctx)
        return [_refused(ctx)]
    try:
        period = parse_range(text)
    except DateRangeError as exc:
        return [_ask(ctx, _problem(ctx, exc))]
    return await _export(ctx, period)


async def pressed(ctx: Context, act: Action) -> list[Reply]:
    """The period's buttons, and Cancel. Re-checked: admin, form open, dates valid."""
    t = ctx.t
    if not is_admin(ctx):
        return [_refused(ctx)]
    if Draft.from_state(ctx.state) is None:
        return [Reply(t._("This export form is already closed. Type /export to start again."),
                      ((menu_button(t),),), edit=ctx.pressed)]
    if act.verb == CANCEL:
        await dialogs.close(ctx)
        return [Reply(t._("Nothing was exported."), ((menu_button(t),),), edit=ctx.pressed)]
    try:
        if act.verb == LAST_WEEK:
            today = campaigns.today(ctx)
            period = checked(today - timedelta(days=WEEK - 1), today)
        else:
            period = checked(from_compact(act.args[0]), from_compact(act.args[1]))
    except DateRangeError as exc:
        return [_ask(ctx, _problem(ctx, exc))]
    return await _export(ctx, period)


async def _export(ctx: Context, period: DayRange) -> list[Reply]:
    # Imported here: openpyxl (with numpy) takes a third of a second to import at start.
    from bot.core.exports import run as report

    t = ctx.t
    setting = Setting(t, ctx.services.config.timezone, ctx.services.communes,
                      report.skill_lessons(ctx.catalog), report.lesson_domains(ctx.catalog))
    shown = t._("{first} – {last}").format(first=t.date(period.first), last=t.date(period.last))
    if not await report.has_data(ctx.db, setting, period):
        return [_ask(ctx, t._("Nothing to export: no visits and no lessons completed from "
                              "{first} to {last}. Choose other dates, or type them:").format(
            first=t.date(period.first), last=t.date(period.last)))]
    await dialogs.close(ctx)
    directory: Path | None = None
    try:
        await asyncio.to_thread(report.remove_old_exports)
        directory = await asyncio.to_thread(report.new_export_dir)
        written = await report.write_export(ctx.db, setting, period,
                                            directory / f"cnscd_{period.label()}.xlsx",
                                            directory)
    except Exception as exc:
        if directory is not None:  # no half-written personal data left behind
            await asyncio.to_thread(shutil.rmtree, directory, True)
        if not isinstance(exc, OSError):
            raise
        log.exception("export %s by user %s failed", period.label(), ctx.user.id)
        return [Reply(t._("I could not write the export files (the server's disk may be "
                          "full). Nothing was exported; please try again later."),
                      ((menu_button(t),),), edit=ctx.pressed)]
    counts = written.counts
    classes = {"classes": counts.classes} if counts.classes else {}
    await audit.record(ctx, "export", audit_store.detail(
        "export", via="chat", first=period.first.isoformat(), last=period.last.isoformat(),
        visits=counts.visits, teams=counts.teams, learners=counts.learners, **classes))
    lines = [
        t._("📊 Export for {period}: {visits}, {teams}, {learners}.").format(
            period=shown,
            visits=t.ngettext("{count} visit", "{count} visits", counts.visits).format(
                count=t.number(counts.visits)),
            teams=t.ngettext("{count} team", "{count} teams", counts.teams).format(
                count=t.number(counts.teams)),
            learners=t.ngettext("{count} learner", "{count} learners", counts.learners).format(
                count=t.number(counts.learners))),
        t._("The workbook has one sheet each for visits, teams and learning progress; the CSV "
            "files hold the same tables. They contain personal data (households, volunteers' "
            "names): keep them safe and share them only with those who need them."),
    ]
    if counts.classes:
        lines.insert(1, t.ngettext(
            "🏫 The Classes sheet has {count} class as it is today, whatever the period: its "
            "students and the skills they started and finished, counted (no names).",
            "🏫 The Classes sheet has {count} classes as they are today, whatever the period: "
            "their students and the skills they started and finished, counted (no names).",
            counts.classes).format(count=t.number(counts.classes)))
    sizes = await asyncio.to_thread(lambda: [(path, path.stat().st_size)
                                             for path in written.files])
    for path, size in sizes:
        if size > MAX_DOCUMENT:
            lines.append(t._("{file} is too large to send here ({size} MB). On the server, "
                             "run: python -m bot export --from {first} --to {last} "
                             "--out report.xlsx").format(
                file=path.name, size=t.number(round(size / 1e6)),
                first=period.first.isoformat(), last=period.last.isoformat()))
    documents = tuple(str(path) for path, size in sizes if size <= MAX_DOCUMENT)
    if not ctx.event.capabilities.files and sizes:
        lines.append(t._("This app cannot receive files. They are saved on the bot's server, "
                         "in {folder}: whoever runs the server can copy them for you, or run "
                         "there: python -m bot export --from {first} --to {last} --out "
                         "report.xlsx").format(folder=str(sizes[0][0].parent),
                                               first=period.first.isoformat(),
                                               last=period.last.isoformat()))
        documents = ()
    return [Reply("\n\n".join(lines), ((menu_button(t),),), edit=ctx.pressed,
                  documents=documents)]

