"""Pure rules of the grid: checking what a worker records about a visit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from balise.core.errors import InvalidInput

MAX_VISIT_HOURS = 16


def parse_clock(field: str, raw: str) -> time | None:
    """``HH:MM`` or empty (not recorded)."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        hours, minutes = raw.split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise InvalidInput(field, "not_a_time") from exc


@dataclass(frozen=True)
class Realization:
    start: datetime | None
    end: datetime | None
    note: str | None


def check_realization(day: date, start: time | None, end: time | None, note: str) -> Realization:
    """A visit's realized times: both, one, or none may be given; an end before its start
    or a visit longer than a working day is refused."""
    start_at = datetime.combine(day, start) if start else None
    end_at = datetime.combine(day, end) if end else None
    if start_at and end_at:
        if end_at < start_at:
            raise InvalidInput("end", "end_before_start")
        if end_at - start_at > timedelta(hours=MAX_VISIT_HOURS):
            raise InvalidInput("end", "out_of_range", low="00:00", high=f"{MAX_VISIT_HOURS}:00")
    cleaned = note.strip()
    return Realization(start_at, end_at, cleaned or None)


def check_minutes(field: str, raw: str, low: int = 0, high: int = 24 * 60) -> int:
    try:
        value = int(raw)
    except ValueError as exc:
        raise InvalidInput(field, "not_a_number") from exc
    if value < 0:
        raise InvalidInput(field, "negative_duration")
    if not low <= value <= high:
        raise InvalidInput(field, "out_of_range", low=low, high=high)
    return value
