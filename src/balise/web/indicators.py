"""Indicator pages of a project (dashboard, PDF, spreadsheet, proposing its indicator
set) and the national committee's comparison across establishments."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from balise.committee import queries
from balise.committee.models import Project
from balise.committee.service import file_proposal
from balise.core.access import Role, Viewer
from balise.core.errors import BaliseError, InvalidInput, NotFound
from balise.core.i18n import LANGUAGES, current_language
from balise.grid.models import Act
from balise.indicators.catalogue import definitions
from balise.indicators.dashboard import build_dashboard
from balise.indicators.definitions import (
    DIRECTIONS,
    FAMILIES,
    PERIODS,
    SOURCES,
    UNITS,
    unit_label,
)
from balise.indicators.national import national_view
from balise.indicators.report import figure, pdf_of, report_filename, report_html, report_xlsx
from balise.indicators.sets import indicator_set
from balise.territory.queries import establishments_of
from balise.web.access import COMMITTEE, Allow, db_session
from balise.web.templating import render

router = APIRouter()
Member = Annotated[Viewer, Depends(Allow(*COMMITTEE))]
Db = Annotated[Session, Depends(db_session)]
LABELS = {"families": FAMILIES, "units": UNITS, "directions": DIRECTIONS, "periods": PERIODS,
          "sources": SOURCES, "unit_label": unit_label, "figure": figure}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _dashboard_page(request: Request, db: Session, viewer: Viewer, project: Project,
                    error: BaliseError | None = None) -> Response:
    committee = queries.access_committee(db, viewer, project.committee_id)
    board = build_dashboard(db, project)
    adopted = {row.indicator_code: row for row in indicator_set(db, project.id)}
    return render(request, "indicators/dashboard.html", {
        **LABELS, "committee": committee, "project": project, "board": board,
        "catalogue": list(definitions(db).values()), "adopted": adopted,
        "needs": list(db.scalars(select(Act.code).order_by(Act.code))), "error": error,
    }, status=400 if error else 200)


@router.get("/projects/{project_id}/dashboard")
def dashboard(request: Request, project_id: int, viewer: Member, db: Db) -> Response:
    return _dashboard_page(request, db, viewer, queries.access_project(db, viewer, project_id))


def _language(lang: str | None) -> str:
    return lang if lang in LANGUAGES else current_language()


@router.get("/projects/{project_id}/report.pdf")
async def report_as_pdf(project_id: int, viewer: Member, db: Db,
                        lang: Annotated[str | None, Query(max_length=2)] = None) -> Response:
    project = queries.access_project(db, viewer, project_id)
    chosen = _language(lang)
    board = build_dashboard(db, project)
    html = report_html(db, board, chosen)
    # WeasyPrint takes a second or so: off the event loop, and with the transaction
    # ended first, so that no writer waits behind the drawing of a PDF.
    db.commit()
    pdf = await run_in_threadpool(pdf_of, html)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{report_filename(board, chosen, "pdf")}"'})


@router.get("/projects/{project_id}/report.xlsx")
def report_as_xlsx(project_id: int, viewer: Member, db: Db,
                   lang: Annotated[str | None, Query(max_length=2)] = None) -> Response:
    project = queries.access_project(db, viewer, project_id)
    chosen = _language(lang)
    board = build_dashboard(db, project)
    return Response(report_xlsx(board, chosen), media_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="{report_filename(board, chosen, "xlsx")}"'})


def _effect_of(form: Any) -> dict[str, object]:
    """The indicator-set effect from the dashboard's form: one checkbox per indicator,
    with its own target and need, and one baseline for the whole set."""
    items = [{"code": code, "need": str(form.get(f"need_{code}") or ""),
              "target": str(form.get(f"target_{code}") or "").strip() or None,
              "baseline_start": str(form.get("baseline_start") or "").strip() or None,
              "baseline_end": str(form.get("baseline_end") or "").strip() or None}
             for code in form.getlist("code")]
    return {"indicators": items, "remove": [str(c) for c in form.getlist("remove")]}


@router.post("/projects/{project_id}/indicator-set")
async def propose_indicator_set(request: Request, project_id: int, viewer: Member,
                                db: Db) -> Response:
    project = queries.access_project(db, viewer, project_id)
    committee = queries.access_committee(db, viewer, project.committee_id)
    member = queries.membership(db, viewer, committee.id)
    if member is None:
        raise NotFound()
    form = await request.form()  # already read (and cached) by the CSRF check
    try:
        proposal = file_proposal(
            db, committee, member, title=str(form.get("title") or ""),
            text=str(form.get("text") or ""), rationale=str(form.get("rationale") or ""),
            kind="indicator_set", effect=_effect_of(form), project=project)
    except InvalidInput as error:
        db.rollback()
        return _dashboard_page(request, db, viewer, project, error)
    return RedirectResponse(f"/proposals/{proposal.id}", status_code=303)


@router.get("/national/indicators")
def national(request: Request, viewer: Annotated[Viewer, Depends(Allow(Role.NATIONAL))],
             db: Db) -> Response:
    view = national_view(db, establishments_of(db, viewer))
    return render(request, "indicators/national.html", {**LABELS, "view": view})
