"""/mystats and /teamstats: a volunteer's and a team's figures today, this campaign (the last 30
days when none is running), all time.

A volunteer sees only their own figures and their team's totals, never other people's names
or households. Admins see any team's totals. Each message stays under MESSAGE_LIMIT, short
enough for a phone and for Zalo.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from functools import partial

from babel import Locale

from bot.config import Campaign
from bot.core import campaigns
from bot.core.context import Context
from bot.core.events import Button, Reply
from bot.core.payloads import Action
from bot.core.shared.menus import MY_FIGURES, menu_button
from bot.core.shared.messages import MESSAGE_LIMIT, clip, pack
from bot.core.shared.outcomes import OUTCOMES
from bot.core.shared.roles import is_admin, is_volunteer
from bot.core.shared.skills import SKILLS
from bot.core.shared.text import fold
from bot.core.visits.ids import ONE_TEAM, TEAM_FIGURES, TEAM_LIST
from bot.i18n import N_, Translator
from bot.storage import figures as figure_store
from bot.storage import teams as team_store
from bot.storage.figures import EVER, Figures
from bot.storage.teams import Team

PAGE_SIZE = 8


# English says 1st, 2nd, 3rd, 4th; CLDR tells which form a number takes in each language.
_ORDINALS = {"one": N_("{n}st"), "two": N_("{n}nd"), "few": N_("{n}rd"), "other": N_("{n}th")}

LiveFigures = Callable[[str, str], Awaitable[Figures]]  # (start, end) -> figures
FrozenFigures = Callable[[str], Awaitable[Figures]]  # campaign key -> figures
# (campaign or None, start, end, figures) -> lines under the period's figures
PeriodExtra = Callable[[Campaign | None, str, str, Figures], Awaitable[list[str]]]


def ordinal(t: Translator, n: int) -> str:
    """n as a rank in the user's language: 2nd, 3rd..."""
    form = Locale.parse(t.locale).ordinal_form(n)
    return t._(_ORDINALS.get(form, _ORDINALS["other"])).format(n=t.number(n))


def figure_lines(t: Translator, found: Figures) -> list[str]:
    """Households, people and visits, then each skill and outcome that is not zero."""
    if found.visits == 0:
        return [t._("No visits logged.")]
    lines = [" · ".join([
        t.ngettext("🏠 {count} household", "🏠 {count} households", found.households)
        .format(count=t.number(found.households)),
        t.ngettext("👥 {count} person", "👥 {count} people", found.people)
        .format(count=t.number(found.people)),
        t.ngettext("{count} visit", "{count} visits", found.visits)
        .format(count=t.number(found.visits)),
    ])]
    for skill, (emoji, name) in SKILLS.items():
        if found.skills[skill]:
            lines.append(f"{emoji} {t._(name)}: {t.number(found.skills[skill])}")
    for outcome, name in OUTCOMES.items():
        if found.outcomes[outcome]:
            lines.append(f"✅ {t._(name)}: {t.number(found.outcomes[outcome])}")
    return lines


async def team_campaign_figures(ctx: Context, team_id: int) -> tuple[Campaign | None, Figures]:
    """A team's figures over the running campaign; None and the last 30 days when none runs."""
    running = campaigns.running(ctx)
    first, last = ((running.first_day, running.last_day) if running is not None
                   else campaigns.recent_days(ctx))
    start, end = campaigns.days_bounds(first, last, ctx.services.config.timezone)
    return running, await figure_store.of_team(ctx.db, team_id, start, end)


def _campaign_heading(ctx: Context, campaign: Campaign, ended: bool) -> list[str]:
    t = ctx.t
    days = t._("{first} – {last}").format(first=t.date(campaign.first_day),
                                          last=t.date(campaign.last_day))
    if ended:
        state = t._("ended, figures frozen")
    else:
        day = (campaigns.today(ctx) - campaign.first_day).days + 1
        total = (campaign.last_day - campaign.first_day).days + 1
        state = t._("day {day} of {days}").format(day=t.number(day), days=t.number(total))
    return [f"🚩 {campaign.name}", f"{days} · {state}"]


def _recent_heading(ctx: Context, first: date, last: date) -> list[str]:
    t = ctx.t
    return [t._("🗓 Last {count} days, {first} – {last}").format(
        count=t.number(campaigns.RECENT_DAYS), first=t.date(first), last=t.date(last)),
        t._("No campaign is running, so the last {count} days are shown instead.").format(
            count=t.number(campaigns.RECENT_DAYS))]


async def _blocks(ctx: Context, heading: list[str], live: LiveFigures, frozen: FrozenFigures,
                  period_extra: PeriodExtra | None = None) -> list[str]:
    """The heading, then today, the running campaign (else the last 30 days, then the last
    campaign that ended, its figures frozen) and all time, one block each."""
    t, tz = ctx.t, ctx.services.config.timezone
    day = campaigns.today(ctx)
    counted = t._("Households, people: first visits only. Skills, outcomes: every visit.")
    blocks = ["\n".join([*heading, counted])]
    today = await live(*campaigns.days_bounds(day, day, tz))
    blocks.append("\n".join([t._("📅 Today, {date}").format(date=t.date(day)),
                             *figure_lines(t, today)]))
    running = campaigns.running(ctx)
    if running is not None:
        first, last = running.first_day, running.last_day
        title = _campaign_heading(ctx, running, ended=False)
    else:
        first, last = campaigns.recent_days(ctx)
        title = _recent_heading(ctx, first, last)
    start, end = campaigns.days_bounds(first, last, tz)
    found = await live(start, end)
    extra = await period_extra(running, start, end, found) if period_extra else []
    blocks.append("\n".join([*title, *figure_lines(t, found), *extra]))
    shown = campaigns.shown(ctx)
    if shown is not None and shown.ended:  # none running: the last one's result stays in view
        await campaigns.ensure_frozen(ctx)
        found = await frozen(shown.campaign.key)
        extra = await period_extra(shown.campaign, "", shown.end, found) if period_extra else []
        blocks.append("\n".join([*_campaign_heading(ctx, shown.campaign, ended=True),
                                 *figure_lines(t, found), *extra]))
    if running is None:
        coming = campaigns.upcoming(ctx)
        if coming is not None:
            blocks.append(t._("🚩 Next campaign: {name}, from {date}.").format(
                name=coming.name, date=t.date(coming.first_day)))
    blocks.append("\n".join([t._("🗂 All time"), *figure_lines(t, await live(*EVER))]))
    return blocks


def _pack(ctx: Context, blocks: list[str], buttons: tuple[tuple[Button, ...], ...]
          ) -> list[Reply]:
    """As few messages as fit the limit (shared.messages.pack); the buttons under the last."""
    texts = pack(blocks, min(MESSAGE_LIMIT, ctx.event.capabilities.max_text))
    return [Reply(text, buttons if i == len(texts) - 1 else (), edit=ctx.pressed and i == 0)
            for i, text in enumerate(texts)]


def _not_a_volunteer(ctx: Context) -> list[Reply]:
    t = ctx.t
    text = t._("Figures are for volunteers of a Community Digital Technology Team. If you are "
               "one, join your team with /join and the code your team leader gave you.")
    if is_admin(ctx):
        text = t._("You are not in a team, so you have no figures of your own. Type "
                   "/teamstats to see any team's figures.")
    return [Reply(text, ((menu_button(t),),), edit=ctx.pressed)]


async def my_stats(ctx: Context, _arg: str | Action) -> list[Reply]:
    """The volunteer's own figures: today, this campaign, all time."""
    if not is_volunteer(ctx):
        return _not_a_volunteer(ctx)
    t = ctx.t
    blocks = await _blocks(ctx, [t._("📊 Your figures")],
                           partial(figure_store.of_volunteer, ctx.db, ctx.user.id),
                           partial(_frozen_of_volunteer, ctx, ctx.user.id))
    buttons = ((Button(t._("👥 My team's figures"), TEAM_FIGURES()), menu_button(t)),)
    return _pack(ctx, blocks, buttons)


async def _frozen_of_volunteer(ctx: Context, volunteer_id: int, campaign: str) -> Figures:
    return await figure_store.frozen_of_volunteer(ctx.db, campaign, volunteer_id)


async def _frozen_of_team(ctx: Context, team_id: int, campaign: str) -> Figures:
    return await figure_store.frozen_of_team(ctx.db, campaign, team_id)


async def _target_and_rank(ctx: Context, team: Team, campaign: Campaign | None, start: str,
                           end: str, found: Figures) -> list[str]:
    """Progress against the campaign's target, and the team's rank in its commune over the
    same days (start "" for an ended campaign: its frozen copy, up to end)."""
    t, lines = ctx.t, []
    target = campaign.household_target if campaign is not None else None
    if target:
        line = t.ngettext("🎯 {done} / {target} household", "🎯 {done} / {target} households",
                          target).format(done=t.number(found.households),
                                         target=t.number(target))
        lines.append(line + (" ✓" if found.households >= target else ""))
    if campaign is not None and not start:
        counts = await figure_store.frozen_commune_households(
            ctx.db, campaign.key, team.commune_code, end)
    else:
        counts = await figure_store.commune_households(ctx.db, team.commune_code, start, end)
    if team.id in counts:  # a team with no household in these days has no rank
        mine = counts[team.id]
        rank = 1 + sum(1 for households in counts.values() if households > mine)
        lines.append(t.ngettext("🏆 {rank} of {count} team in {commune}",
                                "🏆 {rank} of {count} teams in {commune}", len(counts)).format(
            rank=ordinal(t, rank), count=t.number(len(counts)),
            commune=ctx.services.communes.display_name(team.commune_code)))
    return lines


async def show_team(ctx: Context, team: Team) -> list[Reply]:
    """A team's totals (no names, no households): today, this campaign, all time, its rank."""
    t = ctx.t
    heading = [t._("👥 Team “{team}”, {commune}").format(
        team=team.name, commune=ctx.services.communes.display_name(team.commune_code))]
    blocks = await _blocks(ctx, heading, partial(figure_store.of_team, ctx.db, team.id),
                           partial(_frozen_of_team, ctx, team.id),
                           partial(_target_and_rank, ctx, team))
    row: list[Button] = []
    if is_volunteer(ctx):
        row.append(Button(t._("📊 My figures"), MY_FIGURES()))
    if is_admin(ctx):
        row.append(Button(t._("👥 Other teams"), TEAM_LIST(1)))
    return _pack(ctx, blocks, (tuple(row), (menu_button(t),)) if row else ((menu_button(t),),))


async def team_stats(ctx: Context, args: str) -> list[Reply]:
    """/teamstats: the user's team; admins: /teamstats CODE, or a list of teams to pick."""
    t, code = ctx.t, args.strip()
    own = ctx.membership.team if ctx.membership else None
    if code and own and code.upper() == own.join_code:
        return await show_team(ctx, own)
    if not is_admin(ctx):
        if own is None:
            return _not_a_volunteer(ctx)
        if code:
            return [Reply(t._("You can see your own team's figures only. Type /teamstats "
                              "alone to see them."), ((menu_button(t),),))]
        return await show_team(ctx, own)
    if not code:
        return await show_team(ctx, own) if own else await team_list(ctx, 1)
    team = await team_store.by_code(ctx.db, code)
    if team is not None:
        return await show_team(ctx, team)
    found = ctx.services.communes.find(code)
    if len(found) == 1:
        return await _commune_teams(ctx, found[0].code)
    return [Reply(t._("No team has the join code {code}. Type /teamstats alone to choose a team "
                      "from the list.").format(code=clip(code)), ((menu_button(t),),))]


def _team_button(ctx: Context, team: Team) -> tuple[Button, ...]:
    label = f"{team.name} · {ctx.services.communes.display_name(team.commune_code)}"
    return (Button(label, ONE_TEAM(team.id)),)


async def _commune_teams(ctx: Context, commune_code: str) -> list[Reply]:
    t, commune = ctx.t, ctx.services.communes.display_name(commune_code)
    found = sorted(await team_store.in_commune(ctx.db, commune_code), key=lambda x: fold(x.name))
    if not found:
        return [Reply(t._("{commune} has no team yet.").format(commune=commune),
                      ((menu_button(t),),))]
    # A commune has a handful of teams; more than a screenful is cut rather than paged.
    rows = [_team_button(ctx, team) for team in found[:PAGE_SIZE * 3]]
    return [Reply(t._("Teams of {commune}: choose one.").format(commune=commune),
                  (*rows, (menu_button(t),)))]


async def team_list(ctx: Context, page: int) -> list[Reply]:
    """One page of every team, by commune, for an admin to pick."""
    t = ctx.t
    found = await figure_store.all_teams(ctx.db)
    if not found:
        return [Reply(t._("No team has been created yet."), ((menu_button(t),),),
                      edit=ctx.pressed)]
    communes = ctx.services.communes
    found.sort(key=lambda x: (fold(communes.display_name(x.commune_code)), fold(x.name)))
    pages = (len(found) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 1), pages)
    rows = [_team_button(ctx, team) for team in found[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]]
    nav: list[Button] = []
    if page > 1:
        nav.append(Button(t._("◀ Previous"), TEAM_LIST(page - 1)))
    if page < pages:
        nav.append(Button(t._("Next ▶"), TEAM_LIST(page + 1)))
    text = t._("Choose a team (page {page} of {pages}), or type /teamstats and its join "
               "code:").format(page=t.number(page), pages=t.number(pages))
    return [Reply(text, (*rows, *((tuple(nav),) if nav else ()), (menu_button(t),)),
                  edit=ctx.pressed)]


async def pressed_team(ctx: Context, act: Action) -> list[Reply]:
    """A team's figures from a button: re-checked, as buttons can be forged or forwarded."""
    t, wanted = ctx.t, act.args[0]
    own = ctx.membership.team if ctx.membership else None
    if own is None and not is_admin(ctx):
        return _not_a_volunteer(ctx)
    # A database id: a forged 24-digit "id" would not fit SQLite's integers.
    team = await team_store.by_id(ctx.db, int(wanted)) if wanted.isdigit() and len(wanted) <= 12 \
        else None
    if team is not None and (is_admin(ctx) or (own is not None and own.id == team.id)):
        return await show_team(ctx, team)
    text = (t._("That team no longer exists.") if is_admin(ctx) else
            t._("You can see your own team's figures only. Type /teamstats alone to see them."))
    return [Reply(text, ((menu_button(t),),), edit=ctx.pressed)]


async def pressed_list(ctx: Context, act: Action) -> list[Reply]:
    """A page of the admins' list of teams (others get /teamstats alone)."""
    if not is_admin(ctx):
        return await team_stats(ctx, "")
    return await team_list(ctx, act.number(0))


async def pressed_team_stats(ctx: Context, _act: Action) -> list[Reply]:
    """"My team's figures": as /teamstats alone."""
    return await team_stats(ctx, "")

