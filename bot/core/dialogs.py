"""Multi-step dialogs (forms): their state lives in the database between messages."""

from __future__ import annotations

from typing import Any

from bot.core.context import Context
from bot.storage import dialogs as dialog_store


async def save(ctx: Context, state: dict[str, Any]) -> None:
    """Store the open flow and its draft; state must name its "flow" and may set "free_text"."""
    if "flow" not in state:
        raise ValueError("a dialog state must name its flow")
    ctx.state.clear()
    ctx.state.update(state)
    await dialog_store.save_state(ctx.db, ctx.user.id, state, ctx.now, ctx.event.sequence)


async def close(ctx: Context) -> None:
    """End the open flow (its draft is dropped)."""
    ctx.state.clear()
    await dialog_store.save_state(ctx.db, ctx.user.id, {}, ctx.now, ctx.event.sequence)


def current(ctx: Context, name: str) -> dict[str, Any] | None:
    """The draft of flow name if it is the open one."""
    return ctx.state if ctx.state.get("flow") == name else None
