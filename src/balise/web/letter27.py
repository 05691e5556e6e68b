"""The aims of letter of agreement no. 27, measured: one page per establishment or team."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from balise.core.access import Role, Viewer
from balise.core.errors import NotFound
from balise.indicators.definitions import unit_label
from balise.indicators.letter27 import measured_aims
from balise.indicators.report import figure
from balise.territory.queries import visible_teams
from balise.web.access import Allow, db_session
from balise.web.templating import render

router = APIRouter()
# Aggregates only (k >= 5), so everyone who reads indicators, but not a worker's account.
READERS = (Role.TEAM_LEAD, Role.ANALYST, Role.ADMIN, Role.COMMITTEE_EMPLOYER,
           Role.COMMITTEE_UNION, Role.NATIONAL)


@router.get("/indicators/letter-27")
def letter27(
    request: Request,
    viewer: Annotated[Viewer, Depends(Allow(*READERS))],
    db: Annotated[Session, Depends(db_session)],
    team: Annotated[int | None, Query()] = None,
) -> Response:
    teams = [t for t in visible_teams(db, viewer) if t.establishment_id == viewer.establishment_id]
    chosen = next((t for t in teams if t.id == team), None)
    if team is not None and chosen is None:
        raise NotFound()
    scope = f"team:{chosen.id}" if chosen else "establishment"
    return render(request, "indicators/letter27.html", {
        "aims": measured_aims(db, viewer.establishment_id, scope), "teams": teams,
        "chosen": chosen, "figure": figure, "unit_label": unit_label,
    })
