"""Importing a CSV or Excel file: check every row, then write all of it or nothing.

1. Read the file (``io_files``) and match its headers, in French or English, to the
   schema of its kind (``io_schema``); an unknown, missing or doubled column stops there.
2. Read every cell as its column's type, then check each row's references (team, act,
   worker, client codes of the establishment) and rules (a window ends after it starts,
   a profession may do the act…). Every problem is kept, with file, line, column, value
   and reason; rows are not cut short at the first one.
3. If anything is wrong, nothing is written. Otherwise each row is matched to a stored
   record by its natural key: new keys are created, changed records updated, the rest
   left alone, so importing the same file twice creates nothing the second time.

The caller owns the transaction (the web request, the CLI's ``transaction``): this
module only adds and changes records in the session it is given.
"""

from __future__ import annotations

import zlib
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from balise.core.i18n import current_language
from balise.grid.io_files import Table, read_table
from balise.grid.io_kinds import ActsIO, CarePlansIO, ClientsIO, KindIO, Row, WorkersIO
from balise.grid.io_schema import (
    SCHEMAS,
    Column,
    ImportProblem,
    Kind,
    Schema,
    names_a_person,
    normalize_header,
)
from balise.grid.io_values import CellError, as_text, parse_cell
from balise.grid.io_visits import VisitsIO

HANDLERS: dict[Kind, type[KindIO[Any]]] = {
    Kind.ACTS: ActsIO,
    Kind.WORKERS: WorkersIO,
    Kind.CLIENTS: ClientsIO,
    Kind.CARE_PLANS: CarePlansIO,
    Kind.VISITS: VisitsIO,
}


def kind_io(kind: Kind, session: Session, establishment_id: int | None) -> KindIO[Any]:
    return HANDLERS[kind](session, establishment_id)


@dataclass
class ImportReport:
    kind: Kind
    file: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[ImportProblem] = field(default_factory=list)
    # Values not recorded, the rest of their row imported (what a committee stopped).
    skipped: list[ImportProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run and bool(self.created or self.updated)


@dataclass
class _Line:
    number: int
    row: Row
    raw: dict[str, str]
    complete: bool  # every cell read as its type (a bad cell is None in ``row``)
    withheld: frozenset[str] = frozenset()  # columns of this row not recorded


def import_file(session: Session, kind: Kind, filename: str, data: bytes, *,
                establishment_id: int | None, dry_run: bool = False) -> ImportReport:
    """Import one file of one kind into an establishment (acts need none: the catalogue
    is shared). With ``dry_run`` the report says what would change and nothing does."""
    name = PurePath(filename).name or filename
    report = ImportReport(kind=kind, file=name, dry_run=dry_run)
    schema = SCHEMAS[kind]
    try:
        table = read_table(name, data)
    except ImportProblem as problem:
        report.errors.append(problem)
        return report
    columns = _match_headers(schema, table, report.errors)
    if report.errors:
        return report
    report.rows = len(table.rows)
    handler = kind_io(kind, session, establishment_id)
    headers = {column.name: table.headers[i] for i, column in enumerate(columns) if column}
    lines = _read_rows(schema, table, columns, report.errors)
    _check_rows(handler, name, lines, headers, report.errors)
    _withhold(handler, name, lines, headers, report.skipped)
    if report.errors:
        # In file order: cell errors were found in a first pass, references in a second.
        report.errors.sort(key=lambda problem: problem.line)
        return report
    if not dry_run:
        _serialize_imports(session, kind, establishment_id)
    _write(handler, lines, handler.implied_columns(set(headers)), report)
    return report


def _match_headers(schema: Schema, table: Table,
                   errors: list[ImportProblem]) -> list[Column | None]:
    lookup = schema.lookup()
    expected = ", ".join(schema.headers(current_language()))
    columns: list[Column | None] = []
    seen: set[str] = set()
    for header in table.headers:
        column = lookup.get(normalize_header(header)) if header else None
        columns.append(column)
        if not header:
            continue
        if column is None:
            code = ("identifying_column" if schema.pseudonymous and names_a_person(header)
                    else "unknown_column")
            errors.append(ImportProblem(table.file, table.header_line, header, header, code,
                                        columns=expected))
        elif column.name in seen:
            errors.append(ImportProblem(table.file, table.header_line, header, header,
                                        "duplicate_column"))
        else:
            seen.add(column.name)
    for column in schema.columns:
        if column.required and column.name not in seen:
            errors.append(ImportProblem(table.file, table.header_line,
                                        column.header(current_language()), "",
                                        "missing_column"))
    return columns


def _read_rows(schema: Schema, table: Table, columns: list[Column | None],
               errors: list[ImportProblem]) -> list[_Line]:
    """Each row's typed values; a bad cell is reported and left as None, so that the
    row's other cells are still checked against the establishment."""
    defaults = {c.name: c.default for c in schema.columns}
    lines: list[_Line] = []
    for number, cells in table.rows:
        row: Row = dict(defaults)
        raw: dict[str, str] = {}
        good = _no_extra_cells(table, number, cells, columns, errors)
        for index, column in enumerate(columns):
            if column is None:
                continue
            cell = cells[index] if index < len(cells) else None
            raw[column.name] = as_text(cell)
            try:
                row[column.name] = parse_cell(column, cell)
            except CellError as error:
                errors.append(ImportProblem(table.file, number, table.headers[index],
                                            raw[column.name], error.code, **error.params))
                row[column.name] = None
                good = False
        lines.append(_Line(number, row, raw, good))
    return lines


def _no_extra_cells(table: Table, number: int, cells: list[Any], columns: list[Column | None],
                    errors: list[ImportProblem]) -> bool:
    """A value under no known column would be dropped without a word: report it."""
    good = True
    for index, cell in enumerate(cells):
        if (index >= len(columns) or columns[index] is None) and as_text(cell):
            header = table.headers[index] if index < len(table.headers) else ""
            errors.append(ImportProblem(table.file, number, header or f"#{index + 1}",
                                        as_text(cell), "extra_cell"))
            good = False
    return good


def _check_rows(handler: KindIO[Any], file: str, lines: list[_Line], headers: dict[str, str],
                errors: list[ImportProblem]) -> None:
    """References and cross-cell rules of each row, and one row per key in a file."""
    seen: dict[tuple[Hashable, ...], int] = {}
    key_column = handler.schema.key[0]
    for line in lines:
        line.row = handler.normalize(line.row)
        for problem in handler.check(line.row):
            errors.append(ImportProblem(file, line.number, headers[problem.column],
                                        line.raw.get(problem.column, ""), problem.code,
                                        **problem.params))
        if not line.complete:
            continue  # a key with a bad cell in it matches nothing
        key = handler.key(line.row)
        if key in seen:
            shown = ", ".join(line.raw.get(name, "") for name in handler.schema.key)
            errors.append(ImportProblem(file, line.number, headers[key_column],
                                        line.raw.get(key_column, ""), "duplicate_key",
                                        key=shown, first_line=seen[key]))
        else:
            seen[key] = line.number


def _withhold(handler: KindIO[Any], file: str, lines: list[_Line], headers: dict[str, str],
              skipped: list[ImportProblem]) -> None:
    """Leave out of each row what is not recorded, and say so line by line. A value left
    out is emptied for a new record and left as stored for an existing one."""
    for line in lines:
        notes = handler.withheld(line.row)
        for problem in notes:
            skipped.append(ImportProblem(file, line.number, headers[problem.column],
                                         line.raw.get(problem.column, ""), problem.code,
                                         **problem.params))
        if notes:
            line.withheld = frozenset(p.column for p in notes)
            line.row = {**line.row, **{name: () if isinstance(line.row[name], tuple) else None
                                       for name in line.withheld}}


def _write(handler: KindIO[Any], lines: list[_Line], present: set[str],
           report: ImportReport) -> None:
    """Create new keys, update changed records, count the rest; only count on a dry run."""
    stored = handler.existing([line.row for line in lines])
    for line in lines:
        record = stored.get(handler.key(line.row))
        if record is None:
            report.created += 1
            if not report.dry_run:
                handler.create(line.row)
            continue
        current = handler.as_row(record)
        columns = present - line.withheld
        if all(line.row[name] == current[name] for name in columns):
            report.unchanged += 1
            continue
        report.updated += 1
        if not report.dry_run:
            handler.apply(record, line.row, columns)
    if not report.dry_run:
        handler.session.flush()


def _serialize_imports(session: Session, kind: Kind, establishment_id: int | None) -> None:
    """Two imports of the same kind into one establishment run one after the other, or
    both would see a key as new and create it twice. On PostgreSQL a transaction-scoped
    advisory lock does it; SQLite already holds its write lock from the first statement
    (``BEGIN IMMEDIATE``, see core/db.py)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    lock = zlib.crc32(f"balise.import:{kind.value}:{establishment_id}".encode())
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock})
