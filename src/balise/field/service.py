"""Receiving a batch from a device: each record applied exactly once.

The whole batch is one transaction: the batch's key and answer, each record with its
acknowledgment, and the visits they change are committed together, and only then is the
answer sent — so an acknowledged record is a committed record (principle 6).

The work is per batch, not per record: what the batch's records need is read in a few
queries, each record is checked and applied in memory (every check before any change,
so a refused record changes nothing), and the changes are written together. When that
write fails, the batch is done again with one savepoint per record, so a bad record is
still refused alone.

Batches that arrive together are applied together: while one transaction runs, the next
batches wait and then share one transaction (:mod:`balise.field.group_commit`), so
what a transaction costs beyond its records is paid once for all of them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, SessionTransaction, selectinload

from balise.core import clock
from balise.core.access import Viewer
from balise.core.errors import BaliseError, InvalidInput, NotFound
from balise.field import versions
from balise.field.errors import RecordOutsideDay, SyncError, text_of
from balise.field.group_commit import Job, group_commit_of
from balise.field.models import (
    RECORD_APPLIED,
    RECORD_REFUSED,
    RECORD_SUPERSEDED,
    SyncBatch,
    SyncRecord,
)
from balise.field.protocol import RecordAck, SyncRequest, SyncResponse, VisitRecord
from balise.field.rules import RECORD_KEPT_DAYS, device_utc, local_naive, sha256_of
from balise.grid.models import Visit
from balise.grid.queries import access_visit
from balise.grid.realization import Realization, Recorder


@dataclass(frozen=True)
class BatchAnswer:
    status_code: int
    body: dict[str, Any]
    replayed: bool


def receive_batch(session: Session, viewer: Viewer, key: str, fingerprint: str,
                  request: SyncRequest) -> BatchAnswer:
    """Apply a batch once; a retry with the same key gets the first answer back.

    Returns after the commit that holds the batch: the caller must send the answer only
    after this returns. Batches that arrive while another is being applied in this
    process wait, then go together in the next transaction (:mod:`.group_commit`).
    On any error the transaction is rolled back here, in the thread that holds it."""
    job = Job(viewer, key, fingerprint, request)
    try:
        group_commit_of(session.get_bind()).run(session, job, _apply_group, _apply_alone)
    except BaseException:
        session.rollback()
        raise
    if job.error is not None:
        raise job.error
    assert isinstance(job.answer, BatchAnswer)
    return job.answer


def _apply_group(session: Session, jobs: list[Job]) -> None:
    if len(jobs) > 1:
        try:
            for job, outcome in zip(jobs, _receive_batches(session, jobs, careful=False),
                                    strict=True):
                job.answer, job.error = _split(outcome)
            return
        except OperationalError as error:
            # The database is away or a lock wait ran out: nothing of the group was
            # written, and trying each batch alone would only wait as long again, once
            # per batch. Every sender is answered at once and resends with its key.
            session.rollback()
            for job in jobs:
                job.error = error
            return
        except Exception:
            # What one batch brought (a record id stored meanwhile, a value the
            # database refuses): each batch again on its own, as it came.
            session.rollback()
    for job in jobs:
        _apply_alone(session, job)


def _apply_alone(session: Session, job: Job) -> None:
    try:
        try:
            outcome = _receive_batches(session, [job], careful=False)[0]
        except _WriteOneByOne:
            # The batch could not be written in one go: start again, record by record.
            session.rollback()
            outcome = _receive_batches(session, [job], careful=True)[0]
    except Exception as error:
        session.rollback()
        job.error = error
        return
    job.answer, job.error = _split(outcome)


def _split(outcome: BatchAnswer | SyncError) -> tuple[BatchAnswer | None, SyncError | None]:
    return (None, outcome) if isinstance(outcome, SyncError) else (outcome, None)


def _receive_batches(session: Session, jobs: list[Job], careful: bool
                     ) -> list[BatchAnswer | SyncError]:
    """Apply these batches in one transaction and commit it; one outcome per batch."""
    now = clock.now()
    outcomes: dict[int, BatchAnswer | SyncError] = {}
    fresh: list[tuple[int, int]] = []  # (job's index, its new sync_batch id)
    # Keys in one fixed order: two processes' groups never wait on each other in a cycle.
    for index in sorted(range(len(jobs)), key=lambda i: (jobs[i].viewer.user_id, jobs[i].key)):
        job = jobs[index]
        batch_id = _insert_ignore(session, SyncBatch.__table__, ["user_id", "idempotency_key"], {
            "user_id": job.viewer.user_id, "idempotency_key": job.key,
            "request_sha256": job.fingerprint, "status_code": 200, "response": None,
            "created_at": now})
        if batch_id is not None:
            fresh.append((index, batch_id))
            continue
        # On PostgreSQL the insert above waited for a concurrent twin to commit; on
        # SQLite the twin ran first (BEGIN IMMEDIATE). Either way its answer is here.
        stored = session.scalars(select(SyncBatch).where(
            SyncBatch.user_id == job.viewer.user_id,
            SyncBatch.idempotency_key == job.key)).one()
        outcomes[index] = (BatchAnswer(stored.status_code, stored.response or {}, replayed=True)
                           if stored.request_sha256 == job.fingerprint
                           else SyncError("idempotency_key_reused"))
    answered = _receive_records(session, [(jobs[i], batch_id) for i, batch_id in fresh], now,
                                careful) if fresh else []
    responses = []
    for (index, batch_id), acks in zip(fresh, answered, strict=True):
        body = SyncResponse(received_at=now, acks=acks).model_dump(mode="json")
        outcomes[index] = BatchAnswer(200, body, replayed=False)
        responses.append({"id": batch_id, "response": body})
    if responses:
        session.execute(update(SyncBatch), responses)  # by primary key, one statement
    session.commit()
    return [outcomes[i] for i in range(len(jobs))]


class _WriteOneByOne(Exception):
    """Writing the batch's changes together failed: a record id stored meanwhile by a
    concurrent batch, or a value the database refuses. Rare; the batch is then done
    again with one savepoint per record, which settles each record alone."""


@dataclass
class _Batch:
    """What a batch's records need: its sender and key row, and what all the batches of
    the transaction share, read once: their visits (locked), the records already stored
    under their ids, each visit's version in force, and what recording the visits
    needs. ``rows`` are the records to store, written together at the end (or one by
    one, each in its savepoint, when ``careful``)."""

    viewer: Viewer
    batch_id: int
    now: datetime
    stored: dict[uuid.UUID, SyncRecord | _Stored]
    heads: dict[int, versions.Head]
    recorder: Recorder
    careful: bool
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class _Stored:
    """A record stored earlier in this same transaction (a duplicate inside a batch)."""

    user_id: int
    payload_sha256: str
    ack: dict[str, Any]
    record_id: uuid.UUID


def _receive_records(session: Session, batches: list[tuple[Job, int]], now: datetime,
                     careful: bool) -> list[list[RecordAck]]:
    """Each batch's acknowledgments, in the order of its records."""
    # (batch's index, record's place in its batch, record)
    records = [(b, place, record) for b, (job, _) in enumerate(batches)
               for place, record in enumerate(job.request.records)]
    visit_ids = sorted({r.visit_id for _, _, r in records})
    # Lock the batch's visits first, in id order: two devices' versions of one visit are
    # then decided one after the other, each seeing the other's, and two batches never
    # wait on each other in a cycle (PostgreSQL; SQLite writers queue on the file lock).
    # Held here: the session's identity map keeps objects only while someone does, and
    # access_visit then finds each visit, its acts and reasons without another query.
    visits = list(session.scalars(
        select(Visit).where(Visit.id.in_(visit_ids)).order_by(Visit.id).with_for_update()
        .options(selectinload(Visit.acts), selectinload(Visit.reasons))
        # A session leading several groups may still hold a visit read before another
        # transaction changed it: read each afresh, with its acts and reasons.
        .execution_options(populate_existing=True)))
    # Read after the locks: a twin batch that held them has committed and is seen here.
    stored: dict[uuid.UUID, SyncRecord | _Stored] = {
        row.record_id: row for row in session.scalars(select(SyncRecord).where(
            SyncRecord.record_id.in_([r.record_id for _, _, r in records])))}
    recorder = Recorder.load(session, visits, (to_realization(r) for _, _, r in records))
    heads = versions.heads(session, visit_ids)
    rows: list[dict[str, Any]] = []
    shared = [_Batch(job.viewer, batch_id, now, stored, heads, recorder, careful, rows)
              for job, batch_id in batches]
    acks: list[list[RecordAck | None]] = [[None] * len(job.request.records)
                                          for job, _ in batches]
    order = sorted(records, key=lambda r: (r[2].visit_id, str(r[2].record_id), r[0]))
    if careful:
        for b, place, record in order:
            acks[b][place] = receive_record(session, shared[b], record)
    else:
        # Nothing reaches the database until every record is decided: then the visits'
        # changes in one flush and the records in one insert.
        with session.no_autoflush:
            for b, place, record in order:
                acks[b][place] = receive_record(session, shared[b], record)
        _write_together(session, rows)
    return [[a for a in batch_acks if a is not None] + [
        RecordAck(record_id=u.record_id, status="refused", code="invalid_record",
                  message=text_of("invalid_record", fields=", ".join(u.fields)))
        for u in job.request.unreadable] for batch_acks, (job, _) in zip(acks, batches,
                                                                          strict=True)]


def _write_together(session: Session, rows: list[dict[str, Any]]) -> None:
    try:
        session.flush()
        written = _insert_many_ignore(session, rows)
    except (IntegrityError, DataError) as error:
        raise _WriteOneByOne() from error
    if written != len(rows):
        raise _WriteOneByOne()


def receive_record(session: Session, batch: _Batch, record: VisitRecord) -> RecordAck:
    payload = record.model_dump(mode="json")
    digest = sha256_of(payload)
    earlier = batch.stored.get(record.record_id)
    if earlier is not None:
        return replay(earlier, batch.viewer, digest)
    # Careful: one savepoint per record, so that a record the database refuses is undone
    # alone. Otherwise a refused record changed nothing (checks come before changes).
    savepoint: SessionTransaction | None = session.begin_nested() if batch.careful else None
    decision: Decision | None = None
    recorded_at = _utc(record.recorded_at)
    try:
        if recorded_at is None:
            raise InvalidInput("recorded_at", "out_of_range", low="0001-01-02",
                               high="9999-12-30")
        if recorded_at < batch.now - timedelta(days=RECORD_KEPT_DAYS - 1):
            raise InvalidInput("recorded_at", "past_retention", days=RECORD_KEPT_DAYS)
        decision = _decide(session, batch, record, payload)
        if savepoint is not None:
            session.flush()
    except (BaliseError, IntegrityError, DataError) as error:
        if isinstance(error, (IntegrityError, DataError)) and savepoint is None:
            raise
        if savepoint is not None:
            savepoint.rollback()  # nothing of a refused record stays but its acknowledgment
            savepoint = None
        if decision is not None:
            batch.recorder.forget(decision.listed)
        decision = Decision(RECORD_REFUSED, _refusal(str(record.record_id), error))
    ack_json = decision.ack.model_dump(mode="json")
    row = {
        "record_id": record.record_id, "user_id": batch.viewer.user_id,
        "worker_id": batch.viewer.worker_id, "visit_id": decision.visit_id,
        "batch_id": batch.batch_id, "device_id": record.device_id,
        "recorded_at": recorded_at or record.recorded_at.replace(tzinfo=None),
        "payload_sha256": digest,
        "payload": payload, "status": decision.status, "ack": ack_json,
        "applied_state": decision.state, "received_at": batch.now}
    if batch.careful:
        if _insert_ignore(session, SyncRecord.__table__, ["record_id"], row) is None:
            # The same id was stored meanwhile by a batch that did not touch this visit:
            # undo what this record did and answer as a replay. The unique key decides.
            if savepoint is not None:
                savepoint.rollback()
            batch.recorder.forget(decision.listed)
            found = session.scalars(select(SyncRecord).where(
                SyncRecord.record_id == record.record_id)).one()
            return replay(found, batch.viewer, digest)
        if savepoint is not None:
            savepoint.commit()
    else:
        batch.rows.append(row)
    batch.stored[record.record_id] = _Stored(batch.viewer.user_id, digest, ack_json,
                                             record.record_id)
    if decision.head is not None:
        batch.heads[decision.head.visit_id] = decision.head
    return decision.ack


def _utc(moment: datetime) -> datetime | None:
    """The device time in UTC; None for a time that has none (year 1 with a positive
    offset, year 9999 with a negative one): valid ISO 8601, off the calendar in UTC."""
    try:
        return device_utc(moment)
    except OverflowError:
        return None


def replay(stored: SyncRecord | _Stored, viewer: Viewer, digest: str) -> RecordAck:
    """The same record again answers as the first time; anything else with its id is a
    conflict that changes nothing. Someone else's record id answers a conflict too,
    without saying more (no leak of what another user sent)."""
    if stored.user_id != viewer.user_id or stored.payload_sha256 != digest:
        return RecordAck(record_id=str(stored.record_id), status="conflict",
                         code="record_id_conflict", message=text_of("record_id_conflict"))
    return RecordAck.model_validate(stored.ack)


@dataclass(frozen=True)
class Decision:
    """What became of one record: its status and acknowledgment and, when it reached
    its visit, the visit, the state it left and the new version in force."""

    status: str
    ack: RecordAck
    visit_id: int | None = None
    state: dict[str, Any] | None = None
    head: versions.Head | None = None
    listed: tuple[tuple[int, int], ...] = ()


def _decide(session: Session, batch: _Batch, record: VisitRecord,
            payload: dict[str, Any]) -> Decision:
    """Check and place one record; raises what refuses it, before changing anything."""
    rid = str(record.record_id)
    visit = access_visit(session, batch.viewer, record.visit_id)
    realization = to_realization(record)
    require_on_day(realization, visit)
    placed = versions.place(session, batch.recorder, visit, record, payload, realization,
                            batch.heads.get(visit.id))
    if placed.applied:
        return Decision(RECORD_APPLIED, RecordAck(record_id=rid, status="applied",
                                                  visit_id=visit.id),
                        visit.id, placed.state, placed.head, placed.listed)
    code = "superseded_other_device" if placed.other_device else "superseded_same_device"
    return Decision(RECORD_SUPERSEDED, RecordAck(record_id=rid, status="superseded",
                                                 visit_id=visit.id, code=code,
                                                 message=text_of(code)), visit.id)


def _refusal(record_id: str, error: Exception) -> RecordAck:
    if isinstance(error, BaliseError):
        code = "not_found" if isinstance(error, NotFound) else error.code
        field = error.field if isinstance(error, InvalidInput) else None
        return RecordAck(record_id=record_id, status="refused", code=code, field=field,
                         message=error.message())
    # A value the checks let through but the database refuses: the record alone fails.
    return RecordAck(record_id=record_id, status="refused", code="invalid_record",
                     message=text_of("invalid_record", fields="realization"))


def to_realization(record: VisitRecord) -> Realization:
    """The protocol's record as the grid's one path to record a visit understands it."""
    given = record.realization
    return Realization(
        status=given.status, start=local_naive(given.start), end=local_naive(given.end),
        travel_minutes=given.travel_minutes, note=(given.note or "").strip() or None,
        acts_done=frozenset(given.acts_done) if given.acts_done is not None else None,
        reason_ids=frozenset(given.reason_ids), unmet_act_ids=frozenset(given.unmet_act_ids))


def require_on_day(realization: Realization, visit: Visit) -> None:
    """A visit may run past midnight, never into another day: a wrong phone date is
    refused here rather than stored on the wrong day."""
    first = datetime.combine(visit.day, datetime.min.time())
    last = first + timedelta(hours=36)
    for name, moment in (("start", realization.start), ("end", realization.end)):
        if moment is not None and not first <= moment <= last:
            raise RecordOutsideDay(name, day=visit.day.isoformat())


@cache
def _insert_statement(dialect_name: str, table: Table, conflict_on: tuple[str, ...]) -> Any:
    # Built once per table: building a statement costs more than running it here.
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return (dialect.insert(table).on_conflict_do_nothing(index_elements=list(conflict_on))
            .returning(table.c.id))


def _insert_ignore(session: Session, table: Any, conflict_on: list[str],
                   values: dict[str, Any]) -> int | None:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING id``: the id, or None when the unique
    key exists — the database, not a prior SELECT, decides who was first."""
    assert isinstance(table, Table)
    statement = _insert_statement(session.get_bind().dialect.name, table, tuple(conflict_on))
    found = session.execute(statement, values).scalar_one_or_none()
    return int(found) if found is not None else None


def _insert_many_ignore(session: Session, rows: list[dict[str, Any]]) -> int:
    """Store a batch's records in one ``INSERT … ON CONFLICT DO NOTHING``; how many
    were new (fewer than sent: a concurrent batch stored one of these ids first)."""
    if not rows:
        return 0
    statement = _insert_statement(session.get_bind().dialect.name, SyncRecord.__table__,
                                  ("record_id",))
    return len(session.execute(statement, rows).all())
