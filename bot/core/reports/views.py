"""What the reports share: who may see what, refusals, ranks, message packing, verbs."""

from __future__ import annotations

from bot.core.actions import action
from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.shared.menus import menu_button
from bot.core.shared.roles import is_admin, is_leader
from bot.i18n import Translator

MAX_MESSAGE = 2000  # Zalo's limit, and as much as a phone screen shows comfortably
PROVINCE, TEAM = "province", "team"

# Button verbs (bot/core/actions.py SHAPES): each carries the scope token of report_scope.py.
STATS = "rs"  # the report: (scope,)
ALL_COMMUNES = "rsa"  # every commune: (scope,)
COMMUNE = "rsc"  # one commune and its teams: (scope, commune code)
CHART = "rch"  # the chart: (scope,)
BOARD = "rlb"  # the leaderboard: (campaign scope,)
PICK = "rpk"  # choose another campaign: (view: "s" for the report, "l" for the leaderboard)


def reach(ctx: Context) -> str:
    """What reports the user may see: the province (admins), their team (leaders), or ""."""
    if is_admin(ctx):
        return PROVINCE
    if is_leader(ctx):
        return TEAM
    return ""


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


def commune_name(ctx: Context, code: str) -> str:
    """The commune's name, or its code if it is not one of the province's."""
    commune = ctx.services.communes.get(code) if code else None
    return commune.name if commune else code or "?"


def clip(text: str, limit: int = 40) -> str:
    """Text cut to limit characters (names chosen by users can be long)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
    return (Button(t._("📊 Report"), action(STATS, token)),
            Button(t._("🗓 Other campaigns"), action(PICK, view)), menu_button(t))


def _pieces(block: str, limit: int) -> list[str]:
    """A block cut at line ends into pieces of at most limit characters."""
    pieces: list[str] = []
    for line in block.split("\n"):
        line = line[:limit]
        if pieces and len(pieces[-1]) + 1 + len(line) <= limit:
            pieces[-1] += "\n" + line
        else:
            pieces.append(line)
    return pieces


def pack(ctx: Context, blocks: list[str], buttons: tuple[tuple[Button, ...], ...],
         edit: bool) -> list[Reply]:
    """As few messages as fit the limit (blocks whole when they fit); buttons under the last."""
    limit = min(MAX_MESSAGE, ctx.event.capabilities.max_text)
    texts: list[str] = []
    for block in blocks:
        for piece in _pieces(block, limit):
            if texts and len(texts[-1]) + 2 + len(piece) <= limit:
                texts[-1] += "\n\n" + piece
            else:
                texts.append(piece)
    return [Reply(text, buttons if i == len(texts) - 1 else (), edit=edit and i == 0)
            for i, text in enumerate(texts)]
