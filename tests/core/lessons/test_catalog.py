"""Lesson content: the shipped catalog is valid, and every kind of mistake is reported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.core.lessons.catalog import CatalogError, check_catalog, load_catalog
from bot.core.shared.skills import SKILLS
from tests.factories import ROOT

LOCALES = ("vi", "en")


def test_the_shipped_catalog_has_a_lesson_for_each_skill() -> None:
    catalog = load_catalog(ROOT / "lessons", LOCALES)
    for skill in SKILLS:
        assert catalog.by_skill(skill), skill
    for lesson in catalog.lessons.values():
        assert lesson.sources and lesson.checked


def test_lessons_check_passes_from_the_command_line() -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "lessons", "check"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: " in result.stdout


def good_lesson(lesson_id: str = "sample", skill: str = "payment") -> dict[str, object]:
    def both(text: str) -> dict[str, str]:
        return {"vi": text, "en": text}
    return {
        "id": lesson_id, "skill": skill, "order": 1, "domain": "safety", "title": both("Title"),
        "summary": both("Summary"), "checked": "2026-11-28",
        "sources": [{"url": "example.vn/a", "note": "n"}],
        "steps": [{"text": both("Do this.")}],
        "quiz": [{"question": both("Q?"), "scenario": True, "answers": [
            {"text": both("Yes"), "correct": True, "explanation": both("Because.")},
            {"text": both("No"), "correct": False, "explanation": both("Because not.")},
            {"text": both("Maybe"), "correct": False, "explanation": both("Not sure.")}]}],
    }


def write_lessons(root: Path, lessons: dict[str, dict[str, object]]) -> Path:
    directory = root / "lessons"
    for skill in SKILLS:  # one valid lesson per skill so only the broken one is reported
        write(directory / skill / f"ok-{skill.replace('_', '-')}.yaml",
              good_lesson(f"ok-{skill.replace('_', '-')}", skill))
    for name, body in lessons.items():
        write(directory / name, body)
    return directory


def write(path: Path, body: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(body, allow_unicode=True).replace("'2026-11-28'", "2026-11-28")
    path.write_text(text, encoding="utf-8")


def broken(change: str) -> dict[str, object]:
    lesson = good_lesson()
    steps = lesson["steps"]
    quiz = lesson["quiz"]
    assert isinstance(steps, list) and isinstance(quiz, list)
    if change == "missing locale":
        steps[0]["text"] = {"vi": "Chỉ tiếng Việt"}
    elif change == "unknown skill":
        lesson["skill"] = "cooking"
    elif change == "two correct":
        quiz[0]["answers"][1]["correct"] = True
    elif change == "no correct":
        quiz[0]["answers"][0]["correct"] = False
    elif change == "too long":
        steps[0]["text"] = {"vi": "a" * 2100, "en": "b"}
    elif change == "missing image":
        steps[0]["image"] = "images/nowhere.png"
    elif change == "no quiz":
        lesson["quiz"] = []
    elif change == "two answers":
        quiz[0]["answers"].pop()
    elif change == "no scenario":
        quiz[0]["scenario"] = False
    elif change == "no domain":
        del lesson["domain"]
    elif change == "long step":
        steps[0]["tip"] = {"vi": "Mẹo. " * 40, "en": "Tip."}
        steps[0]["warning"] = {"vi": "Cảnh báo. " * 20, "en": "Warning."}
    elif change == "variant":
        steps[0]["text"] = {"vi": "Bật bảo mật 2 lớp cho tài khoản.", "en": "Turn on 2FA."}
    elif change == "author note":
        steps[0]["tip"] = {"vi": "Mẹo.", "en": "The menu name is not confirmed."}
    elif change == "dated twice":
        steps.append({"text": {"vi": "Tính đến 3/2026, làm vậy.", "en": "As of March 2026."},
                      "tip": {"vi": "Mẹo, tính đến 3/2026.", "en": "Tip."}})
    elif change == "bad merge":
        lesson["replaces"] = ["ok-payment"]
    return lesson


@pytest.mark.parametrize(("change", "field", "message"), [
    ("missing locale", "steps[0].text.en", "missing"),
    ("unknown skill", "skill", "unknown skill"),
    ("two correct", "quiz[0].answers", "exactly one answer must be correct, found 2"),
    ("no correct", "quiz[0].answers", "found 0"),
    ("too long", "steps[0].text.vi", "the limit is 2000"),
    ("missing image", "steps[0].image", "missing image file"),
    ("no quiz", "quiz", "1 to 3 questions"),
    ("two answers", "quiz[0].answers", "3 or 4 answers"),
    ("no scenario", "quiz", "at least one question must be a scenario"),
    ("no domain", "domain", "required, one of: information, communication"),
    ("long step", "steps[0].vi", "a step has at most 350"),
    ("variant", "steps[0].text.vi", "says 'bảo mật 2 lớp': write 'xác thực hai lớp'"),
    ("author note", "steps[0].tip.en", "an author note ('not confirmed')"),
    ("bad merge", "replaces", "'ok-payment' is still a lesson"),
    ("dated twice", "steps.vi", "says 'tính đến' 2 times: once per lesson is enough"),
])
def test_each_problem_is_reported_with_file_and_field(tmp_path: Path, change: str, field: str,
                                                       message: str) -> None:
    directory = write_lessons(tmp_path, {"payment/sample.yaml": broken(change)})
    write_glossary(directory)
    _, problems = check_catalog(directory, LOCALES)
    shown = [str(p) for p in problems]
    assert any(p.startswith("lessons/payment/sample.yaml: " + field) and message in p
               for p in shown), shown


def write_glossary(directory: Path) -> None:
    (directory / "glossary.yaml").write_text(
        (ROOT / "lessons" / "glossary.yaml").read_text(encoding="utf-8"), encoding="utf-8")


def test_a_quoted_label_may_use_the_screens_own_words(tmp_path: Path) -> None:
    lesson = good_lesson()
    steps = lesson["steps"]
    assert isinstance(steps, list)
    steps[0]["text"] = {"vi": 'Bấm "Xác thực 2 lớp" để bật xác thực hai lớp.', "en": "Tap it."}
    directory = write_lessons(tmp_path, {"payment/sample.yaml": lesson})
    write_glossary(directory)
    _, problems = check_catalog(directory, LOCALES)
    assert problems == []


def test_a_duplicate_id_is_reported(tmp_path: Path) -> None:
    directory = write_lessons(tmp_path, {"payment/sample.yaml": good_lesson(),
                                         "shopping/sample.yaml": good_lesson(skill="shopping")})
    _, problems = check_catalog(directory, LOCALES)
    assert any("duplicate id 'sample'" in str(p) for p in problems)


def test_the_bot_refuses_to_start_on_a_broken_catalog(tmp_path: Path) -> None:
    directory = write_lessons(tmp_path, {"payment/sample.yaml": broken("two correct")})
    with pytest.raises(CatalogError, match="exactly one answer"):
        load_catalog(directory, LOCALES)


def test_lessons_check_exits_non_zero_and_prints_every_problem(tmp_path: Path) -> None:
    directory = write_lessons(tmp_path, {"payment/sample.yaml": broken("unknown skill"),
                                         "payment/other.yaml": broken("missing locale")})
    config = tmp_path / "config.yaml"
    config.write_text(f"lessons_dir: {directory}\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bot", "--config", str(config), "lessons",
                             "check"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 1
    assert "sample.yaml: skill" in result.stdout and "other.yaml: id" in result.stdout


def test_a_second_reader_checked_every_source_after_the_facts_were_written() -> None:
    unreviewed = []
    for path in sorted((ROOT / "lessons").glob("*/*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        for source in raw["sources"]:
            reviewed = source.get("reviewed")
            if reviewed is None or reviewed < raw["checked"]:
                unreviewed.append(f"{path.stem}: {source['url']}")
    assert unreviewed == []
