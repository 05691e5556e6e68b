"""A team's waiting list: each need's time waited, when it was served, figures by need."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.core import clock
from balise.core.access import Role, Viewer
from balise.core.errors import BaliseError
from balise.grid import waiting_list
from balise.grid.models import Act
from balise.planner.team_day import UNASSIGNED_REASONS
from balise.territory.models import Client
from balise.territory.queries import access_team
from balise.web.access import Allow, db_session
from balise.web.templating import render

router = APIRouter()
Lead = Annotated[Viewer, Depends(Allow(Role.TEAM_LEAD))]
Db = Annotated[Session, Depends(db_session)]


def _page(request: Request, db: Session, viewer: Viewer, team_id: int,
          error: BaliseError | None = None) -> Response:
    team = access_team(db, viewer, team_id)
    today = clock.today()
    clients = {client_id: code for client_id, code in db.execute(
        select(Client.id, Client.code).where(Client.team_id == team.id))}
    return render(request, "grid/waiting_list.html", {
        "team": team, "entries": waiting_list.entries(db, team), "clients": clients,
        "figures": waiting_list.figures_by_need(db, [team.id], today), "today": today,
        "acts": list(db.scalars(select(Act).order_by(Act.code))), "error": error,
        "planner_reasons": UNASSIGNED_REASONS,
    }, status=400 if error else 200)


@router.get("/teams/{team_id}/waiting-list")
def waiting_list_page(request: Request, team_id: int, viewer: Lead, db: Db) -> Response:
    return _page(request, db, viewer, team_id)


@router.post("/teams/{team_id}/waiting-list")
def add_request(
    request: Request, team_id: int, viewer: Lead, db: Db,
    client: Annotated[str, Form(max_length=32)] = "",
    act: Annotated[str, Form(max_length=32)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    team = access_team(db, viewer, team_id)
    try:
        waiting_list.add_request(db, team, client, act, clock.today(), note)
    except BaliseError as error:
        db.rollback()
        return _page(request, db, viewer, team_id, error)
    return RedirectResponse(f"/teams/{team.id}/waiting-list", status_code=303)


@router.post("/teams/{team_id}/waiting-list/{entry_id}/served")
def served(team_id: int, entry_id: int, viewer: Lead, db: Db) -> Response:
    team = access_team(db, viewer, team_id)
    waiting_list.mark_served(db, team, entry_id, clock.today())
    return RedirectResponse(f"/teams/{team.id}/waiting-list", status_code=303)
