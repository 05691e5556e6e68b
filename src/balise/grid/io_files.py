"""Reading and writing tables as CSV or Excel (xlsx), with the line of every row.

Lines are counted as the person sees them: the physical line of a CSV (a quoted cell
spanning lines counts its lines), the row number of a spreadsheet. Lines before the
header whose first cell starts with ``#`` are comments (exports of synthetic data start
with one); blank lines are skipped.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from balise.grid.io_schema import ImportProblem

MAX_ROWS = 200_000
XLSX_MAGIC = b"PK\x03\x04"
CSV_DELIMITERS = (";", ",", "\t")


@dataclass
class Table:
    file: str
    header_line: int = 0
    headers: list[str] = field(default_factory=list)
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)


def is_xlsx(filename: str, data: bytes) -> bool:
    return filename.lower().endswith(".xlsx") or data.startswith(XLSX_MAGIC)


def read_table(filename: str, data: bytes) -> Table:
    """The header and rows of a file. Raises :class:`ImportProblem` for a file that
    cannot be read at all (line 0 when no line is to blame)."""
    lines = _xlsx_lines(filename, data) if is_xlsx(filename, data) else _csv_lines(filename, data)
    table = Table(file=filename)
    for line, cells in lines:
        if _blank(cells):
            continue
        if not table.headers:
            if _comment(cells):
                continue
            table.header_line = line
            table.headers = _trim([_header_text(c) for c in cells])
            continue
        if len(table.rows) >= MAX_ROWS:
            raise ImportProblem(filename, line, "", "", "too_many_rows", n=MAX_ROWS)
        table.rows.append((line, list(cells)))
    if not table.headers:
        raise ImportProblem(filename, 1, "", "", "empty_file")
    return table


def _blank(cells: Sequence[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _comment(cells: Sequence[Any]) -> bool:
    return bool(cells) and isinstance(cells[0], str) and cells[0].lstrip().startswith("#")


def _header_text(cell: Any) -> str:
    return "" if cell is None else str(cell).strip()


def _trim(headers: list[str]) -> list[str]:
    while headers and not headers[-1]:
        headers.pop()
    return headers


def _csv_lines(filename: str, data: bytes) -> Iterable[tuple[int, list[Any]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Guessing a legacy encoding would turn "é" into garbage without a word: refuse.
        raise ImportProblem(filename, _line_of(data, exc.start), "", "", "not_utf8") from exc
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    found: list[tuple[int, list[Any]]] = []
    first = 1
    try:
        for cells in reader:
            found.append((first, cells))
            first = reader.line_num + 1
    except csv.Error as exc:
        raise ImportProblem(filename, reader.line_num, "", "", "unreadable_file",
                            detail=str(exc)) from exc
    return found


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _delimiter(text: str) -> str:
    """The separator of the header line: Excel in French writes ";", in English ","."""
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            counts = {d: _outside_quotes(line).count(d) for d in CSV_DELIMITERS}
            best = max(counts, key=lambda d: counts[d])
            return best if counts[best] else ","
    return ","


def _outside_quotes(line: str) -> str:
    return "".join(part for i, part in enumerate(line.split('"')) if i % 2 == 0)


def _xlsx_lines(filename: str, data: bytes) -> Iterable[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ImportProblem(filename, 0, "", "", "unreadable_file", detail=str(exc)) from exc
    try:
        sheet = book.worksheets[0]
        # read_only yields every row, empty ones as (), so the index is the row number.
        return [(number, list(values))
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        book.close()


def write_csv(stream: IO[bytes], headers: Sequence[str], rows: Iterable[Sequence[Any]],
              *, comment: str | None, delimiter: str) -> None:
    """UTF-8 with a byte-order mark, so that Excel opens accents right."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="", write_through=True)
    try:
        if comment:
            text.write(f"# {comment}\r\n")
        writer = csv.writer(text, delimiter=delimiter)
        writer.writerow(headers)
        writer.writerows(rows)
        text.flush()
    finally:
        text.detach()


def write_xlsx(stream: IO[bytes], headers: Sequence[str], rows: Iterable[Sequence[Any]],
               *, comment: str | None, title: str) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    if comment:
        sheet.append([f"# {comment}"])
    sheet.append(list(headers))
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                # Text stays text: openpyxl would otherwise store "=…" as a formula.
                cell.data_type = "s"
            elif hasattr(value, "isoformat"):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        sheet.append(cells)
    book.save(stream)
