"""Greeting, main menu, help and language: the ways into everything else."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.events import Button, Nav, Reply
from bot.core.payloads import SLUG, Action, Verb
from bot.core.router import Router
from bot.core.shared.roles import audiences, is_volunteer, sees_handbook
from bot.core.shared.skills import HANDBOOK, SKILLS, skill_label
from bot.i18n import N_, Translator
from bot.storage import users

LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}

# The main menu's buttons, and the ways into a lesson that other features show, declared here
# so that no feature imports another for a button; the feature that handles each registers it
# (lessons: SKILL, OPEN_LESSON, CONTINUE, PROGRESS; visits: LOG_VISIT, MY_FIGURES).
MENU = Verb("menu")
HELP = Verb("help")
LANGUAGE = Verb("lang")
SET_LANGUAGE = Verb("setlang", (SLUG,))  # a locale
SKILL = Verb("skill", (SLUG,))  # a skill's lessons: the skill (or the handbook)
OPEN_LESSON = Verb("open", (SLUG,))  # open a lesson: resume, or start it
CONTINUE = Verb("cont")  # the last unfinished lesson, at its step
PROGRESS = Verb("prog")  # /progress
LOG_VISIT = Verb("vnew")  # /visit: log a (new) visit
MY_FIGURES = Verb("fig_me")  # /mystats


def main_menu_buttons(t: Translator, volunteer: bool = False, handbook: bool = False
                      ) -> tuple[tuple[Button, ...], ...]:
    """The five skills, Continue, Progress, Language, Help; volunteers' tools and handbook."""
    rows: list[tuple[Button, ...]] = []
    if volunteer:
        rows.append((Button(t._("📝 Log a visit"), LOG_VISIT()),
                     Button(t._("📈 My figures"), MY_FIGURES())))
    rows += [(Button(skill_label(skill, t), SKILL(skill)),) for skill in SKILLS]
    if handbook:
        rows.append((Button(skill_label(HANDBOOK, t), SKILL(HANDBOOK)),))
    rows.append((Button(t._("▶ Continue"), CONTINUE()),
                 Button(t._("📊 My progress"), PROGRESS())))
    rows.append((Button(t._("🌐 Language"), LANGUAGE()),
                 Button(t._("❓ Help"), HELP())))
    return tuple(rows)


def main_menu(ctx: Context, text: str | None = None) -> Reply:
    """The main menu, under text or a short prompt."""
    return Reply(text or ctx.t._("Choose a skill to learn:"), _buttons(ctx, ctx.t),
                 edit=ctx.pressed)


def _buttons(ctx: Context, t: Translator) -> tuple[tuple[Button, ...], ...]:
    return main_menu_buttons(t, is_volunteer(ctx), sees_handbook(ctx))


def menu_button(t: Translator) -> Button:
    """A button back to the main menu."""
    return Button(t._("☰ Menu"), MENU(), Nav.MENU)


async def start(ctx: Context, _args: str) -> list[Reply]:
    """Greet, say what is stored and why, and show the main menu."""
    t = ctx.t
    name = (ctx.event.display_name or "").strip()
    hello = t._("Hello, {name}!").format(name=name) if name else t._("Hello!")
    text = "\n\n".join([
        hello + " " + t._("I am the assistant of the Community Digital Technology Teams of "
                          "{province}. I teach the five basic digital skills, one short step "
                          "at a time.").format(province=ctx.services.config.province),
        t._("I keep your chat account number, your language and how far you got in each "
            "lesson, so you can continue later; if you ask for help in person or join a team, "
            "also what you give me for that (see /privacy). I never ask for ID numbers, "
            "passwords or OTP codes."),
        t._("Choose a skill to begin:"),
    ])
    return [Reply(text, _buttons(ctx, t))]


async def show_menu(ctx: Context, _arg: str | Action) -> list[Reply]:
    """The main menu."""
    return [main_menu(ctx)]


def help_text(ctx: Context) -> str:
    """What the bot does and every listed command, in the user's language."""
    t = ctx.t
    lines = [t._("I teach the five basic digital skills in short steps, each lesson ending "
                 "with a short quiz. Press the buttons, or type these commands:"), ""]
    for command in ctx.services.router.listed_commands(audiences(ctx)):
        lines.append(f"/{command.name} — {t._(command.description)}")
    lines += ["", t._("If something goes wrong, type /menu to start again from the menu.")]
    return "\n".join(lines)


async def show_help(ctx: Context, _arg: str | Action) -> list[Reply]:
    """Help: what the bot does and its commands."""
    return [Reply(help_text(ctx), ((menu_button(ctx.t),),), edit=ctx.pressed)]


async def choose_language(ctx: Context, _arg: str | Action) -> list[Reply]:
    """Offer the configured languages."""
    buttons = tuple((Button(LANGUAGE_NAMES.get(loc, loc), SET_LANGUAGE(loc)),)
                    for loc in ctx.services.translations.locales)
    return [Reply(ctx.t._("Choose your language:"), buttons, edit=ctx.pressed)]


async def set_language(ctx: Context, act: Action) -> list[Reply]:
    """Switch the user's language and show the menu in it."""
    locale = act.args[0]
    if locale not in ctx.services.translations.locales:
        return await choose_language(ctx, act)
    await users.set_locale(ctx.db, ctx.user.id, locale)
    t = ctx.services.translations.get(locale)
    text = t._("Language set to {language}.").format(language=LANGUAGE_NAMES.get(locale, locale))
    return [Reply(text + "\n\n" + t._("Choose a skill to learn:"), _buttons(ctx, t),
                  edit=ctx.pressed)]


def register(router: Router) -> None:
    """Add this feature's commands and buttons."""
    router.command("start", N_("Start and see the main menu"), start)
    router.command("menu", N_("The main menu"), show_menu)
    router.command("help", N_("What I can do, and the commands"), show_help)
    router.command("language", N_("Change the language"), choose_language)
    router.action(MENU, show_menu)
    router.action(HELP, show_help)
    router.action(LANGUAGE, choose_language)
    router.action(SET_LANGUAGE, set_language)
