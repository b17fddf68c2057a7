"""The writing rules a lesson's texts are checked against: one term per concept, no author notes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

GLOSSARY_FILE = "glossary.yaml"
# A quote names a label exactly as a screen shows it ("Xác thực 2 lớp"), so it may differ.
_QUOTED = re.compile(r'"[^"\n]*"|“[^”\n]*”')


@dataclass(frozen=True)
class Glossary:
    """Variants to avoid in Vietnamese texts (with the term to use) and author-note phrases."""

    avoid: tuple[tuple[str, str], ...]  # variant, term to use
    author_notes: tuple[str, ...]

    def term_problems(self, text: str) -> Iterator[str]:
        """What the text says with an avoided variant, outside quotes."""
        bare = _QUOTED.sub(" ", text)
        for variant, use in _found(bare, self.avoid):
            yield f"says '{variant}': write '{use}' (or quote the screen's label)"

    def note_problems(self, text: str) -> Iterator[str]:
        """Author notes the text contains (they talk about the lesson, not to the learner)."""
        for phrase, _ in _found(text, tuple((p, p) for p in self.author_notes)):
            yield f"an author note ('{phrase}'): turn it into an action for the learner"


EMPTY = Glossary((), ())


def _found(text: str, phrases: tuple[tuple[str, str], ...]) -> Iterator[tuple[str, str]]:
    """The phrases the text contains as whole words, case ignored. A plain substring test
    first: a regular expression per phrase and text made the catalog's load (every start,
    every test) four times slower than its parsing."""
    lower = text.casefold()
    for phrase, other in phrases:
        if phrase.casefold() in lower and _words(phrase).search(text):
            yield phrase, other


@lru_cache(maxsize=256)
def _words(phrase: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)", re.IGNORECASE)


def load_glossary(directory: Path) -> tuple[Glossary, list[str]]:
    """The glossary next to the lessons (none: no term rules), and what is wrong with it."""
    path = directory / GLOSSARY_FILE
    if not path.is_file():
        return EMPTY, []
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        return EMPTY, [f"not valid YAML: {exc}"]
    terms = raw.get("terms") if isinstance(raw, dict) else None
    notes = raw.get("author_notes", []) if isinstance(raw, dict) else None
    if not isinstance(terms, list) or not isinstance(notes, list):
        return EMPTY, ["needs a list 'terms' (use, en, avoid) and a list 'author_notes'"]
    avoid: list[tuple[str, str]] = []
    problems: list[str] = []
    for i, term in enumerate(terms):
        use = term.get("use") if isinstance(term, dict) else None
        variants = term.get("avoid", []) if isinstance(term, dict) else None
        if not isinstance(use, str) or not isinstance(variants, list) or not all(
                isinstance(v, str) and v.strip() for v in variants):
            problems.append(f"terms[{i}]: needs 'use' (a text) and 'avoid' (a list of texts)")
            continue
        avoid.extend((v, use) for v in variants)
    phrases = [p for p in notes if isinstance(p, str) and p.strip()]
    if len(phrases) != len(notes):
        problems.append("author_notes: each must be a non-empty text")
    return Glossary(tuple(avoid), tuple(phrases)), problems
