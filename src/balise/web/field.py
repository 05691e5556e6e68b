"""The field app: the worker's day on a phone, offline; its sync API; conflicts for leads.

``/field`` is a shell rendered once and kept by the service worker; the day's data comes
from ``/api/field/day`` and what the worker records goes back through ``/api/sync``
(docs/field-sync.md).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.audit.service import RecordKind, record_read
from balise.core import clock
from balise.core.access import Role, Viewer
from balise.core.i18n import pick
from balise.field import conflicts
from balise.field.day import worker_day
from balise.field.errors import SyncError
from balise.field.protocol import MAX_KEY_LENGTH, ApiError, SyncRequest, SyncResponse
from balise.field.rules import RULES, request_fingerprint
from balise.field.service import receive_batch
from balise.grid.models import VISIT_STATUSES, Act, VarianceReason
from balise.web import access, faults
from balise.web.access import db_session
from balise.web.field_strings import translated
from balise.web.templating import render

router = APIRouter()


class Allow(access.Allow):
    """``access.Allow`` with the session lookup run off the event loop.

    ``access.Allow`` reads (and may update) the session on the event loop thread. On
    SQLite that read opens a ``BEGIN IMMEDIATE`` transaction, and on PostgreSQL it may
    wait for the session row's lock; meanwhile the request holding that lock needs the
    loop to reach its commit — two concurrent requests then stall (30 s on SQLite,
    indefinitely on PostgreSQL), and 40 waiting requests exhaust the thread pool. The field app makes concurrent requests by design (the
    service worker, the day, the sync). The checks themselves stay those of the parent.
    """

    async def __call__(self, request: Request, db: Session = Depends(db_session)
                       ) -> Viewer | None:
        request.state.resumed_viewer = await run_in_threadpool(self._resume_and_release,
                                                               request, db)
        return await super().__call__(request, db)

    def _resume_and_release(self, request: Request, db: Session) -> Viewer | None:
        viewer = access.Allow._resume(self, request, db)
        # End the transaction in the thread that began it: on SQLite it holds the write
        # lock (BEGIN IMMEDIATE), and a lock held across thread-pool hops starves the
        # pool once 40 requests wait for it. Every route here commits in one hop too.
        db.commit()
        return viewer

    def _resume(self, request: Request, db: Session) -> Viewer | None:
        viewer: Viewer | None = request.state.resumed_viewer
        return viewer
SERVICE_WORKER = Path(__file__).parent / "static" / "field" / "sw.js"
SCOPE = "/field"


@router.get("/field")
def field_page(
    request: Request,
    viewer: Annotated[Viewer, Depends(Allow(Role.WORKER))],
) -> Response:
    return render(request, "field/day.html", {"strings": translated(), "user_id": viewer.user_id})


@router.get("/field/sw.js", include_in_schema=False)
def service_worker(
    _viewer: Annotated[Viewer | None, Depends(Allow(public=True))],
) -> Response:
    # Served under /field so that it may control the page /field (a scope without the
    # trailing slash needs the header: the default scope would be /field/ only).
    return FileResponse(SERVICE_WORKER, media_type="text/javascript",
                        headers={"Service-Worker-Allowed": SCOPE})


@router.get("/api/field/day", responses={401: {"model": ApiError}, 403: {"model": ApiError}})
def field_day(
    request: Request,
    viewer: Annotated[Viewer, Depends(Allow(Role.WORKER))],
    db: Annotated[Session, Depends(db_session)],
    day: date | None = None,
) -> JSONResponse:
    """The worker's visits of a day (today by default), with the session's CSRF token
    for the sync: a page served from the offline copy gets a fresh token here."""
    data = worker_day(db, viewer, day or clock.today())
    db.commit()  # release SQLite's lock in this thread (see Allow)
    data.update(user_id=viewer.user_id, csrf_token=request.state.csrf_token,
                generated_at=clock.now().isoformat())
    return JSONResponse(data)


SYNC_DESCRIPTION = """Apply a batch of records made on a device, each exactly once.

Send a new `Idempotency-Key` (a UUID) per batch and the same key on every retry of that
batch. A retry answers the first answer again (header `Idempotent-Replayed: true`). A
record's `record_id` is made once on the device: the same record sent again answers the
same acknowledgment and changes nothing; another content under the same id answers
`conflict`. Every acknowledgment in a 200 answer is committed. Refusals are per record.
"""


@router.post(
    "/api/sync", response_model=SyncResponse, description=SYNC_DESCRIPTION,
    responses={400: {"model": ApiError, "description": "Idempotency-Key missing or invalid"},
               401: {"model": ApiError}, 403: {"model": ApiError},
               422: {"model": ApiError,
                     "description": "Idempotency-Key reused with another batch, or a batch "
                                    "that cannot be read at all"}})
async def sync(
    request: Request,
    batch: SyncRequest,
    viewer: Annotated[Viewer, Depends(Allow(Role.WORKER))],
    db: Annotated[Session, Depends(db_session)],
    idempotency_key: Annotated[str | None, Header(
        alias="Idempotency-Key", description="A new UUID per batch; the same on retries.")
    ] = None,
) -> Response:
    key = _key(idempotency_key)
    if isinstance(key, JSONResponse):
        return key
    fingerprint = request_fingerprint(await request.body())
    try:
        # The database work runs in a thread; the answer leaves only after its commit.
        answer = await run_in_threadpool(receive_batch, db, viewer, key, fingerprint, batch)
    except SyncError as error:
        return _error(422, error)
    if not answer.replayed:
        faults.after_commit()  # off unless the fault bench switches it on (web/faults.py)
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else {}
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)


def _key(raw: str | None) -> str | JSONResponse:
    if raw is None or not raw.strip():
        return _error(400, SyncError("idempotency_key_missing"))
    # The draft spells the key as a structured-field string ("…"); accept it bare too.
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not 0 < len(key) <= MAX_KEY_LENGTH or not all(33 <= ord(c) <= 126 for c in key):
        return _error(400, SyncError("idempotency_key_invalid"))
    return key


def _error(status: int, error: SyncError) -> JSONResponse:
    return JSONResponse(ApiError(error=error.message(), code=error.code).model_dump(),
                        status_code=status)


@router.get("/field/conflicts")
def conflicts_page(
    request: Request,
    viewer: Annotated[Viewer, Depends(Allow(Role.TEAM_LEAD))],
    db: Annotated[Session, Depends(db_session)],
) -> Response:
    rows = conflicts.team_conflicts(db, viewer)
    for row in rows:
        record_read(db, viewer, RecordKind.SYNC_CONFLICT, request.url.path,
                    worker_id=row.visit.worker_id, client_id=row.visit.client_id,
                    record_id=row.conflict.id)
    page = render(request, "field/conflicts.html", {
        "rows": rows, "rules": RULES,
        "statuses": VISIT_STATUSES,
        "acts": {a.id: pick(a.label_fr, a.label_en) for a in db.scalars(select(Act))},
        "reasons": {r.id: pick(r.label_fr, r.label_en) for r in db.scalars(select(VarianceReason))},
    })
    db.commit()  # release SQLite's lock in this thread (see Allow)
    return page


@router.post("/field/conflicts/{conflict_id}/reviewed")
def conflict_reviewed(
    conflict_id: int,
    viewer: Annotated[Viewer, Depends(Allow(Role.TEAM_LEAD))],
    db: Annotated[Session, Depends(db_session)],
) -> Response:
    conflict = conflicts.access_conflict(db, viewer, conflict_id)
    conflicts.mark_reviewed(db, viewer, conflict)
    db.commit()
    return RedirectResponse("/field/conflicts", status_code=303)
