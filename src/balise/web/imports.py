"""Imports (analysts and administrators) and exports (analysts; a worker's own visits)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from balise.audit.service import RecordKind, record_read
from balise.core import clock
from balise.core.access import Role, Viewer
from balise.core.errors import NotFound
from balise.grid.exports import (
    DEFAULT_DAYS,
    MEDIA_TYPES,
    access_export,
    export_filename,
    export_period,
    write_export,
)
from balise.grid.imports import ImportReport, import_file
from balise.grid.io_schema import KIND_LABELS, SCHEMAS, TYPE_LABELS, FileRefused, Kind
from balise.web.access import Allow, db_session
from balise.web.templating import render

router = APIRouter()

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# The multipart envelope around the file (boundaries, the token, the kind) is small.
FORM_OVERHEAD = 64 * 1024
MAX_EXPORT_DAYS = 366
# A page answer is built in memory; larger exports are for the command line.
MAX_EXPORT_ROWS = 250_000
MAX_ERRORS_SHOWN = 1000


async def upload_guard(request: Request) -> AsyncIterator[None]:
    """Refuse an upload whose announced length is too large before its body is read
    (listed before ``Allow``, whose CSRF check reads the whole form), and close the
    uploaded file's temporary copy whatever happens next, a refusal included."""
    length = request.headers.get("content-length", "")
    if length.isascii() and length.isdigit() and int(length) > MAX_UPLOAD_BYTES + FORM_OVERHEAD:
        raise FileRefused("file_too_large", mb=MAX_UPLOAD_BYTES // (1024 * 1024))
    try:
        yield
    finally:
        await request.close()


def _importable(viewer: Viewer) -> dict[Kind, str]:
    """The kinds this viewer may import: the shared act catalogue is for administrators."""
    return {kind: label for kind, label in KIND_LABELS.items()
            if kind is not Kind.ACTS or viewer.role == Role.ADMIN}


def _page(request: Request, viewer: Viewer, status: int = 200, **context: Any) -> Response:
    today = clock.today()
    return render(request, "grid/imports.html", {
        "kinds": KIND_LABELS, "importable": _importable(viewer), "schemas": SCHEMAS, "type_labels": TYPE_LABELS,
        "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024), "max_errors": MAX_ERRORS_SHOWN,
        "can_export": viewer.role == Role.ANALYST,
        "period": (today - timedelta(days=DEFAULT_DAYS - 1), today), **context,
    }, status=status)


@router.get("/imports")
def imports_page(
    request: Request,
    viewer: Annotated[Viewer, Depends(Allow(Role.ANALYST, Role.ADMIN))],
) -> Response:
    return _page(request, viewer)


@router.post("/imports")
async def import_upload(
    request: Request,
    _guard: Annotated[None, Depends(upload_guard)],
    viewer: Annotated[Viewer, Depends(Allow(Role.ANALYST, Role.ADMIN))],
    db: Annotated[Session, Depends(db_session)],
) -> Response:
    # The form is read here, not declared as parameters: FastAPI would read the body
    # before ``upload_guard`` could refuse it.
    form = await request.form()
    chosen, upload = form.get("kind"), form.get("file")
    dry_run = form.get("dry_run") is not None
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _page(request, viewer, 400, error=FileRefused("no_file"), dry_run=dry_run)
    if chosen not in {kind.value for kind in Kind}:
        return _page(request, viewer, 400, dry_run=dry_run, error=FileRefused(
            "unknown_kind", kinds=", ".join(kind.value for kind in Kind)))
    kind = Kind(str(chosen))
    if kind not in _importable(viewer):
        return _page(request, viewer, 403, dry_run=dry_run,
                     error=FileRefused("acts_admin_only"))
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return _page(request, viewer, 413, chosen=kind, dry_run=dry_run, error=FileRefused(
            "file_too_large", mb=MAX_UPLOAD_BYTES // (1024 * 1024)))
    report: ImportReport = await run_in_threadpool(
        import_file, db, kind, upload.filename, data,
        establishment_id=viewer.establishment_id, dry_run=dry_run)
    return _page(request, viewer, 200 if report.ok else 400, report=report, chosen=kind,
                 dry_run=dry_run)


@router.get("/exports/{kind}")
def export_download(
    request: Request,
    kind: str,
    viewer: Annotated[Viewer, Depends(Allow(Role.ANALYST, Role.WORKER))],
    db: Annotated[Session, Depends(db_session)],
    fmt: Annotated[str, Query(alias="format", max_length=8)] = "csv",
    first: Annotated[date | None, Query(alias="from")] = None,
    last: Annotated[date | None, Query(alias="to")] = None,
) -> Response:
    if kind not in {k.value for k in Kind}:
        raise NotFound()
    chosen = Kind(kind)
    scope = access_export(db, viewer, chosen)
    if chosen is Kind.VISITS:
        first, last = export_period(first, last, MAX_EXPORT_DAYS)
    else:
        first = last = None
    buffer = io.BytesIO()
    write_export(buffer, db, chosen, scope, fmt, first, last, max_rows=MAX_EXPORT_ROWS)
    if chosen is Kind.VISITS:  # one row per visit: individual-level data
        read_kind = RecordKind.FHIR_BUNDLE if fmt == "fhir" else RecordKind.VISIT_EXPORT
        record_read(db, viewer, read_kind, f"{request.url.path}?{request.url.query}",
                    worker_id=scope.worker_id)
    filename = export_filename(chosen, scope, fmt, first, last)
    return Response(buffer.getvalue(), media_type=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
