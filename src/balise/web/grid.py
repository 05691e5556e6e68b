"""A worker's own week, and recording what was done at a visit."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.audit.service import RecordKind, record_read
from balise.core import clock
from balise.core.access import Role, Viewer
from balise.core.errors import BaliseError
from balise.core.privacy import own_figures
from balise.grid import collection
from balise.grid.models import REASON_CATEGORIES, VISIT_STATUSES, Act, VarianceReason, Visit
from balise.grid.parsing import check_minutes, parse_clock
from balise.grid.queries import access_visit, monday_of, own_week
from balise.grid.realization import Realization
from balise.grid.realization import record as realization_record
from balise.web.access import Allow, db_session
from balise.web.request_guards import row_id
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
        "withheld": collection.withheld(
            collection.effective(db, viewer.establishment_id, viewer.team_id)),
    })


def _visit_page(request: Request, db: Session, viewer: Viewer, visit: Visit, status: int = 200,
                error: BaliseError | None = None, form: dict[str, object] | None = None,
                ) -> Response:
    return render(request, "grid/visit.html", {
        "visit": visit, "statuses": VISIT_STATUSES, "error": error, "form": form,
        # Realized times are the worker's own figures: the team lead sees the plan only.
        "own": viewer.is_worker(visit.worker_id),
        "settings": collection.effective(db, visit.establishment_id, visit.team_id),
        "acts": list(db.scalars(select(Act).order_by(Act.label_fr))),
        "reasons": list(db.scalars(select(VarianceReason)
                                   .where(VarianceReason.active.is_(True))
                                   .order_by(VarianceReason.category, VarianceReason.id))),
        "categories": REASON_CATEGORIES,
        "done_ids": {a.act_id for a in visit.acts if a.done},
        "reason_ids": {r.id for r in visit.reasons},
    }, status=status)


@router.get("/visits/{visit_id}")
def visit_page(
    request: Request,
    visit_id: int,
    viewer: Annotated[Viewer, Depends(Allow(Role.WORKER, Role.TEAM_LEAD))],
    db: Annotated[Session, Depends(db_session)],
) -> Response:
    visit = access_visit(db, viewer, visit_id)
    record_read(db, viewer, RecordKind.VISIT, request.url.path, worker_id=visit.worker_id,
                client_id=visit.client_id, record_id=visit.id)
    return _visit_page(request, db, viewer, visit)


def _ids(values: list[str]) -> frozenset[int]:
    return frozenset(number for number in map(row_id, values) if number is not None)


@router.post("/visits/{visit_id}/realization")
def record_visit(
    request: Request,
    visit_id: int,
    viewer: Annotated[Viewer, Depends(Allow(Role.WORKER))],
    db: Annotated[Session, Depends(db_session)],
    status: Annotated[str, Form(max_length=16)] = "done",
    start: Annotated[str, Form(max_length=8)] = "",
    end: Annotated[str, Form(max_length=8)] = "",
    travel: Annotated[str, Form(max_length=8)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    acts: Annotated[list[str] | None, Form()] = None,
    acts_shown: Annotated[str, Form(max_length=4)] = "",
    reasons: Annotated[list[str] | None, Form()] = None,
    unmet: Annotated[list[str] | None, Form()] = None,
) -> Response:
    visit = access_visit(db, viewer, visit_id)
    own_figures(viewer, visit.worker_id or 0)
    try:
        start_at, end_at = parse_clock("start", start), parse_clock("end", end)
        realization = Realization(
            status=status,
            start=datetime.combine(visit.day, start_at) if start_at else None,
            end=datetime.combine(visit.day, end_at) if end_at else None,
            travel_minutes=check_minutes("travel", travel, high=600) if travel.strip() else None,
            note=note.strip() or None,
            # Without the acts list on the form (one-tap close), the planned acts count as done.
            acts_done=_ids(acts or []) if acts_shown else None,
            reason_ids=_ids(reasons or []),
            unmet_act_ids=_ids(unmet or []),
        )
        realization_record(db, visit, realization)
    except BaliseError as error:
        db.rollback()
        return _visit_page(request, db, viewer, visit, 400, error, {
            "start": start, "end": end, "travel": travel, "note": note})
    return RedirectResponse(f"/visits/{visit.id}?saved=1", status_code=303)
