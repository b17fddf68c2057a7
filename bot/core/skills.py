"""The five basic digital skills (Công văn 3240/BTTTT-CĐSQG, 8/8/2024)."""

from __future__ import annotations

from bot.i18n import N_, Translator

SKILLS: dict[str, tuple[str, str]] = {
    "public_services": ("🏛", N_("Online public services")),
    "shopping": ("🛒", N_("Online shopping")),
    "payment": ("💳", N_("Online payment")),
    "cyber_safety": ("🛡", N_("Staying safe online")),
    "other_platforms": ("📱", N_("Other digital platforms")),
}


def skill_label(skill: str, t: Translator) -> str:
    """The skill's emoji and name in the user's language."""
    emoji, name = SKILLS[skill]
    return f"{emoji} {t._(name)}"
