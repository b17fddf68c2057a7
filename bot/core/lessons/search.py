"""Find lessons the way people type: without accents, with typos, abbreviations or English."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise

from rapidfuzz import fuzz, process

from bot.core.lessons.catalog import Catalog, Lesson
from bot.core.shared.text import fold

_WORD = re.compile(r"[a-z0-9]+")

# Abbreviations people type, folded, and what they stand for (folded).
ABBREVIATIONS: dict[str, str] = {
    "dvc": "dich vu cong",
    "dvcqg": "dich vu cong quoc gia",
    "dvctt": "dich vu cong truc tuyen",
    "cccd": "can cuoc cong dan",
    "cmnd": "can cuoc",
    "bhyt": "bao hiem y te",
    "bhxh": "bao hiem xa hoi",
    "tmdt": "thuong mai dien tu",
    "ttdt": "thanh toan",
    "ck": "chuyen khoan",
    "tk": "tai khoan",
    "mk": "mat khau",
    "sdt": "so dien thoai",
    "dt": "dien thoai",
    "nh": "ngan hang",
    "qr": "qr vietqr",
    "2fa": "xac thuc 2 lop two factor",
    "app": "ung dung app",
    "ls": "luu tru",
    "evn": "dien evn",
    "cskh": "cham soc khach hang",
}

# Everyday words for the words the lessons use (folded, whole phrases).
SYNONYMS: dict[str, str] = {
    "bang lai": "giay phep lai xe",
    "tam tru": "tam tru luu tru",
    "cuc gach": "dien thoai thuong",
    "tien dien": "tien dien hoa don dien",
}

# Words too common to tell lessons apart. Folding merges words (đăng/đang, căn/can, thẻ/the,
# bán/bạn, an toàn/an), so only words whose every accented form is common are listed, and no
# English word that folds into a Vietnamese one (to/tờ, be/bé, the/thẻ, an/an toàn).
STOPWORDS = frozenset(
    "la cua va cho toi minh nhu nao gi khong duoc thi mot nhung cac voi khi se sao muon "
    "hoi giup em anh bac how what does is are of for with and or you your it this that "
    "my cach".split())
# Ways of asking that say nothing about the subject ("làm sao", "thế nào", "ở đâu", "how to"),
# dropped as whole phrases: alone, "lam" (làm, lắm...), "the" (thẻ) and "to" (tờ) carry meaning.
STOP_PHRASES = ("lam sao", "lam the nao", "nhu the nao", "the nao", "o dau", "how to",
                "how do i")

# Field weights: a word in the title says more than one in a step, and the lesson's subject
# (see SearchIndex._subject) more than any other title word.
_SUBJECT, _TITLE, _SUMMARY, _BODY = 4.0, 3.0, 2.0, 1.0
_MIN_SIMILARITY = 80  # rapidfuzz ratio (0-100): one typo in a word of five letters or more
_MIN_SCORE = 0.5
_RELATIVE = 0.4  # hits far behind the best one are noise
_PAIR_BONUS = 1.0


@dataclass(frozen=True)
class Hit:
    """A lesson found, with its score (higher is better)."""

    lesson: Lesson
    score: float


def tokens(text: str) -> list[str]:
    """Folded words of text, abbreviations and synonyms expanded, stopwords removed."""
    words: list[str] = []
    for word in _WORD.findall(fold(text)):
        words.extend(ABBREVIATIONS.get(word, word).split())
    joined = " ".join(words)
    for phrase, meaning in SYNONYMS.items():
        if f" {phrase} " in f" {joined} ":
            joined = f"{joined} {meaning}"
    for phrase in STOP_PHRASES:
        joined = f" {joined} ".replace(f" {phrase} ", " ").strip()
    return [w for w in joined.split() if w not in STOPWORDS]


def bigrams(words: list[str]) -> list[str]:
    """Adjacent word pairs: most Vietnamese words are two syllables ("thanh toan")."""
    return [f"{a} {b}" for a, b in pairwise(words)]


class SearchIndex:
    """Built once at start from the catalog and the skills' names in every language."""

    def __init__(self, catalog: Catalog, skill_names: dict[str, list[str]] | None = None):
        self.lessons = list(catalog.lessons.values())
        # word -> lesson index -> best field weight it appears with
        postings: dict[str, dict[int, float]] = defaultdict(dict)
        self._titles: list[str] = []
        for index, lesson in enumerate(self.lessons):
            fields = self._fields(lesson)
            fields.append((_SUMMARY, (skill_names or {}).get(lesson.skill, [])))
            for weight, texts in fields:
                for text in texts:
                    words = tokens(text)
                    for word in words + bigrams(words):
                        if postings[word].get(index, 0.0) < weight:
                            postings[word][index] = weight
            for term in self._subject(lesson):
                postings[term][index] = _SUBJECT
            self._titles.append(" ".join(tokens(" ".join(lesson.title.values()))))
        self._postings = dict(postings)
        # Fuzzy matching is for single words; pairs are only matched as typed.
        self._vocabulary = [w for w in self._postings if " " not in w]
        total = len(self.lessons) or 1
        self._idf = {w: math.log((total + 1) / len(p)) for w, p in self._postings.items()}

    @staticmethod
    def _fields(lesson: Lesson) -> list[tuple[float, list[str]]]:
        body = [text for step in lesson.steps
                for part in (step.text, step.tip or {}, step.warning or {})
                for text in part.values()]
        return [(_TITLE, list(lesson.title.values())),
                (_SUMMARY, list(lesson.summary.values())),
                (_BODY, body)]

    @staticmethod
    def _subject(lesson: Lesson) -> list[str]:
        """What the lesson is about, not merely mentions: ids name it first ("vneid-level2",
        "vietqr-safely", "dvc-login-vneid"), so the id's first word counts when a title has it
        too ("if-scammed", "safe-shopping" name no subject). A phrase ("dvc": "dich vu cong")
        counts as its pairs only, so that "cong" alone stays a title word."""
        head = tokens(lesson.id.split("-")[0])
        titles = [" ".join(tokens(title)) for title in lesson.title.values()]
        if not head or not any(f" {' '.join(head)} " in f" {title} " for title in titles):
            return []
        return head if len(head) == 1 else bigrams(head)

    def search(self, query: str, limit: int = 3, allowed: set[str] | None = None) -> list[Hit]:
        """The best lessons for query, best first; only skills in allowed when given."""
        all_words = tokens(query)
        words = list(dict.fromkeys(all_words))
        if not words:
            return []
        scores: dict[int, float] = defaultdict(float)
        for word in words:
            for match, similarity in self._matches(word):
                for index, weight in self._postings[match].items():
                    scores[index] += similarity * weight * self._idf[match] / len(words)
        for pair in dict.fromkeys(bigrams(all_words)):
            # A pair found as typed is a whole word matched, worth more than its syllables.
            for index, weight in self._postings.get(pair, {}).items():
                scores[index] += _PAIR_BONUS * weight * self._idf[pair] / len(words)
        phrase = " ".join(words)
        for index in list(scores):
            # Several words in the title's order ("dich vu cong") are worth more together.
            if len(words) > 1 and fuzz.partial_ratio(phrase, self._titles[index]) >= 90:
                scores[index] += 1.0
        hits = [Hit(self.lessons[i], s) for i, s in scores.items()
                if allowed is None or self.lessons[i].skill in allowed]
        if not hits:
            return []
        floor = max(_MIN_SCORE, _RELATIVE * max(h.score for h in hits))
        hits = [h for h in hits if h.score >= floor]
        hits.sort(key=lambda h: (-h.score, h.lesson.skill, h.lesson.order))
        return hits[:limit]

    def _matches(self, word: str) -> list[tuple[str, float]]:
        """Vocabulary words close to word, with similarity 0-1; short words must match exactly."""
        if word in self._postings:
            exact = [(word, 1.0)]
            if len(word) < 5:
                return exact
        else:
            exact = []
            if len(word) < 4:
                return []
        found = process.extract(word, self._vocabulary, scorer=fuzz.ratio,
                                score_cutoff=_MIN_SIMILARITY, limit=5)
        close = [(match, score / 100 * 0.9) for match, score, _ in found if match != word]
        return exact + close
