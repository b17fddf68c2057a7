"""What the reports share: who may see what, refusals, ranks, and replies packed in messages."""

from __future__ import annotations

from enum import StrEnum

from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.reports.ids import PICK, STATS
from bot.core.reports.scope import Scope, from_token
from bot.core.shared import messages
from bot.core.shared.menus import menu_button
from bot.core.shared.roles import is_admin, is_leader
from bot.i18n import Translator
from bot.storage.teams import Team


class Reach(StrEnum):
    """What reports a user may see."""

    PROVINCE = "province"  # admins
    TEAM = "team"  # team leaders: their own team
    NONE = ""  # anyone else (false, so `if not reach(ctx)` refuses)


PROVINCE, TEAM = Reach.PROVINCE, Reach.TEAM


def reach(ctx: Context) -> Reach:
    """What reports the user may see: the province (admins), their team (leaders), or none."""
    if is_admin(ctx):
        return PROVINCE
    if is_leader(ctx):
        return TEAM
    return Reach.NONE


def own_team(ctx: Context) -> Team:
    """The team of a leader, whose reports are their team's (reach() said TEAM)."""
    if ctx.membership is None:  # a programming error: reach() is checked first
        raise ValueError("a team's report for a user in no team")
    return ctx.membership.team


def refusal(ctx: Context) -> list[Reply]:
    """The answer to anyone else, whether they typed a command or pressed a forwarded button."""
    t = ctx.t
    return [Reply(t._("Reports are for admins and team leaders. Volunteers can see their own "
                      "figures with /mystats."), ((menu_button(t),),))]


def admins_only(ctx: Context) -> list[Reply]:
    """A team leader pressing a button of the province report (forwarded, or forged)."""
    t = ctx.t
    return [Reply(t._("That part of the report is for admins. Type /stats to see your team's "
                      "report."), ((menu_button(t),),))]


def stale(ctx: Context) -> list[Reply]:
    """A button whose campaign or days can no longer be read."""
    t = ctx.t
    return [Reply(t._("That button is from an old message, or its campaign is no longer set "
                      "up. Type /stats for the current report."), ((menu_button(t),),))]


async def pressed_scope(ctx: Context, token: str, *, province: bool = False
                        ) -> Scope | list[Reply]:
    """The scope a report's button carries; else the answer: not for this user (province:
    admins only), or the button is stale."""
    who = reach(ctx)
    if not who:
        return refusal(ctx)
    if province and who != PROVINCE:
        return admins_only(ctx)
    scope = await from_token(ctx, token)
    return stale(ctx) if scope is None else scope


def no_campaign(ctx: Context, command: str | None = "/stats") -> list[Reply]:
    """Before any campaign has started: nothing to report; command can show days instead."""
    t = ctx.t
    text = t._("No campaign has started yet, so there is no campaign to report on.")
    if command:
        text += " " + t._("Type {command} with two dates for any days, for example {command} "
                          "2026-10-01 2026-10-10.").format(command=command)
    return [Reply(text, ((menu_button(t),),))]


def counted(t: Translator) -> str:
    """How households and people are counted (the same words as /mystats)."""
    return t._("Households, people: first visits only. Skills, outcomes: every visit.")


def ranks(values: list[int]) -> list[int]:
    """Ranks of values sorted from the highest: equal values share a rank (1, 1, 3)."""
    found: list[int] = []
    for i, value in enumerate(values):
        found.append(found[-1] if i and value == values[i - 1] else i + 1)
    return found


def within(ranked: list[int], top: int) -> int:
    """How many of the ranked to show: the first top, and any tied with the last of them."""
    return sum(1 for rank in ranked if rank <= top)


def scope_buttons(ctx: Context, token: str, view: str = "s") -> tuple[Button, ...]:
    """Back to the report, another campaign, the menu."""
    t = ctx.t
    return (Button(t._("📊 Report"), STATS(token)),
            Button(t._("🗓 Other campaigns"), PICK(view)), menu_button(t))


def pack(ctx: Context, blocks: list[str], buttons: tuple[tuple[Button, ...], ...],
         edit: bool) -> list[Reply]:
    """As few messages as fit the limit (blocks whole when they fit); buttons under the last."""
    limit = min(messages.MESSAGE_LIMIT, ctx.event.capabilities.max_text)
    texts = messages.pack(blocks, limit)
    return [Reply(text, buttons if i == len(texts) - 1 else (), edit=edit and i == 0)
            for i, text in enumerate(texts)]
