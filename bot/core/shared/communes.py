"""The province's commune-level units (xã, phường) since 1 July 2025, from vietnam-provinces."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from vietnam_provinces import Province, ProvinceCode, Ward

from bot.core.shared.text import fold, is_number

_PREFIX = re.compile(r"^(xa|phuong|dac khu|x\.|p\.)\s*")


class UnknownProvinceError(ValueError):
    """The configured province code is not one of the 34 provinces."""


@dataclass(frozen=True)
class Commune:
    """A commune-level unit with its official code."""

    code: str  # the official code, e.g. "17329"
    name: str  # with its kind, e.g. "Xã Anh Sơn"


def _key(name: str) -> str:
    return _PREFIX.sub("", fold(name).replace("-", " ")).strip()


class Communes:
    """Every commune of one province, found by code or by name typed with or without accents."""

    def __init__(self, province_code: int):
        try:
            province = Province.from_code(ProvinceCode(province_code))
        except ValueError:
            raise UnknownProvinceError(f"province code {province_code} is unknown") from None
        self.province = province.name
        wards = sorted(Ward.iter_by_province(province.code), key=lambda w: fold(w.name))
        self._all = [Commune(f"{int(w.code):05d}", w.name) for w in wards]
        self._by_code = {c.code: c for c in self._all}
        self._keys = [_key(c.name) for c in self._all]

    def __len__(self) -> int:
        return len(self._all)

    def all(self) -> list[Commune]:
        """Every commune, in alphabetical order."""
        return list(self._all)

    def get(self, code: str) -> Commune | None:
        """The commune with this official code."""
        return self._by_code.get(code.strip().zfill(5)) if is_number(code.strip()) else None

    def display_name(self, code: str | None) -> str:
        """The commune's name; its code if the province list no longer has it; "?" if none."""
        commune = self.get(code) if code else None
        return commune.name if commune else code or "?"

    def find(self, text: str, limit: int = 6) -> list[Commune]:
        """Communes matching typed text: a code, the exact name, part of it, or a near miss."""
        by_code = self.get(text)
        if by_code:
            return [by_code]
        full = fold(text).strip()
        typed = _key(text)
        if not typed:
            return []
        exact = [c for c, key in zip(self._all, self._keys, strict=True)
                 if key == typed and (full == typed or fold(c.name) == full)]
        if exact:
            return exact
        exact = [c for c, key in zip(self._all, self._keys, strict=True) if key == typed]
        if exact:
            return exact
        partial = [c for c, key in zip(self._all, self._keys, strict=True)
                   if re.search(rf"\b{re.escape(typed)}\b", key)]
        if partial:
            return partial[:limit]
        close = process.extract(typed, self._keys, scorer=fuzz.ratio, score_cutoff=80,
                                limit=limit)
        return [self._all[index] for _, _, index in close]
