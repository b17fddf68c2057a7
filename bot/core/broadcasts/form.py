"""/broadcast: write the message, choose the audience, optionally add an English version, check
the preview, then send now or schedule. Admins only; every typed answer and every button is
checked again against the admin's role and the step the form is at, so a forwarded, forged or
old button changes nothing."""

from __future__ import annotations

import dataclasses
import unicodedata
from datetime import datetime

from bot.core import dialogs
from bot.core.broadcasts.audience import Next, pressed, question, typed
from bot.core.broadcasts.draft import Draft, Step
from bot.core.broadcasts.guard import announce, link_warning, needs_approval
from bot.core.broadcasts.ids import (
    CANCEL,
    SCHEDULE,
    SCHEDULE_MORNING,
    SEND_AT_NIGHT,
    SEND_NOW,
    SKIP_EN,
)
from bot.core.broadcasts.photo import MAX_CAPTION, photo_problem
from bot.core.broadcasts.schedule import in_quiet_hours, parse_when, quiet_end, quiet_label
from bot.core.broadcasts.views import cancel_row, channel_names, local_time, reach
from bot.core.context import Context
from bot.core.events import Button, Nav, Reply
from bot.core.payloads import Action
from bot.core.shared.menus import menu_button
from bot.core.shared.messages import ECHO_LIMIT, clip
from bot.core.shared.roles import is_admin
from bot.storage import audiences
from bot.storage import broadcasts as store
from bot.storage.audiences import Audience, AudienceKind

# A broadcast goes out as one message, never split, so it has a limit of its own: under the
# 4,096 characters of a Telegram message (counted as Telegram does, see _length), with room to
# spare. Not MESSAGE_LIMIT, the 1,900 the core's answers keep to for the strictest channel.
MAX_TEXT = 3500


def refusal(ctx: Context) -> list[Reply]:
    """The answer to anyone but an admin: nothing happens."""
    return [Reply(ctx.t._("Only admins can send broadcasts."))]


def closed(ctx: Context) -> list[Reply]:
    """The answer to a button of a form that was sent or cancelled."""
    return [Reply(ctx.t._("This broadcast form is closed (it was sent or cancelled). Type "
                          "/broadcast to write a new one."), ((menu_button(ctx.t),),))]


async def begin(ctx: Context, _args: str, text: str = "", photo: str | None = None
                ) -> list[Reply]:
    """/broadcast: open the form at the message, or at the audience with text (and photo)
    already written (written elsewhere, say so: it reaches only the users of the channel
    broadcasts go out on)."""
    if not is_admin(ctx):
        return refusal(ctx)
    message, _problem = _check(ctx, text, photo is not None) if text else (None, [])
    draft = Draft(text=message, photo=photo if message else None)
    replies = await _go(ctx, draft, Step.AUDIENCE if message else Step.TEXT)
    channels = ctx.services.config.delivery_channels
    if ctx.user.channel in channels:
        return replies
    note = ctx.t._("Broadcasts go out on {channel} only: people who chat with me here, in the "
                   "terminal, receive nothing.").format(channel=channel_names(channels))
    return [dataclasses.replace(replies[0], text=f"{note}\n\n{replies[0].text}"), *replies[1:]]


def _cancel_row(ctx: Context) -> tuple[Button, ...]:
    return cancel_row(ctx.t)


def _audience(draft: Draft) -> Audience:
    if draft.audience is None:  # Draft.from_state never opens a later step without one
        raise ValueError("the broadcast draft has no audience yet")
    return draft.audience


async def _count(ctx: Context, audience: Audience) -> int:
    """How many people the audience reaches now."""
    return await audiences.count_recipients(ctx.db, audience,
                                        ctx.services.config.delivery_channels)


async def _prompt(ctx: Context, draft: Draft) -> list[Reply]:
    """The question of the current step."""
    t, step, edit = ctx.t, draft.step, ctx.pressed
    if step == Step.TEXT and draft.photo:
        return [Reply(t._("🖼 Photo added. Now type the message that goes with it, up to {limit} "
                          "characters (Telegram's limit for a photo's caption).").format(
            limit=t.number(MAX_CAPTION)), (_cancel_row(ctx),), edit=edit, numbered=False)]
    if step == Step.TEXT:
        text = t._("📣 New broadcast. Type the message exactly as people should read it: "
                   "plain text, up to {limit} characters.").format(limit=t.number(MAX_TEXT))
        if ctx.event.capabilities.photos:
            text += " " + t._("To add one photo, send it now, with the message as its caption "
                              "or without.")
        return [Reply(text, (_cancel_row(ctx),), edit=edit, numbered=False)]
    asked = await question(ctx, draft)
    if asked is not None:  # who receives it
        return [asked]
    if step == Step.ENGLISH:
        return [Reply(t._("Users who chose English get an English version if you write one. "
                          "Type it now, or press Skip: then everyone gets the message above."),
                      ((Button(t._("⏭ Skip"), SKIP_EN(), Nav.SKIP),), _cancel_row(ctx)), edit=edit,
                      numbered=False)]
    if step == Step.WHEN:
        return [Reply(t._("When should it be sent? Type the time in Vietnam time: HH:MM for "
                          "today (for example 08:30), or DD/MM HH:MM (for example 05/10 "
                          "08:30)."), (_cancel_row(ctx),), edit=edit, numbered=False)]
    if step == Step.NIGHT:
        return [_night_question(ctx)]
    return await _preview(ctx, draft)


async def _preview(ctx: Context, draft: Draft) -> list[Reply]:
    t = ctx.t
    summary = await reach(ctx, _audience(draft))
    flagged = link_warning(ctx, draft.text, draft.text_en)
    if flagged:
        summary += "\n" + flagged
    if needs_approval(ctx, await _count(ctx, _audience(draft))):
        summary += "\n" + t._("It reaches many people, so another admin must approve it "
                              "before it goes out.")
    below = (t._("Below: the message as they will see it, then its English version.")
             if draft.text_en else t._("Below: the message as they will see it."))
    replies = [Reply(f"{summary}\n{below}", edit=ctx.pressed),
               Reply(draft.text or "", photo=draft.photo)]
    if draft.text_en:
        replies.append(Reply(draft.text_en, photo=draft.photo))
    replies.append(Reply(t._("Send it now, or schedule it?"),
                         ((Button(t._("📨 Send now"), SEND_NOW()),),
                          (Button(t._("🕒 Schedule"), SCHEDULE()),), _cancel_row(ctx))))
    return replies


def _night_question(ctx: Context) -> Reply:
    t, config = ctx.t, ctx.services.config
    morning = quiet_end(ctx.now, config.broadcasts.quiet_hours, config.timezone)
    text = t._("It is {now} now, within the quiet hours ({quiet}), when people may be asleep. "
               "Send it now anyway, or at {morning}?").format(
        now=ctx.now.astimezone(config.timezone).strftime("%H:%M"),
        quiet=quiet_label(config.broadcasts.quiet_hours),
        morning=morning.astimezone(config.timezone).strftime("%H:%M"))
    return Reply(text, ((Button(t._("📨 Send now anyway"), SEND_AT_NIGHT()),),
                        (Button(t._("🕒 Send at {time}").format(
                            time=morning.astimezone(config.timezone).strftime("%H:%M")),
                            SCHEDULE_MORNING()),),
                        _cancel_row(ctx)))


async def _go(ctx: Context, draft: Draft, step: Step) -> list[Reply]:
    """Open step (the draft's changes saved with it) and ask its question."""
    draft.step = step
    nobody = step == Step.PREVIEW and not await _count(ctx, _audience(draft))
    if nobody:  # keep the message and ask for another audience
        draft.step = Step.AUDIENCE
    await dialogs.save(ctx, draft.to_state())
    replies = await _prompt(ctx, draft)
    if nobody:
        note = ctx.t._("Nobody in this audience can receive a message now (people who blocked "
                       "the bot are left out). Choose another audience:")
        first = replies[0]
        replies[0] = Reply(note, first.buttons, edit=first.edit)
    return replies


def _clean(raw: str) -> str:
    """The message as typed, line breaks kept (normalize() would join the lines)."""
    return unicodedata.normalize("NFC", raw.replace("\r\n", "\n")).strip()


def _length(text: str) -> int:
    """Telegram counts UTF-16 code units: an emoji counts twice."""
    return len(text.encode("utf-16-le")) // 2


def _check(ctx: Context, raw: str, photo: bool) -> tuple[str | None, list[Reply]]:
    """The message if it can be sent, else the answer saying why."""
    t, text = ctx.t, _clean(raw)
    if not text:
        problem = t._("The message is empty. Type the text to send:")
    elif photo and _length(text) > MAX_CAPTION:
        problem = t._("With a photo, the message can have at most {limit} characters "
                      "(Telegram's limit for a caption); this one has {count}. Shorten it and "
                      "send it again:").format(count=t.number(_length(text)),
                                               limit=t.number(MAX_CAPTION))
    elif _length(text) > MAX_TEXT:
        problem = t._("That message has {count} characters; a broadcast can have at most "
                      "{limit}. Shorten it and send it again:").format(
            count=t.number(_length(text)), limit=t.number(MAX_TEXT))
    else:
        return text, []
    return None, [Reply(problem, (_cancel_row(ctx),), numbered=False)]


async def show(ctx: Context) -> list[Reply]:
    """The open form's question again, when the user comes back to it."""
    if not is_admin(ctx):
        await dialogs.close(ctx)
        return refusal(ctx)
    draft = Draft.from_state(ctx.state)
    return closed(ctx) if draft is None else await _prompt(ctx, draft)


async def on_text(ctx: Context, text: str) -> list[Reply]:
    """An answer typed while the form is open."""
    if not is_admin(ctx):
        await dialogs.close(ctx)
        return refusal(ctx)
    draft = Draft.from_state(ctx.state) or Draft()
    step = draft.step
    if step in (Step.TEXT, Step.ENGLISH):
        message, problem = _check(ctx, ctx.event.text, bool(draft.photo))
        if message is None:  # with the step's own buttons: Skip stays at the English step
            return [dataclasses.replace(problem[-1], buttons=(await _prompt(ctx, draft))[-1]
                                        .buttons)]
        if step == Step.TEXT:
            draft.text = message
            return await _go(ctx, draft, Step.AUDIENCE)
        draft.text_en = message
        return await _go(ctx, draft, Step.PREVIEW)
    found = await typed(ctx, draft, text)
    if found is not None:
        return await _follow(ctx, draft, found)
    if step == Step.WHEN:
        return await _schedule_typed(ctx, draft, text)
    current = await _prompt(ctx, draft)
    note = ctx.t._("Please answer with one of the buttons below.")
    last = current[-1]
    return [*current[:-1], Reply(f"{note}\n\n{last.text}", last.buttons)]


async def on_photo(ctx: Context) -> list[Reply]:
    """A photo sent while the form is open: taken at the first step, with its caption."""
    if not is_admin(ctx):
        await dialogs.close(ctx)
        return refusal(ctx)
    draft = Draft.from_state(ctx.state) or Draft()
    if draft.step != Step.TEXT:
        current = await _prompt(ctx, draft)
        note = ctx.t._("A photo can only be added at the start, with the message. To add one, "
                       "cancel this broadcast and write it again.")
        first = current[0]
        return [Reply(f"{note}\n\n{first.text}", first.buttons, numbered=first.numbered),
                *current[1:]]
    photo = ctx.event.photo
    problem = photo_problem(ctx.t, photo)
    if problem or photo is None:
        return [Reply(problem, (_cancel_row(ctx),), numbered=False)]
    draft.photo = photo.ref
    if not ctx.event.text.strip():
        return await _go(ctx, draft, Step.TEXT)
    await dialogs.save(ctx, draft.to_state())  # kept while the caption is fixed
    message, problems = _check(ctx, ctx.event.text, True)
    if message is None:
        return problems
    draft.text = message
    return await _go(ctx, draft, Step.AUDIENCE)


async def _follow(ctx: Context, draft: Draft, found: Next) -> list[Reply]:
    """Go on from an answer about the audience: with the audience chosen, or at its step."""
    if found.audience is not None:
        return await _after_audience(ctx, draft, found.audience)
    replies = await _go(ctx, draft, found.step)
    if found.note:
        replies[0] = dataclasses.replace(replies[0], text=found.note)
    return replies


async def _after_audience(ctx: Context, draft: Draft, audience: Audience) -> list[Reply]:
    draft.audience, draft.choices, draft.text_en = audience, [], None
    if audience.kind == AudienceKind.LANGUAGE and audience.value != "en":
        return await _go(ctx, draft, Step.PREVIEW)  # nobody there reads English
    return await _go(ctx, draft, Step.ENGLISH)


async def _schedule_typed(ctx: Context, draft: Draft, text: str) -> list[Reply]:
    t, config = ctx.t, ctx.services.config
    when = parse_when(text, ctx.now, config.timezone)
    if when.moment is None:
        if when.problem == "past":
            problem = t._("That time has already passed. Type a time still to come:")
        else:
            problem = t._("I could not read “{typed}” as a time. Type HH:MM (for example "
                          "08:30) or DD/MM HH:MM (for example 05/10 08:30):").format(
                typed=clip(text, ECHO_LIMIT))
        return [Reply(problem, (_cancel_row(ctx),), numbered=False)]
    return await _queue(ctx, draft, when.moment)


async def _queue(ctx: Context, draft: Draft, when: datetime | None) -> list[Reply]:
    """Write the broadcast and its deliveries (and the audit entry) in one transaction."""
    t, config = ctx.t, ctx.services.config
    moved = False
    if when is not None:
        later = quiet_end(when, config.broadcasts.quiet_hours, config.timezone)
        moved, when = later != when, later
    awaiting = needs_approval(ctx, await _count(ctx, _audience(draft)))
    created = await store.create(
        ctx.db, ctx.user.id, draft.text or "", draft.text_en, _audience(draft), when, ctx.now,
        # The chat the admin writes in (after /link, maybe not the account they act as).
        f"{ctx.event.channel}:{ctx.event.user_key}", channels=config.delivery_channels,
        photo=draft.photo, awaiting=awaiting)
    await dialogs.close(ctx)
    if created is None:
        return [Reply(t._("Nobody in this audience can receive a message now (people who "
                          "blocked the bot are left out), so nothing was sent."),
                      ((menu_button(t),),), edit=ctx.pressed)]
    number, count = created
    await announce(ctx, number, count, _audience(draft), draft.text or "", awaiting)
    people = t.ngettext("{count} person", "{count} people", count).format(count=t.number(count))
    if awaiting:
        text = t._("🕓 Broadcast #{number} to {people} waits for another admin's approval; the "
                   "other admins have been asked. To cancel it: /stopbroadcast {number}").format(
            number=number, people=people)
    elif when is None:
        text = t._("📣 Broadcast #{number} to {people} starts in a moment. A message below shows "
                   "its progress. To stop it: /stopbroadcast {number}").format(
            number=number, people=people)
    else:
        text = t._("🕒 Broadcast #{number} to {people} is scheduled for {time} (Vietnam "
                   "time). To cancel it: /stopbroadcast {number}").format(
            number=number, people=people, time=local_time(t, when, config.timezone))
        if moved:
            text += "\n" + t._("The time you chose is within the quiet hours ({quiet}), so I "
                               "moved it to their end.").format(
                quiet=quiet_label(config.broadcasts.quiet_hours))
    return [Reply(text, ((menu_button(t),),), edit=ctx.pressed)]


async def on_button(ctx: Context, act: Action) -> list[Reply]:
    """A button of the form, checked against the admin's role and the form's step."""
    if not is_admin(ctx):
        return refusal(ctx)
    draft = Draft.from_state(ctx.state)
    if draft is None:
        return closed(ctx)
    step, verb, config = draft.step, act.verb, ctx.services.config
    if verb == CANCEL:
        await dialogs.close(ctx)
        return [Reply(ctx.t._("Cancelled: nothing was sent."), ((menu_button(ctx.t),),),
                      edit=ctx.pressed)]
    found = await pressed(ctx, draft, act)
    if found is not None:
        return await _follow(ctx, draft, found)
    if verb == SKIP_EN and step == Step.ENGLISH:
        draft.text_en = None
        return await _go(ctx, draft, Step.PREVIEW)
    if verb == SEND_NOW and step == Step.PREVIEW:
        if in_quiet_hours(ctx.now, config.broadcasts.quiet_hours, config.timezone):
            return await _go(ctx, draft, Step.NIGHT)
        return await _queue(ctx, draft, None)
    if verb == SEND_AT_NIGHT and step == Step.NIGHT:
        return await _queue(ctx, draft, None)
    if verb == SCHEDULE_MORNING and step == Step.NIGHT:
        return await _queue(ctx, draft, quiet_end(ctx.now, config.broadcasts.quiet_hours,
                                                  config.timezone))
    if verb == SCHEDULE and step in (Step.PREVIEW, Step.NIGHT):
        return await _go(ctx, draft, Step.WHEN)
    current = await _prompt(ctx, draft)
    note = ctx.t._("That button is from an older message. Here is where you are now:")
    first = current[0]
    return [Reply(f"{note}\n\n{first.text}", first.buttons, edit=first.edit,
                  numbered=first.numbered), *current[1:]]
