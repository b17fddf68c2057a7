"""Gettext catalogs from locales/*.po via Babel, locale negotiation, Babel formatting."""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from babel.dates import format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

DOMAIN = "messages"
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"

# Vietnamese readers expect 28/11/2026; an English reader is spared the US/UK ambiguity.
_DATE_SKELETONS = {"vi": "yMd", "en": "yMMMd"}


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark a string for extraction without translating it yet."""
    return message


class MissingCatalogError(Exception):
    """A configured locale has no message catalog."""


@dataclass(frozen=True)
class Translator:
    """UI strings and formatting for one locale."""

    locale: str
    _catalog: gettext.NullTranslations

    def _(self, message: str) -> str:
        """Translate message."""
        return self._catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translate a message whose form depends on the count n."""
        return self._catalog.ngettext(singular, plural, n)

    def date(self, value: date | datetime) -> str:
        """Format a date the way this locale writes it (28/11/2026 in Vietnamese)."""
        skeleton = _DATE_SKELETONS.get(self.locale, "yMd")
        if isinstance(value, datetime):  # equal instants in two zones are equal keys: no cache
            return format_skeleton(skeleton, value, locale=self.locale)
        return _date(skeleton, value, self.locale)

    def number(self, value: int | float) -> str:
        """Format a number with this locale's separators (1.234 in Vietnamese)."""
        return _number(value, self.locale)


# Babel parses the locale's pattern on every call (a tenth of what an update costs the core,
# measured): the same few numbers and dates come again and again, so each is formatted once.
@lru_cache(maxsize=4096, typed=True)
def _number(value: int | float, locale: str) -> str:
    return format_decimal(value, locale=locale)


@lru_cache(maxsize=1024)
def _date(skeleton: str, value: date, locale: str) -> str:
    return format_skeleton(skeleton, value, locale=locale)


class Translations:
    """All configured locales, compiled from their .po files when loaded (never stale)."""

    def __init__(self, locales: tuple[str, ...], default: str, directory: Path = LOCALES_DIR):
        self.locales = locales
        self.default = default
        self._by_locale = {loc: Translator(loc, _compile(directory, loc)) for loc in locales}

    def get(self, locale: str) -> Translator:
        """The translator for locale, or the default locale's when it is not configured."""
        return self._by_locale.get(locale) or self._by_locale[self.default]

    def negotiate(self, hint: str | None) -> str:
        """Pick a configured locale from a client hint such as 'en-US'; default when unknown."""
        if hint:
            base = hint.replace("_", "-").split("-")[0].lower()
            if base in self._by_locale:
                return base
        return self.default


def _compile(directory: Path, locale: str) -> gettext.GNUTranslations:
    po_path = directory / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.is_file():
        raise MissingCatalogError(f"locale '{locale}' is configured but {po_path} is missing")
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)
