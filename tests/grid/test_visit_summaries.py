"""The summaries kept at every visit write equal a computation from scratch, on both
engines, after inserts, edits, deletions, imports, bulk loads, reference-time and client
changes; and what they give a committee member is the same evidence and the same
indicators as reading every visit."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from balise.core import clock
from balise.grid.evidence_frame import load_frame
from balise.grid.evidence_queries import evidence_for_acts
from balise.grid.evidence_report import evidence_dict
from balise.grid.imports import import_file
from balise.grid.io_schema import Kind
from balise.grid.models import ReferenceTime, VarianceReason, Visit, VisitAct
from balise.grid.realization import Realization, record
from balise.grid.summary_models import (
    ActDurationWeek,
    EvidenceCell,
    EvidenceTeamWeek,
    EvidenceWorker,
    WorkerDay,
)
from balise.grid.summary_upkeep import rebuild, record_new_visits, visits_changing
from balise.indicators.compute import compute_establishment
from balise.retention import purge
from tests.factories import MONDAY, Cast, make_visit
from tests.grid.io_samples import visits_file

TABLES = (EvidenceCell, EvidenceWorker, EvidenceTeamWeek, ActDurationWeek, WorkerDay)


@pytest.fixture(autouse=True)
def _today() -> None:
    clock.freeze(datetime(2026, 12, 1, 9, 0))


def _stored(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    session.flush()
    found = {}
    for model in TABLES:
        table = model.__table__
        rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
        found[table.name] = [tuple(r) for r in rows]
    return found


def _assert_as_from_scratch(session: Session, cast: Cast) -> None:
    """The maintained rows equal a rebuild, and both readers tell the same evidence and
    the same indicator cells."""
    maintained = _stored(session)
    for establishment in (cast.est_a, cast.est_b):
        rebuild(session, establishment.id)
    assert _stored(session) == maintained
    for establishment in (cast.est_a.id, cast.est_b.id):
        from_summaries = evidence_dict(evidence_for_acts(session, [establishment],
                                                         proposed={"BAIN": 50}))
        from_visits = evidence_dict(evidence_for_acts(
            session, [establishment], proposed={"BAIN": 50},
            frame=load_frame(session, [establishment])))
        assert from_summaries == from_visits
        summary, database = (
            {(c.code, c.scope, c.need, c.period_start): c
             for c in compute_establishment(session, establishment, engine=engine).cells}
            for engine in ("summary", "database"))
        assert summary == database


def _many_visits(session: Session, cast: Cast) -> list[Visit]:
    visits = []
    for week in range(2):
        for i, worker in enumerate(cast.workers + cast.small_workers):
            client = cast.clients[3] if worker in cast.small_workers else cast.clients[i % 3]
            visits.append(make_visit(session, worker, client, cast.acts["BAIN"],
                                     MONDAY + timedelta(days=7 * week + i % 5),
                                     minutes=35 + 3 * i + week, start_minute=8 * 60 + 5 * i))
    both = make_visit(session, cast.workers[0], cast.clients[0], cast.acts["BAIN"], MONDAY,
                      minutes=70, start_minute=14 * 60)
    both.acts.append(VisitAct(act_id=cast.acts["PLAIE"].id, planned=False, done=True))
    visits.append(both)
    session.commit()
    return visits


def test_inserts_edits_and_deletions_keep_the_summaries_exact(session: Session,
                                                              cast: Cast) -> None:
    visits = _many_visits(session, cast)
    assert _stored(session)["evidence_cell"], "the inserts reached the summaries"
    _assert_as_from_scratch(session, cast)

    # The realization path: other times, an act added, a clinical reason.
    reason = session.scalar(select(VarianceReason).where(VarianceReason.code == "DETRESSE"))
    assert reason is not None
    first = visits[0]
    start = datetime.combine(first.day, datetime.min.time()) + timedelta(hours=10)
    record(session, first, Realization(
        start=start, end=start + timedelta(minutes=95), travel_minutes=12,
        acts_done={cast.acts["BAIN"].id, cast.acts["PLAIE"].id}, reason_ids={reason.id}))
    # A visit moved to another worker and day, one undone, one deleted.
    visits[1].worker_id = cast.workers[5].id
    visits[1].day = MONDAY + timedelta(days=3)
    record(session, visits[2], Realization(status="not_done"))
    session.delete(visits[3])
    session.commit()
    _assert_as_from_scratch(session, cast)


def test_a_client_profile_and_a_new_reference_time_are_followed(session: Session,
                                                                cast: Cast) -> None:
    _many_visits(session, cast)
    cast.clients[0].iso_smaf = 12  # its visits move to the heaviest group
    cast.clients[1].usual_worker_id = cast.workers[1].id  # continuity of care changes
    session.add(ReferenceTime(act_id=cast.acts["BAIN"].id, minutes=40,
                              valid_from=MONDAY + timedelta(days=2),
                              adopted_by="Comité paritaire local", decision_ref="2026-020"))
    session.commit()
    _assert_as_from_scratch(session, cast)


def test_an_import_and_a_bulk_load_keep_the_summaries_exact(session: Session,
                                                           cast: Cast) -> None:
    _many_visits(session, cast)
    report = import_file(session, Kind.VISITS, "visits.csv", visits_file(),
                         establishment_id=cast.est_a.id)
    assert report.ok, [p.message() for p in report.errors]
    session.commit()
    _assert_as_from_scratch(session, cast)

    # A bulk insert that bypasses the ORM says so; so does a bulk change.
    worker = cast.workers[2]
    next_id = (session.scalar(select(Visit.id).order_by(Visit.id.desc()).limit(1)) or 0) + 1
    day = MONDAY + timedelta(days=14)
    start = datetime.combine(day, datetime.min.time()) + timedelta(hours=9)
    session.execute(insert(Visit), [{
        "id": next_id + i, "establishment_id": cast.est_a.id, "team_id": worker.team_id,
        "client_id": cast.clients[1].id, "worker_id": worker.id, "day": day,
        "window_start": 480, "window_end": 720, "planned_minutes": 45, "status": "done",
        "realized_start": start + timedelta(hours=i),
        "realized_end": start + timedelta(hours=i, minutes=41 + i)} for i in range(3)])
    session.execute(insert(VisitAct), [{"visit_id": next_id + i, "act_id": cast.acts["BAIN"].id,
                                        "planned": True, "done": True} for i in range(3)])
    record_new_visits(session, range(next_id, next_id + 3))
    with visits_changing(session, [next_id]):
        session.execute(update(Visit).where(Visit.id == next_id).values(
            realized_start=None, realized_end=None), execution_options={
            "synchronize_session": False})
    session.commit()
    _assert_as_from_scratch(session, cast)


def test_the_summaries_roll_back_with_the_visit(session: Session, cast: Cast) -> None:
    _many_visits(session, cast)
    kept = _stored(session)
    make_visit(session, cast.workers[0], cast.clients[0], cast.acts["BAIN"],
               MONDAY + timedelta(days=21), minutes=50)
    assert _stored(session) != kept
    session.rollback()
    assert _stored(session) == kept


def test_a_flush_that_fails_leaves_nothing_for_the_next_one(session: Session,
                                                             cast: Cast) -> None:
    """A flush the database refuses is rolled back; what the summaries had prepared for
    it must go with it, or the next flush would count those visits twice."""
    visits = _many_visits(session, cast)
    first = visits[0]
    start = datetime.combine(first.day, datetime.min.time()) + timedelta(hours=10)
    first.worker_id = 2**31 - 7  # no such worker: the database refuses the flush
    with pytest.raises(IntegrityError):
        record(session, first, Realization(start=start, end=start + timedelta(minutes=95)))
        session.flush()
    session.rollback()
    again = session.get(Visit, first.id)
    assert again is not None
    record(session, again, Realization(start=start, end=start + timedelta(minutes=95)))
    session.commit()
    _assert_as_from_scratch(session, cast)


def test_rebuild_of_an_establishment_without_visits_writes_nothing(session: Session,
                                                                   cast: Cast) -> None:
    assert rebuild(session, cast.est_b.id) == {
        "evidence_cells": 0, "evidence_workers": 0, "team_weeks": 0, "act_duration_weeks": 0,
        "worker_days": 0}


def test_retention_clearing_old_times_keeps_the_summaries_exact(session: Session,
                                                                cast: Cast) -> None:
    _many_visits(session, cast)
    old = MONDAY - timedelta(days=4 * 365)
    for worker in cast.workers:
        make_visit(session, worker, cast.clients[0], cast.acts["BAIN"], old, minutes=60)
    session.commit()
    purge(session, clock.today())
    assert not session.scalars(select(Visit.id).where(
        Visit.day == old, Visit.realized_start.is_not(None))).all()
    _assert_as_from_scratch(session, cast)


@pytest.mark.parametrize("second_act", ["BAIN", "PLAIE"], ids=["same-cell", "same-day-only"])
def test_two_writers_at_once_keep_the_summaries_exact(
        factory: sessionmaker[Session], engine: Engine, cast: Cast, second_act: str) -> None:
    """Two transactions record visits of the same worker-day, opening the same new
    evidence cell or two different ones: the second waits for the first, and neither
    loses the other's visit."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serializes writers before any statement; no race to show")
    worker, client = cast.workers[0], cast.clients[0]
    a_flushed, release_a = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def write(act: str, minutes: int, start: int, hold: bool) -> None:
        try:
            with factory() as session:
                make_visit(session, worker, client, cast.acts[act], MONDAY, minutes=minutes,
                           start_minute=start)
                if hold:
                    a_flushed.set()
                    release_a.wait(timeout=30)
                session.commit()
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)

    first = threading.Thread(target=write, args=("BAIN", 41, 9 * 60, True))
    second = threading.Thread(target=write, args=(second_act, 47, 11 * 60, False))
    first.start()
    assert a_flushed.wait(timeout=30)
    second.start()
    second.join(timeout=1.0)
    assert second.is_alive(), "the second writer should wait for the first"
    release_a.set()
    first.join(timeout=60)
    second.join(timeout=60)
    assert not failures, failures
    with factory() as session:
        day = session.execute(select(WorkerDay.done, WorkerDay.realized_minutes).where(
            WorkerDay.worker_id == worker.id, WorkerDay.day == MONDAY)).one()
        assert tuple(day) == (2, 88.0)
        _assert_as_from_scratch(session, cast)
