"""The replies good practices are shown with: the form's questions and summary, a practice in
full, its place in a list, and the notices to admins."""

from __future__ import annotations

from datetime import datetime

from bot.core.context import Context, Services
from bot.core.events import Button, Nav, Reply
from bot.core.practices.draft import Draft, Step
from bot.core.practices.ids import (
    CANCEL,
    EDIT,
    FIELD,
    FIGURES,
    NO_FIGURES,
    REVIEW,
    SEND,
    SKIP_PHOTO,
    WHERE,
)
from bot.core.practices.rules import MAX_RESULT, MAX_TITLE, MAX_WHAT
from bot.core.shared.messages import clip
from bot.i18n import N_, Translator
from bot.storage.practices import APPROVED, CHANGES, PENDING, Practice, Status
from bot.storage.teams import Membership

LABEL_LIMIT = 40  # characters of a title on a button
# How a practice's state is named to admins and to its writer.
STATUS_NAMES = {PENDING: N_("waiting for review"), CHANGES: N_("changes asked"),
                APPROVED: N_("approved"), Status.REJECTED: N_("rejected")}
# The parts of the summary that can be changed, in order (the photo only where photos can be
# sent).
PART_NAMES = {"title": N_("Title"), "where": N_("Where"), "what": N_("What was done"),
              "result": N_("Result"), "photo": N_("Photo")}


def cancel_row(t: Translator) -> tuple[Button, ...]:
    """The form's Cancel button."""
    return (Button(t._("✖ Cancel"), CANCEL(), Nav.CANCEL),)


def _steps(ctx: Context) -> list[Step]:
    """The numbered questions (the photo's only where the chat app can send one)."""
    steps = [Step.TITLE, Step.WHERE, Step.WHAT, Step.RESULT]
    return [*steps, Step.PHOTO] if ctx.event.capabilities.photos else steps


def _head(ctx: Context, draft: Draft, question: str, now: str | None = None) -> str:
    """The step's number (none while one part is changed) above the question, and the answer
    being replaced below it."""
    t, steps = ctx.t, _steps(ctx)
    lines = [question]
    if draft.editing and now:
        lines.append(t._("Now: {value}").format(value=now))
    elif not draft.editing and draft.step in steps:
        lines.insert(0, t._("Step {number} of {count}").format(
            number=steps.index(draft.step) + 1, count=len(steps)))
    return "\n".join(lines)


def prompt(ctx: Context, draft: Draft, team_commune: str | None) -> Reply:
    """The question of the current step (team_commune: the writer's team's, offered first)."""
    t, step, edit = ctx.t, draft.step, ctx.pressed
    if step == Step.TITLE:
        text = _head(ctx, draft, t._("What is the title of your good practice? A few words, at "
                                     "most {limit} characters, for example: Teaching VNeID at "
                                     "the market.").format(limit=MAX_TITLE), draft.title)
        return Reply(text, (cancel_row(t),), edit=edit, numbered=False)
    if step == Step.WHERE:
        return _where(ctx, draft, team_commune)
    if step == Step.WHAT:
        text = _head(ctx, draft, t._("What did you do? Tell it in a few sentences, at most "
                                     "{limit} characters: who took part, how, with what.").format(
            limit=MAX_WHAT), draft.what)
        return Reply(text, (cancel_row(t),), edit=edit, numbered=False)
    if step == Step.RESULT:
        text = _head(ctx, draft, t._("What came of it? Type the result, at most {limit} "
                                     "characters, for example: 40 older people can now use "
                                     "VNeID.").format(limit=MAX_RESULT), draft.result)
        return Reply(text, (cancel_row(t),), edit=edit, numbered=False)
    if step == Step.FIGURES:
        text = "\n".join([t._("You can add your team's figures to the result:"),
                          draft.offer or "", t._("Attach them?")])
        return Reply(text, ((Button(t._("📊 Attach my team's figures"), FIGURES()),),
                            (Button(t._("➡ Continue without them"), NO_FIGURES()),),
                            cancel_row(t)), edit=edit)
    if step == Step.PHOTO:
        question = (t._("Send the new photo, or press Skip to have none.") if draft.editing
                    else t._("You can add one photo of it: send it now. Or press Skip."))
        return Reply(_head(ctx, draft, question), ((Button(t._("⏭ Skip"), SKIP_PHOTO(),
                                                           Nav.SKIP),), cancel_row(t)),
                     edit=edit)
    if step == Step.EDIT:
        parts = [part for part in PART_NAMES if part != "photo" or ctx.event.capabilities.photos]
        rows = [(Button(t._(PART_NAMES[part]), FIELD(part)),) for part in parts]
        return Reply(t._("What do you want to change?"),
                     (*rows, (Button(t._("◀ Back to the summary"), EDIT(), Nav.BACK),)),
                     edit=edit)
    blocks = [t._("Please check your good practice:"), summary(ctx, draft),
              t._("Send it to the admins for review?")]
    if draft.note:
        blocks.insert(0, t._("An admin asked for changes: {reason}").format(reason=draft.note))
    return Reply("\n\n".join(blocks), ((Button(t._("📨 Send"), SEND()),),
                                       (Button(t._("✏ Edit"), EDIT()),), cancel_row(t)),
                 edit=edit)


def _where(ctx: Context, draft: Draft, team_commune: str | None) -> Reply:
    t, communes = ctx.t, ctx.services.communes
    if draft.choices:
        rows = [(Button(communes.display_name(code), WHERE(code)),) for code in draft.choices]
        return Reply(t._("Several communes match. Choose one, or type the name again:"),
                     (*rows, cancel_row(t)), edit=ctx.pressed)
    shown = communes.display_name(draft.commune) if draft.commune else None
    if team_commune is None:
        text = _head(ctx, draft, t._("Where was it done? Type the name of the commune or ward, "
                                     "for example: Anh Sơn."), shown)
        return Reply(text, (cancel_row(t),), edit=ctx.pressed, numbered=False)
    text = _head(ctx, draft, t._("Where was it done? Choose your team's commune, or type the "
                                 "name of another commune or ward."), shown)
    return Reply(text, ((Button(f"📍 {communes.display_name(team_commune)}",
                                WHERE(team_commune)),), cancel_row(t)), edit=ctx.pressed)


def result_text(result: str, figures: str | None) -> str:
    """The result with the team's figures under it, when attached."""
    return f"{result}\n{figures}" if figures else result


def summary(ctx: Context, draft: Draft) -> str:
    """The draft's answers, one part a paragraph."""
    t = ctx.t
    blocks = [t._("Title: {title}").format(title=draft.title),
              t._("Where: {commune}").format(
                  commune=ctx.services.communes.display_name(draft.commune)),
              t._("What was done:") + "\n" + (draft.what or ""),
              t._("Result:") + "\n" + result_text(draft.result or "", draft.figures)]
    if draft.photo:
        blocks.append(t._("🖼 With a photo."))
    return "\n\n".join(blocks)


def day_of(t: Translator, services: Services, stamp: str) -> str:
    """The local date of a stored moment."""
    return t.date(datetime.fromisoformat(stamp).astimezone(services.config.timezone))


def place_line(t: Translator, services: Services, practice: Practice) -> str:
    """Where and when: the commune, and the day it was approved (or sent)."""
    return f"📍 {services.communes.display_name(practice.commune_code)} · " + day_of(
        t, services, practice.reviewed_at or practice.created_at)


def practice_text(t: Translator, services: Services, practice: Practice) -> str:
    """A practice in full, as written."""
    return "\n\n".join([
        f"👍 {practice.title}\n{place_line(t, services, practice)}",
        t._("What was done:") + "\n" + practice.what,
        t._("Result:") + "\n" + result_text(practice.result, practice.figures),
    ])


def photo_replies(practice: Practice) -> list[Reply]:
    """The practice's photo with its title, before its text, if it has one."""
    return [Reply(practice.title, photo=practice.photo)] if practice.photo else []


def writer_name(t: Translator, membership: Membership | None, gone: bool) -> str:
    """Who wrote a practice, as admins are told: their shown name and team."""
    if gone:
        return t._("someone who has since deleted their data")
    if membership is None:
        return t._("a volunteer no longer in a team")
    if membership.display_name:
        return t._("{name}, team {team}").format(name=membership.display_name,
                                                  team=membership.team.name)
    return t._("a volunteer of team {team}").format(team=membership.team.name)


def review_button(t: Translator, practice_id: int) -> tuple[Button, ...]:
    """The row opening a practice for review."""
    return (Button(t._("📝 Review #{number}").format(number=practice_id),
                   REVIEW(practice_id)),)


def new_notice(t: Translator, services: Services, practice: Practice, writer: str,
               again: bool) -> Reply:
    """What admins are told when a practice is sent (or sent again after changes)."""
    if again:
        head = t._("✏ Good practice #{number} was changed and sent again for review.")
    else:
        head = t._("📝 New good practice #{number} to review.")
    text = "\n".join([head.format(number=practice.id),
                      f"“{practice.title}”",
                      place_line(t, services, practice),
                      t._("From {writer}.").format(writer=writer)])
    return Reply(text, (review_button(t, practice.id),))


def list_line(t: Translator, services: Services, practice: Practice) -> str:
    """A practice in a list: its title, where and when."""
    return f"• {practice.title}\n  {place_line(t, services, practice)}"


def open_label(practice: Practice) -> str:
    """The label of the button opening a practice."""
    return f"📖 {clip(practice.title, LABEL_LIMIT)}"
