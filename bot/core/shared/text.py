"""Text normalisation shared by the whole bot: NFC, accent folding, option matching; a typed
answer checked (Checked), and what a link looks like in it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

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


# Endings of the domains links are made of (t.me, zalo.me, bit.ly, free ones), matched after a
# dot and before a non-letter. Short Vietnamese words that are also domains (to, co, ma, la,
# ga, th, kh, ...) are left out: "Bản.To" is a hamlet typed with a dot, not a link. A domain
# with another ending is still caught when a path follows it (name.tld/...).
_TLDS = ("com|net|org|info|biz|edu|gov|mobi|name|pro|asia|xyz|top|site|online|app|dev|page|"
         "link|click|club|shop|store|live|vip|win|bet|fun|icu|cyou|lol|io|ai|gl|gg|ly|me|vn|tk|"
         "ml|cf|gq|cc|ws|pw|ru|cn|us")
# What a link or a handle looks like once folded (NFKC, lower case, so full-width letters and
# dots count): a scheme (http://, tg://), www., a domain with a known ending, any domain
# followed by a path (name.tld/...), an IP address, or an @handle (or an e-mail address).
_LINK = re.compile(
    r"[a-z][a-z0-9+.-]*://"
    r"|\bwww\."
    rf"|[\w-]\.(?:{_TLDS})(?![^\W\d_])"
    r"|[\w-]\.[a-z]{2,}/"
    r"|\d{1,3}(?:\.\d{1,3}){3}"
    r"|@\w")


@dataclass(frozen=True)
class Checked:
    """A typed answer: its clean value, or why it was refused (a msgid to translate, and the
    numbers that fill its placeholders)."""

    value: str | None = None
    problem: str | None = None
    numbers: Mapping[str, int] = field(default_factory=dict)


def looks_like_link(typed: str) -> bool:
    """Typed with a web address or an @handle in it (https://…, www.…, t.me/…, zalo.me/…,
    name.com, @name): the volunteers would see it as a link to press, so it is never sent."""
    return _LINK.search(unicodedata.normalize("NFKC", typed).casefold()) is not None
