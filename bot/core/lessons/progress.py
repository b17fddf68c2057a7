"""/progress: lessons finished and skills mastered, with a congratulation for all five."""

from __future__ import annotations

from datetime import datetime

from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.lessons.journey import congratulations, mastered_all
from bot.core.payloads import Action
from bot.core.router import Router
from bot.core.shared.menus import CONTINUE, PROGRESS, menu_button
from bot.core.shared.skills import SKILLS, skill_label
from bot.i18n import N_
from bot.storage import progress as progress_store


async def show_progress(ctx: Context, _arg: str | Action) -> list[Reply]:
    """Completion per skill, with the date each lesson was first finished."""
    t = ctx.t
    rows = {p.lesson_id: p for p in await progress_store.all_for(ctx.db, ctx.user.id)}
    completed = {lesson_id for lesson_id, p in rows.items() if p.completed_at}
    lines = [t._("📊 Your progress"), ""]
    mastered = 0
    for skill in SKILLS:
        lessons = ctx.catalog.by_skill(skill)
        finished = [x for x in lessons if x.id in completed]
        line = f"{skill_label(skill, t)}: " + t.ngettext(
            "{finished} of {count} lesson", "{finished} of {count} lessons", len(lessons)
        ).format(finished=t.number(len(finished)), count=t.number(len(lessons)))
        if lessons and len(finished) == len(lessons):
            mastered += 1
            line += " · " + t._("mastered ✓")
        lines.append(line)
        for lesson in finished:
            when = rows[lesson.id].completed_at or ""
            lines.append("   ✓ " + t._("{title} ({date})").format(
                title=lesson.title[t.locale], date=_date(ctx, when)))
    lines.append("")
    lines.append(t._("Skills mastered: {count} of {total}.").format(
        count=t.number(mastered), total=t.number(len(SKILLS))))
    if mastered_all(ctx, completed):
        lines.append(congratulations(t))
    buttons = ((Button(t._("▶ Continue"), CONTINUE()), menu_button(t)),)
    return [Reply("\n".join(lines), buttons, edit=ctx.pressed)]


def _date(ctx: Context, stamp: str) -> str:
    local = datetime.fromisoformat(stamp).astimezone(ctx.services.config.timezone)
    return ctx.t.date(local)


def register(router: Router) -> None:
    """Add this feature's commands and buttons."""
    router.command("progress", N_("Your progress in the five skills"), show_progress)
    router.action(PROGRESS, show_progress)
