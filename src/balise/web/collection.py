"""What Balise records about work: the settings in force and the decisions that set them.

Everyone may read it, workers first: it is the notice of what is recorded about them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.core.access import Viewer
from balise.grid import collection
from balise.territory.models import Team
from balise.territory.queries import establishments_of
from balise.web.access import EVERYONE, Allow, db_session
from balise.web.templating import render

router = APIRouter()


@router.get("/settings/collection")
def collection_settings(
    request: Request,
    viewer: Annotated[Viewer, Depends(Allow(*EVERYONE))],
    db: Annotated[Session, Depends(db_session)],
) -> Response:
    rows = []
    for establishment in establishments_of(db, viewer):
        teams = db.scalars(select(Team).where(Team.establishment_id == establishment.id)
                           .order_by(Team.code)).all()
        rows.append((establishment.name, collection.effective(db, establishment.id, None)))
        rows.extend((f"{establishment.name} — {team.name}",
                     collection.effective(db, establishment.id, team.id)) for team in teams)
    return render(request, "grid/collection.html", {"rows": rows, "kinds": collection.KINDS})
