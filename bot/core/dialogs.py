"""Multi-step dialogs (forms): their state lives in the database between messages.

One form is open at a time: typed answers go to it. A form left for another screen is kept
aside ("suspended", one per kind of form) until the user comes back to it or cancels it, so a
typed answer only ever fills the question it answers.
"""

from __future__ import annotations

from typing import Any

from bot.core.context import Context
from bot.storage import dialogs as dialog_store

SUSPENDED = "suspended"  # the state's key holding the forms kept aside, by flow name


async def save(ctx: Context, state: dict[str, Any]) -> None:
    """Store the open flow and its draft; state must name its "flow". A kept draft of the same
    form is replaced by it."""
    if "flow" not in state:
        raise ValueError("a dialog state must name its flow")
    kept = _kept(ctx)
    kept.pop(str(state["flow"]), None)
    await _store(ctx, {**state, SUSPENDED: kept} if kept else dict(state))


async def close(ctx: Context) -> None:
    """End the open flow (its draft is dropped); forms kept aside stay kept."""
    kept = _kept(ctx)
    await _store(ctx, {SUSPENDED: kept} if kept else {})


def current(ctx: Context, name: str) -> dict[str, Any] | None:
    """The draft of flow name if it is the open one."""
    return ctx.state if ctx.state.get("flow") == name else None


def open_flow(ctx: Context) -> str | None:
    """The name of the open flow, if any."""
    flow = ctx.state.get("flow")
    return flow if isinstance(flow, str) and flow else None


def kept_flows(ctx: Context) -> list[str]:
    """The names of the forms kept aside, the most recently left last."""
    return list(_kept(ctx))


def kept_state(ctx: Context, name: str) -> dict[str, Any] | None:
    """The state of the form name kept aside, if it is."""
    return _kept(ctx).get(name)


async def suspend(ctx: Context) -> str | None:
    """Keep the open flow aside (no flow is open after); its name, or None if none was open."""
    name = open_flow(ctx)
    if name is None:
        return None
    kept = _kept(ctx)
    kept.pop(name, None)
    kept[name] = {k: v for k, v in ctx.state.items() if k != SUSPENDED}
    await _store(ctx, {SUSPENDED: kept})
    return name


async def resume(ctx: Context, name: str) -> bool:
    """Make the kept draft of flow name the open one (the open flow, if another, is kept aside
    instead); False when no such draft is kept."""
    if name not in _kept(ctx):
        return False
    if open_flow(ctx) not in (None, name):
        await suspend(ctx)
    kept = _kept(ctx)
    draft = kept.pop(name)
    await _store(ctx, {**draft, SUSPENDED: kept} if kept else dict(draft))
    return True


async def drop_kept(ctx: Context, name: str) -> None:
    """Forget the kept draft of flow name."""
    kept = _kept(ctx)
    if kept.pop(name, None) is not None:
        state = {k: v for k, v in ctx.state.items() if k != SUSPENDED}
        await _store(ctx, {**state, SUSPENDED: kept} if kept else state)


def _kept(ctx: Context) -> dict[str, dict[str, Any]]:
    """A copy of the kept drafts (a damaged entry is ignored)."""
    kept = ctx.state.get(SUSPENDED)
    if not isinstance(kept, dict):
        return {}
    return {name: dict(draft) for name, draft in kept.items()
            if isinstance(name, str) and isinstance(draft, dict) and draft.get("flow") == name}


async def _store(ctx: Context, state: dict[str, Any]) -> None:
    ctx.state.clear()
    ctx.state.update(state)
    await dialog_store.save_state(ctx.db, ctx.user.id, state, ctx.now, ctx.event.sequence)
