"""How each step of the /visit form looks: its question and its buttons."""

from __future__ import annotations

from datetime import date, datetime

from bot.core.context import Context
from bot.core.events import Button, Nav, Reply
from bot.core.shared.outcomes import OUTCOMES as OUTCOME_LABELS
from bot.core.shared.skills import skill_label
from bot.core.visits.draft import (
    COMMUNE,
    CONSENT,
    DATE,
    DUPLICATE,
    EDIT,
    HAMLET,
    HOUSEHOLD,
    NOTE,
    OUTCOMES,
    PEOPLE,
    QUESTIONS,
    SKILLS,
    TYPED,
    Draft,
    Step,
    key_of,
)
from bot.core.visits.ids import FORM, FormOp
from bot.core.visits.rules import DAYS_BACK, MAX_NOTE, allowed_days, local_day
from bot.i18n import N_
from bot.storage import visits as visit_store
from bot.storage.visits import SKILL_KEYS, EarlierVisit

Rows = list[tuple[Button, ...]]

FIELDS: dict[Step, str] = {COMMUNE: N_("Commune"), HAMLET: N_("Hamlet"), HOUSEHOLD: N_("Household"),
          PEOPLE: N_("People guided"), SKILLS: N_("Skills"), OUTCOMES: N_("Outcomes"),
          NOTE: N_("Note"), DATE: N_("Date")}


def press(draft: Draft, op: FormOp, arg: str | int = "0") -> str:
    """The payload of a button of this draft's form."""
    return FORM(draft.token, op, arg)


def not_volunteer(ctx: Context) -> Reply:
    """The answer to someone outside the teams trying to log a visit."""
    return Reply(ctx.t._("Only volunteers of a community digital technology team log visits. "
                         "Join your team with /join and its code."))


def team_commune(ctx: Context) -> str | None:
    """The commune of the volunteer's team."""
    return ctx.membership.team.commune_code if ctx.membership else None


def _nav(ctx: Context, draft: Draft, back: bool = True) -> tuple[Button, ...]:
    t = ctx.t
    cancel = Button(t._("✖ Cancel"), press(draft, FormOp.CANCEL), Nav.CANCEL)
    if not back:
        return (cancel,)
    return (Button(t._("◀ Back"), press(draft, FormOp.BACK, draft.step), Nav.BACK), cancel)


def _ticked(label: str, chosen: bool) -> str:
    return f"✓ {label}" if chosen else label


async def view(ctx: Context, draft: Draft, notice: str | None = None) -> Reply:
    """The draft's open step, with a notice (why an answer was refused, say) above it."""
    t = ctx.t
    if draft.step in QUESTIONS:
        heading = t._("Step {number} of {count}").format(
            number=QUESTIONS.index(draft.step) + 1, count=len(QUESTIONS))
        text, rows = _question(ctx, draft)
        text = f"{heading}\n{text}"
    elif draft.step == DUPLICATE:
        text, rows = await _duplicate(ctx, draft)
    elif draft.step == DATE:
        text, rows = _date_choice(ctx, draft)
    elif draft.step == EDIT:
        text, rows = _edit_choice(ctx, draft)
    else:
        text, rows = summary(ctx, draft)
    if draft.visit_id is not None:
        text = t._("✏️ Editing visit #{number}").format(number=draft.visit_id) + "\n" + text
    if notice:
        text = f"{notice}\n\n{text}"
    return Reply(text, tuple(rows), edit=ctx.pressed, numbered=draft.step not in TYPED)


def _question(ctx: Context, draft: Draft) -> tuple[str, Rows]:
    t = ctx.t
    rows: Rows = []
    step = draft.step
    if step == COMMUNE:
        text = t._("Which commune was the visit in? Press your team's commune, or type the "
                   "name of another (accents optional).")
        shown: list[str] = []
        for code in [draft.commune, team_commune(ctx), *draft.choices]:
            if code and code not in shown:
                shown.append(code)
                chosen = code == draft.commune or (not draft.commune and len(shown) == 1)
                rows.append((Button(_ticked(ctx.services.communes.display_name(code), chosen),
                                    press(draft, FormOp.COMMUNE, code)),))
    elif step == HAMLET:
        text = t._("Which hamlet, village or residential group (thôn, xóm, bản, khối, tổ dân "
                   "phố)? Type its name, for example: Thôn 3.")
        if draft.recent:
            text += "\n" + t._("Or press one you used recently.")
        if draft.hamlet and draft.hamlet not in draft.recent:
            rows.append((Button(_ticked(draft.hamlet, True), press(draft, FormOp.KEEP)),))
        rows += [(Button(_ticked(name, name == draft.hamlet),
                         press(draft, FormOp.HAMLET, index)),)
                 for index, name in enumerate(draft.recent)]
    elif step == HOUSEHOLD:
        text = t._("Type the name of the head of the household, or the house number. Never an "
                   "ID number.")
        if draft.household:
            rows.append((Button(_ticked(draft.household, True), press(draft, FormOp.KEEP)),))
    elif step == PEOPLE:
        text = t._("How many people did you guide in this household? Press a number or type it.")
        numbers = [1, 2, 3, 4, 5]
        if draft.people and draft.people not in numbers:
            numbers.append(draft.people)
        rows.append(tuple(Button(_ticked(t.number(n), n == draft.people),
                                 press(draft, FormOp.PEOPLE, n)) for n in numbers))
    elif step == SKILLS:
        text = t._("Which of the five skills did you guide? Press each one (✓ = chosen), then "
                   "Done.")
        rows += [(Button(_ticked(skill_label(k, t), k in draft.skills),
                         press(draft, FormOp.SKILL, k)),) for k in SKILL_KEYS]
        rows.append((Button(t._("Done ▶"), press(draft, FormOp.SKILLS_DONE)),))
        if len(draft.skills) < len(SKILL_KEYS):  # after Done: the typed numbers stay the same
            rows.append((Button(t._("☑ All {count} skills").format(count=t.number(len(SKILL_KEYS))),
                                press(draft, FormOp.ALL_SKILLS)),))
    elif step == OUTCOMES:
        text = t._("What did the household achieve? Press each that applies (✓ = chosen), then "
                   "Done. None is fine too.")
        rows += [(Button(_ticked(t._(label), k in draft.outcomes),
                         press(draft, FormOp.OUTCOME, k)),) for k, label in OUTCOME_LABELS.items()]
        rows.append((Button(t._("Done ▶"), press(draft, FormOp.OUTCOMES_DONE)),))
    elif step == CONSENT:
        text = t._("Did the household agree to this visit being recorded?")
        rows.append((Button(t._("✅ Yes, they agreed"), press(draft, FormOp.YES)),
                     Button(t._("No"), press(draft, FormOp.NO))))
    else:  # NOTE
        text = t._("Type a short note if you wish (up to {limit} characters), or press Skip. "
                   "Never write ID numbers, passwords or OTP codes.").format(
            limit=t.number(MAX_NOTE))
        if draft.note:
            rows.append((Button(t._("✓ Keep the note"), press(draft, FormOp.KEEP)),))
        rows.append((Button(t._("Skip ▶"), press(draft, FormOp.SKIP), Nav.SKIP),))
    rows.append(_nav(ctx, draft, back=step != COMMUNE or draft.to_summary))
    return text, rows


def visit_day(ctx: Context, draft: Draft) -> str:
    """The visit's date as the summary shows it."""
    t, zone = ctx.t, ctx.services.config.timezone
    if draft.day:
        return t.date(date.fromisoformat(draft.day))
    if draft.visited_at:
        return t.date(local_day(datetime.fromisoformat(draft.visited_at), zone))
    return t._("today, {date}").format(date=t.date(local_day(ctx.event.sent_at, zone)))


def summary(ctx: Context, draft: Draft) -> tuple[str, Rows]:
    """Everything filled in, to check before confirming."""
    t = ctx.t
    skills = ", ".join(skill_label(k, t) for k in draft.skills) or "—"
    outcomes = ", ".join(t._(OUTCOME_LABELS[k]) for k in draft.outcomes) or t._("none")
    lines = [
        t._("Please check the visit:"), "",
        t._("Commune: {value}").format(value=ctx.services.communes.display_name(
            draft.commune) if draft.commune else ""),
        t._("Hamlet: {value}").format(value=draft.hamlet or "—"),
        t._("Household: {value}").format(value=draft.household or "—"),
        t._("People guided: {value}").format(value=t.number(draft.people or 0)),
        t._("Skills: {value}").format(value=skills),
        t._("Outcomes: {value}").format(value=outcomes),
        t._("Note: {value}").format(value=draft.note or "—"),
        t._("Date: {value}").format(value=visit_day(ctx, draft)),
        t._("The household agreed to this visit being recorded."),
    ]
    if draft.follow_up_of:
        lines.append(t._("A follow-up to visit #{number}.").format(number=draft.follow_up_of))
    rows: Rows = [
        (Button(t._("✅ Confirm"), press(draft, FormOp.CONFIRM)),),
        (Button(t._("✏️ Edit"), press(draft, FormOp.EDIT)),
         Button(t._("📅 Change date"), press(draft, FormOp.DATE))),
        _nav(ctx, draft),
    ]
    return "\n".join(lines), rows


def who_logged(ctx: Context, earlier: EarlierVisit) -> str:
    """Who logged an earlier visit, as far as the asker may know: you, a teammate's name, or
    another team (a volunteer's name is their team's to know)."""
    if earlier.volunteer_id == ctx.user.id:
        return ctx.t._("you")
    same_team = ctx.membership is not None and earlier.team_id == ctx.membership.team.id
    if not same_team:
        return ctx.t._("another team")
    return earlier.display_name or ctx.t._("another volunteer")


async def _duplicate(ctx: Context, draft: Draft) -> tuple[str, Rows]:
    t = ctx.t
    earlier = await visit_store.earlier_visits(ctx.db, key_of(ctx, draft) or "", draft.visit_id)
    latest = next((e for e in earlier if e.id == draft.duplicate_of), None)
    rows: Rows = [(Button(t._("🔁 Log as a follow-up visit"), press(draft, FormOp.FOLLOW)),),
                  _nav(ctx, draft)]
    if latest is None:  # deleted meanwhile: nothing to warn about any more
        return t._("The earlier visit to this household was deleted. Go on?"), rows
    text = t.ngettext(
        "⚠ This household was logged {count} time before, most recently by {who} on {date} "
        "(visit #{number}).",
        "⚠ This household was logged {count} times before, most recently by {who} on {date} "
        "(visit #{number}).", len(earlier)).format(
        count=t.number(len(earlier)), who=who_logged(ctx, latest), number=latest.id,
        date=t.date(local_day(latest.visited_at, ctx.services.config.timezone)))
    text += "\n\n" + t._("If you came back to the same household, log this as a follow-up "
                         "visit. If it is another household, go back and make its label "
                         "different (add the house number, for example), or cancel.")
    return text, rows


def _date_choice(ctx: Context, draft: Draft) -> tuple[str, Rows]:
    t = ctx.t
    days = allowed_days(ctx.event.sent_at, ctx.services.config.timezone)
    labels = [t._("Today, {date}").format(date=t.date(days[0])),
              t._("Yesterday, {date}").format(date=t.date(days[1]))]
    labels += [t.date(day) for day in days[2:]]
    buttons = [Button(label, press(draft, FormOp.DAY, n)) for n, label in enumerate(labels)]
    rows: Rows = [tuple(buttons[i:i + 2]) for i in range(0, len(buttons), 2)]
    rows.append(_nav(ctx, draft))
    text = t._("On which day was the visit? It can be dated up to {days} days back, never "
               "later than today.").format(days=t.number(DAYS_BACK))
    return text, rows


def _edit_choice(ctx: Context, draft: Draft) -> tuple[str, Rows]:
    t = ctx.t
    buttons = [Button(t._(label), press(draft, FormOp.FIELD, step))
               for step, label in FIELDS.items()]
    rows: Rows = [tuple(buttons[i:i + 2]) for i in range(0, len(buttons), 2)]
    rows.append(_nav(ctx, draft))
    return t._("What do you want to change?"), rows
