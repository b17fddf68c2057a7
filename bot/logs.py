"""The bot's log: one format, secrets redacted from every line, chatty libraries capped.

Bot tokens sit in the Bot API's URL paths (`/bot<token>/sendMessage`), so any line quoting a
URL (an error, a redirect, a library's debug line) would carry one: every formatted line,
exceptions included, has the configured secrets, anything shaped like a bot token and the
`/bot…/` path segment replaced. Libraries whose DEBUG lines print whole updates (the users'
texts) or requests are capped at INFO or WARNING whatever log_level says.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from bot.config import Config

REDACTED = "<redacted>"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# A Telegram or Zalo bot token: the bot's numeric id, a colon and a URL-safe secret.
_TOKEN = re.compile(r"\b\d{3,20}:[A-Za-z0-9_-]{16,128}")
_BOT_PATH = re.compile(r"/bot[^/\s'\"?#]+")
# The lowest level each library may log at (their DEBUG has update payloads, URLs, or SQL
# parameters: what users typed).
CAPPED = {"telegram": logging.INFO, "httpx": logging.WARNING, "httpcore": logging.WARNING,
          "aiohttp": logging.INFO, "asyncio": logging.INFO, "aiosqlite": logging.INFO}


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """The text with the secrets, bot tokens and Bot API URL paths replaced."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    text = _BOT_PATH.sub("/bot" + REDACTED, text)
    return _TOKEN.sub(REDACTED, text)


class RedactingFormatter(logging.Formatter):
    """A formatter whose every line, traceback included, goes through redact()."""

    def __init__(self, fmt: str, secrets: Iterable[str | None]) -> None:
        super().__init__(fmt)
        # Longest first, so a secret containing another is replaced whole.
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        """The record as a line, with nothing secret left in it."""
        return redact(super().format(record), self.secrets)


def secrets_of(config: Config) -> list[str | None]:
    """The values no log line may show: the channels' tokens and webhook secrets."""
    return [config.telegram.token, config.telegram.webhook_secret, config.zalo.token,
            config.zalo.webhook_secret]


def setup_logging(level: str | int, secrets: Iterable[str | None], fmt: str = FORMAT) -> None:
    """Log to standard error at level through the redacting formatter; libraries capped."""
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter(fmt, secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name, lowest in CAPPED.items():
        logging.getLogger(name).setLevel(max(lowest, root.level))
