"""Parsing what people type into the grid's forms."""

from __future__ import annotations

from datetime import time

from balise.core.errors import InvalidInput


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
