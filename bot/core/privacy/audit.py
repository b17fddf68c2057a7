"""/audit (admins): the audit log, newest first, a page at a time."""

from __future__ import annotations

from datetime import datetime

from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.payloads import Action
from bot.core.privacy.ids import MORE
from bot.core.shared.menus import main_menu, menu_button
from bot.core.shared.messages import pack
from bot.core.shared.roles import is_admin
from bot.storage import privacy as privacy_store
from bot.storage.privacy import AuditLine

AUDIT_PAGE = 20  # entries a page
DETAIL_LIMIT = 200  # characters of one entry's action and detail shown


def _who(ctx: Context, line: AuditLine) -> tuple[str, str]:
    """Who acted, and the detail without the tag of a deleted actor."""
    t, config = ctx.t, ctx.services.config
    if line.actor_id is not None:
        key = line.actor_key or ""
        # The configured admins are user ids on the admin channels only.
        if line.actor_channel in config.admin_channels and key.isdigit() \
                and int(key) in config.admins:
            return t._("admin {id}").format(id=key), line.detail
        return t._("user #{id}").format(id=line.actor_id), line.detail
    tagged = privacy_store.split_tag(line.detail)
    if tagged is None:
        return t._("command line"), line.detail
    kind, number, rest = tagged
    if kind == privacy_store.ADMIN_TAG:
        return t._("admin {id}").format(id=number), rest
    return t._("deleted user #{id}").format(id=number), rest


def _audit_line(ctx: Context, line: AuditLine) -> str:
    local = datetime.fromisoformat(line.at).astimezone(ctx.services.config.timezone)
    who, detail = _who(ctx, line)
    what = f"{line.action}: {detail}"
    return f"{ctx.t.date(local)} {local:%H:%M} · {who} · {what[:DETAIL_LIMIT]}"


async def _audit(ctx: Context, before: int | None) -> list[Reply]:
    t = ctx.t
    if not is_admin(ctx):
        return [main_menu(ctx, t._("Only admins can see the audit log."))]
    found = await privacy_store.audit_page(ctx.db, before, AUDIT_PAGE + 1)
    page = found[:AUDIT_PAGE]
    if not page:
        text = (t._("The audit log has no older entries.") if before
                else t._("The audit log is empty."))
        return [Reply(text, ((menu_button(t),),), edit=False)]
    head = t._("📜 Audit log, newest first:") if before is None \
        else t._("📜 Audit log, older entries:")
    lines = [head, *(_audit_line(ctx, line) for line in page)]
    # Room is left for the numbered buttons a text-only channel appends.
    messages = pack(lines, ctx.event.capabilities.max_text - 100, sep="\n")
    rows: list[tuple[Button, ...]] = []
    if len(found) > AUDIT_PAGE:
        rows.append((Button(t._("More ▸"), MORE(page[-1].id)),))
    rows.append((menu_button(t),))
    # Each page is a new message, so the one before stays readable above it.
    return [*(Reply(m, edit=False) for m in messages[:-1]),
            Reply(messages[-1], tuple(rows), edit=False)]


async def show_audit(ctx: Context, _args: str) -> list[Reply]:
    """/audit (admins): the latest entries of the audit log."""
    return await _audit(ctx, None)


async def more_audit(ctx: Context, act: Action) -> list[Reply]:
    """The More button: the entries before the last one shown (admins only, checked again)."""
    return await _audit(ctx, act.number(0))
