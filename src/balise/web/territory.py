"""Teams: the list with guarded figures, and each team's week plan."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from balise.core import clock
from balise.core.access import Role, Viewer
from balise.grid.queries import monday_of, team_figures, team_week_plan, week_days
from balise.territory.models import PROFESSIONS
from balise.territory.queries import (
    access_team,
    establishments_of,
    team_client_count,
    team_members,
    visible_teams,
)
from balise.web.access import COMMITTEE, STAFF, Allow, db_session
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
    workers, cells = team_week_plan(db, team, monday)
    return render(request, "territory/plan.html", {
        "team": team, "workers": workers, "cells": cells, "days": week_days(monday)[:5],
        "monday": monday, "previous": monday - timedelta(days=7),
        "next": monday + timedelta(days=7), "professions": PROFESSIONS,
        "clients": team_client_count(db, team), "members": team_members(db, team),
    })
