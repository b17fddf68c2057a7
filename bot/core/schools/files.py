"""A teacher's spreadsheets: their class, student by student (by the name or the number they
see in the chat, nothing more), and their school, class by class (counts only)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from bot.core import exports
from bot.core.context import Context
from bot.core.exports import Column, Kind
from bot.core.schools.figures import ClassFigures, class_figures
from bot.core.shared.skills import SKILLS
from bot.i18n import Translator
from bot.storage import classes as class_store
from bot.storage.classes import SchoolClass


def _skill_columns(t: Translator, *parts: str) -> list[Column]:
    return [Column(f"{t._(name)}: {part}", Kind.NUMBER, 16)
            for _emoji, name in SKILLS.values() for part in parts]


def _class_rows(t: Translator, school_class: SchoolClass, found: ClassFigures
                ) -> tuple[list[Column], list[list[str | int]]]:
    columns = [Column(t._("Number"), Kind.NUMBER, 9)]
    if school_class.uses_names:
        columns.append(Column(t._("Name"), Kind.TEXT, 20))
    columns += [Column(t._("Lessons started"), Kind.NUMBER, 12),
                Column(t._("Lessons finished"), Kind.NUMBER, 12)]
    columns += [Column(t._(name), Kind.TEXT, 16) for _emoji, name in SKILLS.values()]
    columns.append(Column(t._("All five skills"), Kind.TEXT, 12))
    rows: list[list[str | int]] = []
    for row in found.students:
        values: list[str | int] = [row.student.number]
        if school_class.uses_names:
            values.append(row.student.name or "")
        values += [row.lessons_started, row.lessons_done]
        values += [t._("finished") if skill in row.finished else "" for skill in SKILLS]
        values.append(t._("yes") if row.mastered_all else "")
        rows.append(values)
    return columns, rows


async def _school_rows(ctx: Context, school_id: int) -> tuple[list[Column], list[list[str | int]]]:
    t = ctx.t
    columns = [Column(t._("Class"), Kind.TEXT, 10), Column(t._("Students"), Kind.NUMBER, 10)]
    parts = (t._("started"), t._("finished"))
    columns += _skill_columns(t, *parts)
    columns.append(Column(t._("Finished all five"), Kind.NUMBER, 12))
    rows: list[list[str | int]] = []
    for entry in await class_store.in_school(ctx.db, school_id):
        found = await class_figures(ctx, entry.school_class.id)
        values: list[str | int] = [entry.school_class.name, len(found.students)]
        for skill in SKILLS:
            values += [found.skills[skill].started, found.skills[skill].finished]
        values.append(len(found.mastered_all))
        rows.append(values)
    return columns, rows


def _write(directory: Path, name: str, title: str, columns: list[Column],
           rows: list[list[str | int]]) -> Path:
    writer = exports.XlsxWriter(directory)
    try:
        sheet = writer.add_sheet(title, columns)
        sheet.append(rows)
        path = directory / name
        writer.save(path)
    finally:
        writer.close()
    return path


async def _written(name: str, title: str, columns: list[Column],
                   rows: list[list[str | int]]) -> Path:
    await asyncio.to_thread(exports.remove_old_exports)
    directory = await asyncio.to_thread(exports.new_export_dir)
    try:
        return await asyncio.to_thread(_write, directory, name, title, columns, rows)
    except BaseException:
        await asyncio.to_thread(shutil.rmtree, directory, True)  # nothing half-written kept
        raise


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text)[:40]


async def class_file(ctx: Context, school_class: SchoolClass, found: ClassFigures) -> Path:
    """The class's spreadsheet, one row per student."""
    columns, rows = _class_rows(ctx.t, school_class, found)
    return await _written(f"class_{_slug(school_class.name)}.xlsx",
                          ctx.t._("Class {name}").format(name=school_class.name), columns, rows)


async def school_file(ctx: Context, school_class: SchoolClass) -> Path:
    """The spreadsheet of the class's school, one row per class."""
    columns, rows = await _school_rows(ctx, school_class.school.id)
    return await _written(f"school_{_slug(school_class.school.name)}.xlsx",
                          school_class.school.name, columns, rows)
