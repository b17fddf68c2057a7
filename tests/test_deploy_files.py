"""The files in deploy/ a province installs as they are: the systemd units parse and point at
the right places, no secret is in a unit, the env example names every setting and holds no
real secret, backup.sh makes the dated copy with the real `python -m bot backup` and deletes
the old ones, and the reverse proxies forward the two webhook paths only. No systemd needed."""

from __future__ import annotations

import configparser
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from bot.config import ConfigError, check_token

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
INSTALLED = "/opt/cnscd-bot"  # where docs/DEPLOYMENT.md puts the checkout
VENV_PYTHON = f"{INSTALLED}/.venv/bin/python"
DATABASE = "/var/lib/cnscd-bot/bot.db"
UPSTREAM = "127.0.0.1:8080"
WEBHOOK_PATHS = ("/webhook/telegram", "/webhook/zalo")
SETTINGS = {"TELEGRAM_BOT_TOKEN", "ZALO_BOT_TOKEN", "TELEGRAM_WEBHOOK_URL",
            "TELEGRAM_WEBHOOK_SECRET", "ZALO_WEBHOOK_URL", "ZALO_WEBHOOK_SECRET", "BOT_LISTEN",
            "BOT_DATABASE", "BOT_ADMINS", "ZALO_API_URL", "TELEGRAM_API_URL"}
UNITS = ("cnscd-bot.service", "cnscd-bot-backup.service", "cnscd-bot-backup.timer")
Entries = list[tuple[str, str, str]]


def unit(name: str) -> configparser.ConfigParser:
    """A unit file as INI (repeated keys allowed: the last one wins here)."""
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    parser.read_string((DEPLOY / name).read_text(encoding="utf-8"), source=name)
    return parser


def entries(name: str) -> Entries:
    """Every (section, key, value) of a unit file in order, repeated keys included."""
    found: Entries = []
    section = ""
    for line in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        found.append((section, key.strip(), value.strip()))
    return found


def values(name: str, key: str) -> list[str]:
    return [value for _, k, value in entries(name) if k == key]


def environment(name: str) -> dict[str, str]:
    """The Environment= assignments of a unit."""
    assigned: dict[str, str] = {}
    for value in values(name, "Environment"):
        for word in shlex.split(value):
            var, _, setting = word.partition("=")
            assigned[var] = setting
    return assigned


@pytest.mark.parametrize("name", UNITS)
def test_every_unit_parses_with_its_sections(name: str) -> None:
    parser = unit(name)
    kind = "Service" if name.endswith(".service") else "Timer"
    assert {"Unit", kind} <= set(parser.sections()), name
    assert parser["Unit"].get("Description"), name
    for section, key, _ in entries(name):
        assert section in {"Unit", "Service", "Timer", "Install"}, f"{name}: [{section}] {key}"
        assert re.fullmatch(r"[A-Z][A-Za-z]+", key), f"{name}: '{key}' is not a unit setting"


def test_the_bot_unit_runs_the_bot_from_the_venv_as_its_own_user() -> None:
    service = unit("cnscd-bot.service")["Service"]
    assert service["ExecStart"].split() == [VENV_PYTHON, "-m", "bot"]
    assert service["User"] == service["Group"] == "cnscd"
    assert service["WorkingDirectory"] == INSTALLED
    assert service["EnvironmentFile"] == "/etc/cnscd-bot/env"  # required: no leading "-"
    assert service["Restart"] == "on-failure"
    assert 10 <= int(service["TimeoutStopSec"]) <= 90  # time for in-flight sends, not forever
    assert service["StateDirectory"] == "cnscd-bot"
    assert environment("cnscd-bot.service")["BOT_DATABASE"] == DATABASE
    assert service["UMask"] == "0077"  # the database and its -wal/-shm: 0600
    assert service["StandardError"] == "journal"
    assert unit("cnscd-bot.service")["Install"]["WantedBy"] == "multi-user.target"


def test_the_bot_unit_is_hardened() -> None:
    service = unit("cnscd-bot.service")["Service"]
    for key in ("NoNewPrivileges", "ProtectHome", "PrivateTmp", "PrivateDevices",
                "ProtectKernelTunables", "ProtectKernelModules", "ProtectControlGroups",
                "RestrictSUIDSGID", "LockPersonality"):
        assert service[key] == "true", key
    assert service["ProtectSystem"] == "strict"
    assert "/var/lib/cnscd-bot" in service["ReadWritePaths"].split()
    assert set(service["RestrictAddressFamilies"].split()) == {"AF_INET", "AF_INET6", "AF_UNIX"}
    # Known to break Python libraries that use ctypes/libffi callbacks.
    assert "MemoryDenyWriteExecute" not in service


def test_the_backup_runs_the_script_daily_on_the_bots_database() -> None:
    service = unit("cnscd-bot-backup.service")["Service"]
    assert service["Type"] == "oneshot"
    assert service["User"] == "cnscd"
    command = service["ExecStart"].split()
    assert command[-1] == f"{INSTALLED}/deploy/backup.sh"
    assert environment("cnscd-bot-backup.service")["BOT_DATABASE"] == \
        environment("cnscd-bot.service")["BOT_DATABASE"]
    writable = service["ReadWritePaths"].split()
    assert {"/var/lib/cnscd-bot", "/var/backups/cnscd-bot"} <= set(writable)
    timer = unit("cnscd-bot-backup.timer")
    assert timer["Timer"]["Persistent"] == "true"
    assert re.fullmatch(r"(daily|\*-\*-\* \d\d:\d\d(:\d\d)?)", timer["Timer"]["OnCalendar"])
    assert timer["Timer"].get("Unit", "cnscd-bot-backup.service") == "cnscd-bot-backup.service"
    assert timer["Install"]["WantedBy"] == "timers.target"


@pytest.mark.parametrize("name", UNITS)
def test_no_unit_holds_a_secret(name: str) -> None:
    for var, value in environment(name).items():
        assert not re.search(r"TOKEN|SECRET", var), f"{name}: {var} belongs in the env file"
        assert not re.search(r"\d{5,15}:[A-Za-z0-9_-]{35}", value), f"{name}: {var}"
    text = (DEPLOY / name).read_text(encoding="utf-8")
    assert not re.search(r"(TOKEN|SECRET)\s*=\s*\S", text), name


@pytest.mark.parametrize("name", UNITS)
def test_paths_into_the_checkout_exist(name: str) -> None:
    """What a unit names under /opt/cnscd-bot (besides the venv) is in this repository."""
    for path in re.findall(rf"{INSTALLED}/([\w./-]+)", (DEPLOY / name).read_text("utf-8")):
        if not path.startswith(".venv/"):
            assert (ROOT / path).exists(), f"{name}: {INSTALLED}/{path}"


def env_example() -> tuple[dict[str, str], dict[str, str]]:
    """The env example's (set, commented-out) variables."""
    active: dict[str, str] = {}
    commented: dict[str, str] = {}
    for line in (DEPLOY / "env.example").read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"(#?)([A-Z][A-Z0-9_]*)=(.*)", line)
        if match:
            (commented if match[1] else active)[match[2]] = match[3]
        else:
            assert not line or line.startswith("#"), f"not NAME=value nor a comment: {line!r}"
    return active, commented


def test_the_env_example_names_every_setting() -> None:
    active, commented = env_example()
    assert set(active) | set(commented) >= SETTINGS
    assert "BOT_DATABASE" not in active  # the units set it; here it would part bot and backup
    assert active.get("BOT_LISTEN", UPSTREAM) == UPSTREAM


def test_the_env_example_names_every_variable_the_bot_reads() -> None:
    read = set()
    for path in (ROOT / "bot").rglob("*.py"):
        read |= set(re.findall(r"""(?:env|environ)(?:\.get\(|\[)\s*["']((?:BOT|TELEGRAM|ZALO)_"""
                               r"""[A-Z0-9_]+)["']""", path.read_text(encoding="utf-8")))
    active, commented = env_example()
    assert read - set(active) - set(commented) == set()


def test_the_env_example_holds_no_real_secret() -> None:
    active, commented = env_example()
    for var, value in {**commented, **active}.items():
        assert "#" not in value and not value.startswith(" "), var  # systemd keeps those
        assert not re.search(r"\d{5,15}:[A-Za-z0-9_-]{30,}", value), var
        if re.search(r"TOKEN|SECRET", var):
            assert value == "" or re.fullmatch(r"[A-Z_]+", value), f"{var}={value}"
    # The token left in place is refused at start, before any network call.
    with pytest.raises(ConfigError, match="placeholder"):
        check_token(active["TELEGRAM_BOT_TOKEN"])


def test_backup_script_is_valid_shell() -> None:
    for shell in ("bash", "sh"):
        if shutil.which(shell):
            subprocess.run([shell, "-n", str(DEPLOY / "backup.sh")], check=True, timeout=10)
    assert "set -eu" in (DEPLOY / "backup.sh").read_text(encoding="utf-8")


def run_backup(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BOT_HOME": str(ROOT), "BOT_PYTHON": sys.executable,
           "BOT_DATABASE": str(tmp_path / "bot.db"), "BACKUP_DIR": str(tmp_path / "backups"),
           **settings}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return subprocess.run(["sh", str(DEPLOY / "backup.sh")], env=env, capture_output=True,
                          text=True, timeout=30, check=False)


def aged(path: Path, days: int) -> Path:
    path.write_bytes(b"an old copy")
    subprocess.run(["touch", "-d", f"{days} days ago", str(path)], check=True, timeout=10)
    return path


def test_backup_script_makes_the_dated_copy_and_deletes_old_ones(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "bot.db") as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE users (name TEXT)")
        db.execute("INSERT INTO users VALUES ('Lan')")
    db.close()
    backups = tmp_path / "backups"
    backups.mkdir()
    too_old = aged(backups / "bot-2026-01-01.db", 31)
    half_written = aged(backups / "bot-2026-01-02.db.partial", 31)
    recent = aged(backups / "bot-2026-01-03.db", 29)
    not_ours = aged(backups / "notes.txt", 400)

    before = date.today()
    done = run_backup(tmp_path)
    assert done.returncode == 0, done.stderr
    copies = [backups / f"bot-{day.isoformat()}.db" for day in {before, date.today()}]
    copy = next(path for path in copies if path.exists())
    with sqlite3.connect(copy) as db:
        assert db.execute("SELECT name FROM users").fetchall() == [("Lan",)]
    db.close()
    assert copy.stat().st_mode & 0o077 == 0  # personal data: the service account's only
    assert not too_old.exists() and not half_written.exists()
    assert recent.exists() and not_ours.exists()

    again = run_backup(tmp_path)  # a second run the same day replaces that day's copy
    assert again.returncode == 0, again.stderr


def test_backup_script_deletes_nothing_when_the_copy_fails(tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    backups.mkdir()
    too_old = aged(backups / "bot-2026-01-01.db", 31)
    done = run_backup(tmp_path)  # no database at BOT_DATABASE
    assert done.returncode == 2 and "No database" in done.stderr
    assert too_old.exists()
    assert run_backup(tmp_path, BACKUP_KEEP_DAYS="thirty").returncode == 2


@pytest.mark.parametrize("name", ["nginx.conf", "Caddyfile"])
def test_the_proxies_forward_the_webhooks_only(name: str) -> None:
    text = (DEPLOY / name).read_text(encoding="utf-8")
    config = "\n".join(line.split("#")[0] for line in text.splitlines())
    for path in (*WEBHOOK_PATHS, "/photos/"):
        assert path in config, f"{name}: {path}"
    assert UPSTREAM in config
    assert "404" in config
    assert config.count("{") == config.count("}"), name
    assert re.search(r"max_size|client_max_body_size", config), "no request body limit"


def test_nginx_proxies_exact_paths_with_certbots_certificate() -> None:
    config = "\n".join(line.split("#")[0]
                       for line in (DEPLOY / "nginx.conf").read_text("utf-8").splitlines())
    assert re.search(r"ssl_certificate\s+/etc/letsencrypt/live/\S+/fullchain\.pem;", config)
    assert re.search(r"ssl_certificate_key\s+/etc/letsencrypt/live/\S+/privkey\.pem;", config)
    location = ""
    for line in config.splitlines():
        if line.strip().startswith("location"):
            location = line.strip()
        if "proxy_pass" in line:  # exact paths, and the broadcast photos' folder
            assert location.startswith(("location = ", "location ^~ /photos/ ")), \
                f"proxied beyond exact paths: {location}"
    assert re.search(r"location = /healthz \{[^}]*deny all;", config)


def test_the_deployment_guide_names_every_deploy_file() -> None:
    guide = (ROOT / "docs" / "DEPLOYMENT.md").read_text(encoding="utf-8")
    for path in DEPLOY.iterdir():
        assert f"deploy/{path.name}" in guide, path.name
