"""config.yaml -> frozen dataclasses, validated once; secrets and deployment values from env."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.config_broadcasts import (
    PAID_RATE,
    BroadcastConfig,
    BroadcastConfigError,
    broadcast_config,
)
from bot.config_flood import Flood, FloodConfigError, flood_config
from bot.config_web import SAFE_URL, WebConfig, WebConfigError, web_config
from bot.config_zalo import ZaloConfig, ZaloConfigError, zalo_config

DEFAULT_API_URL = "https://api.telegram.org/bot"
TERMINAL = "console"  # the channel of `python -m bot --channel console`: the server's terminal
SUPPORTED_LOCALES = ("vi", "en")
EVENT_LOOPS = ("uvloop", "asyncio")  # config key event_loop: see bot/app.py run_service

# A real token is the bot's numeric id, a colon and 35 URL-safe characters.
_TOKEN_RE = re.compile(r"^\d{5,15}:[A-Za-z0-9_-]{35}$")
# Tokens copied from documentation or templates: refused before any network call.
_PLACEHOLDER_TOKENS = re.compile(r"(?i)your|token|example|changeme|xxxxx|123456:ABC-DEF")


class ConfigError(Exception):
    """A configuration value is missing or invalid; the message names the key."""


@dataclass(frozen=True)
class TelegramConfig:
    """How to reach the Telegram Bot API."""

    token: str | None
    api_url: str
    concurrent_updates: int
    allow_groups: bool = False  # stay in group chats the bot is added to (it leaves them)
    rate: int = 25  # messages a second for everything the bot sends: replies, notices, broadcasts
    reply_deadline: float = 60.0  # seconds a reply is retried before it is given up
    chat_rate: float = 1.0  # messages a second to one chat, after a burst of a few
    webhook_url: str | None = None  # set: webhook mode (TELEGRAM_WEBHOOK_URL); else polling
    webhook_secret: str | None = None  # TELEGRAM_WEBHOOK_SECRET, checked on every POST


@dataclass(frozen=True)
class Campaign:
    """A campaign such as "Đi từng ngõ, gõ từng nhà": its days and optional target."""

    key: str
    name: str
    first_day: date
    last_day: date
    household_target: int | None  # households per team, if the province set one


@dataclass(frozen=True)
class Config:
    """The whole validated configuration of one bot instance."""

    province: str
    province_code: int
    campaigns: tuple[Campaign, ...]
    default_locale: str
    locales: tuple[str, ...]
    database: Path
    lessons_dir: Path
    admins: frozenset[int]
    log_level: str
    timezone: ZoneInfo
    telegram: TelegramConfig
    broadcasts: BroadcastConfig = field(default_factory=BroadcastConfig)
    zalo: ZaloConfig = field(default_factory=ZaloConfig)
    # The web server for webhooks, /healthz and broadcast photos (BOT_LISTEN, BOT_PUBLIC_URL).
    web: WebConfig = field(default_factory=WebConfig)
    # The channels whose user ids the admins list names; admins' notices go to the first.
    admin_channels: tuple[str, ...] = ("telegram", TERMINAL)
    # Months a visit's household label and note are kept after its campaign ends (or after
    # the visit, outside campaigns); then blanked (retention: household_months).
    household_months: int = 12
    # The per-person flood brake (bot/core/service.py FloodBrake).
    flood: Flood = field(default_factory=Flood)
    # The running bot's event loop: "uvloop" (where it is installed) or "asyncio" (bot/app.py).
    event_loop: str = "uvloop"

    @property
    def delivery_channels(self) -> tuple[str, ...]:
        """The channels broadcasts go out on: those running (with a token), else the first
        admin channel (the terminal cannot receive them)."""
        running = tuple(name for name, token in (("telegram", self.telegram.token),
                                                 ("zalo", self.zalo.token)) if token)
        return running or (self.delivery_channel,)

    @property
    def monthly_quotas(self) -> dict[str, int]:
        """Messages a month each running channel's plan allows, where it caps them."""
        quota = self.zalo.monthly_messages
        return {"zalo": quota} if self.zalo.token and quota else {}

    @property
    def plan_users(self) -> dict[str, int]:
        """Users each running channel's plan allows the bot, where it caps them."""
        users = self.zalo.plan_users
        return {"zalo": users} if self.zalo.token and users else {}

    @property
    def delivery_channel(self) -> str:
        """The channel whose workers deliver notices and broadcasts: the first admin channel
        (the terminal cannot receive them)."""
        return self.admin_channels[0]


def load_config(path: Path, env: Mapping[str, str] | None = None) -> Config:
    """Read, validate and return the configuration; raise ConfigError naming the bad key."""
    env = os.environ if env is None else env
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of keys to values")
    base = path.resolve().parent
    return _build(raw, base, env)


def _build(raw: dict[str, Any], base: Path, env: Mapping[str, str]) -> Config:
    known = {"province", "province_code", "campaigns", "default_locale", "locales", "database",
             "lessons_dir", "admins", "log_level", "timezone", "telegram", "zalo",
             "broadcasts", "admin_channels", "retention", "flood", "event_loop"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"unknown key '{unknown[0]}'; allowed keys: {', '.join(sorted(known))}")
    locales = tuple(_str_list(raw, "locales", ["vi", "en"]))
    for loc in locales:
        if loc not in SUPPORTED_LOCALES:
            raise ConfigError(f"locales: '{loc}' is not supported; allowed: vi, en")
    default_locale = _str(raw, "default_locale", "vi")
    if default_locale not in locales:
        raise ConfigError(f"default_locale: '{default_locale}' must be one of locales {locales}")
    env_database = env.get("BOT_DATABASE", "").strip()
    database = Path(env_database) if env_database else _resolve(
        base, _str(raw, "database", "data/bot.db"))
    admins = _admins(raw.get("admins", []), "admins") | _admins_env(env.get("BOT_ADMINS", ""))
    log_level = _str(raw, "log_level", "INFO").upper()
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError("log_level: allowed values are DEBUG, INFO, WARNING, ERROR")
    event_loop = _str(raw, "event_loop", "uvloop")
    if event_loop not in EVENT_LOOPS:
        raise ConfigError(f"event_loop: allowed values are {', '.join(EVENT_LOOPS)}")
    return Config(
        province=_str(raw, "province", "Nghệ An"),
        province_code=_province_code(raw.get("province_code", 40)),
        campaigns=_campaigns(raw.get("campaigns", [])),
        default_locale=default_locale,
        locales=locales,
        database=database,
        lessons_dir=_resolve(base, _str(raw, "lessons_dir", "lessons")),
        admins=admins,
        log_level=log_level,
        timezone=_timezone(_str(raw, "timezone", "Asia/Ho_Chi_Minh")),
        telegram=(telegram := _telegram(raw.get("telegram", {}), env)),
        zalo=(zalo := _zalo(raw.get("zalo"), env)),
        web=_web(env, zalo.webhook_url, telegram.webhook_url),
        broadcasts=_broadcasts(raw.get("broadcasts", {})),
        admin_channels=_admin_channels(raw.get("admin_channels", list(Config.admin_channels))),
        household_months=_household_months(raw.get("retention")),
        flood=_flood(raw.get("flood")),
        event_loop=event_loop,
    )


def _web(env: Mapping[str, str], *webhook_urls: str | None) -> WebConfig:
    try:
        return web_config(env, *webhook_urls)
    except WebConfigError as exc:
        raise ConfigError(str(exc)) from None


def _zalo(raw: Any, env: Mapping[str, str]) -> ZaloConfig:
    try:
        return zalo_config(raw, env)
    except ZaloConfigError as exc:
        raise ConfigError(str(exc)) from None


def _telegram(raw: Any, env: Mapping[str, str]) -> TelegramConfig:
    if not isinstance(raw, dict):
        raise ConfigError(
            f"telegram: must be a mapping ({', '.join(_TELEGRAM_KEYS)})")
    unknown = sorted(set(raw) - set(_TELEGRAM_KEYS))
    if unknown:
        raise ConfigError(f"telegram.{unknown[0]}: unknown key; allowed: "
                          f"{', '.join(_TELEGRAM_KEYS)}")
    if "token" in raw:
        raise ConfigError(
            "telegram.token: secrets do not belong in the file; set TELEGRAM_BOT_TOKEN")
    api_url = env.get("TELEGRAM_API_URL") or raw.get("api_url", DEFAULT_API_URL)
    if not isinstance(api_url, str) or not SAFE_URL.match(api_url):
        raise ConfigError("telegram.api_url / TELEGRAM_API_URL: must be an https:// URL (plain "
                          "http only to this machine): the token travels in it")
    concurrent = raw.get("concurrent_updates", 64)
    if isinstance(concurrent, bool) or not isinstance(concurrent, int) \
            or not 1 <= concurrent <= 1024:
        raise ConfigError("telegram.concurrent_updates: must be a whole number from 1 to 1024")
    allow_groups = raw.get("allow_groups", False)
    if not isinstance(allow_groups, bool):
        raise ConfigError("telegram.allow_groups: must be true or false")
    rate = raw.get("rate", 25)
    if isinstance(rate, bool) or not isinstance(rate, int) or not 1 <= rate <= PAID_RATE:
        raise ConfigError("telegram.rate: messages per second, a whole number from 1 to 1000 "
                          "(Telegram allows about 30 a second)")
    deadline = raw.get("reply_deadline", 60)
    if isinstance(deadline, bool) or not isinstance(deadline, int | float) \
            or not 5 <= deadline <= 600:
        raise ConfigError("telegram.reply_deadline: seconds, from 5 to 600")
    chat_rate: object = raw.get("chat_rate", 1)
    if env.get("TELEGRAM_CHAT_RATE"):
        try:
            chat_rate = float(env["TELEGRAM_CHAT_RATE"])
        except ValueError:
            chat_rate = None
    if isinstance(chat_rate, bool) or not isinstance(chat_rate, int | float) \
            or not 0.1 <= chat_rate <= 100:
        raise ConfigError("telegram.chat_rate / TELEGRAM_CHAT_RATE: messages per second to one "
                          "chat, from 0.1 to 100")
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip() or None
    if token is not None:
        check_token(token)
    webhook_url, webhook_secret = _telegram_webhook(env)
    return TelegramConfig(token=token, api_url=api_url, concurrent_updates=concurrent,
                          allow_groups=allow_groups, rate=rate, reply_deadline=float(deadline),
                          chat_rate=float(chat_rate), webhook_url=webhook_url,
                          webhook_secret=webhook_secret)


_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{8,256}$")  # Telegram allows 1-256 of these


def _telegram_webhook(env: Mapping[str, str]) -> tuple[str | None, str | None]:
    url = env.get("TELEGRAM_WEBHOOK_URL", "").strip() or None
    secret = env.get("TELEGRAM_WEBHOOK_SECRET", "").strip() or None
    if url is None:
        return None, None
    if not re.match(r"^(https://[^\s/]+|http://(127\.0\.0\.1|localhost)(:\d+)?)/\S*$", url):
        raise ConfigError("TELEGRAM_WEBHOOK_URL: must be an https:// URL")
    if secret is None or not _WEBHOOK_SECRET.match(secret):
        raise ConfigError("TELEGRAM_WEBHOOK_SECRET: 8 to 256 characters A-Z a-z 0-9 _ -, "
                          "required with TELEGRAM_WEBHOOK_URL")
    return url, secret


_TELEGRAM_KEYS = ("api_url", "concurrent_updates", "allow_groups", "rate", "reply_deadline",
                  "chat_rate")


# Telegram's free bulk limit is about 30 messages a second; paid broadcasts allow 1,000.
def _flood(raw: Any) -> Flood:
    try:
        return flood_config(raw)
    except FloodConfigError as exc:
        raise ConfigError(str(exc)) from None


def _household_months(raw: Any) -> int:
    if raw is None:
        return Config.household_months
    months = raw.get("household_months", Config.household_months) if isinstance(raw, dict) \
        else None
    if not isinstance(raw, dict) or set(raw) - {"household_months"} or isinstance(months, bool) \
            or not isinstance(months, int) or not 1 <= months <= 120:
        raise ConfigError("retention: a mapping with household_months, the months a visit's "
                          "household label and note are kept after its campaign (1-120)")
    return months


def _broadcasts(raw: Any) -> BroadcastConfig:
    try:
        return broadcast_config(raw)
    except BroadcastConfigError as exc:
        raise ConfigError(str(exc)) from None


def check_token(token: str) -> None:
    """Refuse a placeholder or malformed bot token before any network call."""
    if _PLACEHOLDER_TOKENS.search(token):
        raise ConfigError("TELEGRAM_BOT_TOKEN: this looks like a placeholder; paste the token "
                          "@BotFather gave you")
    if not _TOKEN_RE.match(token):
        raise ConfigError("TELEGRAM_BOT_TOKEN: malformed; expected digits, a colon and 35 "
                          "letters, digits, '-' or '_' (as @BotFather gives it)")


def _str(raw: dict[str, Any], key: str, default: str) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{key}: must be a non-empty text value")
    return value.strip()


def _str_list(raw: dict[str, Any], key: str, default: list[str]) -> list[str]:
    value = raw.get(key, default)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key}: must be a non-empty list of text values")
    return value


def _admins(value: Any, key: str) -> frozenset[int]:
    if value is None:
        return frozenset()
    if not isinstance(value, list):
        raise ConfigError(f"{key}: must be a list of Telegram user ids (whole numbers)")
    ids: set[int] = set()
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or item <= 0:
            raise ConfigError(
                f"{key}: '{item}' is not a Telegram user id (a positive whole number)")
        ids.add(item)
    return frozenset(ids)


def _admins_env(value: str) -> frozenset[int]:
    ids: set[int] = set()
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        if not (part.isascii() and part.isdigit()) or int(part) <= 0:
            raise ConfigError(f"BOT_ADMINS: '{part}' is not a Telegram user id; "
                              "expected comma-separated positive whole numbers")
        ids.add(int(part))
    return frozenset(ids)


_CHANNEL_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


def _admin_channels(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(
            isinstance(v, str) and _CHANNEL_NAME.match(v) for v in value):
        raise ConfigError("admin_channels: a non-empty list of channel names such as "
                          "[telegram, console]")
    if len(set(value)) != len(value):
        raise ConfigError("admin_channels: a channel is named twice")
    return tuple(value)


def _province_code(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 99:
        raise ConfigError("province_code: must be the official two-digit code of the province "
                          "(Nghệ An is 40)")
    return value


_CAMPAIGN_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")


def _campaigns(value: Any) -> tuple[Campaign, ...]:
    if not isinstance(value, list):
        raise ConfigError("campaigns: must be a list of campaigns (key, name, first_day, "
                          "last_day, optional household_target)")
    campaigns: list[Campaign] = []
    for i, item in enumerate(value):
        where = f"campaigns[{i}]"
        if not isinstance(item, dict):
            raise ConfigError(f"{where}: must be a mapping")
        unknown = sorted(set(item) - {"key", "name", "first_day", "last_day",
                                      "household_target"})
        if unknown:
            raise ConfigError(f"{where}.{unknown[0]}: unknown key; allowed: key, name, "
                              "first_day, last_day, household_target")
        key, name = item.get("key"), item.get("name")
        if not isinstance(key, str) or not _CAMPAIGN_KEY.match(key):
            raise ConfigError(f"{where}.key: 1-32 lower-case letters, digits or '-'")
        if any(c.key == key for c in campaigns):
            raise ConfigError(f"{where}.key: '{key}' is used twice")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{where}.name: required")
        first, last = item.get("first_day"), item.get("last_day")
        if not isinstance(first, date) or not isinstance(last, date):
            raise ConfigError(f"{where}.first_day / last_day: dates written YYYY-MM-DD")
        if last < first:
            raise ConfigError(f"{where}.last_day: must not be before first_day")
        target = item.get("household_target")
        if target is not None and (isinstance(target, bool) or not isinstance(target, int)
                                   or target < 1):
            raise ConfigError(f"{where}.household_target: a whole number of households from 1")
        campaigns.append(Campaign(key, name.strip(), first, last, target))
    return tuple(campaigns)


def _timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"timezone: '{name}' is not a known time zone "
                          "(for example Asia/Ho_Chi_Minh)") from None


def _resolve(base: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path
