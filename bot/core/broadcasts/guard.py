"""The brakes on a hijacked admin account: links to sites outside the official domains are
flagged in the preview; a broadcast to many people is announced at once to every other admin
with a Stop button, or (broadcasts.require_second_admin) waits until another admin approves it.
"""

from __future__ import annotations

import re

from bot.core.broadcasts.ids import APPROVE
from bot.core.broadcasts.views import audience_label, school_of, stop_button
from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.payloads import Action
from bot.core.shared import outbox
from bot.core.shared.menus import menu_button
from bot.core.shared.messages import clip
from bot.core.shared.roles import is_admin
from bot.i18n import Translator
from bot.storage import broadcasts as store
from bot.storage.audiences import Audience

EXCERPT = 200  # characters of the message quoted to the other admins
# An address in a text: a URL, www.…, or a bare name.tld with a path or a country ending.
_LINK = re.compile(r"(?i)\b(?:https?://|www\.)?((?:[a-z0-9-]{1,63}\.)+[a-z]{2,24})(?=[/:?#\s]|$)"
                   r"|(?i:https?://)(\S+)")


def foreign_hosts(text: str, official: tuple[str, ...]) -> list[str]:
    """The sites a text links to that are not under an official domain, in order, once."""
    found: list[str] = []
    for match in _LINK.finditer(text):
        host = (match.group(1) or match.group(2) or "").lower().rstrip(".")
        if "." not in host or host in found:
            continue
        if not any(host == domain or host.endswith("." + domain) for domain in official):
            found.append(host)
    return found


def link_warning(ctx: Context, *texts: str | None) -> str | None:
    """A line flagging the message's links to unofficial sites, or None."""
    official = ctx.services.config.broadcasts.official_domains
    hosts: list[str] = []
    for text in texts:
        hosts += [h for h in foreign_hosts(text or "", official) if h not in hosts]
    if not hosts:
        return None
    return ctx.t._("⚠ This message links to {sites}, which is not an official address "
                   "({official}). Check it before sending: links are how scams spread.").format(
        sites=", ".join(hosts[:5]), official=", ".join(f".{d}" for d in official) or "—")


def needs_approval(ctx: Context, count: int) -> bool:
    """Whether a broadcast to count people waits for a second admin."""
    settings = ctx.services.config.broadcasts
    return settings.require_second_admin and count > settings.announce_over


async def announce(ctx: Context, number: int, count: int, audience: Audience, text: str,
                   awaiting: bool) -> int:
    """Tell every other admin at once about a big broadcast, with Stop (and Approve when it
    waits for them); how many were told."""
    if count <= ctx.services.config.broadcasts.announce_over and not awaiting:
        return 0
    others = [a for a in await outbox.admins(ctx.services) if a.user_id != ctx.user.id]
    school = await school_of(ctx, audience)
    async with ctx.db.transaction() as conn:
        for admin in others:
            t = ctx.services.translations.get(admin.locale)
            label = audience_label(t, ctx.services.communes, audience, school)
            await outbox.notify(conn, admin,
                                _notice(ctx, t, number, count, label, text, awaiting),
                                ctx.now)
    return len(others)


def _notice(ctx: Context, t: Translator, number: int, count: int, audience: str,
            text: str, awaiting: bool) -> Reply:
    people = t.ngettext("{count} person", "{count} people", count).format(count=t.number(count))
    what = dict(who=t._("admin #{id}").format(id=ctx.user.id), number=number, people=people,
                audience=audience)
    if awaiting:
        head = t._("📣 {who} wrote broadcast #{number} to {people} ({audience}). It waits for "
                   "another admin's approval:").format(**what)
        rows: tuple[tuple[Button, ...], ...] = (
            (Button(t._("✅ Approve #{number}").format(number=number), APPROVE(number)),),
            (stop_button(t, number),))
    else:
        head = t._("📣 {who} started broadcast #{number} to {people} ({audience}). If it was "
                   "not agreed, stop it now:").format(**what)
        rows = ((stop_button(t, number),),)
    return Reply(f"{head}\n\n“{clip(text, EXCERPT)}”", rows)


async def approve_pressed(ctx: Context, act: Action) -> list[Reply]:
    """✅ Approve #N: another admin lets a waiting broadcast go."""
    t, number = ctx.t, act.number(0)
    if not is_admin(ctx):
        return [Reply(t._("Only admins can see or stop broadcasts."))]
    broadcast = await store.get(ctx.db, number)
    if broadcast is None or broadcast.status != store.AWAITING:
        return [Reply(t._("Broadcast #{number} is not waiting for approval.").format(
            number=number), ((menu_button(t),),), edit=ctx.pressed)]
    if broadcast.created_by == ctx.user.id:
        return [Reply(t._("Another admin must approve broadcast #{number}: two people decide "
                          "on a big message.").format(number=number), ((menu_button(t),),))]
    if not await store.approve(ctx.db, number, ctx.user.id, ctx.now):
        return [Reply(t._("Broadcast #{number} is not waiting for approval.").format(
            number=number), ((menu_button(t),),), edit=ctx.pressed)]
    return [Reply(t._("✅ Broadcast #{number} is approved and goes out as planned.").format(
        number=number), ((menu_button(t),),), edit=ctx.pressed)]
