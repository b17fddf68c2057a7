"""Recording privileged actions, so admins can see who did what and when (/audit)."""

from __future__ import annotations

from bot.core.context import Context
from bot.storage import audit as audit_store


async def record(ctx: Context, action: str, detail: str) -> None:
    """Record an action by the current user in its own transaction.

    Prefer storage.audit.record(conn, ...) inside the transaction that makes the change, so the
    change and its record cannot be separated; this is for actions that write nothing else.
    """
    async with ctx.db.transaction() as conn:
        await audit_store.record(conn, ctx.user.id, action, detail, ctx.now)
