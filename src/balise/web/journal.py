"""The journal page: verification for both sides, recent entries, and the export."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from balise.core.access import Role, Viewer
from balise.journal import actions, service
from balise.web.access import COMMITTEE, Allow, db_session
from balise.web.templating import render

router = APIRouter()
Reader = Annotated[Viewer, Depends(Allow(*COMMITTEE, Role.ADMIN))]


@router.get("/journal")
def journal_page(request: Request, viewer: Reader, db: Annotated[Session, Depends(db_session)]) -> Response:
    verification = service.verify(db)
    recent = [entry for entry in service.entries(db, limit=200)
              if entry.establishment_id is None or viewer.sees_establishment(entry.establishment_id)]
    return render(request, "journal.html", {
        "verification": verification, "entries": recent[:100], "describe": actions.describe,
    })


@router.get("/journal/export")
def journal_export(viewer: Reader, db: Annotated[Session, Depends(db_session)]) -> Response:
    data = service.export(db)
    name = f"balise-journal-{data['head']['count']}.json"
    return Response(json.dumps(data, ensure_ascii=False, indent=1),
                    media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
