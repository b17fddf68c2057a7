"""Who may do what: citizen, volunteer, team leader, admin. Checked in the core, so every
channel enforces the same rules."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import ADMINS, EVERYONE, VOLUNTEERS
from bot.core.shared.skills import HANDBOOK


def is_admin(ctx: Context) -> bool:
    """True for the admins named in the configuration (config.yaml and BOT_ADMINS)."""
    user, config = ctx.user, ctx.services.config
    # The admins list names user ids of the admin channels only (the console lets an operator
    # act as one of them).
    return (user.channel in config.admin_channels and user.external_id.isdigit()
            and int(user.external_id) in config.admins)


def is_volunteer(ctx: Context) -> bool:
    """True for members of a team (volunteers and team leaders)."""
    return ctx.membership is not None


def is_leader(ctx: Context) -> bool:
    """True for team leaders."""
    return ctx.membership is not None and ctx.membership.is_leader


def sees_handbook(ctx: Context) -> bool:
    """The volunteer handbook is for volunteers and admins, not citizens."""
    return is_volunteer(ctx) or is_admin(ctx)


def audiences(ctx: Context) -> tuple[str, ...]:
    """Whose commands this user should see listed."""
    found = [EVERYONE]
    if is_volunteer(ctx) or is_admin(ctx):
        found.append(VOLUNTEERS)
    if is_admin(ctx):
        found.append(ADMINS)
    return tuple(found)


def may_open_track(ctx: Context, skill: str) -> bool:
    """Whether the user may list or open lessons of this skill or track."""
    return skill != HANDBOOK or sees_handbook(ctx)
