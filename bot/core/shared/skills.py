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

# Not one of the five: lessons for volunteers and admins on how to guide people.
HANDBOOK = "handbook"
TRACKS: dict[str, tuple[str, str]] = {**SKILLS, HANDBOOK: ("🧭", N_("Volunteer handbook"))}

# The six domains of the learners' digital competence framework (Circular 02/2025/TT-BGDĐT).
DOMAINS: dict[str, str] = {
    "information": N_("Information and data"),
    "communication": N_("Communication and collaboration"),
    "content": N_("Digital content creation"),
    "safety": N_("Safety"),
    "problem-solving": N_("Problem solving"),
    "ai": N_("Using AI"),
}


def skill_label(skill: str, t: Translator) -> str:
    """The skill's (or the handbook's) emoji and name in the user's language."""
    emoji, name = TRACKS[skill]
    return f"{emoji} {t._(name)}"
