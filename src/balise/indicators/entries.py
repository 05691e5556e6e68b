"""Figures Balise does not hold, typed or imported per team and period, with their source.

Departures, absences, vacancies, a hospital's postponed surgeries: a person enters them
from the report they come from, and names that report. An import checks every row and
writes nothing if one is wrong; each error names the file, line, column, value and
reason (principle 6). Entering a figure again for the same indicator, team and period
corrects it; the journal keeps the earlier value.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.core import clock
from balise.core.errors import InvalidInput
from balise.core.i18n import gettext as _
from balise.grid.io_files import read_table
from balise.grid.io_schema import ImportProblem
from balise.grid.io_values import as_text
from balise.indicators.catalogue import definitions
from balise.indicators.definitions import (
    INDICATOR_MESSAGES,
    PERIODS,
    Definition,
    IndicatorInputError,
    is_period_start,
)
from balise.indicators.models import HandEntry
from balise.journal.service import append
from balise.territory.models import Team

# Header names accepted in French or English (accents and case do not matter).
HEADERS: dict[str, str] = {
    "indicateur": "indicator", "indicator": "indicator",
    "equipe": "team", "team": "team",
    "periode": "period", "period": "period",
    "valeur": "value", "value": "value",
    "source": "source",
}
REQUIRED = ("indicator", "period", "value")
MAX_ERRORS = 1000


class EntryProblem(ImportProblem):
    """A row of an imported file of figures, with this capability's reasons."""

    def reason(self) -> str:
        template = INDICATOR_MESSAGES.get(self.code)
        if template:
            return _(template).format(**self.params)
        return super().reason()


@dataclass
class EntriesReport:
    file: str
    rows: int = 0
    written: int = 0
    unchanged: int = 0  # already stored with the same value and source: not written again
    errors: list[ImportProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _manual(known: dict[str, Definition], code: str) -> Definition:
    definition = known.get(code)
    if definition is None:
        raise IndicatorInputError("indicator", "indicator_unknown", indicator=code)
    if definition.source != "manual":
        raise IndicatorInputError("indicator", "indicator_not_manual", indicator=code)
    return definition


def _check_period(definition: Definition, start: date) -> None:
    if not is_period_start(start, definition.period):
        raise IndicatorInputError("period", "indicator_not_period_start", indicator=definition.code,
                                  period=_(PERIODS[definition.period]).lower())


def _check_value(value: float) -> None:
    if not math.isfinite(value):
        raise IndicatorInputError("value", "indicator_not_a_number")


def record_entry(session: Session, *, establishment_id: int, indicator_code: str,
                 team_id: int | None, period_start: date, value: float, source_note: str,
                 actor: int, journal: bool = True) -> HandEntry:
    """Enter (or correct) one figure of a hand-entered indicator."""
    definition = _manual(definitions(session), indicator_code)
    _check_period(definition, period_start)
    _check_value(value)
    if team_id is not None:
        team = session.get(Team, team_id)
        if team is None or team.establishment_id != establishment_id:
            raise IndicatorInputError("team", "indicator_team_unknown")
    note = source_note.strip() or definition.source_note
    entry = session.scalar(select(HandEntry).where(
        HandEntry.indicator_code == indicator_code, HandEntry.establishment_id == establishment_id,
        HandEntry.team_id.is_(None) if team_id is None else HandEntry.team_id == team_id,
        HandEntry.period_start == period_start))
    old = entry.value if entry is not None else None
    if entry is None:
        entry = HandEntry(indicator_code=indicator_code, establishment_id=establishment_id,
                          team_id=team_id, period_start=period_start)
        session.add(entry)
    entry.value, entry.source_note = value, note[:300]
    entry.entered_by, entry.entered_at = actor, clock.now()
    session.flush()
    if journal:
        append(session, action="indicators.entry.recorded", subject=f"indicator:{indicator_code}",
               # Figures as text: the journal's canonical JSON holds no floats.
               payload={"indicator": indicator_code, "period": period_start.isoformat(),
                        "team_id": team_id, "value": repr(value),
                        "old": repr(old) if old is not None else None},
               actor_user_id=actor, establishment_id=establishment_id)
    return entry


def parse_value(raw: object) -> float:
    """A number as a person types it: 12.5, 12,5 (French), 33 %."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        value = float(raw)
    else:
        text = as_text(raw).replace("\u00a0", "").replace(" ", "").rstrip("%")
        if not re.fullmatch(r"[+-]?\d+([.,]\d+)?", text):
            raise IndicatorInputError("value", "indicator_not_a_number")
        value = float(text.replace(",", "."))
    _check_value(value)
    return value


def parse_period(raw: object) -> date:
    """YYYY-MM-DD, or YYYY-MM for a month; a spreadsheet's date cell as it is."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = as_text(raw)
    try:
        if re.fullmatch(r"\d{4}-\d{2}", text):
            return date.fromisoformat(f"{text}-01")
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise InvalidInput("period", "not_a_date")


def _header_key(text: str) -> str:
    plain = text.strip().lower().translate(str.maketrans("éèêàç", "eeeac"))
    return HEADERS.get(plain, "")


def import_entries(session: Session, filename: str, data: bytes, *, establishment_id: int,
                   actor: int) -> EntriesReport:
    """Check every row of a CSV or Excel file of figures; write them all, or none."""
    report = EntriesReport(file=filename)
    try:
        table = read_table(filename, data)
    except ImportProblem as problem:
        report.errors.append(problem)
        return report
    columns: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        key = _header_key(header)
        if not key:
            report.errors.append(EntryProblem(filename, table.header_line, header, header,
                                              "unknown_column", columns=", ".join(HEADERS)))
        elif key in columns:
            report.errors.append(EntryProblem(filename, table.header_line, header, header,
                                              "duplicate_column"))
        else:
            columns[key] = index
    for key in REQUIRED:
        if key not in columns:
            report.errors.append(EntryProblem(filename, table.header_line, key, "",
                                              "missing_column"))
    if report.errors:
        return report
    teams = {code: team_id for code, team_id in session.execute(
        select(Team.code, Team.id).where(Team.establishment_id == establishment_id))}
    known = definitions(session)
    rows: list[dict[str, Any]] = []
    first_line: dict[tuple[str, int | None, date], int] = {}
    for line, cells in table.rows:
        report.rows += 1
        row = _parse_row(filename, line, cells, table.headers, columns, teams, known, report)
        if row is None:
            continue
        cell_key = (row["indicator_code"], row["team_id"], row["period_start"])
        if cell_key in first_line:
            report.errors.append(EntryProblem(filename, line, table.headers[columns["period"]],
                                              as_text(cells[columns["period"]]),
                                              "indicator_value_duplicate",
                                              first_line=first_line[cell_key]))
            continue
        first_line[cell_key] = line
        rows.append(row)
        if len(report.errors) >= MAX_ERRORS:
            break
    if report.errors:
        return report
    stored = _stored(session, establishment_id, rows)
    changed = [row for row in rows if stored.get(_cell(row)) != (row["value"],
                                                                   _note(known, row))]
    report.unchanged = len(rows) - len(changed)
    for row in changed:
        record_entry(session, establishment_id=establishment_id, actor=actor, journal=False, **row)
    report.written = len(changed)
    if changed:
        # The same file imported twice writes nothing and journals nothing the second time.
        append(session, action="indicators.entries.imported",
               subject=f"establishment:{establishment_id}",
               payload={"count": len(changed), "file": filename}, actor_user_id=actor,
               establishment_id=establishment_id)
    return report


def _cell(row: dict[str, Any]) -> tuple[str, int | None, date]:
    return (row["indicator_code"], row["team_id"], row["period_start"])


def _note(known: dict[str, Definition], row: dict[str, Any]) -> str:
    """The source note as :func:`record_entry` would store it."""
    return (str(row["source_note"]).strip() or known[row["indicator_code"]].source_note)[:300]


def _stored(session: Session, establishment_id: int, rows: list[dict[str, Any]],
            ) -> dict[tuple[str, int | None, date], tuple[float, str]]:
    """The stored value and source of each (indicator, team, period) the rows name."""
    if not rows:
        return {}
    codes = {row["indicator_code"] for row in rows}
    starts = [row["period_start"] for row in rows]
    return {(e.indicator_code, e.team_id, e.period_start): (e.value, e.source_note)
            for e in session.scalars(select(HandEntry).where(
                HandEntry.establishment_id == establishment_id,
                HandEntry.indicator_code.in_(codes),
                HandEntry.period_start.between(min(starts), max(starts))))}


def _parse_row(filename: str, line: int, cells: list[Any], headers: list[str],
               columns: dict[str, int], teams: dict[str, int], known: dict[str, Definition],
               report: EntriesReport) -> dict[str, Any] | None:
    def cell(key: str) -> Any:
        index = columns.get(key)
        return cells[index] if index is not None and index < len(cells) else None

    def problem(key: str, error: InvalidInput) -> None:
        # The column as the file names it, so the person finds it.
        header = headers[columns[key]] if key in columns else key
        report.errors.append(EntryProblem(filename, line, header, as_text(cell(key)),
                                          error.code, **error.params))

    errors_before = len(report.errors)
    code = as_text(cell("indicator")).lower()
    definition: Definition | None = None
    try:
        if not code:
            raise InvalidInput("indicator", "required")
        definition = _manual(known, code)
    except InvalidInput as error:
        problem("indicator", error)
    team_code = as_text(cell("team")).upper()
    team_id = teams.get(team_code) if team_code else None
    if team_code and team_id is None:
        problem("team", IndicatorInputError("team", "indicator_team_unknown"))
    start: date | None = None
    try:
        if not as_text(cell("period")):
            raise InvalidInput("period", "required")
        start = parse_period(cell("period"))
        if definition is not None:
            _check_period(definition, start)
    except InvalidInput as error:
        problem("period", error)
    value = 0.0
    try:
        if not as_text(cell("value")):
            raise InvalidInput("value", "required")
        value = parse_value(cell("value"))
    except InvalidInput as error:
        problem("value", error)
    if len(report.errors) > errors_before or definition is None or start is None:
        return None
    return {"indicator_code": code, "team_id": team_id, "period_start": start, "value": value,
            "source_note": as_text(cell("source"))}
