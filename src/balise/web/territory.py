"""Teams: the list with guarded figures, and each team's week plan."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from balise.audit.service import RecordKind, record_read
from balise.core import clock
from balise.core.access import Role, Viewer
from balise.core.errors import InvalidInput
from balise.grid.queries import (
    monday_of,
    planned_vs_realized,
    team_figures,
    team_week_plan,
    unassigned_visits,
    week_days,
)
from balise.grid.visit_links import linked_partners
from balise.grid.week_plan import generate_week, load_duration_model
from balise.planner.routing import FALLBACK_WARNINGS, routing_server
from balise.planner.team_day import (
    REASONS,
    UNASSIGNED_REASONS,
    PlanSettings,
    apply_plan,
    plan_day,
)
from balise.territory.models import PROFESSIONS
from balise.territory.queries import (
    access_team,
    access_team_aggregates,
    establishments_of,
    team_client_count,
    team_members,
    visible_teams,
)
from balise.web.access import COMMITTEE, STAFF, Allow, db_session
from balise.web.request_guards import row_id
from balise.web.templating import render

router = APIRouter()


@router.get("/teams")
def teams(
    request: Request,
    viewer: Annotated[Viewer, Depends(Allow(*STAFF, *COMMITTEE))],
    db: Annotated[Session, Depends(db_session)],
) -> Response:
    last = monday_of(clock.today()) - timedelta(days=1)
    first = last - timedelta(days=27)
    rows = [(team, team_figures(db, team, first, last)) for team in visible_teams(db, viewer)]
    return render(request, "territory/teams.html", {
        "rows": rows, "first": first, "last": last,
        "establishments": {e.id: e for e in establishments_of(db, viewer)},
    })


@router.get("/teams/{team_id}/plan")
def team_plan(
    request: Request,
    team_id: int,
    viewer: Annotated[Viewer, Depends(Allow(Role.TEAM_LEAD, Role.ADMIN))],
    db: Annotated[Session, Depends(db_session)],
    week: date | None = None,
) -> Response:
    team = access_team(db, viewer, team_id)
    monday = monday_of(week or clock.today())
    workers, cells = team_week_plan(db, team, monday, clock.today())
    unassigned = unassigned_visits(db, team, monday)
    record_read(db, viewer, RecordKind.TEAM_PLAN, str(request.url.path), record_id=team.id,
                rows=len(workers))
    return render(request, "territory/plan.html", {
        "team": team, "workers": workers, "cells": cells, "days": week_days(monday)[:5],
        "monday": monday, "previous": monday - timedelta(days=7),
        "next": monday + timedelta(days=7), "professions": PROFESSIONS,
        "clients": team_client_count(db, team), "members": team_members(db, team),
        "unassigned": unassigned, "worker_names": {w.id: w.name for w in workers},
        "partners": linked_partners(
            db, [v for cell in cells.values() for v in cell.visits] + unassigned),
        "generated": request.query_params.get("generated"),
        "optimized": _optimized(request), "reason_labels": UNASSIGNED_REASONS,
    })


def _optimized(request: Request) -> dict[str, object] | None:
    """The result of the last planner run, carried in the redirect's query string."""
    params = request.query_params
    if "placed" not in params:
        return None
    left = []
    for item in params.get("left", "").split(","):
        visit, _, reason = item.partition(":")
        visit_id = row_id(visit)
        if visit_id is not None and reason in REASONS:
            left.append((visit_id, reason))
    warnings = [FALLBACK_WARNINGS[code] for code in params.get("warn", "").split(",")
                if code in FALLBACK_WARNINGS]
    late = {w for w in map(row_id, params.get("late", "").split(",")) if w is not None}
    return {"placed": params.get("placed"), "travel": params.get("travel"), "left": left,
            "warnings": warnings, "late": late, "day": params.get("day", "")}


@router.post("/teams/{team_id}/plan/generate")
def generate_plan(
    team_id: int,
    viewer: Annotated[Viewer, Depends(Allow(Role.TEAM_LEAD))],
    db: Annotated[Session, Depends(db_session)],
    week: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    team = access_team(db, viewer, team_id)
    try:
        monday = monday_of(date.fromisoformat(week)) if week else monday_of(clock.today())
    except ValueError as exc:
        raise InvalidInput("week", "not_a_date") from exc
    model = load_duration_model(db, team.establishment_id, clock.today())
    result = generate_week(db, team, monday, model)
    return RedirectResponse(
        f"/teams/{team.id}/plan?week={monday.isoformat()}&generated={result.created}",
        status_code=303)


@router.get("/teams/{team_id}/realization")
def team_realization(
    request: Request,
    team_id: int,
    viewer: Annotated[Viewer, Depends(Allow(*STAFF, *COMMITTEE))],
    db: Annotated[Session, Depends(db_session)],
    weeks: int = 4,
) -> Response:
    """Planned against realized time by act and by reason: aggregates only (k >= 5)."""
    team = access_team_aggregates(db, viewer, team_id)
    last = monday_of(clock.today()) - timedelta(days=1)
    first = last - timedelta(days=7 * max(1, min(weeks, 52)) - 1)
    by_act, by_reason = planned_vs_realized(db, team, first, last)
    return render(request, "territory/realization.html", {
        "team": team, "by_act": by_act, "by_reason": by_reason, "first": first, "last": last,
    })


@router.post("/teams/{team_id}/plan/optimize")
def optimize_day(
    request: Request,
    team_id: int,
    viewer: Annotated[Viewer, Depends(Allow(Role.TEAM_LEAD))],
    db: Annotated[Session, Depends(db_session)],
    day: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Let the planner assign and order the day's visits (about ten seconds)."""
    team = access_team(db, viewer, team_id)
    try:
        chosen = date.fromisoformat(day) if day else clock.today()
    except ValueError as exc:
        raise InvalidInput("day", "not_a_date") from exc
    plan = plan_day(db, team, chosen, PlanSettings(
        time_limit_s=10, routing=routing_server(request.app.state.settings)))
    apply_plan(db, plan)
    left = ",".join(f"{visit}:{reason}" for visit, reason in sorted(plan.unassigned.items()))
    placed = sum(len(stops) for stops in plan.routes.values())
    return RedirectResponse(
        f"/teams/{team.id}/plan?week={monday_of(chosen).isoformat()}&placed={placed}"
        f"&travel={round(plan.travel_minutes)}&left={left}&day={chosen.isoformat()}"
        f"&warn={','.join(plan.warnings)}&late={','.join(map(str, plan.over_risk))}",
        status_code=303)
