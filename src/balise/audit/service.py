"""Writing the read log: one function, called where individual-level data leaves Balise."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.orm import Session

from balise.audit.models import ReadLogEntry
from balise.core import clock
from balise.core.access import Viewer
from balise.core.i18n import lazy


class RecordKind(StrEnum):
    VISIT = "visit"
    TEAM_PLAN = "team_plan"
    SYNC_CONFLICT = "sync_conflict"
    VISIT_EXPORT = "visit_export"
    FHIR_BUNDLE = "fhir_bundle"


RECORD_KIND_LABELS: dict[str, str] = {
    RecordKind.VISIT: lazy("Visit page"),
    RecordKind.TEAM_PLAN: lazy("Team week plan (visits per worker)"),
    RecordKind.SYNC_CONFLICT: lazy("Field app versions set aside"),
    RecordKind.VISIT_EXPORT: lazy("Export of visits (one row per visit)"),
    RecordKind.FHIR_BUNDLE: lazy("FHIR bundle of visits"),
}


def record_read(session: Session, viewer: Viewer, kind: RecordKind, route: str, *,
                worker_id: int | None = None, client_id: int | None = None,
                record_id: int | None = None, rows: int | None = None) -> None:
    """Log that ``viewer`` read one kind of individual-level record, in the caller's
    transaction: a read that fails to log rolls back with it.

    A worker reading their own data is not logged: it is theirs, and logging it would
    record when they work."""
    if worker_id is not None and viewer.is_worker(worker_id):
        return
    session.add(ReadLogEntry(
        at=clock.now(), user_id=viewer.user_id, establishment_id=viewer.establishment_id,
        record_kind=kind.value, record_id=record_id, worker_id=worker_id,
        client_id=client_id, rows=rows, route=route[:200]))
