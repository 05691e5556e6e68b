"""The sync does its work per batch: what a batch needs is read in a few queries and
written together, so a bigger batch costs no more round trips; when writing together
fails, the batch is done again record by record and each record still gets its answer."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from balise.accounts.models import User
from balise.accounts.service import viewer_of
from balise.core import clock
from balise.field import service, versions
from balise.field.models import SyncConflict, SyncRecord
from balise.field.protocol import SyncRequest
from balise.grid.models import Visit
from tests.factories import Cast
from tests.field.conftest import Day
from tests.field.helpers import Browser, acks, record, send, token


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _versions(visits: list[Visit], per_visit: int, minute: int) -> list[dict[str, Any]]:
    day = clock.today()
    return [record(v.id, day, recorded_at=f"{day.isoformat()}T15:{minute + n:02d}:00Z",
                   end=f"10:{minute + n:02d}", note=f"version {n}", travel_minutes=5)
            for v in visits for n in range(per_visit)]


def test_a_bigger_batch_costs_no_more_statements(
        browser: Browser, today_visits: Day, engine: Engine,
        factory: sessionmaker[Session]) -> None:
    client = browser("alice")
    csrf = token(client)
    small = _versions(today_visits.alice, 1, 0)
    big = _versions(today_visits.alice, 15, 10)
    with statements(engine) as for_small:
        assert {a["status"] for a in acks(send(client, small, csrf=csrf)).values()} == {"applied"}
    with statements(engine) as for_big:
        answer = acks(send(client, big, csrf=csrf))
    assert {a["status"] for a in answer.values()} <= {"applied", "superseded"}
    assert len(for_big) <= len(for_small), "\n".join(for_big)
    with factory() as fresh:
        assert fresh.scalar(select(func.count()).select_from(SyncRecord)) == 3 + 45
        visit = fresh.get(Visit, today_visits.alice[0].id)
        assert visit is not None and visit.note == "version 14"


def test_a_record_stored_meanwhile_by_another_batch_answers_as_a_replay(
        browser: Browser, today_visits: Day, cast: Cast, db_kind: str,
        factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    """A record for a visit that does not exist locks nothing, so a retry of it in
    another batch can store it while this batch runs (PostgreSQL: both run at once;
    SQLite runs one writer at a time). The unique record id decides; this batch is done
    again record by record and answers the stored refusal."""
    if db_kind != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time: no such race")
    day = clock.today()
    lost = record(999_999, day)
    mine = record(today_visits.alice[0].id, day, note="mine")
    with factory() as twin_session:
        alice = twin_session.scalars(select(User).where(User.username == "alice")).one()
        viewer = viewer_of(alice)
    real_heads = versions.heads
    raced: list[bool] = []

    def heads_after_a_twin(session: Session, visit_ids: list[int]) -> Any:
        if not raced:
            raced.append(True)
            with factory() as twin:
                service.receive_batch(twin, viewer, str(uuid.uuid4()), "twin",
                                      SyncRequest.model_validate({"records": [lost]}))
        return real_heads(session, visit_ids)

    monkeypatch.setattr(versions, "heads", heads_after_a_twin)
    got = acks(send(browser("alice"), [lost, mine]))
    assert raced
    assert got[lost["record_id"]]["code"] == "not_found"
    assert got[mine["record_id"]]["status"] == "applied"
    with factory() as fresh:
        assert fresh.scalar(select(func.count()).select_from(SyncRecord)) == 2
        visit = fresh.get(Visit, today_visits.alice[0].id)
        assert visit is not None and visit.note == "mine"


def test_a_device_clock_off_the_calendar_is_refused_alone(
        browser: Browser, today_visits: Day, factory: sessionmaker[Session]) -> None:
    """Year 1 with a positive offset is a valid ISO 8601 time that has no UTC form; the
    record is refused with its field named, the rest of its batch goes through."""
    day = clock.today()
    odd = record(today_visits.alice[0].id, day, recorded_at="0001-01-01T00:00:00+05:00")
    good = [record(v.id, day, note="fine") for v in today_visits.alice[1:]]
    got = acks(send(browser("alice"), [odd, *good]))
    assert all(got[r["record_id"]]["status"] == "applied" for r in good)
    assert got[odd["record_id"]]["status"] == "refused"
    assert got[odd["record_id"]]["field"] == "recorded_at"
    with factory() as fresh:
        notes = {v.id: (v.status, v.note) for v in fresh.scalars(select(Visit))}
        assert notes[today_visits.alice[0].id] == ("planned", None)
        assert all(notes[v.id] == ("done", "fine") for v in today_visits.alice[1:])
        assert fresh.scalar(select(func.count()).select_from(SyncRecord)) == 3


def test_versions_of_one_visit_in_one_batch_end_with_the_latest(
        browser: Browser, today_visits: Day, factory: sessionmaker[Session]) -> None:
    """Several saves of one visit travel in one batch when the phone was offline; they
    are decided in memory one after the other, as if sent one by one."""
    visit = today_visits.alice[0]
    day = clock.today()
    saves = [record(visit.id, day, device="phone", end=f"10:{n:02d}", note=f"save {n}",
                    recorded_at=f"{day.isoformat()}T15:00:0{n}Z") for n in range(5)]
    tablet = record(visit.id, day, device="tablet", note="tablet",
                    recorded_at=f"{day.isoformat()}T15:00:02.500Z")
    got = acks(send(browser("alice"), [*reversed(saves), tablet]))
    assert got[saves[-1]["record_id"]]["status"] == "applied"
    assert got[tablet["record_id"]]["status"] in ("applied", "superseded")
    with factory() as fresh:
        stored = fresh.get(Visit, visit.id)
        assert stored is not None and stored.note == "save 4"
        # The tablet's version lost to a later save of the phone: kept for the lead.
        conflicts = fresh.scalars(select(SyncConflict)).all()
        assert "tablet" in {c.set_aside["note"] for c in conflicts} | {
            c.kept["note"] for c in conflicts}
