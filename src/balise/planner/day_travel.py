"""The road travel times of a planned day, kept with the plan.

With a routing server configured, the planner asks it for one table when it plans a day
and when a move is re-checked. The minutes of the legs the routes drive are stored with
the team-day (``models.DayTravel``), so the day page — read by any web worker, at any
time — times the routes without asking the server again. A leg that is not stored (the
routes changed some other way) is timed by the straight line and the page says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from balise.core import clock
from balise.planner.models import DayTravel

Point = tuple[float, float]
KEEP_DAYS = 14


def leg_key(a: Point, b: Point) -> str:
    """A leg by its two places (six decimals: about 10 cm), whatever visits are there."""
    return f"{a[0]:.6f},{a[1]:.6f}>{b[0]:.6f},{b[1]:.6f}"


def legs(points: Sequence[Point], minutes: Sequence[Sequence[float]],
         pairs: Iterable[tuple[int, int]]) -> dict[str, float]:
    """The minutes of the given (from, to) index pairs of a matrix over ``points``."""
    return {leg_key(points[a], points[b]): float(minutes[a][b]) for a, b in pairs}


def route_pairs(stops: Sequence[int]) -> list[tuple[int, int]]:
    """The legs a route drives: from the site (index 0), each stop, back to the site."""
    path = [0, *stops, 0]
    return list(pairwise(path))


@dataclass(frozen=True)
class StoredTravel:
    source: str
    warning: str | None
    legs: dict[str, float]


def stored_travel(session: Session, team_id: int, day: date) -> StoredTravel | None:
    row = session.scalar(select(DayTravel).where(DayTravel.team_id == team_id,
                                                 DayTravel.day == day))
    return None if row is None else StoredTravel(row.source, row.warning, dict(row.legs))


def keep_travel(session: Session, team_id: int, day: date, found: dict[str, float],
                source: str, warning: str | None, *, replace: bool) -> None:
    """Store the legs: a new plan replaces the day's; a re-checked move adds to them.

    The legs name places by their coordinates (clients' homes), so they are kept only
    while a plan may still be looked at and changed: days more than ``KEEP_DAYS`` past
    are deleted here, each time a team's travel is kept."""
    session.execute(delete(DayTravel).where(
        DayTravel.team_id == team_id, DayTravel.day < clock.today() - timedelta(days=KEEP_DAYS)))
    row = session.scalar(select(DayTravel).where(DayTravel.team_id == team_id,
                                                 DayTravel.day == day))
    if row is None:
        row = DayTravel(team_id=team_id, day=day, source=source, legs={})
        session.add(row)
    row.legs = found if replace else {**row.legs, **found}
    row.source = source
    row.warning = warning if replace else row.warning
    session.flush()


def forget_travel(session: Session, team_id: int, day: date) -> None:
    """A plan made without a routing server: road times kept from before no longer fit."""
    row = session.scalar(select(DayTravel).where(DayTravel.team_id == team_id,
                                                 DayTravel.day == day))
    if row is not None:
        session.delete(row)
        session.flush()
