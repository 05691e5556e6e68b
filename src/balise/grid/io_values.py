"""Reading one cell as its column's type, and writing it back: pure functions.

A cell comes from a CSV (always text) or from Excel (text, numbers, dates, times), so
each reader accepts both. What an export writes, an import reads back to the same value:
that is what makes an exported file re-import as "unchanged".
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from balise.grid.io_schema import CHOICE_ALIASES, Column, ColumnType, normalize_header

LIST_SEPARATOR = "|"
# A cell starting with one of these runs as a formula in Excel or LibreOffice (CSV
# injection). Exports put a quote before them; imports take that quote off.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_TIME = re.compile(r"^(\d{1,2})\s*[:hH]\s*(\d{2})(?::00)?$")
TRUE_WORDS = frozenset({"oui", "o", "yes", "y", "vrai", "true", "1"})
FALSE_WORDS = frozenset({"non", "n", "no", "faux", "false", "0"})


class CellError(Exception):
    """A cell does not hold a value of its column's type; the caller adds where."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(code)


def as_text(raw: object) -> str:
    """The cell as the person typed it, for error reports and text columns."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))  # Excel gives 1234.0 for an employee number typed 1234
    if isinstance(raw, datetime):
        return raw.isoformat(sep=" ", timespec="minutes")
    return str(raw).strip()


def parse_cell(column: Column, raw: object) -> Any:
    """The typed value of a cell, or None when it is blank. Raises :class:`CellError`."""
    text = as_text(raw)
    if text == "":
        if column.required:
            raise CellError("required")
        return column.default
    kind = column.type
    if kind is ColumnType.TEXT:
        return _text(column, text)
    if kind is ColumnType.INT:
        return _bounded(column, _int(raw, text))
    if kind is ColumnType.DECIMAL:
        return _bounded(column, _decimal(raw, text))
    if kind is ColumnType.DATE:
        return _date(raw, text)
    if kind is ColumnType.TIME:
        return _minutes(raw, text)
    if kind is ColumnType.CHOICE:
        return _choice(column, text)
    if kind is ColumnType.BOOL:
        return _bool(text)
    return _list(column, text)


def _text(column: Column, text: str) -> str:
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        text = text[1:]
    if len(text) > column.max_length:
        raise CellError("text_too_long", n=column.max_length)
    return text


def _int(raw: object, text: str) -> int:
    if isinstance(raw, bool):
        raise CellError("not_a_number")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    raise CellError("not_a_number")


def _decimal(raw: object, text: str) -> float:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        value = float(raw)
    else:
        try:
            # A French spreadsheet writes 46,812; "1,234.5" (thousands) is not a place.
            value = float(text.replace(",", ".")) if text.count(",") <= 1 else float("x")
        except ValueError as exc:
            raise CellError("not_a_decimal") from exc
    # About 100 m: a client's place is kept approximate (territory/models.py).
    return round(value, 3)


def _bounded(column: Column, value: float) -> Any:
    if column.duration and value < 0:
        raise CellError("negative_duration")
    low, high = column.low, column.high
    if (low is not None and value < low) or (high is not None and value > high):
        raise CellError("out_of_range", low=_plain(low), high=_plain(high))
    return value


def _plain(number: float | None) -> str:
    if number is None:
        return "…"
    return str(int(number)) if float(number).is_integer() else str(number)


def _date(raw: object, text: str) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
    except ValueError as exc:
        raise CellError("not_a_date") from exc
    raise CellError("not_a_date")


def _minutes(raw: object, text: str) -> int:
    if isinstance(raw, datetime):
        raw = raw.time()
    if isinstance(raw, time):
        return raw.hour * 60 + raw.minute
    found = _TIME.match(text)
    if not found:
        raise CellError("not_a_time")
    hours, minutes = int(found.group(1)), int(found.group(2))
    # 24:00 closes a window that runs to midnight; nothing goes later.
    if minutes > 59 or hours > 24 or (hours == 24 and minutes > 0):
        raise CellError("not_a_time")
    return hours * 60 + minutes


def _code_of(text: str) -> str:
    key = normalize_header(text)
    return CHOICE_ALIASES.get(key, key)


def _choice(column: Column, text: str) -> str:
    value = _code_of(text)
    if value not in column.choices:
        raise CellError("choice_not_in_list", choices=", ".join(column.choices))
    return value


def _bool(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError("not_a_boolean")


def _list(column: Column, text: str) -> tuple[str, ...]:
    items = [item.strip() for item in text.split(LIST_SEPARATOR) if item.strip()]
    if column.choices:
        items = [_code_of(item) for item in items]
        if any(item not in column.choices for item in items):
            raise CellError("choice_not_in_list", choices=", ".join(column.choices))
    if not items and column.required:
        raise CellError("required")
    return tuple(sorted(set(items)))


def format_cell(column: Column, value: Any, language: str, spreadsheet: bool) -> Any:
    """The value as an export writes it: text for CSV, native dates for a spreadsheet."""
    if value is None:
        return None if spreadsheet else ""
    kind = column.type
    if kind is ColumnType.TIME:
        return f"{value // 60:02d}:{value % 60:02d}"
    if kind is ColumnType.DATE:
        return value if spreadsheet else value.isoformat()
    if kind is ColumnType.LIST:
        return LIST_SEPARATOR.join(value)
    if kind is ColumnType.BOOL:
        yes, no = ("oui", "non") if language == "fr" else ("yes", "no")
        return yes if value else no
    if kind in (ColumnType.INT, ColumnType.DECIMAL):
        return value if spreadsheet else str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
