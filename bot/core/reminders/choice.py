"""The learner's choice: offered at a lesson's first step until made, changed by /reminders,
ended by /stopreminders (the reminder itself says so)."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.payloads import Action
from bot.core.reminders.ids import CHOOSE, NO_LESSON, OFF, ON
from bot.core.reminders.rules import AFTER_DAYS, FIRST_HOUR, LAST_HOUR
from bot.core.shared.menus import OPEN_LESSON, menu_button
from bot.i18n import Translator
from bot.storage import reminders as store


def _terms(t: Translator) -> str:
    return t._("at most one a week, between {first}:00 and {last}:00").format(
        first=FIRST_HOUR, last=LAST_HOUR)


async def offer(ctx: Context, lesson_id: str) -> tuple[str, tuple[Button, ...]] | None:
    """The question and its buttons for a lesson's first step, until the learner chose."""
    if await store.choice(ctx.db, ctx.user.id) is not None:
        return None
    t = ctx.t
    line = t._("🔔 If you stop in the middle of a lesson, shall I remind you after {days} days? "
               "({terms})").format(days=t.number(AFTER_DAYS), terms=_terms(t))
    return line, (Button(t._("🔔 Yes, remind me"), CHOOSE(ON, lesson_id)),
                  Button(t._("🔕 No reminders"), CHOOSE(OFF, lesson_id)))


async def chosen(ctx: Context, act: Action) -> list[Reply]:
    """🔔 Yes / 🔕 No: record the choice, then back to the lesson (or the menu)."""
    t = ctx.t
    wanted, lesson_id = act.args[0] == ON, act.args[1]
    await store.choose(ctx.db, ctx.user.id, wanted, ctx.now)
    text = (t._("🔔 I will remind you if you stop in the middle of a lesson ({terms}). "
                "/stopreminders turns them off.").format(terms=_terms(t)) if wanted
            else t._("🔕 No reminders. /reminders turns them on."))
    rows: list[tuple[Button, ...]] = []
    lesson = ctx.catalog.lessons.get(lesson_id) if lesson_id != NO_LESSON else None
    if lesson is not None:
        rows.append((Button(t._("▶ Back to “{title}”").format(title=lesson.title[t.locale]),
                            OPEN_LESSON(lesson.id)),))
    rows.append((menu_button(t),))
    return [Reply(text, tuple(rows), edit=ctx.pressed)]


async def show(ctx: Context, _arg: str | Action) -> list[Reply]:
    """/reminders: the choice as it stands, and the button that changes it."""
    t = ctx.t
    wanted = await store.choice(ctx.db, ctx.user.id)
    if wanted:
        text = t._("🔔 Reminders are on: if you stop in the middle of a lesson, I remind you "
                   "after {days} days ({terms}).").format(days=t.number(AFTER_DAYS),
                                                        terms=_terms(t))
        button = Button(t._("🔕 Turn reminders off"), CHOOSE(OFF, NO_LESSON))
    else:
        text = t._("🔕 Reminders are off. Shall I remind you when you stop in the middle of a "
                   "lesson? ({terms})").format(terms=_terms(t))
        button = Button(t._("🔔 Turn reminders on"), CHOOSE(ON, NO_LESSON))
    return [Reply(text, ((button,), (menu_button(t),)), edit=ctx.pressed)]


async def stop(ctx: Context, _arg: str | Action) -> list[Reply]:
    """/stopreminders: no more reminders, at once."""
    await store.choose(ctx.db, ctx.user.id, False, ctx.now)
    t = ctx.t
    return [Reply(t._("🔕 No more reminders. /reminders turns them on again."),
                  ((menu_button(t),),))]
