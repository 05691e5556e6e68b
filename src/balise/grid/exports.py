"""Exporting acts, workers, clients, care plans and visits as CSV, Excel or FHIR.

Who may export what (:func:`access_export`):

* the analyst of an establishment exports every kind of it. The visits export carries
  each visit's worker, status and acts but leaves the realized times and travel empty:
  those are one worker's time figures, which reach only that worker (DESIGN.md
  principle 2); analysts read them as guarded aggregates (``core/privacy.py``);
* a worker exports their own visits only (their own figures);
* nobody else exports.

An export of a demonstration establishment (code starting with ``DEMO``) says so on its
first line, a ``#`` comment that imports skip; the FHIR Bundle carries the HL7 tag
``HTEST`` (test health data) instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.core import clock
from balise.core.access import Role, Viewer
from balise.core.errors import Forbidden, NotFound
from balise.core.i18n import current_language, lazy
from balise.core.i18n import gettext as _
from balise.grid.collection import TeamSettings
from balise.grid.imports import kind_io
from balise.grid.io_files import write_csv, write_xlsx
from balise.grid.io_schema import SCHEMAS, FileRefused, Kind
from balise.grid.io_values import format_cell
from balise.territory.models import Establishment

FORMATS = ("csv", "xlsx", "fhir")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "fhir": "application/fhir+json",
}
SUFFIXES = {"csv": "csv", "xlsx": "xlsx", "fhir": "json"}
DEFAULT_DAYS = 30
# A worksheet holds 1,048,576 rows; the header and the synthetic-data line take two.
XLSX_MAX_ROWS = 1_048_574
SYNTHETIC_NOTE = lazy("Synthetic data: every record of this file is made up (demonstration establishment {code}).")


@dataclass(frozen=True)
class ExportScope:
    """What one export may hold: an establishment, and for a worker their own visits."""

    establishment_id: int
    establishment_code: str
    worker_id: int | None = None

    @property
    def synthetic(self) -> bool:
        return self.establishment_code.startswith("DEMO")


def access_export(session: Session, viewer: Viewer, kind: Kind) -> ExportScope:
    """The scope a viewer may export for a kind; refused for anyone else."""
    establishment = session.get(Establishment, viewer.establishment_id)
    if establishment is None:
        raise NotFound()
    if viewer.role == Role.ANALYST:
        return ExportScope(establishment.id, establishment.code)
    if viewer.role == Role.WORKER and kind is Kind.VISITS and viewer.worker_id is not None:
        return ExportScope(establishment.id, establishment.code, worker_id=viewer.worker_id)
    raise Forbidden()


def operator_scope(session: Session, establishment_code: str) -> ExportScope:
    """The whole establishment, for the operator at the command line."""
    establishment = session.scalar(
        select(Establishment).where(Establishment.code == establishment_code))
    if establishment is None:
        raise NotFound()
    return ExportScope(establishment.id, establishment.code)


def export_period(first: date | None, last: date | None,
                  max_days: int | None = None) -> tuple[date, date]:
    """The visits' period: by default the last 30 days up to today."""
    last = last or (first + timedelta(days=DEFAULT_DAYS - 1) if first else clock.today())
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if last < first:
        raise FileRefused("period_reversed")
    if max_days is not None and (last - first).days + 1 > max_days:
        raise FileRefused("period_too_long", days=max_days)
    return first, last


# One worker's time figures: exported only to that worker. Left out of other exports
# (not emptied), so that importing such a file back keeps the stored values.
INDIVIDUAL_TIME_COLUMNS = frozenset({"realized_start", "realized_end", "travel_minutes"})


def exported_columns(kind: Kind, scope: ExportScope) -> list[Any]:
    columns = list(SCHEMAS[kind].columns)
    if kind is Kind.VISITS and scope.worker_id is None:
        columns = [c for c in columns if c.name not in INDIVIDUAL_TIME_COLUMNS]
    return columns


def export_rows(session: Session, kind: Kind, scope: ExportScope, first: date | None,
                last: date | None, *, spreadsheet: bool,
                max_rows: int | None = None) -> Iterator[list[Any]]:
    """The rows of an export, each cell written as its column's type wants."""
    language = current_language()
    handler = kind_io(kind, session, scope.establishment_id)
    columns = exported_columns(kind, scope)
    teams = TeamSettings(session, scope.establishment_id) if kind is Kind.VISITS else None
    for count, record in enumerate(handler.records(first, last, scope.worker_id), start=1):
        if max_rows is not None and count > max_rows:
            raise FileRefused("export_too_large", n=max_rows)
        row = handler.as_row(record)
        if teams is not None:
            # What the committee stopped collecting is not exported (grid/collection.py).
            row.update({name: () if isinstance(row[name], tuple) else None
                        for name in teams.withheld_fields(record.team_id) if name in row})
        yield [format_cell(column, row[column.name], language, spreadsheet)
               for column in columns]


def write_export(stream: IO[bytes], session: Session, kind: Kind, scope: ExportScope,
                 fmt: str, first: date | None = None, last: date | None = None,
                 max_rows: int | None = None) -> None:
    """Write one export to a binary stream; headers and yes/no in the current language.
    More than ``max_rows`` records (or than a worksheet holds) is refused."""
    if fmt not in FORMATS:
        raise FileRefused("unknown_format", formats=", ".join(FORMATS))
    if fmt == "fhir":
        if kind is not Kind.VISITS:
            raise FileRefused("fhir_visits_only")
        from balise.grid.fhir import visits_bundle

        stream.write(visits_bundle(session, scope, first, last, max_rows).encode())
        return
    language = current_language()
    headers = [column.header(language) for column in exported_columns(kind, scope)]
    comment = _(SYNTHETIC_NOTE).format(code=scope.establishment_code) if scope.synthetic \
        else None
    if fmt == "xlsx":
        max_rows = min(max_rows or XLSX_MAX_ROWS, XLSX_MAX_ROWS)
    rows = export_rows(session, kind, scope, first, last, spreadsheet=fmt == "xlsx",
                       max_rows=max_rows)
    if fmt == "xlsx":
        write_xlsx(stream, headers, rows, comment=comment, title=kind.value)
    else:
        # Excel in French reads ";" as the separator (the comma is the decimal mark).
        write_csv(stream, headers, rows, comment=comment,
                  delimiter=";" if language == "fr" else ",")


def export_filename(kind: Kind, scope: ExportScope, fmt: str, first: date | None,
                    last: date | None) -> str:
    period = f"-{first.isoformat()}-{last.isoformat()}" if first and last else ""
    # The name goes into a Content-Disposition header: nothing there may end the quote.
    code = re.sub(r"[^A-Za-z0-9_-]", "_", scope.establishment_code)
    return f"balise-{kind.value}-{code}{period}.{SUFFIXES[fmt]}"
