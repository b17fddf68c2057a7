"""Command line: run the bot (Telegram, or the terminal chat), check the lessons, import teams,
export, back up the database."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import os
import sqlite3
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Config, ConfigError, load_config
from bot.core.lessons.catalog import CatalogError, check_catalog
from bot.i18n import MissingCatalogError
from bot.logs import secrets_of, setup_logging
from bot.storage.db import DatabaseError

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config.yaml"
TERMINAL_USER = "local"  # the terminal chat's user, a citizen
TERMINAL_ADMIN = "1"  # the terminal chat's user with --admin


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line, parsed."""
    return build_parser().parse_args(argv)


def build_parser() -> argparse.ArgumentParser:
    """The command line: the chat's options and the tools' subcommands."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="The CNSCĐ chatbot. With TELEGRAM_BOT_TOKEN set it long-polls Telegram; "
                    "without it, it chats in this terminal.")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, metavar="FILE",
                        help="configuration file (default: config.yaml beside the code)")
    parser.add_argument("--channel", choices=["telegram", "zalo", "console"],
                        help="run only this channel (default: every channel whose token is "
                             "set, in one process; the terminal when none is)")
    parser.add_argument("--user", default=None,
                        help="in the terminal, act as this user id (e.g. an admin's id; "
                             f"default: {TERMINAL_USER}, or {TERMINAL_ADMIN} with --admin)")
    parser.add_argument("--admin", action="store_true",
                        help="in the terminal, act as an admin, to try the volunteers' and "
                             "admins' tools (/newteam, /join, /visit, /stats, /export...)")
    parser.add_argument("--name", metavar="NAME",
                        help="in the terminal, your display name, as Telegram gives a first "
                             "name: the greeting, teams, exports and the audit log show it")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND",
                                help="a tool to run instead of the chat:")
    lessons = sub.add_parser("lessons", help="lesson content tools",
                             description="Lesson content tools.")
    lessons_sub = lessons.add_subparsers(dest="lessons_command", required=True,
                                         metavar="COMMAND", help="the tool:")
    lessons_sub.add_parser("check", help="validate every lesson file; exit 1 on problems",
                           description="Validate every lesson file in the configured "
                                       "lessons folder; exit 1 on problems.")
    teams_parser = sub.add_parser("teams", help="team tools", description="Team tools.")
    teams_sub = teams_parser.add_subparsers(dest="teams_command", required=True,
                                            metavar="COMMAND", help="the tool:")
    importing = ("import teams from a CSV file with the columns code,name,commune; every row "
                 "is checked first and nothing is imported if one is bad")
    importer = teams_sub.add_parser("import", help=importing, description=_sentence(importing))
    importer.add_argument("file", type=Path, metavar="FILE",
                          help="the CSV file (UTF-8, a header line code,name,commune)")
    exporting = ("export visits, teams and learning progress of a period (local days) as an "
                 "XLSX workbook and/or CSV files; exit 1 when there is nothing to export, 2 "
                 "refused (bad input, a file that exists without --force)")
    exporter = sub.add_parser("export", help=exporting, description=_sentence(exporting))
    exporter.add_argument("--from", dest="first", required=True, metavar="DAY",
                          help="first day: 2026-10-01 or 01/10/2026")
    exporter.add_argument("--to", dest="last", required=True, metavar="DAY",
                          help="last day, included")
    exporter.add_argument("--out", type=Path, metavar="FILE.xlsx",
                          help="the workbook to write (its folder is created if needed)")
    exporter.add_argument("--csv", type=Path, metavar="DIR",
                          help="write the three tables as CSV files (UTF-8) into DIR")
    exporter.add_argument("--locale", metavar="LOCALE",
                          help="language of the headers, e.g. vi or en (default: "
                               "default_locale of the configuration)")
    exporter.add_argument("--force", action="store_true",
                          help="replace the workbook, or the period's CSV files in DIR, if they "
                               "exist")
    backing_up = ("copy the database consistently while the bot runs (exit 0 done, 1 the copy "
                  "failed, 2 refused); with --check, check a copy instead")
    backup = sub.add_parser("backup", help=backing_up, description=_sentence(backing_up))
    backup.add_argument("file", type=Path, metavar="FILE",
                        help="the copy to write, in a folder that exists (or, with --check, "
                             "the copy to check)")
    backup.add_argument("--force", action="store_true", help="replace FILE if it exists")
    backup.add_argument("--check", action="store_true",
                        help="copy nothing: check that FILE is a sound database this bot can "
                             "open, and count what it holds")
    for leaf in (*lessons_sub.choices.values(), *teams_sub.choices.values(), exporter, backup):
        # Also accepted after the command (python -m bot backup FILE --config ...).
        leaf.add_argument("--config", type=Path, default=argparse.SUPPRESS, metavar="FILE",
                          help="configuration file, as before the command")
    return parser


def _sentence(text: str) -> str:
    """A help line as a description: capitalised, with a full stop."""
    return text[:1].upper() + text[1:] + "."


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = parse_args(argv)
    if args.command == "backup" and args.check:
        return check_copy(args.file)  # a copy needs no configuration to be checked
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
        from bot.core.exports import run_export

        refusal = _export_refusal(args.out, args.csv, args.first, args.last, args.force)
        if refusal:
            print(refusal, file=sys.stderr)
            return 2
        return run_export(config, args.first, args.last, args.out, args.csv, args.locale)
    if args.command == "backup":
        return back_up(config.database, args.file, args.force)
    channel = args.channel or ("console" if not (config.telegram.token or config.zalo.token)
                               else None)
    try:
        if channel != "console":
            return run_channels(config, channel)
        user = args.user or (TERMINAL_ADMIN if args.admin else TERMINAL_USER)
        if args.admin and not user.isdigit():
            print("--admin needs a user id made of digits (--user 7, say)", file=sys.stderr)
            return 2
        if args.admin:
            config = dataclasses.replace(config, admins=config.admins | {int(user)})
        return run_console(config, user, args.name)
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

    from bot.core.shared.communes import Communes
    from bot.core.teams import import_teams as run_import
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


def back_up(source: Path, target: Path, force: bool) -> int:
    """Copy the live database to target (0), or say why not: refused (2) or failed (1)."""
    from bot.storage.backup import backup

    refusal = _backup_refusal(source, target, force)
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    started = time.monotonic()
    umask = os.umask(0o077)  # the copy holds personal data: readable by this account only
    try:
        size = backup(source, target)  # in one step: see its docstring for why
    except (OSError, sqlite3.Error) as exc:
        print(f"Backup failed; nothing was written to {target}: {exc}", file=sys.stderr)
        return 1
    finally:
        os.umask(umask)
    print(f"Backed up {source} to {target}: {size / 1e6:.1f} MB, integrity checked, "
          f"{time.monotonic() - started:.1f} s.")
    try:  # a copy of everyone's data: on the record (the copy itself stays as it is)
        from bot.storage import audit

        audit.record_outside(source, "backup", audit.detail("backup_made", size=size),
                             datetime.now(UTC))
    except sqlite3.Error as exc:
        print(f"Note: the backup was not recorded in the audit log: {exc}", file=sys.stderr)
    return 0


def _backup_refusal(source: Path, target: Path, force: bool) -> str | None:
    """Why the backup must not start, or None."""
    if not source.is_file():
        return (f"No database at {source}: nothing to back up. The path comes from "
                "`database` in the configuration, or BOT_DATABASE.")
    live = source.resolve()
    own_files = {live, *(live.with_name(live.name + end) for end in ("-wal", "-shm", "-journal"))}
    if target.resolve() in own_files or (target.exists() and target.samefile(source)):
        return f"Refused: {target} is the live database or one of its files. Name another file."
    if target.is_dir():
        return f"Refused: {target} is a directory. Name the file to write, e.g. {target}/bot.db."
    if target.exists() and not force:
        return f"Refused: {target} already exists. Choose a new name, or add --force to replace it."
    if not target.parent.is_dir():
        missing = next((p for p in target.parents if p.exists()), None)
        if missing is not None and not missing.is_dir():
            return f"Refused: {missing} is a file, not a folder. Name a file in a folder."
        return (f"Refused: the folder {target.parent} does not exist. Create it first, or name "
                "a file in a folder that exists.")
    return None


def _export_refusal(out: Path | None, csv_dir: Path | None, first: str, last: str,
                    force: bool) -> str | None:
    """Why the export must not start (a file it would write exists, without --force), or None.

    The CSV files are named after the period (visits_2026-10-01_2026-10-10.csv...); dates that
    do not parse are left to the export, which says what is wrong with them."""
    from bot.core.shared.dates import DateRangeError, checked, parse_day

    if force:
        return None
    existing = []
    if out is not None and out.exists():
        existing.append(out)
    if csv_dir is not None and csv_dir.is_dir():
        try:
            label = checked(parse_day(first), parse_day(last)).label()
        except DateRangeError:
            label = None
        if label is not None:
            existing += sorted(csv_dir.glob(f"*_{label}.csv"))
    if not existing:
        return None
    if len(existing) == 1:
        return (f"Refused: {existing[0]} already exists. Choose a new name, or add --force to "
                "replace it.")
    names = ", ".join(str(path) for path in existing)
    return f"Refused: {names} already exist. Choose new names, or add --force to replace them."


def check_copy(path: Path) -> int:
    """Check a backup: integrity, a schema this bot can open, what it holds (0 sound, 1 not,
    2 no such file)."""
    from bot.storage.db import migrations

    if not path.is_file():
        print(f"No file at {path}.", file=sys.stderr)
        return 2
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            problems = [str(r[0]) for r in conn.execute("PRAGMA integrity_check")]
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            counts = {table: int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
                      for table in ("users", "visits", "lesson_progress")}
            active = int(conn.execute("SELECT COUNT(*) FROM broadcasts WHERE status IN "
                                      "('scheduled', 'sending')").fetchone()[0])
    except sqlite3.Error as exc:
        print(f"{path} is not a sound database of this bot: {exc}", file=sys.stderr)
        return 1
    if problems != ["ok"]:
        print(f"{path} failed its integrity check: " + "; ".join(problems[:5]), file=sys.stderr)
        return 1
    latest = len(migrations())
    if version > latest:
        print(f"{path} is at schema version {version}, newer than this bot ({latest}): restore "
              "it with the version of the bot that wrote it.", file=sys.stderr)
        return 1
    print(f"OK: {path}: integrity ok, schema version {version} (this bot: {latest}); "
          f"{counts['users']:,} users, {counts['visits']:,} visits, "
          f"{counts['lesson_progress']:,} lesson progress rows; {active} broadcast(s) to resume.")
    return 0


def run_channels(config: Config, only: str | None = None) -> int:
    """Run every channel that has a token (or only one), until SIGINT or SIGTERM."""
    if only == "telegram":
        config = dataclasses.replace(config, zalo=dataclasses.replace(config.zalo, token=None))
    if only == "zalo":
        config = dataclasses.replace(
            config, telegram=dataclasses.replace(config.telegram, token=None))
    if not (config.telegram.token or config.zalo.token):
        variable = "ZALO_BOT_TOKEN" if only == "zalo" else "TELEGRAM_BOT_TOKEN"
        print(f"Set {variable} to run on {(only or 'telegram').capitalize()}.", file=sys.stderr)
        return 2
    setup_logging(config.log_level, secrets_of(config))
    from bot.app import run_service
    from bot.channels.runner import StartRefusedError, serve

    try:
        run_service(serve(config), config)
    except StartRefusedError as exc:  # a token refused: restarting would not help (exit 2)
        print(f"Cannot start: {exc}", file=sys.stderr)
        return 2
    return 0


def run_console(config: Config, user: str, name: str | None = None) -> int:
    """Chat in the terminal against the same core and database."""
    setup_logging(logging.WARNING, secrets_of(config), "%(levelname)s %(name)s: %(message)s")
    banner = None
    if not (config.telegram.token or config.zalo.token):
        banner = ("No TELEGRAM_BOT_TOKEN or ZALO_BOT_TOKEN set: chatting in this terminal "
                  f"instead (database {config.database}; type a number or a command, /quit to "
                  "leave).")
        if not (user.isdigit() and int(user) in config.admins):
            banner += ("\nTo try the volunteers' and admins' tools here (teams, visits, "
                       "reports, exports), start it as an admin: python -m bot --admin")
    from bot.channels.console import run_terminal

    try:
        asyncio.run(run_terminal(config, user, _terminal_locale(), sys.stdin, sys.stdout,
                                 name=name, banner=banner))
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
