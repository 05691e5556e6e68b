"""Receiving a batch from a device: each record applied exactly once.

The whole batch is one transaction: the batch's key and answer, each record with its
acknowledgment, and the visits they change are committed together, and only then is the
answer sent — so an acknowledged record is a committed record (principle 6). Each record
runs in its own savepoint, so a bad one is refused alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from balise.core import clock
from balise.core.access import Viewer
from balise.core.errors import BaliseError, InvalidInput, NotFound
from balise.field import versions
from balise.field.errors import RecordOutsideDay, SyncError, text_of
from balise.field.models import (
    RECORD_APPLIED,
    RECORD_REFUSED,
    RECORD_SUPERSEDED,
    SyncBatch,
    SyncRecord,
)
from balise.field.protocol import RecordAck, SyncRequest, SyncResponse, VisitRecord
from balise.field.rules import device_utc, local_naive, sha256_of
from balise.grid.models import Visit
from balise.grid.queries import access_visit
from balise.grid.realization import Realization

PENDING = "pending"  # a claimed record not yet decided, never visible after commit


@dataclass(frozen=True)
class BatchAnswer:
    status_code: int
    body: dict[str, Any]
    replayed: bool


def receive_batch(session: Session, viewer: Viewer, key: str, fingerprint: str,
                  request: SyncRequest) -> BatchAnswer:
    """Apply a batch once; a retry with the same key gets the first answer back.

    Commits before returning: the caller must send the answer only after this returns."""
    now = clock.now()
    batch_id = _insert_ignore(session, SyncBatch.__table__, ["user_id", "idempotency_key"], {
        "user_id": viewer.user_id, "idempotency_key": key, "request_sha256": fingerprint,
        "status_code": 200, "response": None, "created_at": now})
    if batch_id is None:
        # On PostgreSQL the insert above waited for a concurrent twin to commit; on
        # SQLite the twin ran first (BEGIN IMMEDIATE). Either way its answer is here.
        stored = session.scalars(select(SyncBatch).where(
            SyncBatch.user_id == viewer.user_id, SyncBatch.idempotency_key == key)).one()
        same, status, body = stored.request_sha256 == fingerprint, stored.status_code, stored.response
        session.commit()
        if not same:
            raise SyncError("idempotency_key_reused")
        return BatchAnswer(status, body or {}, replayed=True)
    acks = _receive_records(session, viewer, request, batch_id, now)
    body = SyncResponse(received_at=now, acks=acks).model_dump(mode="json")
    session.execute(update(SyncBatch).where(SyncBatch.id == batch_id).values(response=body))
    session.commit()
    return BatchAnswer(200, body, replayed=False)


def _receive_records(session: Session, viewer: Viewer, request: SyncRequest, batch_id: int,
                     now: datetime) -> list[RecordAck]:
    records = request.records
    acks: list[RecordAck | None] = [None] * len(records)
    # Visits are locked in id order, so two batches touching the same visits queue
    # behind each other instead of deadlocking.
    for index in sorted(range(len(records)),
                        key=lambda i: (records[i].visit_id, str(records[i].record_id))):
        acks[index] = receive_record(session, viewer, records[index], batch_id, now)
    unreadable = [RecordAck(record_id=u.record_id, status="refused", code="invalid_record",
                            message=text_of("invalid_record", fields=", ".join(u.fields)))
                  for u in request.unreadable]
    return [a for a in acks if a is not None] + unreadable


def receive_record(session: Session, viewer: Viewer, record: VisitRecord, batch_id: int | None,
                   now: datetime) -> RecordAck:
    payload = record.model_dump(mode="json")
    digest = sha256_of(payload)
    existing = _stored(session, record)
    if existing is not None:
        return replay(existing, viewer, digest)
    # Lock the visit first: two devices' versions of one visit are then decided one
    # after the other, each seeing the other's (PostgreSQL; SQLite writers queue anyway).
    session.get(Visit, record.visit_id, with_for_update=True)
    row_id = _insert_ignore(session, SyncRecord.__table__, ["record_id"], {
        "record_id": record.record_id, "user_id": viewer.user_id,
        "worker_id": viewer.worker_id, "visit_id": None, "batch_id": batch_id,
        "device_id": record.device_id, "recorded_at": device_utc(record.recorded_at),
        "payload_sha256": digest, "payload": payload, "status": PENDING, "ack": {},
        "applied_state": None, "received_at": now})
    if row_id is None:  # a concurrent batch stored it first
        found = _stored(session, record)
        assert found is not None
        return replay(found, viewer, digest)
    status, ack, state, visit_id = _decide(session, viewer, record)
    session.execute(update(SyncRecord).where(SyncRecord.id == row_id).values(
        status=status, ack=ack.model_dump(mode="json"), applied_state=state, visit_id=visit_id))
    return ack


def _stored(session: Session, record: VisitRecord) -> SyncRecord | None:
    return session.scalars(select(SyncRecord).where(
        SyncRecord.record_id == record.record_id)).one_or_none()


def replay(stored: SyncRecord, viewer: Viewer, digest: str) -> RecordAck:
    """The same record again answers as the first time; anything else with its id is a
    conflict that changes nothing. Someone else's record id answers a conflict too,
    without saying more (no leak of what another user sent)."""
    if stored.user_id != viewer.user_id or stored.payload_sha256 != digest:
        return RecordAck(record_id=str(stored.record_id), status="conflict",
                         code="record_id_conflict", message=text_of("record_id_conflict"))
    return RecordAck.model_validate(stored.ack)


def _decide(session: Session, viewer: Viewer, record: VisitRecord
            ) -> tuple[str, RecordAck, dict[str, Any] | None, int | None]:
    rid = str(record.record_id)
    savepoint = session.begin_nested()
    try:
        visit = access_visit(session, viewer, record.visit_id)
        realization = to_realization(record, visit)
        placed = versions.place(session, visit, record, realization)
    except BaliseError as error:
        savepoint.rollback()
        return RECORD_REFUSED, _refusal(rid, error), None, None
    except (IntegrityError, DataError):
        # A value the checks let through but the database refuses: the record alone fails.
        savepoint.rollback()
        return RECORD_REFUSED, RecordAck(
            record_id=rid, status="refused", code="invalid_record",
            message=text_of("invalid_record", fields="realization")), None, None
    savepoint.commit()
    if placed.applied:
        return RECORD_APPLIED, RecordAck(record_id=rid, status="applied",
                                         visit_id=visit.id), placed.state, visit.id
    code = "superseded_other_device" if placed.other_device else "superseded_same_device"
    return RECORD_SUPERSEDED, RecordAck(record_id=rid, status="superseded", visit_id=visit.id,
                                        code=code, message=text_of(code)), None, visit.id


def _refusal(record_id: str, error: BaliseError) -> RecordAck:
    code = "not_found" if isinstance(error, NotFound) else error.code
    field = error.field if isinstance(error, InvalidInput) else None
    return RecordAck(record_id=record_id, status="refused", code=code, field=field,
                     message=error.message())


def to_realization(record: VisitRecord, visit: Visit) -> Realization:
    """The protocol's record as the grid's one path to record a visit understands it."""
    given = record.realization
    start, end = local_naive(given.start), local_naive(given.end)
    first = datetime.combine(visit.day, datetime.min.time())
    # A visit may run past midnight, never into another day: a wrong phone date is
    # refused here rather than stored on the wrong day.
    last = first + timedelta(hours=36)
    for name, moment in (("start", start), ("end", end)):
        if moment is not None and not first <= moment <= last:
            raise RecordOutsideDay(name, day=visit.day.isoformat())
    return Realization(
        status=given.status, start=start, end=end, travel_minutes=given.travel_minutes,
        note=(given.note or "").strip() or None,
        acts_done=frozenset(given.acts_done) if given.acts_done is not None else None,
        reason_ids=frozenset(given.reason_ids), unmet_act_ids=frozenset(given.unmet_act_ids))


def _insert_ignore(session: Session, table: Any, conflict_on: list[str],
                   values: dict[str, Any]) -> int | None:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING id``: the id, or None when the unique
    key exists — the database, not a prior SELECT, decides who was first."""
    assert isinstance(table, Table)
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (dialect.insert(table).values(**values)
                 .on_conflict_do_nothing(index_elements=conflict_on).returning(table.c.id))
    found = session.execute(statement).scalar_one_or_none()
    return int(found) if found is not None else None
