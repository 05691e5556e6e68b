"""Writing the grid: one function per thing a user does."""

from __future__ import annotations

from sqlalchemy.orm import Session

from balise.grid.models import Visit
from balise.grid.rules import Realization


def record_realization(
    session: Session, visit: Visit, realization: Realization, travel_minutes: int | None
) -> Visit:
    """The worker closes a visit. Nothing forces a reason or a note (principle 1)."""
    visit.realized_start = realization.start
    visit.realized_end = realization.end
    visit.note = realization.note
    visit.travel_minutes = travel_minutes
    visit.status = "done"
    for act in visit.acts:
        if act.planned:
            act.done = True
    session.flush()
    return visit
