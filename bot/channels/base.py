"""What channels share: their capabilities and the text-only rendering of replies."""

from __future__ import annotations

from bot.core.events import Capabilities, Reply

TELEGRAM = Capabilities(buttons=True, edit=True, max_text=4096, photos=True, name="Telegram")
# The console shows what a text-only messenger (the Zalo Bot Platform) can: 2,000 characters.
TEXT_ONLY = Capabilities(buttons=False, edit=False, max_text=2000, name="")
# Zalo's Bot Platform: text only, 2,000 characters a message (headroom left for the numbered
# options appended to a reply's text).
ZALO = Capabilities(buttons=False, edit=False, max_text=1800, name="Zalo", photos=True,
                    files=False)


def render_text(reply: Reply) -> str:
    """A reply as plain text, its buttons as numbered options to type."""
    parts = []
    if reply.image:
        parts.append(f"[🖼 {reply.image}]")
    if reply.photo:
        parts.append("[🖼]")
    parts.append(reply.text)
    options = reply.options()
    if options and reply.numbered:
        parts.append("\n".join(f"{key}. {button.label}" for key, button in reply.keyed_options()))
    elif options:  # the user is typing an answer: choices are typed by their label
        parts.append("  ".join(f"[{button.label}]" for button in options))
    parts += [f"[📎 {path}]" for path in reply.documents]
    return "\n\n".join(parts)
