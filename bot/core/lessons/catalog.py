"""Lesson content from YAML: the model, loading, and every check a content writer needs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.core.lessons.glossary import GLOSSARY_FILE, Glossary, load_glossary
from bot.core.shared.skills import DOMAINS, SKILLS, TRACKS

LESSON_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,23}$")
# The most restrictive channel we serve (the Zalo Bot Platform) shows 2,000 characters.
TEXT_LIMIT = 2000
BUTTON_LIMIT = 60
TITLE_LIMIT = 60
SUMMARY_LIMIT = 140
EXPLANATION_LIMIT = 400
STEP_OVERHEAD = 120  # the header, position and icons the step view adds around the text
# A step an older villager reads at once on a phone screen: text, tip and warning together.
STEP_BRIEF = 350
VIETNAMESE = "vi"
AS_OF = {"vi": re.compile(r"\btính đến\b", re.IGNORECASE),
         "en": re.compile(r"\bas of\b", re.IGNORECASE)}

Localized = dict[str, str]
# The C loader when PyYAML has it: ten times faster, and start-up time matters.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Step:
    """One action for the learner."""

    text: Localized
    tip: Localized | None
    warning: Localized | None
    image: Path | None


@dataclass(frozen=True)
class Answer:
    """A choice in a quiz question."""

    text: Localized
    correct: bool
    explanation: Localized


@dataclass(frozen=True)
class Question:
    """A multiple-choice question with exactly one correct answer."""

    question: Localized
    answers: tuple[Answer, ...]
    scenario: bool = False  # a situation from daily life, not a recall of the text


@dataclass(frozen=True)
class Lesson:
    """A short lesson: ordered steps, then a quiz."""

    id: str
    skill: str
    order: int
    title: Localized
    summary: Localized
    checked: date
    sources: tuple[str, ...]
    steps: tuple[Step, ...]
    quiz: tuple[Question, ...]
    domain: str = "safety"  # of the learners' digital competence framework (Circular 02/2025)
    replaces: tuple[str, ...] = ()  # ids of lessons merged into this one

    @property
    def end(self) -> int:
        """The position after the last quiz question: reaching it finishes the lesson."""
        return len(self.steps) + len(self.quiz)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a lesson file."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


class CatalogError(Exception):
    """The lesson catalog has problems; the bot refuses to start with it."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Catalog:
    """All lessons, by id and by skill in their order."""

    lessons: dict[str, Lesson]

    def merged(self) -> dict[str, str]:
        """Each id of a lesson merged into another, and the id of the lesson it became."""
        return {old: lesson.id for lesson in self.lessons.values() for old in lesson.replaces}

    def by_skill(self, skill: str) -> list[Lesson]:
        """The skill's lessons in teaching order."""
        return sorted((x for x in self.lessons.values() if x.skill == skill),
                      key=lambda x: (x.order, x.id))


def load_catalog(directory: Path, locales: tuple[str, ...]) -> Catalog:
    """Load and validate every lesson; raise CatalogError listing every problem."""
    lessons, problems = check_catalog(directory, locales)
    if problems:
        raise CatalogError(problems)
    return Catalog({lesson.id: lesson for lesson in lessons})


def check_catalog(directory: Path, locales: tuple[str, ...]) -> tuple[list[Lesson], list[Problem]]:
    """Read every lesson file under directory; return the valid lessons and all problems."""
    lessons: list[Lesson] = []
    problems: list[Problem] = []
    files = sorted(p for p in directory.rglob("*.yaml") if p.name != GLOSSARY_FILE
                   ) if directory.is_dir() else []
    if not files:
        problems.append(Problem(str(directory), "-", "no lesson files (*.yaml) found"))
    glossary, wrong = load_glossary(directory)
    problems.extend(Problem(_display(directory / GLOSSARY_FILE, directory), "-", w) for w in wrong)
    seen: dict[str, str] = {}
    for path in files:
        name = _display(path, directory)
        reader = _Reader(name, locales, directory, glossary)
        lesson = reader.lesson(path)
        problems.extend(reader.problems)
        if lesson is None:
            continue
        if lesson.id in seen:
            problems.append(Problem(name, "id",
                                    f"duplicate id '{lesson.id}' (also in {seen[lesson.id]})"))
            continue
        seen[lesson.id] = name
        lessons.append(lesson)
    for skill in SKILLS:
        if not any(x.skill == skill for x in lessons) and files:
            problems.append(Problem(str(directory), "skill", f"no lesson for skill '{skill}'"))
    problems.extend(_merge_problems(lessons, seen))
    return lessons, problems


def _merge_problems(lessons: list[Lesson], files: dict[str, str]) -> list[Problem]:
    """A merged id must be gone from the catalog and merged into one lesson only."""
    problems: list[Problem] = []
    into: dict[str, str] = {}
    for lesson in lessons:
        for old in lesson.replaces:
            if old in files:
                problems.append(Problem(files[lesson.id], "replaces",
                                        f"'{old}' is still a lesson ({files[old]}): delete it"))
            elif old in into:
                problems.append(Problem(files[lesson.id], "replaces",
                                        f"'{old}' is already merged into '{into[old]}'"))
            into[old] = lesson.id
    return problems


def _display(path: Path, directory: Path) -> str:
    try:
        return str(path.relative_to(directory.parent))
    except ValueError:
        return str(path)


class _Reader:
    """Builds a Lesson from parsed YAML, collecting problems instead of stopping at the first."""

    def __init__(self, name: str, locales: tuple[str, ...], directory: Path, glossary: Glossary):
        self.name = name
        self.locales = locales
        self.directory = directory
        self.glossary = glossary
        self.problems: list[Problem] = []

    def fail(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.name, field, message))

    def lesson(self, path: Path) -> Lesson | None:
        try:
            raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            self.fail("-", f"not valid YAML: {exc}")
            return None
        if not isinstance(raw, dict):
            self.fail("-", "the file must be a mapping of fields")
            return None
        before = len(self.problems)
        lesson_id = raw.get("id")
        if not isinstance(lesson_id, str) or not LESSON_ID.match(lesson_id):
            self.fail("id", "required: 2-24 lower-case letters, digits or '-'")
            lesson_id = ""
        elif lesson_id != path.stem:
            self.fail("id", f"'{lesson_id}' must equal the file name '{path.stem}'")
        skill = raw.get("skill")
        if skill not in TRACKS:
            self.fail("skill", f"unknown skill {skill!r}; allowed: {', '.join(TRACKS)}")
        order = raw.get("order", 1)
        if not isinstance(order, int) or isinstance(order, bool) or order < 1:
            self.fail("order", "must be a whole number from 1")
        domain = raw.get("domain")
        if domain not in DOMAINS:
            self.fail("domain", f"required, one of: {', '.join(DOMAINS)} (Circular 02/2025)")
        replaces = self.replaces(raw.get("replaces", []))
        checked = raw.get("checked")
        if not isinstance(checked, date):
            self.fail("checked", "required: the date the facts were checked (YYYY-MM-DD)")
        sources = self.sources(raw.get("sources"))
        title = self.text(raw, "title", "title", TITLE_LIMIT)
        summary = self.text(raw, "summary", "summary", SUMMARY_LIMIT)
        steps = self.steps(raw.get("steps"), title)
        quiz = self.quiz(raw.get("quiz"))
        if len(self.problems) > before or not (
                isinstance(skill, str) and isinstance(checked, date) and isinstance(order, int)
                and isinstance(domain, str)):
            return None
        return Lesson(lesson_id, skill, order, title, summary, checked, sources, steps, quiz,
                      domain, replaces)

    def replaces(self, raw: Any) -> tuple[str, ...]:
        if not isinstance(raw, list) or not all(
                isinstance(x, str) and LESSON_ID.match(x) for x in raw):
            self.fail("replaces", "a list of the ids of lessons merged into this one")
            return ()
        return tuple(raw)

    def text(self, raw: Any, key: str, field: str, limit: int, required: bool = True
             ) -> Localized:
        value = raw.get(key) if isinstance(raw, dict) else None
        if value is None and not required:
            return {}
        if not isinstance(value, dict):
            self.fail(field, f"required: a text in each language ({', '.join(self.locales)})")
            return {}
        result: Localized = {}
        for loc in self.locales:
            item = value.get(loc)
            if not isinstance(item, str) or not item.strip():
                self.fail(f"{field}.{loc}", "missing or empty")
                continue
            if len(item) > limit:
                self.fail(f"{field}.{loc}", f"{len(item)} characters; the limit is {limit}")
            self.writing(f"{field}.{loc}", loc, item)
            result[loc] = item.strip()
        return result

    def writing(self, field: str, loc: str, text: str) -> None:
        """The glossary's terms (in Vietnamese) and no author notes (in every language)."""
        if loc == VIETNAMESE:
            for message in self.glossary.term_problems(text):
                self.fail(field, message)
        for message in self.glossary.note_problems(text):
            self.fail(field, message)

    def sources(self, raw: Any) -> tuple[str, ...]:
        if not isinstance(raw, list) or not raw:
            self.fail("sources", "required: a list of the sources the facts come from")
            return ()
        found = []
        for i, item in enumerate(raw):
            url = item.get("url") if isinstance(item, dict) else item
            if not isinstance(url, str) or not url.strip():
                self.fail(f"sources[{i}]", "each source needs a url")
            else:
                found.append(url.strip())
            reviewed = item.get("reviewed") if isinstance(item, dict) else None
            if reviewed is not None and not isinstance(reviewed, date):
                self.fail(f"sources[{i}].reviewed", "the date a second reader checked the "
                          "facts against this source (YYYY-MM-DD)")
        return tuple(found)

    def steps(self, raw: Any, title: Localized) -> tuple[Step, ...]:
        if not isinstance(raw, list) or not raw:
            self.fail("steps", "required: a list of at least one step")
            return ()
        steps = []
        for i, item in enumerate(raw):
            field = f"steps[{i}]"
            text = self.text(item, "text", f"{field}.text", TEXT_LIMIT)
            tip = self.text(item, "tip", f"{field}.tip", TEXT_LIMIT, required=False) or None
            warning = self.text(item, "warning", f"{field}.warning", TEXT_LIMIT,
                                required=False) or None
            for loc in self.locales:
                total = sum(len(part.get(loc, "")) for part in (text, tip or {}, warning or {}))
                if total > STEP_BRIEF:
                    self.fail(f"{field}.{loc}", f"text, tip and warning have {total} characters;"
                              f" a step has at most {STEP_BRIEF}: split it or cut the tip")
                total += len(title.get(loc, "")) + STEP_OVERHEAD
                if total > TEXT_LIMIT:
                    self.fail(f"{field}.{loc}", f"the step shows {total} characters; "
                              f"channels show at most {TEXT_LIMIT}")
            steps.append(Step(text, tip, warning, self.image(item, field)))
        self.dated_once(steps)
        return tuple(steps)

    def dated_once(self, steps: list[Step]) -> None:
        """A fact that may change says "as of <month year>" once per lesson, not each step."""
        for loc, said in AS_OF.items():
            texts = [part[loc] for step in steps for part in (step.text, step.tip, step.warning)
                     if part and loc in part]
            count = sum(len(said.findall(text)) for text in texts)
            if count > 1:
                phrase = said.pattern.replace("\\b", "")
                self.fail(f"steps.{loc}", f"says '{phrase}' {count} times: once per lesson is "
                          "enough")

    def image(self, item: Any, field: str) -> Path | None:
        name = item.get("image") if isinstance(item, dict) else None
        if name is None:
            return None
        path = self.directory / str(name)
        if not path.is_file():
            self.fail(f"{field}.image", f"missing image file {name}")
            return None
        return path

    def quiz(self, raw: Any) -> tuple[Question, ...]:
        if not isinstance(raw, list) or not 1 <= len(raw) <= 3:
            self.fail("quiz", "required: 1 to 3 questions")
            return ()
        questions = []
        for i, item in enumerate(raw):
            field = f"quiz[{i}]"
            question = self.text(item, "question", f"{field}.question", TEXT_LIMIT - STEP_OVERHEAD)
            answers_raw = item.get("answers") if isinstance(item, dict) else None
            if not isinstance(answers_raw, list) or not 3 <= len(answers_raw) <= 4:
                self.fail(f"{field}.answers", "required: 3 or 4 answers (a guess must not pass"
                          " half the time)")
                continue
            answers = []
            for j, answer in enumerate(answers_raw):
                afield = f"{field}.answers[{j}]"
                correct = answer.get("correct") if isinstance(answer, dict) else None
                if not isinstance(correct, bool):
                    self.fail(f"{afield}.correct", "required: true or false")
                answers.append(Answer(
                    self.text(answer, "text", f"{afield}.text", BUTTON_LIMIT),
                    correct is True,
                    self.text(answer, "explanation", f"{afield}.explanation", EXPLANATION_LIMIT),
                ))
            right = sum(a.correct for a in answers)
            if right != 1:
                self.fail(f"{field}.answers", f"exactly one answer must be correct, found {right}")
            scenario = item.get("scenario", False) if isinstance(item, dict) else False
            if not isinstance(scenario, bool):
                self.fail(f"{field}.scenario", "true or false")
            questions.append(Question(question, tuple(answers), scenario is True))
        if questions and not any(q.scenario for q in questions):
            self.fail("quiz", "at least one question must be a scenario (scenario: true):"
                      " a situation from daily life")
        return tuple(questions)
