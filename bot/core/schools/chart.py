"""A class's summary chart: for each of the five skills, the students who started it and those
who finished it, as a PNG drawn in a worker thread (matplotlib's object API, the Agg canvas)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from bot.core import pictures
from bot.core.context import Context
from bot.core.schools.figures import ClassFigures
from bot.core.shared.skills import SKILLS
from bot.storage.classes import SchoolClass

FONT = pictures.FONT
_STARTED, _FINISHED = "#edae49", "#00798c"


@dataclass(frozen=True)
class ClassChart:
    """What the chart shows, its labels already translated."""

    title: str
    skills: tuple[str, ...]  # the skills' names, in order
    started: tuple[int, ...]
    finished: tuple[int, ...]
    started_label: str
    finished_label: str
    y_label: str


def draw(chart: ClassChart, path: Path) -> None:
    """Draw the chart into path as a PNG (blocking: bot.core.pictures runs it in a worker
    thread, one drawing at a time)."""
    from matplotlib.figure import Figure  # imported when first needed: it takes a second
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(8.0, 4.8), dpi=110, layout="constrained")
    axes = figure.subplots()
    x = list(range(len(chart.skills)))
    axes.bar([i - 0.2 for i in x], chart.started, width=0.4, color=_STARTED,
             label=chart.started_label)
    axes.bar([i + 0.2 for i in x], chart.finished, width=0.4, color=_FINISHED,
             label=chart.finished_label)
    axes.set_xticks(x, ["\n".join(textwrap.wrap(name, 14)) for name in chart.skills],
                    fontfamily=FONT, fontsize=9)
    axes.set_ylabel(chart.y_label, fontfamily=FONT)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(bottom=0, top=max(1, *chart.started, *chart.finished) * 1.1)
    axes.grid(axis="y", alpha=0.3)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(prop={"family": FONT, "size": 9}, frameon=False)
    figure.suptitle("\n".join(textwrap.wrap(chart.title, 70)[:2]), fontfamily=FONT,
                    fontsize=12, fontweight="bold")
    figure.savefig(path, format="png")


async def render(ctx: Context, school_class: SchoolClass, found: ClassFigures) -> str:
    """The class's chart drawn in a worker thread; the path of the PNG file."""
    t = ctx.t
    chart = ClassChart(
        title=t._("Class {name}, {school}: {count} students").format(
            name=school_class.name, school=school_class.school.name,
            count=t.number(len(found.students))),
        skills=tuple(t._(name) for _emoji, name in SKILLS.values()),
        started=tuple(found.skills[s].started for s in SKILLS),
        finished=tuple(found.skills[s].finished for s in SKILLS),
        started_label=t._("Started"), finished_label=t._("Finished (every lesson)"),
        y_label=t._("Students"))
    return await pictures.render(partial(draw, chart))
