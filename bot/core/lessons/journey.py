"""The citizen's journey through a lesson: skill lists, steps, quiz, completion."""

from __future__ import annotations

import dataclasses
import re

from bot.core import reminders
from bot.core.context import Context
from bot.core.events import Button, Nav, Reply
from bot.core.help import ask_button
from bot.core.lessons.catalog import Lesson
from bot.core.lessons.ids import ANSWER, GO
from bot.core.payloads import Action
from bot.core.router import Router
from bot.core.shared.menus import CONTINUE, OPEN_LESSON, SKILL, main_menu, menu_button
from bot.core.shared.roles import may_open_track
from bot.core.shared.skills import HANDBOOK, SKILLS, TRACKS, skill_label
from bot.i18n import N_, Translator
from bot.storage import progress as progress_store
from bot.storage.progress import LessonProgress

# An explanation's own opening verdict: one or two words (letters only) ending the sentence,
# and one of the lessons' verdict words, so that no other short opening is ever cut.
_OWN_VERDICT = re.compile(r"\s*([^\W\d_]+(?:[ \t]+[^\W\d_]+)?)[ \t]*[.!]+(?:\s+|$)")
_VERDICT_WORDS = frozenset({"đúng", "sai", "chưa đúng", "chưa nên", "chưa tốt", "right",
                            "wrong", "correct", "not quite", "not good"})


async def show_skill(ctx: Context, act: Action) -> list[Reply]:
    """The lessons of one skill, ✓ on the finished ones."""
    skill = act.args[0]
    if skill not in TRACKS:
        return [main_menu(ctx, ctx.t._("I don't know that skill. Choose one below:"))]
    if not may_open_track(ctx, skill):
        return [_volunteers_only(ctx)]
    t = ctx.t
    lessons = ctx.catalog.by_skill(skill)
    done = {p.lesson_id: p for p in await progress_store.all_for(ctx.db, ctx.user.id)}
    finished = sum(1 for x in lessons if done.get(x.id) and done[x.id].completed_at)
    text = "\n\n".join([
        skill_label(skill, t),
        t.ngettext("{finished} of {count} lesson finished.",
                   "{finished} of {count} lessons finished.", len(lessons)).format(
            finished=t.number(finished), count=t.number(len(lessons))),
        t._("Choose a lesson:"),
    ])
    rows = [(Button(_lesson_label(ctx, lesson, done.get(lesson.id)), OPEN_LESSON(lesson.id)),)
            for lesson in lessons]
    rows.append((menu_button(t),))
    return [Reply(text, tuple(rows), edit=ctx.pressed)]


def _lesson_label(ctx: Context, lesson: Lesson, row: LessonProgress | None) -> str:
    title = lesson.title[ctx.t.locale]
    if row and row.status == progress_store.IN_PROGRESS and row.position > 0:
        return f"▶ {title}"
    return f"✓ {title}" if row and row.completed_at else title


async def open_lesson(ctx: Context, act: Action) -> list[Reply]:
    """Resume a lesson where the user left it, or start it from the first step."""
    lesson = ctx.catalog.lessons.get(act.args[0])
    if lesson is None:
        return [_gone(ctx)]
    if not may_open_track(ctx, lesson.skill):
        return [_volunteers_only(ctx)]
    row = await progress_store.get(ctx.db, ctx.user.id, lesson.id)
    if row and row.status == progress_store.IN_PROGRESS and row.position < lesson.end:
        await progress_store.touch(ctx.db, ctx.user.id, lesson.id, ctx.now)
        return [await _view(ctx, lesson, row.position)]
    await progress_store.start(ctx.db, ctx.user.id, lesson.id, ctx.now)
    return [await _view(ctx, lesson, 0)]


async def go(ctx: Context, act: Action) -> list[Reply]:
    """Move within a lesson from one position to the next, previous, or the same."""
    found = await _open_lesson_of(ctx, act)
    if isinstance(found, Reply):
        return [found]
    lesson, row = found
    origin, target = act.number(1), act.number(2)
    if abs(target - origin) > 1 or target > lesson.end or origin >= lesson.end:
        return [_stale(ctx, await _view(ctx, lesson, row.position))]
    if row.position != origin:
        current = await _view(ctx, lesson, row.position)
        # A double tap lands here with the move already made: show it again, quietly.
        return [current] if row.position == target else [_stale(ctx, current)]
    steps = len(lesson.steps)
    if origin >= steps and target > origin and not await progress_store.answered(
            ctx.db, ctx.user.id, lesson.id, origin - steps):
        return [await _view(ctx, lesson, origin)]
    if target == lesson.end:
        if not await progress_store.complete(ctx.db, ctx.user.id, lesson.id, origin, target,
                                             ctx.now):
            return await go(ctx, act)  # another update moved first: answer as for it
        return await _finished(ctx, lesson)
    if not await progress_store.move(ctx.db, ctx.user.id, lesson.id, origin, target, ctx.now):
        return await go(ctx, act)
    return [await _view(ctx, lesson, target)]


async def _open_lesson_of(ctx: Context, act: Action) -> tuple[Lesson, LessonProgress] | Reply:
    """The pressed button's lesson and the user's place in it, or why it cannot be used."""
    lesson = ctx.catalog.lessons.get(act.args[0])
    if lesson is None:
        return _gone(ctx)
    if not may_open_track(ctx, lesson.skill):
        return _volunteers_only(ctx)
    row = await progress_store.get(ctx.db, ctx.user.id, lesson.id)
    if row is None or row.status != progress_store.IN_PROGRESS:
        return _not_open(ctx, lesson)
    return lesson, row


async def answer(ctx: Context, act: Action) -> list[Reply]:
    """Check a quiz answer, keep the first one, and explain."""
    found = await _open_lesson_of(ctx, act)
    if isinstance(found, Reply):
        return [found]
    lesson, row = found
    index, choice = act.number(1), act.number(2)
    position = len(lesson.steps) + index
    if index >= len(lesson.quiz) or row.position != position:
        return [_stale(ctx, await _view(ctx, lesson, row.position))]
    question = lesson.quiz[index]
    if choice >= len(question.answers):
        return [_stale(ctx, await _view(ctx, lesson, row.position))]
    chosen = question.answers[choice]
    await progress_store.record_answer(ctx.db, ctx.user.id, lesson.id, index, choice,
                                       chosen.correct, ctx.now)
    t, loc = ctx.t, ctx.t.locale
    text = "\n\n".join([
        question.question[loc],
        t._("Your answer: {answer}").format(answer=chosen.text[loc]),
        feedback(t, chosen.correct, chosen.explanation[loc]),
    ])
    last = index == len(lesson.quiz) - 1
    onward = Button(t._("Finish ✔") if last else t._("Next question ▶"),
                    GO(lesson.id, position, position + 1))
    rows: list[tuple[Button, ...]] = []
    if not chosen.correct:
        rows.append((Button(t._("↻ Try again"), GO(lesson.id, position, position)),))
    rows += [(onward,), (menu_button(t),)]
    return [Reply(text, tuple(rows), edit=ctx.pressed)]


def feedback(t: Translator, correct: bool, explanation: str) -> str:
    """The verdict, said once, then the explanation.

    The rule: the verdict is always the bot's ("✅ Correct!", "❌ Not quite."). An explanation
    that opens with its own verdict, a first sentence of one or two words ("Đúng.", "Sai.",
    "Right.", "Chưa nên."), loses that sentence, so no answer reads "Đúng rồi! Đúng. …".
    """
    verdict = t._("✅ Correct!") if correct else t._("❌ Not quite.")
    rest = own_verdict(explanation)[1]
    return f"{verdict} {rest}" if rest else verdict


def own_verdict(explanation: str) -> tuple[str, str]:
    """An explanation split into its opening verdict ("" when it has none) and the rest."""
    found = _OWN_VERDICT.match(explanation)
    if found is None or found.group(1).casefold() not in _VERDICT_WORDS:
        return "", explanation.strip()
    return found.group(1), explanation[found.end():].strip()


async def _view(ctx: Context, lesson: Lesson, position: int) -> Reply:
    """What the user sees at position: a step, or a quiz question."""
    steps = len(lesson.steps)
    if position == 0:
        return await _first_step_view(ctx, lesson)
    if position < steps:
        return _step_view(ctx, lesson, position)
    return _question_view(ctx, lesson, min(position - steps, len(lesson.quiz) - 1))


async def _first_step_view(ctx: Context, lesson: Lesson) -> Reply:
    """The first step, with the offer of reminders until the learner chose."""
    view = _step_view(ctx, lesson, 0)
    offered = await reminders.offer(ctx, lesson.id)
    if offered is None:
        return view
    line, row = offered
    return dataclasses.replace(view, text=f"{view.text}\n\n{line}",
                   buttons=(*view.buttons[:-1], row, *view.buttons[-1:]))


def _step_view(ctx: Context, lesson: Lesson, index: int) -> Reply:
    t, loc = ctx.t, ctx.t.locale
    step = lesson.steps[index]
    count = len(lesson.steps)
    head = f"📘 {lesson.title[loc]}"
    if index == 0:
        head += f"\n{lesson.summary[loc]}"
    parts = [head, t._("Step {number} of {count}").format(number=index + 1, count=count),
             step.text[loc]]
    if step.tip:
        parts.append(f"💡 {step.tip[loc]}")
    if step.warning:
        parts.append(f"⚠️ {step.warning[loc]}")
    back = (Button(t._("◀ Back"), GO(lesson.id, index, index - 1), Nav.BACK) if index > 0
            else Button(t._("◀ Lessons"), SKILL(lesson.skill), Nav.BACK))
    forward_label = t._("Quiz ▶") if index == count - 1 else t._("Next ▶")
    forward = Button(forward_label, GO(lesson.id, index, index + 1))
    image = str(step.image) if step.image else None
    return Reply("\n\n".join(parts),
                 ((back, forward), (ask_button(ctx, lesson.id),), (menu_button(t),)),
                 image=image, edit=ctx.pressed and image is None)


def _question_view(ctx: Context, lesson: Lesson, index: int) -> Reply:
    t, loc = ctx.t, ctx.t.locale
    question = lesson.quiz[index]
    text = "\n\n".join([
        f"📝 {lesson.title[loc]}",
        t._("Question {number} of {count}").format(number=index + 1, count=len(lesson.quiz)),
        question.question[loc],
    ])
    rows = tuple((Button(a.text[loc], ANSWER(lesson.id, index, i)),)
                 for i, a in enumerate(question.answers))
    return Reply(text, (*rows, (ask_button(ctx, lesson.id),), (menu_button(t),)),
                 edit=ctx.pressed)


async def _finished(ctx: Context, lesson: Lesson) -> list[Reply]:
    t, loc = ctx.t, ctx.t.locale
    right, total = await progress_store.first_try_score(ctx.db, ctx.user.id, lesson.id)
    parts = [
        t._("🎉 You finished the lesson “{title}”.").format(title=lesson.title[loc]),
        t.ngettext("First try: {right} of {total} answer right.",
                   "First try: {right} of {total} answers right.", total).format(
            right=t.number(right), total=t.number(total)),
    ]
    completed = {p.lesson_id for p in await progress_store.all_for(ctx.db, ctx.user.id)
                 if p.completed_at}
    skill_lessons = ctx.catalog.by_skill(lesson.skill)
    if all(x.id in completed for x in skill_lessons):
        parts.append(t._("🏅 You have mastered the skill: {skill}.").format(
            skill=skill_label(lesson.skill, t)))
        if lesson.skill in SKILLS:
            parts.append(where_next(t))
        if mastered_all(ctx, completed):
            parts.append(congratulations(t))
    rows: list[tuple[Button, ...]] = []
    following = next((x for x in skill_lessons if x.id not in completed), None)
    if following:
        rows.append((Button(t._("Next lesson: {title}").format(title=following.title[loc]),
                            OPEN_LESSON(following.id)),))
    rows.append((Button(skill_label(lesson.skill, t), SKILL(lesson.skill)),))
    rows.append((menu_button(t),))
    return [Reply("\n\n".join(parts), tuple(rows), edit=ctx.pressed)]


def mastered_all(ctx: Context, completed: set[str]) -> bool:
    """True when every skill's lessons are all completed."""
    return all(all(x.id in completed for x in ctx.catalog.by_skill(s)) for s in SKILLS)


def _volunteers_only(ctx: Context) -> Reply:
    return main_menu(ctx, ctx.t._("That part is for the volunteers of the digital technology "
                                  "teams. Choose a skill below:"))


def _gone(ctx: Context) -> Reply:
    return main_menu(ctx, ctx.t._("That lesson is no longer available. Choose another one:"))


def _not_open(ctx: Context, lesson: Lesson) -> Reply:
    t = ctx.t
    text = t._("That button belongs to a lesson you are not in now (“{title}”).").format(
        title=lesson.title[t.locale])
    return Reply(text, ((Button(t._("Open the lesson"), OPEN_LESSON(lesson.id)),),
                        (menu_button(t),)), edit=ctx.pressed)


def _stale(ctx: Context, current: Reply) -> Reply:
    note = ctx.t._("That button is from an older message. Here is where you are now:")
    return dataclasses.replace(current, text=f"{note}\n\n{current.text}")


async def _unfinished(ctx: Context) -> tuple[Lesson, LessonProgress] | None:
    """The lesson /continue would open, and the user's place in it."""
    # The handbook is left out for someone no longer in a team, though it was begun.
    hidden = [] if may_open_track(ctx, HANDBOOK) else [
        lesson.id for lesson in ctx.catalog.by_skill(HANDBOOK)]
    row = await progress_store.latest_unfinished(ctx.db, ctx.user.id, hidden)
    lesson = ctx.catalog.lessons.get(row.lesson_id) if row else None
    return (lesson, row) if row is not None and lesson is not None else None


async def unfinished_lesson(ctx: Context) -> Lesson | None:
    """The lesson /continue would open, if any."""
    found = await _unfinished(ctx)
    return found[0] if found else None


async def resume(ctx: Context, _arg: str | Action) -> list[Reply]:
    """Resume the last unfinished lesson at the exact step."""
    found = await _unfinished(ctx)
    if found is None:
        return [await _nothing_to_continue(ctx)]
    lesson, row = found
    await progress_store.touch(ctx.db, ctx.user.id, lesson.id, ctx.now)
    return [await _view(ctx, lesson, row.position)]


async def _nothing_to_continue(ctx: Context) -> Reply:
    t = ctx.t
    completed = {p.lesson_id for p in await progress_store.all_for(ctx.db, ctx.user.id)
                 if p.completed_at}
    following = next((x for s in SKILLS for x in ctx.catalog.by_skill(s)
                      if x.id not in completed), None)
    if following is None:
        return main_menu(ctx, t._("You have finished every lesson. Well done! You can take "
                                  "any of them again:"))
    text = t._("You have no lesson in progress. A good one to start:")
    return Reply(text, ((Button(following.title[t.locale], OPEN_LESSON(following.id)),),
                        (menu_button(t),)), edit=ctx.pressed)


def where_next(t: Translator) -> str:
    """Where a learner who mastered a skill goes on: the national platform, not this bot."""
    return t._("📚 Go further: the national “Bình dân học vụ số” platform, binhdanhocvuso.gov.vn "
               "(log in with VNeID), has courses and gives certificates. This bot gives none.")


def congratulations(t: Translator) -> str:
    """The line for a user who has mastered every skill."""
    return t._("🌟 Congratulations! You have mastered the {count} basic digital skills.").format(
        count=t.number(len(SKILLS)))


def register(router: Router) -> None:
    """Add this feature's commands and buttons."""
    router.command("continue", N_("Continue the lesson where you stopped"), resume)
    router.action(CONTINUE, resume)
    router.action(SKILL, show_skill)
    router.action(OPEN_LESSON, open_lesson)
    router.action(GO, go)
    router.action(ANSWER, answer)
