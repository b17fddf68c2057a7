"""Message sizes every channel can show, and fitting long text into them."""

from __future__ import annotations

# Under the 2,000 characters of the strictest channel (Zalo), so a long answer (a report, the
# privacy notice) reads the same everywhere; a phone screen is happier with less anyway.
MESSAGE_LIMIT = 1900
MAX_INPUT = 4096  # characters of one typed message the core reads; longer gets a short answer
ECHO_LIMIT = 40  # characters of a user's own text (a name, a typed date) quoted back to them


def clip(text: str, limit: int = ECHO_LIMIT) -> str:
    """Text cut to limit characters with an ellipsis (what users type can be long)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def pack(blocks: list[str], limit: int = MESSAGE_LIMIT, sep: str = "\n\n") -> list[str]:
    """Blocks joined by sep into as few messages as fit under limit characters each; a block
    longer than limit is cut at its line ends (a line longer than limit is cut)."""
    messages: list[str] = []
    for block in blocks:
        for piece in _pieces(block, limit):
            if messages and len(messages[-1]) + len(sep) + len(piece) <= limit:
                messages[-1] += sep + piece
            else:
                messages.append(piece)
    return messages


def _pieces(block: str, limit: int) -> list[str]:
    pieces: list[str] = []
    for line in block.split("\n"):
        line = line[:limit]
        if pieces and len(pieces[-1]) + 1 + len(line) <= limit:
            pieces[-1] += "\n" + line
        else:
            pieces.append(line)
    return pieces
