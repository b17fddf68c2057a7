"""Who receives a broadcast: the audience's kind, then its commune, language or chat app, or for
a school's students the commune and then the school. Each answer is checked against the step
the form is at; the form (form.py) then goes on with the audience, or opens the step named."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.broadcasts.draft import Draft, Step
from bot.core.broadcasts.ids import AUDIENCE, CHANNEL, COMMUNE, LANGUAGE, SCHOOL
from bot.core.broadcasts.views import AUDIENCE_NAMES, cancel_row
from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.payloads import Action
from bot.core.shared.menus import LANGUAGE_NAMES
from bot.core.shared.messages import clip
from bot.core.shared.text import fold
from bot.storage import audiences
from bot.storage import classes as class_store
from bot.storage.audiences import Audience, AudienceKind
from bot.storage.classes import School

TYPED_ECHO = 60  # characters of a typed name quoted back
NAME_LIMIT = 60  # characters of a school's name on a button
MAX_OFFERED = 12  # communes with a school offered as buttons; with more, the commune is typed


@dataclass(frozen=True)
class Next:
    """Where an answer leads: the audience, chosen (the form goes on), or else the step to open,
    with note instead of its question's text when there is one."""

    audience: Audience | None = None
    step: Step = Step.AUDIENCE
    note: str = ""


async def question(ctx: Context, draft: Draft) -> Reply | None:
    """The question of an audience step; None at any other step."""
    t, step, edit = ctx.t, draft.step, ctx.pressed
    cancel = cancel_row(t)
    communes = ctx.services.communes
    if step == Step.AUDIENCE:
        several = len(ctx.services.config.delivery_channels) > 1
        any_school = bool(await audiences.school_communes(ctx.db))
        rows = [(Button(t._(name), AUDIENCE(kind)),) for kind, name in AUDIENCE_NAMES.items()
                if (several or kind != AudienceKind.CHANNEL)
                and (any_school or kind != AudienceKind.SCHOOL)]
        return Reply(t._("Who should receive it?"), (*rows, cancel), edit=edit)
    if step in (Step.COMMUNE, Step.SCHOOL_COMMUNE) and draft.choices:
        rows = [(Button(commune.name, COMMUNE(code)),)
                for code in draft.choices if (commune := communes.get(code))]
        text = (t._("Several communes match. Choose one, or type the name again:")
                if step == Step.COMMUNE else
                t._("Which commune is the school in? Choose it, or type its name:"))
        return Reply(text, (*rows, cancel), edit=edit)
    if step == Step.COMMUNE:
        return Reply(t._("Which commune? Type its name, for example: Anh Sơn. The message goes "
                         "to the members of the commune's teams."), (cancel,), edit=edit,
                     numbered=False)
    if step == Step.SCHOOL_COMMUNE:
        return Reply(t._("Which commune is the school in? Type its name, for example: Anh "
                         "Sơn."), (cancel,), edit=edit, numbered=False)
    if step == Step.SCHOOL:
        schools = await _offered_schools(ctx, draft)
        where = communes.display_name(schools[0].commune_code) if schools else "?"
        rows = [(Button(clip(school.name, NAME_LIMIT), SCHOOL(school.id)),) for school in schools]
        return Reply(t._("Which school of {commune}? The message goes to the students of its "
                         "classes (not to their teachers).").format(commune=where),
                     (*rows, cancel), edit=edit)
    if step == Step.LANGUAGE:
        rows = [(Button(LANGUAGE_NAMES.get(code, code), LANGUAGE(code)),)
                for code in ctx.services.config.locales]
        return Reply(t._("Users of which language?"), (*rows, cancel), edit=edit)
    if step == Step.CHANNEL:
        rows = [(Button(channel.capitalize(), CHANNEL(channel)),)
                for channel in ctx.services.config.delivery_channels]
        return Reply(t._("Users of which chat app?"), (*rows, cancel), edit=edit)
    return None


async def typed(ctx: Context, draft: Draft, text: str) -> Next | None:
    """A commune's or a school's name typed at its step; None at any other step."""
    if draft.step == Step.COMMUNE:
        return _commune(ctx, draft, text)
    if draft.step == Step.SCHOOL_COMMUNE:
        return await _school_commune(ctx, draft, text)
    if draft.step == Step.SCHOOL:
        return await _school(ctx, draft, text)
    return None


async def pressed(ctx: Context, draft: Draft, act: Action) -> Next | None:
    """An audience button pressed at its own step; None for any other (an older message's)."""
    step, verb, arg = draft.step, act.verb, act.args[0] if act.args else ""
    config = ctx.services.config
    if verb == AUDIENCE and step == Step.AUDIENCE and arg in audiences.AUDIENCES:
        kind = AudienceKind(arg)
        if kind == AudienceKind.COMMUNE:
            draft.choices = []
            return Next(step=Step.COMMUNE)
        if kind == AudienceKind.LANGUAGE:
            return Next(step=Step.LANGUAGE)
        if kind == AudienceKind.SCHOOL:
            return await _school_communes(ctx, draft)
        if kind == AudienceKind.CHANNEL and len(config.delivery_channels) > 1:
            return Next(step=Step.CHANNEL)
        if kind != AudienceKind.CHANNEL:
            return Next(Audience(kind))
    if verb == COMMUNE and step == Step.COMMUNE and arg in draft.choices:
        return Next(Audience(AudienceKind.COMMUNE, arg))
    if verb == COMMUNE and step == Step.SCHOOL_COMMUNE and arg in draft.choices:
        return await _schools_of(ctx, draft, arg)
    if verb == SCHOOL and step == Step.SCHOOL and arg in draft.choices:
        return Next(Audience(AudienceKind.SCHOOL, arg))
    if verb == LANGUAGE and step == Step.LANGUAGE and arg in config.locales:
        return Next(Audience(AudienceKind.LANGUAGE, arg))
    if verb == CHANNEL and step == Step.CHANNEL and arg in config.delivery_channels:
        return Next(Audience(AudienceKind.CHANNEL, arg))
    return None


def _commune(ctx: Context, draft: Draft, text: str) -> Next:
    """The commune whose teams' members receive it."""
    found = ctx.services.communes.find(text)
    if len(found) == 1:
        return Next(Audience(AudienceKind.COMMUNE, found[0].code))
    draft.choices = [c.code for c in found]
    if found:
        return Next(step=Step.COMMUNE)
    return Next(step=Step.COMMUNE, note=ctx.t._(
        "No commune of {province} matches “{text}”. Type the name again:").format(
        province=ctx.services.communes.province, text=clip(text, TYPED_ECHO)))


async def _school_communes(ctx: Context, draft: Draft) -> Next:
    """Students of a school: the communes that have one, as buttons when they are few (one:
    straight to its schools)."""
    codes = await audiences.school_communes(ctx.db)
    if not codes:
        return Next(step=Step.AUDIENCE, note=ctx.t._(
            "No school has a class yet, so there are no students to reach. Choose another "
            "audience:"))
    if len(codes) == 1:
        return await _schools_of(ctx, draft, codes[0])
    name = ctx.services.communes.display_name
    draft.choices = sorted(codes, key=lambda c: fold(name(c))) if len(codes) <= MAX_OFFERED \
        else []
    return Next(step=Step.SCHOOL_COMMUNE)


async def _school_commune(ctx: Context, draft: Draft, text: str) -> Next:
    """The commune typed for a school's students: one of those that have a school."""
    t, communes = ctx.t, ctx.services.communes
    with_schools = set(await audiences.school_communes(ctx.db))
    found = communes.find(text, limit=len(communes.all()))
    matching = [c for c in found if c.code in with_schools]
    if len(matching) == 1:
        return await _schools_of(ctx, draft, matching[0].code)
    if matching:
        draft.choices = [c.code for c in matching][:MAX_OFFERED]
        return Next(step=Step.SCHOOL_COMMUNE)
    if len(found) == 1:
        note = t._("{commune} has no school with a class yet. Type the name of another "
                   "commune:").format(commune=found[0].name)
    else:
        note = t._("No commune of {province} with a school matches “{text}”. Type the name "
                   "again:").format(province=communes.province, text=clip(text, TYPED_ECHO))
    draft.choices = []
    return Next(step=Step.SCHOOL_COMMUNE, note=note)


async def _schools_of(ctx: Context, draft: Draft, code: str) -> Next:
    """The schools of the commune as buttons; its only school is chosen at once."""
    schools = await audiences.schools_with_classes(ctx.db, code)
    if len(schools) == 1:
        return Next(Audience(AudienceKind.SCHOOL, str(schools[0].id)))
    if not schools:  # its last class was deleted meanwhile
        draft.choices = []
        return Next(step=Step.SCHOOL_COMMUNE, note=ctx.t._(
            "{commune} has no school with a class yet. Type the name of another "
            "commune:").format(commune=ctx.services.communes.display_name(code)))
    draft.choices = [str(school.id) for school in schools]
    return Next(step=Step.SCHOOL)


async def _school(ctx: Context, draft: Draft, text: str) -> Next:
    """A school's name typed (or part of it) instead of pressing its button."""
    t, schools = ctx.t, await _offered_schools(ctx, draft)
    typed = fold(text).strip()
    found = [s for s in schools if fold(s.name) == typed] or \
        [s for s in schools if typed and typed in fold(s.name)]
    if len(found) == 1:
        return Next(Audience(AudienceKind.SCHOOL, str(found[0].id)))
    if found:
        draft.choices = [str(s.id) for s in found]
        return Next(step=Step.SCHOOL, note=t._("Several schools match “{text}”. Choose "
                                               "one:").format(text=clip(text, TYPED_ECHO)))
    return Next(step=Step.SCHOOL, note=t._("No school here matches “{text}”. Choose one of these, "
                                           "or press Cancel:").format(text=clip(text, TYPED_ECHO)))


async def _offered_schools(ctx: Context, draft: Draft) -> list[School]:
    """The schools the draft offers (their ids are its choices), those that still exist."""
    found = []
    for value in draft.choices:
        school = await class_store.school(ctx.db, int(value)) \
            if value.isascii() and value.isdigit() else None
        if school is not None:
            found.append(school)
    return found
