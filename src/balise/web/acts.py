"""The act catalogue and the evidence beside each reference time.

Every logged-in role may read both pages: reference times are information for those who
plan and those who are planned, and every figure on them is an aggregate over at least
five workers (the guard lives in the query layer). The what-if is a GET form: trying a
value changes nothing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from balise.core import clock
from balise.core.access import Viewer
from balise.core.errors import InvalidInput
from balise.grid import evidence as rules
from balise.grid.evidence_queries import evidence_for_acts
from balise.grid.parsing import check_minutes
from balise.territory.models import PROFESSIONS
from balise.web.access import EVERYONE, Allow, db_session
from balise.web.templating import render

router = APIRouter()
Anyone = Annotated[Viewer, Depends(Allow(*EVERYONE))]
Db = Annotated[Session, Depends(db_session)]


@router.get("/acts")
def acts_page(request: Request, viewer: Anyone, db: Db) -> Response:
    evidence = evidence_for_acts(db, viewer.establishment_ids)
    return render(request, "grid/acts.html", {
        "evidence": evidence, "professions": PROFESSIONS, "today": clock.today(),
    })


@router.get("/acts/{act_code}")
def act_page(
    request: Request, act_code: str, viewer: Anyone, db: Db,
    proposed: Annotated[str, Query(max_length=8)] = "",
) -> Response:
    error: InvalidInput | None = None
    minutes: int | None = None
    if proposed.strip():
        try:
            minutes = check_minutes("proposed", proposed.strip(), low=1, high=rules.MAX_MINUTES)
        except InvalidInput as exc:
            error = exc
    evidence = evidence_for_acts(db, viewer.establishment_ids, act_code,
                                 {act_code: minutes} if minutes else None)
    return render(request, "grid/act.html", {
        "evidence": evidence, "act": evidence.acts[0], "proposed": proposed,
        "error": error, "quantiles": rules.QUANTILES, "confidence": rules.CONFIDENCE,
    }, status=400 if error else 200)
