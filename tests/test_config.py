"""Configuration: validated once, bad values named, environment overrides."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.app import run_service
from bot.config import ConfigError, check_token, load_config
from tests.factories import ROOT, TOKEN, make_config
from tests.fakes.zalo import ZALO_TOKEN


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_the_shipped_config_loads_with_defaults() -> None:
    config = load_config(ROOT / "config.yaml", {})
    assert config.default_locale == "vi" and config.locales == ("vi", "en")
    assert config.database == ROOT / "data" / "bot.db"
    assert config.telegram.token is None
    assert config.telegram.api_url == "https://api.telegram.org/bot"
    assert str(config.timezone) == "Asia/Ho_Chi_Minh"
    assert config.admin_channels == ("telegram", "console")
    assert (config.telegram.rate, config.telegram.chat_rate, config.telegram.reply_deadline) \
        == (25, 1.0, 60.0)


@pytest.mark.parametrize(("setting", "module"), [("", "uvloop"), ("event_loop: asyncio\n",
                                                                     "asyncio")])
def test_the_service_runs_on_the_configured_event_loop(tmp_path: Path, setting: str,
                                                       module: str) -> None:
    async def loop_module() -> str:
        return type(asyncio.get_running_loop()).__module__.split(".")[0]

    config = load_config(write(tmp_path, setting), {})
    assert run_service(loop_module(), config) == module


def test_environment_overrides(tmp_path: Path) -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": "http://127.0.0.1:9/bot",
           "BOT_DATABASE": str(tmp_path / "x.db"), "BOT_ADMINS": " 42, 7 ",
           "TELEGRAM_CHAT_RATE": "50"}
    config = load_config(write(tmp_path, "admins: [5]\n"), env)
    assert config.telegram.chat_rate == 50.0
    with pytest.raises(ConfigError, match="TELEGRAM_CHAT_RATE"):
        load_config(write(tmp_path, ""), {"TELEGRAM_CHAT_RATE": "fast"})
    assert config.telegram.token == TOKEN
    assert config.telegram.api_url == "http://127.0.0.1:9/bot"
    assert config.database == tmp_path / "x.db"
    assert config.admins == {5, 7, 42}


def test_admin_channels_can_be_configured(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "admin_channels: [zalo, console]\n"), {})
    assert config.admin_channels == ("zalo", "console")


@pytest.mark.parametrize(("body", "named"), [
    ("locales: [vi, fr]\n", "locales"),
    ("default_locale: en\nlocales: [vi]\n", "default_locale"),
    ("admins: [abc]\n", "admins"),
    ("admins: 5\n", "admins"),
    ("admin_channels: []\n", "admin_channels"),
    ("admin_channels: [Telegram!]\n", "admin_channels"),
    ("admin_channels: [console, console]\n", "admin_channels"),
    ("log_level: LOUD\n", "log_level"),
    ("event_loop: trio\n", "event_loop"),
    ("timezone: Mars/Base\n", "timezone"),
    ("telegram: {concurrent_updates: 0}\n", "telegram.concurrent_updates"),
    ("telegram: {api_url: 'ftp://x'}\n", "telegram.api_url"),
    ("telegram: {token: '1:abc'}\n", "telegram.token"),
    ("telegram: {allow_groups: 'yes please'}\n", "telegram.allow_groups"),
    ("telegram: {rate: 0}\n", "telegram.rate"),
    ("telegram: {rate: 2.5}\n", "telegram.rate"),
    ("telegram: {chat_rate: 0}\n", "telegram.chat_rate"),
    ("telegram: {reply_deadline: 1}\n", "telegram.reply_deadline"),
    ("telegram: {reply_deadline: true}\n", "telegram.reply_deadline"),
    ("flood: {burst: 5}\n", "flood: a mapping with burst"),
    ("flood: {burst: 100, per_second: 0}\n", "flood: a mapping with burst"),
    ("flood: {burst: true}\n", "flood: a mapping with burst"),
    ("flood: {rate: 3}\n", "flood: a mapping with burst"),
    ("colour: blue\n", "colour"),
    ("- just a list\n", "mapping"),
    ("province: [\n", "not valid YAML"),
])
def test_a_bad_value_names_its_key(tmp_path: Path, body: str, named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        load_config(write(tmp_path, body), {})


@pytest.mark.parametrize("token", [
    "YOUR_TOKEN_HERE", "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11", "12345", "abc:def",
    "123456789:short", TOKEN + "x", "<token>"])
def test_placeholder_and_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN"):
        check_token(token)


def test_bad_admins_from_the_environment_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="BOT_ADMINS"):
        load_config(write(tmp_path, "{}\n"), {"BOT_ADMINS": "12,abc"})


def test_a_bad_token_stops_start_up_before_any_network_call(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The API URL points nowhere: a network call would hang or fail differently.
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "YOUR_TOKEN_HERE")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:9/bot")
    monkeypatch.setenv("BOT_DATABASE", str(tmp_path / "bot.db"))
    assert main([]) == 2
    assert "TELEGRAM_BOT_TOKEN" in capsys.readouterr().err
    assert not (tmp_path / "bot.db").exists()


def test_config_flag_reads_another_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    path = write(tmp_path, "locales: [de]\n")
    assert main(["--config", str(path), "lessons", "check"]) == 2
    assert "locales" in capsys.readouterr().err


def test_zalo_settings_from_the_environment(tmp_path: Path) -> None:
    config = make_config(tmp_path, ZALO_BOT_TOKEN=ZALO_TOKEN, BOT_LISTEN="127.0.0.1:9090")
    assert config.zalo.token == ZALO_TOKEN and config.web.listen == ("127.0.0.1", 9090)
    assert config.delivery_channels == ("zalo",)
    for env, says in (({"ZALO_BOT_TOKEN": "YOUR_TOKEN"}, "ZALO_BOT_TOKEN"),
                      ({"ZALO_WEBHOOK_URL": "http://example.com/webhook/zalo",
                        "ZALO_WEBHOOK_SECRET": "x" * 16}, "https"),
                      ({"ZALO_WEBHOOK_URL": "https://bot.example.vn/webhook/zalo"},
                       "ZALO_WEBHOOK_SECRET"),
                      ({"BOT_LISTEN": "8080"}, "BOT_LISTEN")):
        with pytest.raises(ConfigError) as refused:
            make_config(tmp_path, **env)
        assert says in str(refused.value)
        assert "YOUR_TOKEN" not in str(refused.value)  # a secret is never quoted


def test_the_public_address_is_set_or_taken_from_a_webhook(tmp_path: Path) -> None:
    assert make_config(tmp_path).web.public_url is None
    webhook = {"ZALO_BOT_TOKEN": ZALO_TOKEN, "ZALO_WEBHOOK_SECRET": "x" * 16,
               "ZALO_WEBHOOK_URL": "https://bot.nghean.vn/webhook/zalo"}
    assert make_config(tmp_path, **webhook).web.public_url == "https://bot.nghean.vn"
    chosen = make_config(tmp_path, BOT_PUBLIC_URL="https://anh.example.vn/", **webhook)
    assert chosen.web.public_url == "https://anh.example.vn"
    assert chosen.plan_users == {"zalo": 50}  # the shipped config: Zalo's Basic plan
    for wrong in ("http://bot.example.vn", "https://bot.example.vn/photos", "bot.example.vn"):
        with pytest.raises(ConfigError) as refused:
            make_config(tmp_path, BOT_PUBLIC_URL=wrong)
        assert "BOT_PUBLIC_URL" in str(refused.value)


def test_a_bot_api_address_is_https_or_this_machine(tmp_path: Path) -> None:
    assert make_config(tmp_path, TELEGRAM_API_URL="http://127.0.0.1:8081/bot").telegram.api_url
    assert make_config(tmp_path, ZALO_API_URL="https://bot-api.example.vn").zalo.api_url
    for variable in ("TELEGRAM_API_URL", "ZALO_API_URL"):
        for wrong in ("http://api.example.com/bot", "ftp://127.0.0.1", "http://10.0.0.5/bot"):
            with pytest.raises(ConfigError) as refused:
                make_config(tmp_path, **{variable: wrong})
            assert variable in str(refused.value) and "https" in str(refused.value)
