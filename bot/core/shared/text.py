"""Text normalisation shared by the whole bot: NFC, accent folding, option matching."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Invisible characters that phones and copy-paste slip into text.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


def normalize(text: str) -> str:
    """NFC, invisible characters removed, runs of white space collapsed, ends trimmed."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    return _SPACES.sub(" ", text).strip()


def is_number(text: str) -> bool:
    """Plain digits 0-9 only: str.isdigit() also accepts "²" and "①", which int() refuses."""
    return text.isascii() and text.isdigit()


def fold(text: str) -> str:
    """Lower-case, accent-free form for matching: 'Hoà Đồng' and 'hoa dong' fold alike."""
    decomposed = unicodedata.normalize("NFD", normalize(text).casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("đ", "d")
