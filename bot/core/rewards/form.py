"""/shortlist and its buttons: the candidates of a campaign, nominating one with a typed reason,
changing the reason, taking a nominee off.

Every handler checks again that an admin is acting and reads the campaign and the candidate
again from the button (old, forwarded or forged buttons get a clear answer and change
nothing). A nomination, a new reason or a removal is written with its audit entry in one
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from bot.core import campaigns, dialogs, reports
from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.payloads import Action
from bot.core.reports import Scope
from bot.core.rewards import views
from bot.core.rewards.candidates import Candidate, Shortlist, gather
from bot.core.rewards.ids import LIST
from bot.core.rewards.rules import check_reason
from bot.core.shared.menus import main_menu
from bot.core.shared.messages import clip
from bot.core.shared.roles import is_admin
from bot.storage import audit as audit_store
from bot.storage import shortlist as shortlist_store
from bot.storage.shortlist import TEAM, Kind

REASON_FLOW = "shortlist_reason"  # the reason an admin is typing
MAX_CAMPAIGNS = 10  # campaigns offered to choose from, the most recent first
_MAX_ID = 10**12


@dataclass(frozen=True)
class Asked:
    """The open question "why?": which campaign (its scope token) and which candidate."""

    token: str
    kind: Kind
    target: int

    def to_state(self) -> dict[str, Any]:
        """The dialog state storing this question."""
        return {"flow": REASON_FLOW, "scope": self.token, "kind": self.kind.value,
                "target": self.target}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Asked | None:
        """The question in a dialog state; None when none is open."""
        token, kind, target = state.get("scope"), state.get("kind"), state.get("target")
        if state.get("flow") != REASON_FLOW or not isinstance(token, str) \
                or kind not in {k.value for k in Kind} or not isinstance(target, int):
            return None
        return cls(token, Kind(kind), target)


async def campaign_of(ctx: Context, token: str) -> Scope | None:
    """The campaign a button carries, once it has started; None for days, a campaign no longer
    set up, or one still to come."""
    scope = await reports.from_token(ctx, token)
    if scope is None or scope.campaign is None or scope.first > campaigns.today(ctx):
        return None
    return scope


async def pressed_campaign(ctx: Context, token: str) -> Scope | list[Reply]:
    """The campaign a shortlist button carries, for an admin; else the refusal or "stale"."""
    if not is_admin(ctx):
        return views.refusal(ctx)
    scope = await campaign_of(ctx, token)
    return views.stale(ctx) if scope is None else scope


async def default_campaign(ctx: Context) -> Scope | None:
    """The running campaign, else the one that started last (rewards follow a campaign's end);
    None before any has started."""
    running = campaigns.running(ctx)
    if running is not None:
        return await reports.campaign_scope(ctx, ctx.services.config.campaigns.index(running))
    started = reports.started_campaigns(ctx)
    return await reports.campaign_scope(ctx, started[0][0]) if started else None


async def shortlist(ctx: Context, _args: str) -> list[Reply]:
    """/shortlist: the running campaign's candidates and nominees (else the last campaign's)."""
    if not is_admin(ctx):
        return views.refusal(ctx)
    scope = await default_campaign(ctx)
    if scope is None:
        return reports.no_campaign(ctx, None)
    return views.list_replies(ctx, await gather(ctx, scope))


async def list_pressed(ctx: Context, act: Action) -> list[Reply]:
    """The shortlist of the campaign a button carries."""
    scope = await pressed_campaign(ctx, act.args[0])
    if not isinstance(scope, Scope):
        return scope
    return views.list_replies(ctx, await gather(ctx, scope))


async def campaigns_pressed(ctx: Context, _act: Action) -> list[Reply]:
    """The campaigns that have started, the most recent first."""
    if not is_admin(ctx):
        return views.refusal(ctx)
    started = reports.started_campaigns(ctx)[:MAX_CAMPAIGNS]
    if not started:
        return reports.no_campaign(ctx, None)
    return views.campaigns_list(ctx, tuple((Button(f"🚩 {clip(c.name, 60)}", LIST(f"c{i}")),)
                                           for i, c in started))


async def candidate_of(ctx: Context, token: str, kind: str, target: int
                       ) -> tuple[Shortlist, Candidate] | list[Reply]:
    """The campaign's shortlist and the candidate named, or the answer when the button is
    stale or forged (no such campaign, or not one of its candidates)."""
    scope = await campaign_of(ctx, token)
    if scope is None or kind not in {k.value for k in Kind} or not 0 < target < _MAX_ID:
        return views.stale(ctx)
    found = await gather(ctx, scope)
    candidate = found.find(kind, target)
    if candidate is None:
        return views.list_replies(ctx, found, ctx.t._(
            "That is not one of this campaign's candidates (the button may be from an old "
            "message); nothing changed. Here is the shortlist:"))
    return found, candidate


async def _pressed(ctx: Context, act: Action) -> tuple[Shortlist, Candidate] | list[Reply]:
    """The candidate a button names (campaign token, kind, id), for an admin; else the answer
    (a refusal, or the button is stale or forged)."""
    if not is_admin(ctx):
        return views.refusal(ctx)
    return await candidate_of(ctx, act.args[0], act.args[1], act.number(2))


async def open_pressed(ctx: Context, act: Action) -> list[Reply]:
    """A candidate: asked why, to nominate them; a nominee: their nomination."""
    found = await _pressed(ctx, act)
    if isinstance(found, list):
        return found
    if found[1].nominated:
        return views.nominee(ctx, *found)
    return await _ask(ctx, *found)


async def reason_pressed(ctx: Context, act: Action) -> list[Reply]:
    """Change the reason: asked again, with the one they have now."""
    found = await _pressed(ctx, act)
    return found if isinstance(found, list) else await _ask(ctx, *found)


async def _ask(ctx: Context, found: Shortlist, candidate: Candidate) -> list[Reply]:
    await dialogs.save(ctx, Asked(found.scope.token, candidate.kind, candidate.target).to_state())
    return [views.question(ctx, found, candidate)]


def with_reason(found: Shortlist, candidate: Candidate, reason: str | None) -> Shortlist:
    """The shortlist with the candidate's reason set (None: taken off), as just written."""
    def changed(group: tuple[Candidate, ...]) -> tuple[Candidate, ...]:
        return tuple(replace(c, reason=reason) if c == candidate else c for c in group)
    return replace(found, teams=changed(found.teams), volunteers=changed(found.volunteers))


def _detail(event: str, found: Shortlist, candidate: Candidate) -> str:
    key = found.scope.campaign.key if found.scope.campaign else ""
    if candidate.kind == TEAM:
        return audit_store.detail(event, campaign=key, team=candidate.target)
    return audit_store.detail(event, campaign=key, user=candidate.target)


async def reason_typed(ctx: Context, text: str) -> list[Reply]:
    """The reason typed: checked, then the nomination and its audit entry are written."""
    asked = Asked.from_state(ctx.state)
    if asked is None or not is_admin(ctx):
        await dialogs.close(ctx)
        return views.refusal(ctx) if asked is not None else [main_menu(ctx)]
    checked = check_reason(text)
    if checked.value is None:
        if checked.problem is None:  # the rules give a reason whenever they refuse
            raise ValueError("a reason was refused without saying why")
        problem = ctx.t._(checked.problem).format(**checked.numbers)
        return [Reply(problem, (views.cancel_row(ctx.t),), numbered=False)]
    await dialogs.close(ctx)
    found = await candidate_of(ctx, asked.token, asked.kind.value, asked.target)
    if isinstance(found, list):
        return found
    shortlist_now, candidate = found
    key = shortlist_now.scope.campaign.key if shortlist_now.scope.campaign else ""
    async with ctx.db.transaction() as conn:
        new = await shortlist_store.nominate(conn, key, candidate.kind, candidate.target,
                                             checked.value, ctx.now)
        await audit_store.record(conn, ctx.user.id, "shortlist", _detail(
            "shortlist_nominated" if new else "shortlist_reason_changed", shortlist_now,
            candidate), ctx.now)
    t = ctx.t
    note = (t._("✅ On the shortlist now: {who}.") if new
            else t._("✏ New reason saved for {who}.")).format(who=views.who(ctx, candidate))
    return views.list_replies(ctx, with_reason(shortlist_now, candidate, checked.value), note)


async def cancel_pressed(ctx: Context, _act: Action) -> list[Reply]:
    """Cancel while typing a reason: nothing changes."""
    if not is_admin(ctx):
        return views.refusal(ctx)
    asked = Asked.from_state(ctx.state)
    await dialogs.close(ctx)
    if asked is None:  # an old Cancel: no reason is being typed
        return [main_menu(ctx, ctx.t._("That question was already closed; nothing changed."))]
    line = ctx.t._("The reason you were typing was not saved; nothing changed.")
    scope = await campaign_of(ctx, asked.token)
    if scope is None:
        return [main_menu(ctx, line)]
    return views.list_replies(ctx, await gather(ctx, scope), line)


async def remove_pressed(ctx: Context, act: Action) -> list[Reply]:
    """Take a nominee off: asked first."""
    found = await _pressed(ctx, act)
    if isinstance(found, list):
        return found
    if not found[1].nominated:
        return _not_nominated(ctx, *found)
    return views.confirm_removal(ctx, *found)


def _not_nominated(ctx: Context, found: Shortlist, candidate: Candidate) -> list[Reply]:
    return views.list_replies(ctx, found, ctx.t._(
        "Not on the shortlist (taken off meanwhile?): {who}. Nothing changed.").format(
        who=views.who(ctx, candidate)))


async def removed_pressed(ctx: Context, act: Action) -> list[Reply]:
    """Yes, take them off: the nomination and its reason are deleted, with an audit entry."""
    found = await _pressed(ctx, act)
    if isinstance(found, list):
        return found
    shortlist_now, candidate = found
    key = shortlist_now.scope.campaign.key if shortlist_now.scope.campaign else ""
    async with ctx.db.transaction() as conn:
        removed = await shortlist_store.remove(conn, key, candidate.kind, candidate.target)
        if removed:
            await audit_store.record(conn, ctx.user.id, "shortlist", _detail(
                "shortlist_removed", shortlist_now, candidate), ctx.now)
    if not removed:
        return _not_nominated(ctx, shortlist_now, candidate)
    return views.list_replies(ctx, with_reason(shortlist_now, candidate, None), ctx.t._(
        "Taken off the shortlist: {who}.").format(who=views.who(ctx, candidate)))
