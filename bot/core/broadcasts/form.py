"""/broadcast: write the message, choose the audience, optionally add an English version, check
the preview, then send now or schedule. Admins only; every typed answer and every button is
checked again against the admin's role and the step the form is at, so a forwarded, forged or
old button changes nothing."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from bot.core import dialogs as flows
from bot.core.actions import Action, action
from bot.core.broadcasts.photo import MAX_CAPTION, photo_problem
from bot.core.broadcasts.schedule import in_quiet_hours, parse_when, quiet_end, quiet_label
from bot.core.broadcasts.views import AUDIENCE_NAMES, audience_label, local_time
from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.shared.menus import LANGUAGE_NAMES, menu_button
from bot.core.shared.roles import is_admin
from bot.storage import broadcasts as store
from bot.storage.broadcasts import Audience

FLOW = "broadcast"
MAX_TEXT = 3500  # characters as Telegram counts them; leaves room under its 4,096
AUDIENCE, COMMUNE, LANGUAGE, SKIP_EN, CANCEL = "bca", "bcc", "bcl", "bck", "bcx"
SEND_NOW, SEND_AT_NIGHT, SCHEDULE, SCHEDULE_MORNING = "bcn", "bcy", "bcw", "bcq"
VERBS = (AUDIENCE, COMMUNE, LANGUAGE, SKIP_EN, CANCEL, SEND_NOW, SEND_AT_NIGHT, SCHEDULE,
         SCHEDULE_MORNING)
TYPED_STEPS = {"text", "commune", "english", "when"}


def refusal(ctx: Context) -> list[Reply]:
    """The answer to anyone but an admin: nothing happens."""
    return [Reply(ctx.t._("Only admins can send broadcasts."))]


def closed(ctx: Context) -> list[Reply]:
    """The answer to a button of a form that was sent or cancelled."""
    return [Reply(ctx.t._("This broadcast form is closed (it was sent or cancelled). Type "
                          "/broadcast to write a new one."), ((menu_button(ctx.t),),))]


async def begin(ctx: Context, _args: str) -> list[Reply]:
    """/broadcast: open the form at the message."""
    if not is_admin(ctx):
        return refusal(ctx)
    return await _go(ctx, {"flow": FLOW}, "text")


def _cancel_row(ctx: Context) -> tuple[Button, ...]:
    return (Button(ctx.t._("✖ Cancel"), CANCEL),)


def _audience(state: dict[str, Any]) -> Audience:
    data = state["audience"]
    return Audience(str(data["kind"]), data.get("value"))


async def _prompt(ctx: Context, state: dict[str, Any]) -> list[Reply]:
    """The question of the current step."""
    t, step, edit = ctx.t, state.get("step"), ctx.pressed
    if step == "text" and state.get("photo"):
        return [Reply(t._("🖼 Photo added. Now type the message that goes with it, up to {limit} "
                          "characters (Telegram's limit for a photo's caption).").format(
            limit=t.number(MAX_CAPTION)), (_cancel_row(ctx),), edit=edit, numbered=False)]
    if step == "text":
        text = t._("📣 New broadcast. Type the message exactly as people should read it: "
                   "plain text, up to {limit} characters.").format(limit=t.number(MAX_TEXT))
        if ctx.event.capabilities.photos:
            text += " " + t._("To add one photo, send it now, with the message as its caption "
                              "or without.")
        return [Reply(text, (_cancel_row(ctx),), edit=edit, numbered=False)]
    if step == "audience":
        rows = [(Button(t._(name), action(AUDIENCE, kind)),)
                for kind, name in AUDIENCE_NAMES.items()]
        return [Reply(t._("Who should receive it?"), (*rows, _cancel_row(ctx)), edit=edit)]
    if step == "commune" and state.get("choices"):
        communes = ctx.services.communes
        rows = [(Button(commune.name, action(COMMUNE, code)),)
                for code in state["choices"] if (commune := communes.get(code))]
        return [Reply(t._("Several communes match. Choose one, or type the name again:"),
                      (*rows, _cancel_row(ctx)), edit=edit)]
    if step == "commune":
        return [Reply(t._("Which commune? Type its name, for example: Anh Sơn. The message goes "
                          "to the members of the commune's teams."), (_cancel_row(ctx),),
                      edit=edit, numbered=False)]
    if step == "language":
        rows = [(Button(LANGUAGE_NAMES.get(code, code), action(LANGUAGE, code)),)
                for code in ctx.services.config.locales]
        return [Reply(t._("Users of which language?"), (*rows, _cancel_row(ctx)), edit=edit)]
    if step == "english":
        return [Reply(t._("Users who chose English get an English version if you write one. "
                          "Type it now, or press Skip: then everyone gets the message above."),
                      ((Button(t._("⏭ Skip"), SKIP_EN),), _cancel_row(ctx)), edit=edit,
                      numbered=False)]
    if step == "when":
        return [Reply(t._("When should it be sent? Type the time in Vietnam time: HH:MM for "
                          "today (for example 08:30), or DD/MM HH:MM (for example 05/10 "
                          "08:30)."), (_cancel_row(ctx),), edit=edit, numbered=False)]
    if step == "night":
        return [_night_question(ctx)]
    return await _preview(ctx, state)


async def _preview(ctx: Context, state: dict[str, Any]) -> list[Reply]:
    t = ctx.t
    audience = _audience(state)
    count = await store.count_recipients(ctx.db, audience)
    label = audience_label(t, ctx.services.communes, audience)
    summary = t.ngettext("📣 Broadcast to {audience}: {count} person.",
                         "📣 Broadcast to {audience}: {count} people.", count).format(
        audience=label, count=t.number(count))
    below = (t._("Below: the message as they will see it, then its English version.")
             if state.get("text_en") else t._("Below: the message as they will see it."))
    photo = state.get("photo")
    replies = [Reply(f"{summary}\n{below}", edit=ctx.pressed),
               Reply(str(state["text"]), photo=photo)]
    if state.get("text_en"):
        replies.append(Reply(str(state["text_en"]), photo=photo))
    replies.append(Reply(t._("Send it now, or schedule it?"),
                         ((Button(t._("📨 Send now"), SEND_NOW),),
                          (Button(t._("🕒 Schedule"), SCHEDULE),), _cancel_row(ctx))))
    return replies


def _night_question(ctx: Context) -> Reply:
    t, config = ctx.t, ctx.services.config
    morning = quiet_end(ctx.now, config.broadcasts.quiet_hours, config.timezone)
    text = t._("It is {now} now, within the quiet hours ({quiet}), when people may be asleep. "
               "Send it now anyway, or at {morning}?").format(
        now=ctx.now.astimezone(config.timezone).strftime("%H:%M"),
        quiet=quiet_label(config.broadcasts.quiet_hours),
        morning=morning.astimezone(config.timezone).strftime("%H:%M"))
    return Reply(text, ((Button(t._("📨 Send now anyway"), SEND_AT_NIGHT),),
                        (Button(t._("🕒 Send at {time}").format(
                            time=morning.astimezone(config.timezone).strftime("%H:%M")),
                            SCHEDULE_MORNING),),
                        _cancel_row(ctx)))


async def _go(ctx: Context, state: dict[str, Any], step: str, **changes: Any) -> list[Reply]:
    state = {**state, **changes, "step": step}
    nobody = step == "preview" and not await store.count_recipients(ctx.db, _audience(state))
    if nobody:  # keep the message and ask for another audience
        state["step"] = "audience"
    state["free_text"] = state["step"] in TYPED_STEPS and not (
        state["step"] == "commune" and state.get("choices"))
    await flows.save(ctx, state)
    replies = await _prompt(ctx, state)
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


async def on_text(ctx: Context, text: str) -> list[Reply]:
    """An answer typed while the form is open."""
    if not is_admin(ctx):
        await flows.close(ctx)
        return refusal(ctx)
    state = dict(ctx.state)
    step = state.get("step")
    if step in ("text", "english"):
        message, problem = _check(ctx, ctx.event.text, bool(state.get("photo")))
        if message is None:
            return problem
        if step == "text":
            return await _go(ctx, state, "audience", text=message)
        return await _go(ctx, state, "preview", text_en=message)
    if step == "commune":
        return await _find_commune(ctx, state, text)
    if step == "when":
        return await _schedule_typed(ctx, state, text)
    current = await _prompt(ctx, state)
    note = ctx.t._("Please answer with one of the buttons below.")
    last = current[-1]
    return [*current[:-1], Reply(f"{note}\n\n{last.text}", last.buttons)]


async def on_photo(ctx: Context) -> list[Reply]:
    """A photo sent while the form is open: taken at the first step, with its caption."""
    if not is_admin(ctx):
        await flows.close(ctx)
        return refusal(ctx)
    state = dict(ctx.state)
    if state.get("step") != "text":
        current = await _prompt(ctx, state)
        note = ctx.t._("A photo can only be added at the start, with the message. To add one, "
                       "cancel this broadcast and write it again.")
        first = current[0]
        return [Reply(f"{note}\n\n{first.text}", first.buttons, numbered=first.numbered),
                *current[1:]]
    photo = ctx.event.photo
    problem = photo_problem(ctx.t, photo)
    if problem or photo is None:
        return [Reply(problem, (_cancel_row(ctx),), numbered=False)]
    if not ctx.event.text.strip():
        return await _go(ctx, state, "text", photo=photo.ref)
    await flows.save(ctx, {**state, "photo": photo.ref})  # kept while the caption is fixed
    message, problems = _check(ctx, ctx.event.text, True)
    if message is None:
        return problems
    return await _go(ctx, state, "audience", text=message, photo=photo.ref)


async def _find_commune(ctx: Context, state: dict[str, Any], text: str) -> list[Reply]:
    found = ctx.services.communes.find(text)
    if len(found) == 1:
        return await _after_audience(ctx, state, Audience(store.COMMUNE, found[0].code))
    if found:
        return await _go(ctx, state, "commune", choices=[c.code for c in found])
    await _go(ctx, state, "commune", choices=[])
    return [Reply(ctx.t._("No commune of {province} matches “{text}”. Type the name "
                          "again:").format(province=ctx.services.communes.province,
                                           text=text[:60]),
                  (_cancel_row(ctx),), numbered=False)]


async def _after_audience(ctx: Context, state: dict[str, Any], audience: Audience
                          ) -> list[Reply]:
    changes: dict[str, Any] = {"audience": {"kind": audience.kind, "value": audience.value},
                               "choices": [], "text_en": None}
    if audience.kind == store.LANGUAGE and audience.value != "en":
        return await _go(ctx, state, "preview", **changes)  # nobody there reads English
    return await _go(ctx, state, "english", **changes)


async def _schedule_typed(ctx: Context, state: dict[str, Any], text: str) -> list[Reply]:
    t, config = ctx.t, ctx.services.config
    when = parse_when(text, ctx.now, config.timezone)
    if when.moment is None:
        if when.problem == "past":
            problem = t._("That time has already passed. Type a time still to come:")
        else:
            problem = t._("I could not read “{typed}” as a time. Type HH:MM (for example "
                          "08:30) or DD/MM HH:MM (for example 05/10 08:30):").format(
                typed=text[:40])
        return [Reply(problem, (_cancel_row(ctx),), numbered=False)]
    return await _queue(ctx, state, when.moment)


async def _queue(ctx: Context, state: dict[str, Any], when: datetime | None) -> list[Reply]:
    """Write the broadcast and its deliveries (and the audit entry) in one transaction."""
    t, config = ctx.t, ctx.services.config
    moved = False
    if when is not None:
        later = quiet_end(when, config.broadcasts.quiet_hours, config.timezone)
        moved, when = later != when, later
    created = await store.create(
        ctx.db, ctx.user.id, str(state["text"]), state.get("text_en"), _audience(state), when,
        ctx.now, f"{ctx.user.channel}:{ctx.user.external_id}", photo=state.get("photo"))
    await flows.close(ctx)
    if created is None:
        return [Reply(t._("Nobody in this audience can receive a message now (people who "
                          "blocked the bot are left out), so nothing was sent."),
                      ((menu_button(t),),), edit=ctx.pressed)]
    number, count = created
    people = t.ngettext("{count} person", "{count} people", count).format(count=t.number(count))
    if when is None:
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
    state = flows.current(ctx, FLOW)
    if state is None:
        return closed(ctx)
    state, step, verb = dict(state), state.get("step"), act.verb
    if verb == CANCEL:
        await flows.close(ctx)
        return [Reply(ctx.t._("Cancelled: nothing was sent."), ((menu_button(ctx.t),),),
                      edit=ctx.pressed)]
    if verb == AUDIENCE and step == "audience" and act.args[0] in store.AUDIENCES:
        kind = act.args[0]
        if kind == store.COMMUNE:
            return await _go(ctx, state, "commune", choices=[])
        if kind == store.LANGUAGE:
            return await _go(ctx, state, "language")
        return await _after_audience(ctx, state, Audience(kind))
    if verb == COMMUNE and step == "commune" and act.args[0] in state.get("choices", []):
        return await _after_audience(ctx, state, Audience(store.COMMUNE, act.args[0]))
    if verb == LANGUAGE and step == "language" and act.args[0] in ctx.services.config.locales:
        return await _after_audience(ctx, state, Audience(store.LANGUAGE, act.args[0]))
    if verb == SKIP_EN and step == "english":
        return await _go(ctx, state, "preview", text_en=None)
    if verb == SEND_NOW and step == "preview":
        config = ctx.services.config
        if in_quiet_hours(ctx.now, config.broadcasts.quiet_hours, config.timezone):
            return await _go(ctx, state, "night")
        return await _queue(ctx, state, None)
    if verb == SEND_AT_NIGHT and step == "night":
        return await _queue(ctx, state, None)
    if verb == SCHEDULE_MORNING and step == "night":
        config = ctx.services.config
        return await _queue(ctx, state, quiet_end(ctx.now, config.broadcasts.quiet_hours,
                                                  config.timezone))
    if verb == SCHEDULE and step in ("preview", "night"):
        return await _go(ctx, state, "when")
    current = await _prompt(ctx, state)
    note = ctx.t._("That button is from an older message. Here is where you are now:")
    first = current[0]
    return [Reply(f"{note}\n\n{first.text}", first.buttons, edit=first.edit,
                  numbered=first.numbered), *current[1:]]
