"""Schools and classes: a teacher's /newclass gives a class code, students /join it and take
the lessons; the teacher sees the class's figures, chart and spreadsheets; admins every
school's (in the reports and exports).

- enrol.py: /join CODE (a team's or a class's code), what a student is told before joining,
  the name they show; a student's own class and leaving it.
- newclass.py: /newclass, the teacher's form: commune, school, class, names or numbers.
- views.py: /class, a teacher's classes and one class's figures; new code, deleting a class.
- figures.py: a class's (or a school's) students per skill, started and finished.
- chart.py: a class's chart of the five skills, drawn as a PNG.
- files.py: a teacher's spreadsheets of their class and of their school.
- rules.py: what school, class and student names may be; ids.py: the button verbs.
"""

from bot.core.router import Flow, Router
from bot.core.schools import enrol, ids, newclass, views
from bot.core.schools.figures import ClassFigures, SkillCount, StudentFigures, count, skill_lessons
from bot.i18n import N_

_TEACHER_VERBS = (ids.OPEN, ids.CHART, ids.EXPORT, ids.SCHOOL_EXPORT, ids.NEW_CODE, ids.DELETE,
                  ids.DELETE_CONFIRMED)


def register(router: Router) -> None:
    """Add /join, /newclass, /class and their buttons."""
    router.command("join", N_("Join your team or your class with its code: /join CODE"),
                   enrol.join)
    router.command("class", N_("Your class (teachers: your classes and their figures)"),
                   views.class_command)
    router.command("newclass", N_("Teachers: create a class and get the code students join "
                                  "with"), newclass.begin)
    router.flow(Flow(newclass.FLOW, newclass.on_text, N_("No class was created."),
                     entry="newclass", verbs=ids.FORM_VERBS))
    for verb in ids.FORM_VERBS:
        router.action(verb, newclass.pressed)
    router.flow(Flow(enrol.FLOW, enrol.name_typed, N_("You did not join the class."),
                     entry="join", verbs=(ids.JOIN, ids.JOIN_CANCEL)))
    router.action(ids.JOIN, enrol.pressed)
    router.action(ids.JOIN_CANCEL, enrol.pressed)
    router.action(ids.LEAVE, enrol.leave)
    router.action(ids.LEAVE_CONFIRMED, enrol.leave)
    for verb in _TEACHER_VERBS:
        router.action(verb, views.pressed)


__all__ = ["ClassFigures", "SkillCount", "StudentFigures", "count", "register", "skill_lessons"]
