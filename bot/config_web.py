"""The bot's web server from the environment: where it listens (BOT_LISTEN) and the public
address it is reached at (BOT_PUBLIC_URL), for webhooks, /healthz and broadcast photos."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_LISTEN = ("127.0.0.1", 8080)
# An address a secret may travel to: https, or plain http to this machine only (the tests'
# fakes, a proxy on the same host).
SAFE_URL = re.compile(r"^(https://[^\s/]+|http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?)(/\S*)?$")
# https, or plain http to this machine only (tests; a proxy on the same host).
_PUBLIC = re.compile(r"^(https://[^\s/]+|http://(127\.0\.0\.1|localhost)(:\d+)?)/?$")


class WebConfigError(ValueError):
    """BOT_LISTEN or BOT_PUBLIC_URL is invalid; the message names it."""


@dataclass(frozen=True)
class WebConfig:
    """Where the web server listens and the address the world reaches it at."""

    # host:port; None: no server runs unless a webhook or a public address needs one.
    listen: tuple[str, int] | None = None
    # The server's public origin, "https://bot.example.vn": Zalo fetches broadcast photos from
    # it. Set, or taken from a webhook URL's origin; None: photos are not served.
    public_url: str | None = None

    @property
    def address(self) -> tuple[str, int]:
        """Where the server listens when it runs."""
        return self.listen or DEFAULT_LISTEN


def web_config(env: Mapping[str, str], *webhook_urls: str | None) -> WebConfig:
    """The web settings from the environment; the public address defaults to the origin of
    the first webhook URL given."""
    listen = _listen(env.get("BOT_LISTEN", ""))
    public = env.get("BOT_PUBLIC_URL", "").strip()
    if public and not _PUBLIC.match(public):
        raise WebConfigError("BOT_PUBLIC_URL: the bot's https:// address, for example "
                             "https://bot.example.vn (no path)")
    if not public:
        origins = [_origin(url) for url in webhook_urls if url]
        public = origins[0] if origins else ""
    return WebConfig(listen=listen, public_url=public.rstrip("/") or None)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _listen(value: str) -> tuple[str, int] | None:
    if not value.strip():
        return None
    host, _, port = value.strip().rpartition(":")
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise WebConfigError("BOT_LISTEN: host:port, for example 127.0.0.1:8080")
    return host.strip("[]"), int(port)
