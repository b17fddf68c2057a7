"""The shortlist's screens: the candidates with the rule, a nominee, the reason's question, the
confirmation before taking someone off, and the refusals.

Every choice is a button with a number: a text-only chat types the number shown in front of a
candidate (the numbers of the text are the buttons' own, events.keyed), Telegram presses it.
"""

from __future__ import annotations

from bot.core import reports
from bot.core.context import Context
from bot.core.events import Button, Nav, Reply, keyed
from bot.core.rewards.candidates import PRACTICE_DAYS, Candidate, Shortlist
from bot.core.rewards.ids import CAMPAIGNS, CANCEL, EXPORT, LIST, OPEN, REASON, REMOVE, REMOVED
from bot.core.rewards.rules import MAX_REASON
from bot.core.shared import messages
from bot.core.shared.menus import main_menu, menu_button
from bot.core.shared.messages import clip
from bot.i18n import Translator
from bot.storage.shortlist import TEAM

LABEL_LIMIT = 32  # characters of a name on a button
TITLES_LIMIT = 160  # characters of a candidate's practice titles on their line


def refusal(ctx: Context) -> list[Reply]:
    """The answer to anyone but an admin, whatever they typed or pressed: nothing changes."""
    return [main_menu(ctx, ctx.t._("The reward shortlist is for admins."))]


def stale(ctx: Context) -> list[Reply]:
    """A button whose campaign can no longer be read (old, forged, or the campaign removed)."""
    t = ctx.t
    return [Reply(t._("That button is from an old message, or its campaign is no longer set "
                      "up. Type /shortlist for the current list."), ((menu_button(t),),),
                  edit=ctx.pressed)]


def name_of(t: Translator, candidate: Candidate) -> str:
    """The team's name, or the name the volunteer shows."""
    return clip(candidate.name) if candidate.name else t._("(no name given)")


def where(ctx: Context, candidate: Candidate) -> str:
    """A team's commune; a volunteer's team and commune (or that they left their team)."""
    t, commune = ctx.t, ctx.services.communes.display_name(candidate.commune_code or "")
    if candidate.kind == TEAM:
        return commune
    if not candidate.team:
        return t._("no longer in a team")
    return t._("{team}, {commune}").format(team=clip(candidate.team), commune=commune)


def who(ctx: Context, candidate: Candidate) -> str:
    """The candidate in a sentence: "team “Tổ 1”, Xã Anh Sơn" or "Lan (Tổ 1, Xã Anh Sơn)"."""
    t = ctx.t
    if candidate.kind == TEAM:
        return t._("team “{team}”, {commune}").format(team=name_of(t, candidate),
                                                      commune=where(ctx, candidate))
    return t._("{name} ({team})").format(name=name_of(t, candidate), team=where(ctx, candidate))


def figures(ctx: Context, candidate: Candidate) -> str:
    """The leaderboard's figure and rank, or that they helped no household in the campaign."""
    t = ctx.t
    if candidate.rank is None:
        return t._("no household helped in this campaign")
    return t._("🏠 {households}, rank {rank}").format(
        households=t.number(candidate.households), rank=t.number(candidate.rank))


def _line(ctx: Context, number: str, candidate: Candidate) -> str:
    text = f"{number}. {name_of(ctx.t, candidate)} · {where(ctx, candidate)}: " \
           f"{figures(ctx, candidate)}"
    if candidate.nominated:
        text += " ✅"
    if candidate.practices:
        text += "\n   👍 " + clip("; ".join(candidate.practices), TITLES_LIMIT)
    return text


def _button(ctx: Context, shortlist: Shortlist, candidate: Candidate) -> Button:
    mark = "✅" if candidate.nominated else ("👥" if candidate.kind == TEAM else "🙋")
    return Button(f"{mark} {clip(name_of(ctx.t, candidate), LABEL_LIMIT)}",
                  OPEN(shortlist.scope.token, candidate.kind.value, candidate.target))


def head(ctx: Context, shortlist: Shortlist) -> str:
    """The title, the campaign, the leaderboard's rule and which practices are shown."""
    t, scope = ctx.t, shortlist.scope
    return "\n".join([t._("🏅 Reward shortlist"), *reports.heading(ctx, scope, "/shortlist"),
                      reports.rule(ctx, scope),
                      t._("👍 Good practices: those approved from the campaign's first day to "
                          "{days} days after its last, written by the volunteer or by a member "
                          "of the team.").format(days=t.number(PRACTICE_DAYS))])


def list_replies(ctx: Context, shortlist: Shortlist, note: str | None = None) -> list[Reply]:
    """The shortlist and the candidates, each with its number; note (what just happened) on
    top."""
    t = ctx.t
    options = {c: _button(ctx, shortlist, c) for c in shortlist.everyone}
    rows: list[tuple[Button, ...]] = []
    for group in (shortlist.teams, shortlist.volunteers):  # two a row, each kind apart
        buttons = [options[c] for c in group]
        rows += [tuple(buttons[i:i + 2]) for i in range(0, len(buttons), 2)]
    if shortlist.nominees:
        rows.append((Button(t._("📄 Export XLSX"), EXPORT(shortlist.scope.token)),))
    rows.append((Button(t._("🗓 Other campaigns"), CAMPAIGNS()), menu_button(t)))
    numbers = {button.action: key for key, button in keyed([b for r in rows for b in r])}
    blocks = [note] if note else []
    blocks.append(head(ctx, shortlist))
    nominees = shortlist.nominees
    if nominees:
        blocks.append("\n".join([t._("✅ On the shortlist ({count}):").format(
            count=t.number(len(nominees))),
            *(f"• {name_of(t, c)} · {where(ctx, c)}: {c.reason}" for c in nominees)]))
    else:
        blocks.append(t._("Nobody is on the shortlist yet."))
    for title, found, empty in (
            (t._("👥 Teams"), shortlist.teams, t._("No team has helped a household yet.")),
            (t._("🙋 Volunteers"), shortlist.volunteers,
             t._("No volunteer has helped a household yet."))):
        lines = [_line(ctx, numbers[options[c].action], c) for c in found]
        blocks.append("\n".join([title, *(lines or [empty])]))
    if shortlist.everyone:
        blocks.append(t._("Type a candidate's number to nominate them with a short reason, or "
                          "to change their nomination."))
    return _pack(ctx, blocks, tuple(rows))


def _pack(ctx: Context, blocks: list[str], rows: tuple[tuple[Button, ...], ...]
          ) -> list[Reply]:
    """As few messages as fit the chat; the buttons under the last."""
    limit = min(messages.MESSAGE_LIMIT, ctx.event.capabilities.max_text)
    texts = messages.pack(blocks, limit)
    return [Reply(text, rows if i == len(texts) - 1 else (), edit=False)
            for i, text in enumerate(texts)]


def nominee(ctx: Context, shortlist: Shortlist, candidate: Candidate) -> list[Reply]:
    """A nominee: their figures, practices and reason; change the reason, or take them off."""
    t, token = ctx.t, shortlist.scope.token
    args = (token, candidate.kind.value, candidate.target)
    practices = ("\n".join(f"👍 {title}" for title in candidate.practices) if
                 candidate.practices else t._("No approved good practice."))
    text = "\n".join([
        t._("✅ On the shortlist of {campaign}:").format(campaign=_campaign(shortlist)),
        f"{name_of(t, candidate)} · {where(ctx, candidate)}: {figures(ctx, candidate)}",
        practices,
        t._("Reason: {reason}").format(reason=candidate.reason)])
    return [Reply(text, ((Button(t._("✏ Change the reason"), REASON(*args)),),
                         (Button(t._("✖ Take off the shortlist"), REMOVE(*args)),),
                         (back_button(t, token),), (menu_button(t),)), edit=ctx.pressed)]


def back_button(t: Translator, token: str) -> Button:
    """Back to the campaign's shortlist."""
    return Button(t._("◀ Back to the shortlist"), LIST(token), Nav.BACK)


def _campaign(shortlist: Shortlist) -> str:
    campaign = shortlist.scope.campaign
    return campaign.name if campaign is not None else ""


def question(ctx: Context, shortlist: Shortlist, candidate: Candidate) -> Reply:
    """Ask why the candidate should be rewarded (the reason they have now, when changing it)."""
    t = ctx.t
    lines = [t._("✍ Why should {who} be rewarded? Type the reason in one or two sentences, "
                 "at most {limit} characters, for example: Helped 120 households set up VNeID "
                 "in ten days. It goes into the proposal as you type it.").format(
        who=who(ctx, candidate), limit=t.number(MAX_REASON))]
    if candidate.reason:
        lines.append(t._("Now: {reason}").format(reason=candidate.reason))
    return Reply("\n".join(lines), (cancel_row(t),), edit=ctx.pressed, numbered=False)


def cancel_row(t: Translator) -> tuple[Button, ...]:
    """The question's Cancel."""
    return (Button(t._("✖ Cancel"), CANCEL(), Nav.CANCEL),)


def confirm_removal(ctx: Context, shortlist: Shortlist, candidate: Candidate) -> list[Reply]:
    """Ask before taking a nominee off: their reason goes with them."""
    t = ctx.t
    args = (shortlist.scope.token, candidate.kind.value, candidate.target)
    text = t._("Take {who} off the shortlist? The reason typed for them will be deleted.").format(
        who=who(ctx, candidate))
    return [Reply(text, ((Button(t._("🗑 Yes, take them off"), REMOVED(*args)),),
                         (Button(t._("◀ Back"), OPEN(*args), Nav.BACK),)), edit=ctx.pressed)]


def campaigns_list(ctx: Context, rows: tuple[tuple[Button, ...], ...]) -> list[Reply]:
    """The campaigns that have started, to see another one's shortlist."""
    return [Reply(ctx.t._("Choose a campaign:"), (*rows, (menu_button(ctx.t),)),
                  edit=ctx.pressed)]
