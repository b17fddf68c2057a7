"""The seams: the core and storage never import a channel library."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.factories import ROOT

CHANNEL_LIBRARIES = {"telegram", "aiohttp", "httpx"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("layer", ["core", "storage"])
def test_the_layer_imports_no_channel_library(layer: str) -> None:
    for path in sorted((ROOT / "bot" / layer).rglob("*.py")):
        leaked = imported_modules(path) & CHANNEL_LIBRARIES
        assert not leaked, f"{path.relative_to(ROOT)} imports {leaked}"


def test_the_core_imports_no_channel_module() -> None:
    for path in sorted((ROOT / "bot" / "core").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        assert "bot.channels" not in source, path


def test_every_listed_command_has_a_description_in_every_locale() -> None:
    from bot.core.service import build_router
    from bot.i18n import Translations

    translations = Translations(("vi", "en"), "vi")
    for command in build_router().listed_commands(("everyone", "volunteers", "admins")):
        for locale in ("vi", "en"):
            described = translations.get(locale)._(command.description)
            assert described and len(described) <= 256, (command.name, locale)
        assert translations.get("vi")._(command.description) != command.description, command.name
