"""Solomon VRPTW instances: the file reader and the one-decimal travel convention.

A Solomon file holds a name, a VEHICLE section (number of vehicles, capacity) and a
CUSTOMER table of seven whole numbers per row (number, x, y, demand, ready time, due
date, service time); customer 0, the first row, is the depot. Travel time equals the
Euclidean distance.
"""

from __future__ import annotations

import math
from dataclasses import astuple, dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from balise.core.errors import BaliseError, ImportRowError
from balise.core.i18n import gettext as _
from balise.core.i18n import lazy

VEHICLE_FIELDS = ("NUMBER", "CAPACITY")
CUSTOMER_FIELDS = (
    "CUST NO.", "XCOORD.", "YCOORD.", "DEMAND", "READY TIME", "DUE DATE", "SERVICE TIME",
)

# The reasons a file is refused, in English (the msgid); planner.po gives French.
REASONS: dict[str, str] = {
    "empty_file": lazy("the file is empty."),
    "missing_section": lazy("the section {section} is missing."),
    "section_order": lazy("the section VEHICLE must come before CUSTOMER."),
    "missing_row": lazy("the section {section} has no data row."),
    "extra_row": lazy("the section VEHICLE must have a single data row."),
    "missing_field": lazy("the row ends before this field; expected {expected} numbers."),
    "extra_field": lazy("the row goes on after this field; expected {expected} numbers."),
    "not_whole_number": lazy("expected a whole number."),
    "negative": lazy("the value cannot be negative."),
    "not_positive": lazy("the value must be at least 1."),
    "depot_first": lazy("the first row must be the depot, customer 0."),
    "duplicate_customer": lazy("customer {number} appears twice (first on line {first_line})."),
    "due_before_ready": lazy("the due date comes before the ready time ({ready})."),
    "demand_over_capacity": lazy("the demand exceeds the vehicle capacity ({capacity})."),
}


class SolomonFormatError(ImportRowError):
    """A Solomon file is refused: says which file, line and field, and why."""

    def __init__(
        self, file: str, line: int, field: str, value: str, code: str, **params: Any
    ) -> None:
        super().__init__(file, line, field, value, code, **params)

    def message(self) -> str:
        reason = _(REASONS[self.code]).format(**self.params)
        return _("{file}, line {line}, field {field} ({value!r}): {reason}").format(
            file=self.file, line=self.line, field=self.column, value=self.value, reason=reason
        )


class SolomonFileError(BaliseError):
    """The file cannot be opened or decoded at all."""

    code = "solomon_unreadable"

    def message(self) -> str:
        return _("The Solomon file {file} cannot be read: {detail}").format(**self.params)


@dataclass(frozen=True)
class Customer:
    number: int
    x: int
    y: int
    demand: int
    ready: int
    due: int
    service: int


@dataclass(frozen=True)
class SolomonInstance:
    name: str
    vehicles: int
    capacity: int
    depot: Customer
    customers: tuple[Customer, ...]

    def prefix(self, count: int) -> SolomonInstance:
        """The first ``count`` customers: how Solomon's 25- and 50-customer sets are made."""
        return SolomonInstance(
            f"{self.name}.{count}", self.vehicles, self.capacity, self.depot,
            self.customers[:count],
        )


def travel_tenths(a: Customer, b: Customer) -> int:
    """Distance (= travel time) in tenths, truncated, as the exact-method literature does.

    ``isqrt`` on whole coordinates gives the exact floor, where a float ``10 * hypot``
    may round up across a tenth when the true distance sits just below it.
    """
    return math.isqrt(100 * ((a.x - b.x) ** 2 + (a.y - b.y) ** 2))


def read_solomon(path: str | Path) -> SolomonInstance:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SolomonFileError(file=str(path), detail=str(exc)) from exc
    return parse_solomon(text, path.name)


# A non-blank line: its number in the file (from 1) and its whitespace-separated tokens.
_Line = tuple[int, list[str]]


def parse_solomon(text: str, file: str) -> SolomonInstance:
    lines = [(no, raw.split()) for no, raw in enumerate(text.splitlines(), 1) if raw.strip()]
    if not lines:
        raise SolomonFormatError(file, 1, "NAME", "", "empty_file")
    vehicle_at = _section_index(lines, "VEHICLE", file)
    customer_at = _section_index(lines, "CUSTOMER", file)
    if customer_at < vehicle_at:
        no = lines[customer_at][0]
        raise SolomonFormatError(file, no, "CUSTOMER", "CUSTOMER", "section_order")
    vehicles, capacity = _read_vehicle(lines, vehicle_at, customer_at, file)
    customers = _read_customers(lines, customer_at, capacity, file)
    return SolomonInstance(
        " ".join(lines[0][1]), vehicles, capacity, customers[0], tuple(customers[1:])
    )


def _section_index(lines: list[_Line], keyword: str, file: str) -> int:
    for index, (_no, tokens) in enumerate(lines):
        if [t.upper() for t in tokens] == [keyword]:
            return index
    raise SolomonFormatError(file, lines[-1][0], keyword, "", "missing_section", section=keyword)


def _data_rows(lines: list[_Line]) -> list[_Line]:
    """The rows after a section keyword, without the column header if there is one."""
    if lines and not _looks_numeric(lines[0][1][0]):
        return lines[1:]
    return lines


def _looks_numeric(token: str) -> bool:
    return token.lstrip("+-")[:1].isdigit()


def _read_vehicle(lines: list[_Line], start: int, end: int, file: str) -> tuple[int, int]:
    rows = _data_rows(lines[start + 1 : end])
    if not rows:
        raise SolomonFormatError(
            file, lines[start][0], "NUMBER", "", "missing_row", section="VEHICLE"
        )
    if len(rows) > 1:
        no, tokens = rows[1]
        raise SolomonFormatError(file, no, "NUMBER", " ".join(tokens), "extra_row")
    no, tokens = rows[0]
    vehicles, capacity = _whole_numbers(file, no, tokens, VEHICLE_FIELDS)
    for field, value in zip(VEHICLE_FIELDS, (vehicles, capacity), strict=True):
        if value < 1:
            raise SolomonFormatError(file, no, field, str(value), "not_positive")
    return vehicles, capacity


def _read_customers(lines: list[_Line], start: int, capacity: int, file: str) -> list[Customer]:
    rows = _data_rows(lines[start + 1 :])
    if not rows:
        raise SolomonFormatError(
            file, lines[start][0], "CUST NO.", "", "missing_row", section="CUSTOMER"
        )
    customers: list[Customer] = []
    first_line: dict[int, int] = {}
    for no, tokens in rows:
        customer = Customer(*_whole_numbers(file, no, tokens, CUSTOMER_FIELDS))
        if customer.number in first_line:
            raise SolomonFormatError(
                file, no, "CUST NO.", str(customer.number), "duplicate_customer",
                number=customer.number, first_line=first_line[customer.number],
            )
        _check_customer(customer, file, no, capacity, is_first=not customers)
        first_line[customer.number] = no
        customers.append(customer)
    return customers


def _check_customer(customer: Customer, file: str, no: int, capacity: int, is_first: bool) -> None:
    for field, value in zip(CUSTOMER_FIELDS, astuple(customer), strict=True):
        # Coordinates may be negative; numbers, quantities and times may not.
        if value < 0 and field not in ("XCOORD.", "YCOORD."):
            raise SolomonFormatError(file, no, field, str(value), "negative")
    if is_first and customer.number != 0:
        raise SolomonFormatError(file, no, "CUST NO.", str(customer.number), "depot_first")
    if customer.due < customer.ready:
        raise SolomonFormatError(
            file, no, "DUE DATE", str(customer.due), "due_before_ready", ready=customer.ready
        )
    if customer.demand > capacity:
        raise SolomonFormatError(
            file, no, "DEMAND", str(customer.demand), "demand_over_capacity", capacity=capacity
        )


def _whole_numbers(file: str, no: int, tokens: list[str], fields: tuple[str, ...]) -> list[int]:
    if len(tokens) < len(fields):
        raise SolomonFormatError(
            file, no, fields[len(tokens)], "", "missing_field", expected=len(fields)
        )
    if len(tokens) > len(fields):
        raise SolomonFormatError(
            file, no, fields[-1], tokens[len(fields)], "extra_field", expected=len(fields)
        )
    return [_whole_number(file, no, field, token) for field, token in zip(fields, tokens, strict=True)]


def _whole_number(file: str, no: int, field: str, token: str) -> int:
    """Accepts ``40`` and ``40.00`` (some copies print decimals), refuses ``40.5``."""
    try:
        value = Decimal(token)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value != value.to_integral_value():
        raise SolomonFormatError(file, no, field, token, "not_whole_number")
    return int(value)
