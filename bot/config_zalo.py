"""The `zalo:` section of config.yaml and its environment: how to reach the Zalo Bot Platform.

The token and the webhook secret come from the environment only (ZALO_BOT_TOKEN,
ZALO_WEBHOOK_SECRET), never the file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.config_web import SAFE_URL

DEFAULT_ZALO_API = "https://bot-api.zaloplatforms.com"
# A Zalo bot token: the bot's numeric id, a colon and a URL-safe secret.
_TOKEN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{8,128}$")
_PLACEHOLDER = re.compile(r"(?i)your|token|example|changeme|xxxxx|abc-xyz")
_KEYS = ("api_url", "rate", "chat_rate", "reply_deadline", "monthly_messages", "plan_users")


class ZaloConfigError(ValueError):
    """A Zalo setting is invalid; the message names it (never the token's value)."""


@dataclass(frozen=True)
class ZaloConfig:
    """How to reach the Zalo Bot Platform, and how fast to send."""

    token: str | None = None
    api_url: str = DEFAULT_ZALO_API
    webhook_url: str | None = None  # set: webhook mode; else polling
    webhook_secret: str | None = None
    rate: int = 10  # messages a second for everything the bot sends (no documented limit)
    chat_rate: float = 1.0  # messages a second to one chat, after a burst of a few
    reply_deadline: float = 60.0  # seconds a reply is retried before it is given up
    monthly_messages: int | None = None  # the plan's messages a month (Basic: 3,000); None: no cap
    plan_users: int | None = None  # the users the plan allows the bot (Basic: 50); None: no cap


def zalo_config(raw: Any, env: Mapping[str, str]) -> ZaloConfig:
    """The validated Zalo settings from the file's `zalo:` mapping and the environment."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ZaloConfigError(f"zalo: must be a mapping ({', '.join(_KEYS)})")
    unknown = sorted(set(raw) - set(_KEYS))
    if unknown:
        is_secret = unknown[0] in ("token", "webhook_secret")
        raise ZaloConfigError(
            f"zalo.{unknown[0]}: secrets do not belong in the file; set ZALO_BOT_TOKEN and "
            "ZALO_WEBHOOK_SECRET" if is_secret else
            f"zalo.{unknown[0]}: unknown key; allowed: {', '.join(_KEYS)}")
    api_url = env.get("ZALO_API_URL") or raw.get("api_url", DEFAULT_ZALO_API)
    if not isinstance(api_url, str) or not SAFE_URL.match(api_url):
        raise ZaloConfigError("zalo.api_url / ZALO_API_URL: must be an https:// URL (plain "
                              "http only to this machine): the token travels in it")
    token = env.get("ZALO_BOT_TOKEN", "").strip() or None
    if token is not None:
        check_zalo_token(token)
    webhook_url = env.get("ZALO_WEBHOOK_URL", "").strip() or None
    secret = env.get("ZALO_WEBHOOK_SECRET", "").strip() or None
    if webhook_url is not None:
        # Plain http only to this machine (tests; a proxy on the same host).
        if not re.match(r"^(https://[^\s/]+|http://(127\.0\.0\.1|localhost)(:\d+)?)/\S*$",
                        webhook_url):
            raise ZaloConfigError("ZALO_WEBHOOK_URL: must be an https:// URL")
        if secret is None or not 8 <= len(secret) <= 256:
            raise ZaloConfigError("ZALO_WEBHOOK_SECRET: 8 to 256 characters, required with "
                                  "ZALO_WEBHOOK_URL")
    return ZaloConfig(token=token, api_url=api_url, webhook_url=webhook_url,
                      webhook_secret=secret,
                      rate=_number(raw, "rate", 10, 1, 100, whole=True),
                      chat_rate=_number(raw, "chat_rate", 1, 0.1, 100),
                      reply_deadline=_number(raw, "reply_deadline", 60, 5, 600),
                      monthly_messages=_cap(raw.get("monthly_messages"), "monthly_messages",
                                            "the plan's messages a month (Basic: 3000)"),
                      plan_users=_cap(raw.get("plan_users"), "plan_users",
                                      "the users the plan allows (Basic: 50)"))


def check_zalo_token(token: str) -> None:
    """Refuse a token that cannot be one (without quoting it: it is a secret)."""
    if _PLACEHOLDER.search(token) or not _TOKEN.match(token):
        raise ZaloConfigError("ZALO_BOT_TOKEN: not a Zalo bot token (expected the bot's id, a "
                              "colon and the secret, as the Zalo Bot Creator shows it)")


def _cap(value: Any, key: str, meaning: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100_000_000:
        raise ZaloConfigError(f"zalo.{key}: {meaning}, a whole number, or null for no cap")
    return value


def _number(raw: dict[str, Any], key: str, default: float, low: float, high: float,
            whole: bool = False) -> Any:
    value = raw.get(key, default)
    kinds = int if whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
        raise ZaloConfigError(f"zalo.{key}: a {'whole ' if whole else ''}number from "
                              f"{low:g} to {high:g}")
    return int(value) if whole else float(value)
