"""An admin gives an approved practice its version in the other language (title, what was done,
result, typed one after another and checked as the writer's were); readers of that language
then see it, and /practices finds it by the words of either.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.core import dialogs
from bot.core.context import Context
from bot.core.events import Button, Nav, Reply
from bot.core.payloads import Action
from bot.core.practices.ids import DROP_TRANSLATION, OPEN, TRANSLATE
from bot.core.practices.rules import check_result, check_title, check_what, search_text
from bot.core.shared.menus import LANGUAGE_NAMES, main_menu, menu_button
from bot.core.shared.roles import is_admin
from bot.core.shared.text import Checked
from bot.i18n import N_
from bot.storage import practices as practice_store
from bot.storage.practices import APPROVED, Practice, Translation

FLOW = "practice_translation"
# The parts typed, in order: the draft's key, the check, the question (a msgid).
_PARTS: tuple[tuple[str, Callable[[str], Checked], str], ...] = (
    ("title", check_title, N_("Step 1 of 3. Type the title in {language}:")),
    ("what", check_what, N_("Step 2 of 3. Type what was done, in {language}:")),
    ("result", check_result, N_("Step 3 of 3. Type the result, in {language}:")),
)


def other_language(practice: Practice) -> str:
    """The language a translation of the practice is in."""
    return "en" if practice.language == "vi" else "vi"


def button(ctx: Context, practice: Practice) -> Button:
    """The admin's button on an approved practice: give (or change) its other version."""
    name = LANGUAGE_NAMES.get(other_language(practice), other_language(practice))
    label = (ctx.t._("🌐 Change the {language} version") if practice.translation else
             ctx.t._("🌐 Add the {language} version"))
    return Button(label.format(language=name), TRANSLATE(practice.id))


def _cancel(ctx: Context) -> tuple[Button, ...]:
    return (Button(ctx.t._("✖ Cancel"), DROP_TRANSLATION(), Nav.CANCEL),)


def _ask(ctx: Context, practice: Practice, step: int, first: str | None = None) -> Reply:
    t = ctx.t
    language = LANGUAGE_NAMES.get(other_language(practice), other_language(practice))
    lines = [first] if first else []
    if step == 0:
        lines.append(t._("🌐 The {language} version of good practice #{number} “{title}”. "
                         "Readers of {language} will see it; the original stays as it is.")
                     .format(language=language, number=practice.id, title=practice.title))
    lines.append(t._(_PARTS[step][2]).format(language=language))
    return Reply("\n\n".join(lines), (_cancel(ctx),), numbered=False, edit=ctx.pressed)


async def begin(ctx: Context, act: Action) -> list[Reply]:
    """🌐 pressed by an admin on an approved practice: ask for its title first."""
    if not is_admin(ctx):
        return [main_menu(ctx, ctx.t._("Only admins can review good practices."))]
    practice = await practice_store.get(ctx.db, int(act.args[0]))
    if practice is None or practice.status != APPROVED:
        return [main_menu(ctx, ctx.t._("I can't find that good practice. Here is the menu:"))]
    await dialogs.save(ctx, {"flow": FLOW, "practice": practice.id, "step": 0})
    return [_ask(ctx, practice, 0)]


def _draft(ctx: Context) -> dict[str, Any] | None:
    state = ctx.state
    if state.get("flow") != FLOW or not isinstance(state.get("practice"), int):
        return None
    step = state.get("step")
    return state if isinstance(step, int) and 0 <= step < len(_PARTS) else None


async def typed(ctx: Context, text: str) -> list[Reply]:
    """One part of the translation typed: checked, kept, and the next asked (or all saved)."""
    draft = _draft(ctx)
    practice = (await practice_store.get(ctx.db, int(draft["practice"]))
                if draft is not None else None)
    if draft is None or practice is None or practice.status != APPROVED or not is_admin(ctx):
        await dialogs.close(ctx)
        return [main_menu(ctx, ctx.t._("That translation is closed; nothing was changed."))]
    step = int(draft["step"])
    key, check, _question = _PARTS[step]
    # What was done and the result keep their line breaks, as the writer's did (the core
    # hands forms the message with its spaces joined; the event has it as typed).
    checked = check(text if key == "title" else ctx.event.text)
    if checked.value is None:
        if checked.problem is None:  # the rules give a reason whenever they refuse
            raise ValueError("a refused answer without a reason")
        problem = ctx.t._(checked.problem).format(**checked.numbers)
        return [_ask(ctx, practice, step, problem)]
    draft = {**draft, key: checked.value, "step": step + 1}
    if step + 1 < len(_PARTS):
        await dialogs.save(ctx, draft)
        return [_ask(ctx, practice, step + 1)]
    return await _save(ctx, practice, Translation(str(draft["title"]), str(draft["what"]),
                                                  str(draft["result"])))


async def _save(ctx: Context, practice: Practice, translation: Translation) -> list[Reply]:
    t = ctx.t
    commune = ctx.services.communes.display_name(practice.commune_code)
    words = search_text(practice.title, commune, practice.what, translation.title,
                        translation.what)
    saved = await practice_store.translate(ctx.db, practice.id, translation, words,
                                           ctx.user.id, ctx.now)
    await dialogs.close(ctx)
    if not saved:
        return [main_menu(ctx, t._("I can't find that good practice. Here is the menu:"))]
    language = LANGUAGE_NAMES.get(other_language(practice), other_language(practice))
    text = t._("🌐 Saved: readers of {language} now see good practice #{number} as “{title}”, "
               "and a search finds it by the words of either version.").format(
        language=language, number=practice.id, title=translation.title)
    return [Reply(text, ((Button(t._("📖 Open it"), OPEN(practice.id)),), (menu_button(t),)))]


async def drop(ctx: Context, _act: Action) -> list[Reply]:
    """Cancel the translation being typed: nothing changes."""
    if _draft(ctx) is not None:
        await dialogs.close(ctx)
    return [main_menu(ctx, ctx.t._("The translation you were typing was not saved; nothing "
                                   "changed."))]
