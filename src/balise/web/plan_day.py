"""A team's day, route by route: the team lead (or the establishment's admin) sees each
worker's ordered visits with times, the lateness risk and a map, and moves a visit to
another worker or day. A move is re-checked at once and written only once confirmed:
the lead sees what it would break first, and may still make it (clinical judgment)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from balise.core import clock
from balise.core.access import Role, Viewer
from balise.core.errors import InvalidInput
from balise.grid.queries import monday_of
from balise.planner.day_routes import (
    access_team_visit,
    check_move,
    move_visit,
    set_max_late_risk,
    team_day,
    team_workers,
)
from balise.planner.route_check import describe
from balise.planner.route_map import route_svg
from balise.planner.routing import FALLBACK_WARNINGS, routing_server
from balise.territory.models import PROFESSIONS
from balise.territory.queries import access_team
from balise.web.access import Allow, db_session
from balise.web.request_guards import row_id
from balise.web.templating import render

router = APIRouter()
PLANNERS = (Role.TEAM_LEAD, Role.ADMIN)


def _day(raw: str, field: str) -> date:
    try:
        return date.fromisoformat(raw) if raw else clock.today()
    except ValueError as exc:
        raise InvalidInput(field, "not_a_date") from exc


def _worker_id(raw: str) -> int:
    worker_id = row_id(raw)
    if worker_id is None:
        raise InvalidInput("worker", "unknown_choice")
    return worker_id


@router.get("/teams/{team_id}/plan/day")
def plan_day_page(
    request: Request,
    team_id: int,
    viewer: Annotated[Viewer, Depends(Allow(*PLANNERS))],
    db: Annotated[Session, Depends(db_session)],
    day: str = "",
) -> Response:
    team = access_team(db, viewer, team_id)
    chosen = _day(day, "day")
    routes = team_day(db, team, chosen, routing_server(request.app.state.settings))
    maps = {r.worker.id: route_svg(routes.site, [s.place for s in r.stops], r.worker.name, i)
            for i, r in enumerate(routes.routes)}
    monday = monday_of(chosen)
    return render(request, "planner/day.html", {
        "team": team, "plan": routes, "maps": maps, "professions": PROFESSIONS,
        "workers": team_workers(db, team), "week": [monday + timedelta(days=i) for i in range(5)],
        "previous": chosen - timedelta(days=1), "next": chosen + timedelta(days=1),
        "monday": monday, "fallback_warnings": FALLBACK_WARNINGS,
        "moved": request.query_params.get("moved"),
    })


def _move_form(visit: str, worker: str, day: str) -> tuple[int, int, date]:
    visit_id = row_id(visit)
    if visit_id is None:
        raise InvalidInput("visit", "not_a_number")
    return visit_id, _worker_id(worker), _day(day, "day")


@router.post("/teams/{team_id}/plan/day/check")
def check_visit_move(
    request: Request,
    team_id: int,
    viewer: Annotated[Viewer, Depends(Allow(*PLANNERS))],
    db: Annotated[Session, Depends(db_session)],
    visit: Annotated[str, Form(max_length=12)] = "",
    worker: Annotated[str, Form(max_length=12)] = "",
    day: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """What the move would do; nothing is written (an htmx fragment, or a page)."""
    team = access_team(db, viewer, team_id)
    visit_id, worker_id, chosen = _move_form(visit, worker, day)
    found = access_team_visit(db, team, visit_id)
    check = check_move(db, team, found, worker_id, chosen,
                       routing_server(request.app.state.settings))
    fragment = request.headers.get("hx-request") == "true"
    return render(request, "planner/move_check.html" if fragment else "planner/move_page.html",
                  {"team": team, "check": check, "max_risk": team.max_late_risk,
                   "warnings": [describe(w, check.worker.name, chosen.isoformat())
                                for w in check.warnings]})


@router.post("/teams/{team_id}/plan/day/move")
def confirm_visit_move(
    request: Request,
    team_id: int,
    viewer: Annotated[Viewer, Depends(Allow(*PLANNERS))],
    db: Annotated[Session, Depends(db_session)],
    visit: Annotated[str, Form(max_length=12)] = "",
    worker: Annotated[str, Form(max_length=12)] = "",
    day: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Write the move the lead confirmed, then show the day it landed on."""
    team = access_team(db, viewer, team_id)
    visit_id, worker_id, chosen = _move_form(visit, worker, day)
    found = access_team_visit(db, team, visit_id)
    move_visit(db, team, found, worker_id, chosen, routing_server(request.app.state.settings),
               by=viewer.user_id)
    return RedirectResponse(
        f"/teams/{team.id}/plan/day?day={chosen.isoformat()}&moved={visit_id}", status_code=303)


@router.post("/teams/{team_id}/plan/risk")
def set_team_max_risk(
    team_id: int,
    viewer: Annotated[Viewer, Depends(Allow(*PLANNERS))],
    db: Annotated[Session, Depends(db_session)],
    max_risk: Annotated[str, Form(max_length=3)] = "",
    day: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """The team's maximum lateness risk, in whole percent (1 to 50)."""
    team = access_team(db, viewer, team_id)
    percent = row_id(max_risk)
    if percent is None:
        raise InvalidInput("max_risk", "not_a_number")
    chosen = _day(day, "day")
    set_max_late_risk(db, team, percent)
    return RedirectResponse(f"/teams/{team.id}/plan/day?day={chosen.isoformat()}",
                            status_code=303)
