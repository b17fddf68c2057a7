"""Translations: complete, placeholders intact, catalogs in step with the code."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, MissingCatalogError, Translations
from tests.factories import ROOT

PLACEHOLDER = re.compile(r"\{[^{}]*\}")
LOCALES = ("vi", "en")


def catalog(locale: str) -> Catalog:
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def entries(locale: str) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """(msgid, every source form, every translated form) for each message."""
    found = []
    for message in catalog(locale):
        if not message.id:
            continue
        ids = tuple(str(x) for x in (message.id if isinstance(message.id, (tuple, list))
                                     else (message.id,)))
        raw = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        found.append((ids[0], ids, tuple(str(x or "") for x in raw)))
    return found


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated(locale: str) -> None:
    missing = [msgid for msgid, _, strings in entries(locale) if not all(strings)]
    fuzzy = [m.id for m in catalog(locale) if m.id and m.fuzzy]
    assert not missing, f"untranslated in {locale}: {missing}"
    assert not fuzzy, f"fuzzy (unchecked) in {locale}: {fuzzy}"


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_placeholders(locale: str) -> None:
    for msgid, ids, strings in entries(locale):
        forms = [set(PLACEHOLDER.findall(form)) for form in ids]
        for string in strings:
            found = set(PLACEHOLDER.findall(string))
            if len(ids) == 1:
                assert found == forms[0], (locale, msgid, string)
            else:  # a plural form may drop the count ("one visit") but adds nothing new
                assert found <= set().union(*forms), (locale, msgid, string)
                assert set.intersection(*forms) - {"{count}", "{n}"} <= found, (locale, msgid)


def test_the_catalogs_cover_exactly_the_strings_in_the_code() -> None:
    # The same keywords as the documented `pybabel extract` command (docs/TRANSLATING.md).
    keywords = {"_": None, "N_": None, "ngettext": (1, 2)}
    found = extract_from_dir(str(ROOT / "bot"), method_map=[("**.py", "python")],
                             keywords=keywords)
    in_code = {message if isinstance(message, str) else message[0]
               for _, _, message, _, _ in found}
    for locale in LOCALES:
        in_catalog = {msgid for msgid, _, _ in entries(locale)}
        assert in_code - in_catalog == set(), f"run pybabel update: new strings for {locale}"
        assert in_catalog - in_code == set(), f"run pybabel update: stale strings in {locale}"


def test_vietnamese_dates_numbers_and_plurals() -> None:
    t = Translations(LOCALES, "vi").get("vi")
    assert t.date(date(2026, 11, 28)) == "28/11/2026"
    assert t.number(1234) == "1.234"
    assert t.ngettext("{finished} of {count} lesson", "{finished} of {count} lessons", 5) \
        == "{finished}/{count} bài"


def test_english_plurals() -> None:
    t = Translations(LOCALES, "vi").get("en")
    assert t.ngettext("{finished} of {count} lesson", "{finished} of {count} lessons", 1) \
        .endswith("lesson")
    assert t.ngettext("{finished} of {count} lesson", "{finished} of {count} lessons", 2) \
        .endswith("lessons")
    assert t.number(1234) == "1,234"


def test_negotiation_falls_back_to_vietnamese() -> None:
    translations = Translations(LOCALES, "vi")
    assert translations.negotiate("en-US") == "en"
    assert translations.negotiate("vi") == "vi"
    assert translations.negotiate("zh-hans") == "vi"
    assert translations.negotiate(None) == "vi"


def test_a_configured_locale_without_a_catalog_stops_start_up(tmp_path: Path) -> None:
    with pytest.raises(MissingCatalogError, match="'vi'"):
        Translations(LOCALES, "vi", directory=tmp_path)
