"""The read log pages: who read one person's individual-level data, for both sides, and
for each worker who read theirs.

Administrators answer for the establishment's compliance (Law 25); the union and the
employer sides of the joint committee see the same log, because "nobody watches one
worker" is a promise each side must be able to check (principle 5): a lead opening one
worker's visits week after week shows there. The log shows pseudonymous codes, never the
data that was read; the client's code only to administrators (the committee's business
is the workers' side of it).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from balise.audit.queries import PAGE_ROWS, recent_reads
from balise.audit.service import RECORD_KIND_LABELS
from balise.core.access import ROLE_LABELS, Role, Viewer
from balise.retention import SCHEDULE
from balise.web.access import Allow, db_session
from balise.web.templating import render

router = APIRouter()


@router.get("/read-log")
def read_log_page(
    request: Request,
    viewer: Annotated[Viewer, Depends(Allow(Role.ADMIN, Role.COMMITTEE_UNION,
                                            Role.COMMITTEE_EMPLOYER))],
    db: Annotated[Session, Depends(db_session)],
) -> Response:
    return render(request, "audit/read_log.html", {
        "rows": recent_reads(db, viewer), "limit": PAGE_ROWS, "kinds": RECORD_KIND_LABELS,
        "roles": ROLE_LABELS, "show_clients": viewer.role == Role.ADMIN, "own": False,
        "retention_days": _retention_days(),
    })


@router.get("/me/reads")
def own_reads_page(
    request: Request,
    viewer: Annotated[Viewer, Depends(Allow(Role.WORKER))],
    db: Annotated[Session, Depends(db_session)],
) -> Response:
    """Who opened my data: Law 25 gives the person the right to know it."""
    return render(request, "audit/read_log.html", {
        "rows": recent_reads(db, viewer, own=True), "limit": PAGE_ROWS,
        "kinds": RECORD_KIND_LABELS, "roles": ROLE_LABELS, "show_clients": False,
        "own": True, "retention_days": _retention_days(),
    })


def _retention_days() -> int:
    return next(r.days for r in SCHEDULE if r.category == "read_log")
