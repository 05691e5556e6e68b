"""A worker's own week, and recording what was done at a visit."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from balise.core import clock
from balise.core.access import Role, Viewer
from balise.core.errors import InvalidInput
from balise.grid.models import VISIT_STATUSES
from balise.grid.queries import access_visit, monday_of, own_week
from balise.grid.rules import check_minutes, check_realization, parse_clock
from balise.grid.service import record_realization
from balise.web.access import Allow, db_session
from balise.web.templating import render

router = APIRouter()


@router.get("/me/week")
def my_week(
    request: Request,
    viewer: Annotated[Viewer, Depends(Allow(Role.WORKER))],
    db: Annotated[Session, Depends(db_session)],
    week: date | None = None,
) -> Response:
    monday = monday_of(week or clock.today())
    days = own_week(db, viewer, monday)
    return render(request, "grid/my_week.html", {
        "days": days, "monday": monday, "previous": monday - timedelta(days=7),
        "next": monday + timedelta(days=7), "statuses": VISIT_STATUSES,
    })


@router.get("/visits/{visit_id}")
def visit_page(
    request: Request,
    visit_id: int,
    viewer: Annotated[Viewer, Depends(Allow(Role.WORKER, Role.TEAM_LEAD))],
    db: Annotated[Session, Depends(db_session)],
) -> Response:
    visit = access_visit(db, viewer, visit_id)
    return render(request, "grid/visit.html", {"visit": visit, "statuses": VISIT_STATUSES})


@router.post("/visits/{visit_id}/realization")
def record_visit(
    request: Request,
    visit_id: int,
    viewer: Annotated[Viewer, Depends(Allow(Role.WORKER, Role.TEAM_LEAD))],
    db: Annotated[Session, Depends(db_session)],
    start: Annotated[str, Form(max_length=8)] = "",
    end: Annotated[str, Form(max_length=8)] = "",
    travel: Annotated[str, Form(max_length=8)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    visit = access_visit(db, viewer, visit_id)
    try:
        realization = check_realization(
            visit.day, parse_clock("start", start), parse_clock("end", end), note
        )
        travel_minutes = check_minutes("travel", travel, high=600) if travel.strip() else None
    except InvalidInput as error:
        db.rollback()
        return render(request, "grid/visit.html", {
            "visit": visit, "statuses": VISIT_STATUSES, "error": error,
            "form": {"start": start, "end": end, "travel": travel, "note": note},
        }, status=400)
    record_realization(db, visit, realization, travel_minutes)
    return RedirectResponse(f"/visits/{visit.id}?saved=1", status_code=303)
