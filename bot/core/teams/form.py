"""/newteam (admins): ask for the commune, then the team's name; answer with the join code."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from bot.core import dialogs
from bot.core.context import Context
from bot.core.events import Button, Nav, Reply
from bot.core.payloads import Action
from bot.core.shared.communes import Commune
from bot.core.shared.menus import menu_button
from bot.core.shared.messages import clip
from bot.core.shared.roles import is_admin
from bot.core.shared.text import normalize
from bot.core.teams.ids import CANCEL, COMMUNE
from bot.core.teams.rules import MAX_NAME, MIN_NAME, is_team_name, with_new_code
from bot.storage import teams as team_store

FLOW = "newteam"
TYPED_ECHO = 60  # characters of a typed commune name quoted back


class Step(StrEnum):
    """The form's questions (the values are stored in the dialog state)."""

    COMMUNE = "commune"
    NAME = "name"


@dataclass
class Draft:
    """A team being created: its commune once chosen, then its name is asked."""

    step: Step = Step.COMMUNE
    free_text: bool = True  # False while communes are offered as buttons
    commune: str | None = None  # the commune's official code

    def to_state(self) -> dict[str, Any]:
        """The dialog state storing this draft."""
        state = {"flow": FLOW, **asdict(self)}
        if self.commune is None:
            del state["commune"]
        return state

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Draft | None:
        """The draft in a dialog state; None when the open flow is another one."""
        if state.get("flow") != FLOW:
            return None
        commune = state.get("commune")
        draft = cls(free_text=state.get("free_text") is not False,
                    commune=commune if isinstance(commune, str) and commune else None)
        # The name is asked only once the commune is known.
        if state.get("step") == Step.NAME and draft.commune is not None:
            draft.step = Step.NAME
        return draft


def _closed(ctx: Context) -> Reply:
    return Reply(ctx.t._("This form is already closed. Type /newteam to start again."))


def _cancel_row(ctx: Context) -> tuple[Button, ...]:
    return (Button(ctx.t._("✖ Cancel"), CANCEL(), Nav.CANCEL),)


async def new_team(ctx: Context, _args: str) -> list[Reply]:
    """/newteam (admins): ask for the commune, then the name; answer with the join code."""
    if not is_admin(ctx):
        return [Reply(ctx.t._("Only admins can create teams."))]
    await dialogs.save(ctx, Draft().to_state())
    return [_ask_commune(ctx, ctx.t._("New team. Which commune is it in? Type its name, with or "
                                      "without accents (for example: Anh Sơn)."))]


def _ask_commune(ctx: Context, text: str, choices: list[Commune] | None = None) -> Reply:
    rows: list[tuple[Button, ...]] = [(Button(c.name, COMMUNE(c.code)),) for c in choices or []]
    rows.append(_cancel_row(ctx))
    return Reply(text, tuple(rows), numbered=bool(choices))


async def on_text(ctx: Context, text: str) -> list[Reply]:
    """Typed answers in /newteam: the commune's name, then the team's name."""
    if not is_admin(ctx):
        await dialogs.close(ctx)
        return [Reply(ctx.t._("Only admins can create teams."))]
    draft = Draft.from_state(ctx.state)
    if draft is None:  # the router sends only this flow's text here
        return [_closed(ctx)]
    if draft.step == Step.NAME and draft.commune is not None:
        return await _create(ctx, draft.commune, normalize(text))
    found = ctx.services.communes.find(text)
    if not found:
        return [_ask_commune(ctx, ctx.t._("No commune of {province} matches “{text}”. Type the "
                                          "name again:").format(
            province=ctx.services.communes.province, text=clip(normalize(text), TYPED_ECHO)))]
    if len(found) > 1:
        await dialogs.save(ctx, Draft(free_text=False).to_state())
        return [_ask_commune(ctx, ctx.t._("Several communes match. Choose one, or type the name "
                                          "again:"), found)]
    return await _ask_name(ctx, found[0])


async def on_commune(ctx: Context, act: Action) -> list[Reply]:
    """A commune chosen from the buttons in /newteam."""
    if not is_admin(ctx) or Draft.from_state(ctx.state) is None:
        return [_closed(ctx)]
    commune = ctx.services.communes.get(act.args[0])
    if commune is None:
        return [_ask_commune(ctx, ctx.t._("Type the commune's name again:"))]
    return await _ask_name(ctx, commune)


async def _ask_name(ctx: Context, commune: Commune) -> list[Reply]:
    await dialogs.save(ctx, Draft(Step.NAME, commune=commune.code).to_state())
    text = ctx.t._("Commune: {commune}. Now type the team's name (for example: Tổ công nghệ số "
                   "thôn 3).").format(commune=commune.name)
    return [Reply(text, (_cancel_row(ctx),), numbered=False)]


async def _create(ctx: Context, commune: str, name: str) -> list[Reply]:
    t = ctx.t
    if not is_team_name(name):
        return [Reply(t._("The team's name must be {min} to {max} characters. Type it again:"
                          ).format(min=MIN_NAME, max=MAX_NAME),
                      (_cancel_row(ctx),), numbered=False)]
    team = await with_new_code(lambda code: team_store.create(
        ctx.db, code, name, commune, ctx.user.id, ctx.now, audited=True))
    await dialogs.close(ctx)
    text = t._("Team “{team}” created in {commune}. Its join code is {code}: volunteers type "
               "/join {code}").format(team=team.name,
                                      commune=ctx.services.communes.display_name(commune),
                                      code=team.join_code)
    return [Reply(text, ((menu_button(t),),))]


async def on_cancel(ctx: Context, _act: Action) -> list[Reply]:
    """Cancel /newteam."""
    if Draft.from_state(ctx.state) is not None:
        await dialogs.close(ctx)
    return [Reply(ctx.t._("No team was created."), ((menu_button(ctx.t),),), edit=ctx.pressed)]
