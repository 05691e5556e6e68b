"""The home page: what each role needs first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from balise.core.access import Role, Viewer
from balise.web.access import COMMITTEE, EVERYONE, Allow

router = APIRouter()


@router.get("/")
def home(request: Request, viewer: Annotated[Viewer, Depends(Allow(*EVERYONE))]) -> Response:
    if viewer.role == Role.WORKER:
        return RedirectResponse("/me/week", status_code=303)
    if viewer.role == Role.TEAM_LEAD and viewer.team_id is not None:
        return RedirectResponse(f"/teams/{viewer.team_id}/plan", status_code=303)
    if viewer.role in COMMITTEE:
        return RedirectResponse("/committees", status_code=303)
    if viewer.role == Role.ADMIN:
        return RedirectResponse("/admin/users", status_code=303)
    return RedirectResponse("/teams", status_code=303)
