"""The one place Balise asks for the time, so tests can freeze it."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

TIMEZONE = ZoneInfo("America/Montreal")
_frozen: datetime | None = None


def now() -> datetime:
    """Local wall-clock time in Quebec, naive (stored as such in both databases)."""
    if _frozen is not None:
        return _frozen
    return datetime.now(TIMEZONE).replace(tzinfo=None, microsecond=0)


def today() -> date:
    return now().date()


def freeze(moment: datetime | None) -> None:
    global _frozen
    _frozen = moment
