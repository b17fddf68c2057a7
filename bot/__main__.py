"""Command line: run the bot (Telegram, or the terminal chat), check the lessons."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from bot.config import Config, ConfigError, load_config
from bot.core.catalog import CatalogError, check_catalog
from bot.i18n import MissingCatalogError
from bot.storage.db import DatabaseError

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config.yaml"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="The CNSCĐ chatbot. With TELEGRAM_BOT_TOKEN set it long-polls Telegram; "
                    "without it, it chats in this terminal.")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG,
                        help="configuration file (default: config.yaml beside the code)")
    parser.add_argument("--channel", choices=["telegram", "console"],
                        help="where to chat (default: telegram when a token is set)")
    parser.add_argument("--user", default="local",
                        help="in the terminal, act as this user id (e.g. an admin's id)")
    sub = parser.add_subparsers(dest="command")
    lessons = sub.add_parser("lessons", help="lesson content tools")
    lessons_sub = lessons.add_subparsers(dest="lessons_command", required=True)
    lessons_sub.add_parser("check", help="validate every lesson file; exit 1 on problems")
    teams_parser = sub.add_parser("teams", help="team tools")
    teams_sub = teams_parser.add_subparsers(dest="teams_command", required=True)
    importer = teams_sub.add_parser(
        "import", help="import teams from a CSV file with the columns code,name,commune; "
                       "every row is checked first and nothing is imported if one is bad")
    importer.add_argument("file", type=Path)
    exporter = sub.add_parser(
        "export", help="export visits, teams and learning progress of a period (local days) as "
                       "an XLSX workbook and/or CSV files; exit 1 when there is nothing to export")
    exporter.add_argument("--from", dest="first", required=True, metavar="DAY",
                          help="first day: 2026-10-01 or 01/10/2026")
    exporter.add_argument("--to", dest="last", required=True, metavar="DAY",
                          help="last day, included")
    exporter.add_argument("--out", type=Path, metavar="FILE.xlsx", help="the workbook to write")
    exporter.add_argument("--csv", type=Path, metavar="DIR",
                          help="write the three tables as CSV files (UTF-8) into DIR")
    exporter.add_argument("--locale", help="language of the headers (default: default_locale)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command == "lessons":
        return check_lessons(config)
    if args.command == "teams":
        return import_teams(config, args.file)
    if args.command == "export":
        from bot.export.command import run_export

        return run_export(config, args.first, args.last, args.out, args.csv, args.locale)
    channel = args.channel or ("telegram" if config.telegram.token else "console")
    try:
        if channel == "telegram":
            return run_telegram(config)
        return run_console(config, args.user)
    except (CatalogError, DatabaseError, MissingCatalogError) as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return 2


def check_lessons(config: Config) -> int:
    """Print every problem in the lesson catalog, with file and field."""
    lessons, problems = check_catalog(config.lessons_dir, config.locales)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {config.lessons_dir}", file=sys.stderr)
        return 1
    print(f"OK: {len(lessons)} lessons in {config.lessons_dir}")
    return 0


def import_teams(config: Config, path: Path) -> int:
    """Import teams from a CSV file; print each bad row with its line number."""
    from datetime import UTC, datetime

    from bot.core.communes import Communes
    from bot.core.team_import import import_teams as run_import
    from bot.storage.db import open_database

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"Cannot read {path}: {exc}", file=sys.stderr)
        return 2

    async def run() -> int:
        db = await open_database(config.database)
        try:
            count, problems = await run_import(db, text, Communes(config.province_code),
                                               datetime.now(UTC))
        finally:
            await db.close()
        for problem in problems:
            print(f"{path}: {problem}")
        if problems:
            print(f"Nothing imported: {len(problems)} problem(s).", file=sys.stderr)
            return 1
        print(f"Imported {count} team(s) into {config.database}.")
        return 0

    try:
        return asyncio.run(run())
    except DatabaseError as exc:
        print(f"Cannot open the database: {exc}", file=sys.stderr)
        return 2


def run_telegram(config: Config) -> int:
    """Long-poll Telegram."""
    if config.telegram.token is None:
        print("Set TELEGRAM_BOT_TOKEN to run on Telegram.", file=sys.stderr)
        return 2
    logging.basicConfig(level=config.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from bot.channels.telegram.application import run_telegram as run

    run(config)
    return 0


def run_console(config: Config, user: str) -> int:
    """Chat in the terminal against the same core and database."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not config.telegram.token:
        print("No TELEGRAM_BOT_TOKEN set: chatting in this terminal instead "
              f"(database {config.database}; type a number or a command, /quit to leave).")
    from bot.app import open_app
    from bot.channels.console import run_console as chat

    async def session() -> None:
        app = await open_app(config)
        try:
            await chat(app.core, user, _terminal_locale(), sys.stdin, sys.stdout)
        finally:
            await app.close()

    try:
        asyncio.run(session())
    except KeyboardInterrupt:
        print()
    except BrokenPipeError:  # the reader went away (e.g. `| head`): nothing left to say
        sys.stdout = Path(os.devnull).open("w")  # noqa: SIM115 - keeps the exit flush quiet
    return 0


def _terminal_locale() -> str | None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value and value not in {"C", "POSIX"} and not value.startswith("C."):
            return value.split(".")[0]
    return None


if __name__ == "__main__":
    sys.exit(main())
