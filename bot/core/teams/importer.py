"""Import teams from a CSV file (code,name,commune): every row checked first, all or none."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from bot.core.shared.communes import Communes
from bot.core.shared.text import normalize
from bot.core.teams.rules import CODE_ALPHABET, MAX_NAME, MIN_NAME, NEW_JOIN_CODE, is_team_name
from bot.storage import teams as team_store
from bot.storage.db import Database

COLUMNS = ("code", "name", "commune")


@dataclass(frozen=True)
class TeamRow:
    """A valid row: the join code, the team's name, the commune's official code."""

    line: int
    code: str
    name: str
    commune_code: str


@dataclass(frozen=True)
class RowProblem:
    """Why one line of the file cannot be imported."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def parse_rows(text: str, communes: Communes) -> tuple[list[TeamRow], list[RowProblem]]:
    """Check every row of the CSV text; return the valid rows and every problem found."""
    dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t") if text.strip() else csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = [normalize(h).lower() for h in next(reader, [])]
    if [h for h in header if h] != list(COLUMNS):
        return [], [RowProblem(1, "the first line must be the header: code,name,commune")]
    rows: list[TeamRow] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(COLUMNS):
            problems.append(RowProblem(number, f"expected 3 values (code,name,commune), "
                                               f"found {len(cells)}"))
            continue
        code, name, commune_text = (normalize(c) for c in cells)
        code = code.upper()
        found = communes.find(commune_text) if commune_text else []
        if not NEW_JOIN_CODE.match(code):
            problems.append(RowProblem(number, f"code '{code}' must be 6-12 characters of "
                                               f"{CODE_ALPHABET} (no 0, O, 1, I or L: codes "
                                               "are read aloud and copied by hand)"))
        elif code in seen:
            problems.append(RowProblem(number, f"code {code} is also on line {seen[code]}"))
        if not is_team_name(name):
            problems.append(RowProblem(number, f"name must be {MIN_NAME} to {MAX_NAME} "
                                               "characters"))
        if not found:
            problems.append(RowProblem(number, f"no commune of {communes.province} matches "
                                               f"'{commune_text}'"))
        elif len(found) > 1:
            names = ", ".join(c.name for c in found[:4])
            problems.append(RowProblem(number, f"'{commune_text}' matches several communes "
                                               f"({names}); write the full name or the code"))
        seen.setdefault(code, number)
        if NEW_JOIN_CODE.match(code) and is_team_name(name) and len(found) == 1:
            rows.append(TeamRow(number, code, name, found[0].code))
    return rows, problems


async def import_teams(db: Database, text: str, communes: Communes, now: datetime
                       ) -> tuple[int, list[RowProblem]]:
    """Import every row, or none if any row is bad; return (imported, problems)."""
    rows, problems = parse_rows(text, communes)
    taken = await team_store.existing_codes(db, [r.code for r in rows])
    problems += [RowProblem(r.line, f"code {r.code} is already used by another team")
                 for r in rows if r.code in taken]
    if problems or not rows:
        if not rows and not problems:
            problems = [RowProblem(1, "the file has no teams")]
        return 0, sorted(problems, key=lambda p: p.line)
    imported = await team_store.create_many(
        db, [(r.code, r.name, r.commune_code) for r in rows], None, now,
        audited=True)
    return imported, []
