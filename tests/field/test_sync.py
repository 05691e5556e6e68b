"""The sync protocol: each record applied exactly once, whatever the network does."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from balise.core import clock
from balise.field.models import SyncBatch, SyncRecord
from balise.grid.models import Visit, WaitingListEntry
from tests.factories import Cast
from tests.field.conftest import Day
from tests.field.helpers import Browser, acks, local, record, send, token


def _count(factory: sessionmaker[Session], model: type) -> int:
    with factory() as fresh:
        return int(fresh.scalar(select(func.count()).select_from(model)) or 0)


def test_replaying_a_batch_many_times_stores_each_record_once(
        browser: Browser, today_visits: Day, cast: Cast, factory: sessionmaker[Session]) -> None:
    client = browser("alice")
    csrf = token(client)
    day = clock.today()
    records = [record(v.id, day, unmet_act_ids=[cast.acts["PLAIE"].id])
               for v in today_visits.alice]
    key = str(uuid.uuid4())
    first = send(client, records, key=key, csrf=csrf)
    assert {a["status"] for a in acks(first).values()} == {"applied"}
    for _ in range(25):  # the same request again: the same answer, nothing applied twice
        again = send(client, records, key=key, csrf=csrf)
        assert again.json() == first.json()
        assert again.headers["Idempotent-Replayed"] == "true"
    for _ in range(5):  # the same records in new batches: the same acknowledgments
        assert acks(send(client, records, csrf=csrf)) == acks(first)
    assert _count(factory, SyncRecord) == 3
    assert _count(factory, SyncBatch) == 6
    # Unmet needs go to the waiting list once, however many times they arrive.
    assert _count(factory, WaitingListEntry) == 3
    with factory() as fresh:
        visit = fresh.get(Visit, today_visits.alice[0].id)
        assert visit is not None and visit.status == "done"
        assert visit.realized_start == local(day, "09:05")


def test_batch_key_reused_with_other_content_is_refused(browser: Browser, today_visits: Day,
                                                        factory: sessionmaker[Session]) -> None:
    client = browser("alice")
    day = clock.today()
    key = str(uuid.uuid4())
    assert send(client, [record(today_visits.alice[0].id, day)], key=key).status_code == 200
    reused = send(client, [record(today_visits.alice[1].id, day)], key=key)
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    assert _count(factory, SyncRecord) == 1


def test_batch_without_key_is_refused_and_says_why(browser: Browser, today_visits: Day,
                                                   factory: sessionmaker[Session]) -> None:
    client = browser("alice")
    response = send(client, [record(today_visits.alice[0].id, clock.today())], key=None)
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_missing"
    assert "Idempotency-Key" in response.json()["error"]
    assert _count(factory, SyncRecord) == 0


def test_one_bad_record_does_not_hold_back_the_good_ones(
        browser: Browser, today_visits: Day, factory: sessionmaker[Session]) -> None:
    client = browser("alice")
    day = clock.today()
    good = record(today_visits.alice[0].id, day)
    backwards = record(today_visits.alice[1].id, day, start="10:00", end="09:15")
    unknown_act = record(today_visits.alice[2].id, day, acts_done=[999_999])
    unreadable = record(today_visits.alice[2].id, day)
    unreadable["realization"]["start"] = "sometime"
    wrong_day = record(today_visits.alice[2].id, day)
    wrong_day["realization"]["start"] = "1999-01-01T09:00:00"
    got = acks(send(client, [good, backwards, unknown_act, unreadable, wrong_day]))
    assert got[good["record_id"]]["status"] == "applied"
    assert got[backwards["record_id"]]["code"] == "end_before_start"
    assert got[backwards["record_id"]]["message"] == "La fin précède le début."
    assert got[unknown_act["record_id"]]["code"] == "unknown_choice"
    assert got[unreadable["record_id"]]["code"] == "invalid_record"
    assert "realization.start" in got[unreadable["record_id"]]["message"]
    assert got[wrong_day["record_id"]]["code"] == "not_on_visit_day"
    assert {a["status"] for r, a in got.items() if r != good["record_id"]} == {"refused"}
    with factory() as fresh:
        statuses = {v.id: v.status for v in fresh.scalars(select(Visit))}
        assert statuses[today_visits.alice[0].id] == "done"
        assert statuses[today_visits.alice[1].id] == "planned"
        assert statuses[today_visits.alice[2].id] == "planned"
        # Refusals are stored too: a replay answers the same refusal.
        assert fresh.scalar(select(func.count()).select_from(SyncRecord).where(
            SyncRecord.status == "refused")) == 3
    assert acks(send(client, [backwards]))[backwards["record_id"]] == got[backwards["record_id"]]


def test_a_worker_cannot_write_another_workers_visit(
        browser: Browser, today_visits: Day, factory: sessionmaker[Session]) -> None:
    client = browser("alice")
    theirs = record(today_visits.bob.id, clock.today())
    mine = record(today_visits.alice[0].id, clock.today())
    got = acks(send(client, [theirs, mine]))
    assert got[theirs["record_id"]]["status"] == "refused"
    assert got[theirs["record_id"]]["code"] == "not_found"
    assert got[mine["record_id"]]["status"] == "applied"
    with factory() as fresh:
        visit = fresh.get(Visit, today_visits.bob.id)
        assert visit is not None and visit.status == "planned" and visit.realized_start is None
        stored = fresh.scalars(select(SyncRecord).where(
            SyncRecord.record_id == uuid.UUID(theirs["record_id"]))).one()
        assert stored.visit_id is None  # a refused "not found" names no visit


def test_same_record_id_with_other_content_is_a_conflict_and_changes_nothing(
        browser: Browser, today_visits: Day, factory: sessionmaker[Session]) -> None:
    client = browser("alice")
    day = clock.today()
    first = record(today_visits.alice[0].id, day, note="Bain donné")
    assert acks(send(client, [first]))[first["record_id"]]["status"] == "applied"
    altered = {**first, "realization": {**first["realization"], "note": "Autre chose"}}
    got = acks(send(client, [altered]))[first["record_id"]]
    assert got["status"] == "conflict" and got["code"] == "record_id_conflict"
    with factory() as fresh:
        visit = fresh.get(Visit, today_visits.alice[0].id)
        assert visit is not None and visit.note == "Bain donné"
        stored = fresh.scalars(select(SyncRecord)).one()
        assert stored.payload["realization"]["note"] == "Bain donné"


def test_someone_elses_record_id_answers_a_conflict_without_saying_more(
        browser: Browser, today_visits: Day, factory: sessionmaker[Session]) -> None:
    day = clock.today()
    mine = record(today_visits.bob.id, day)
    assert acks(send(browser("bob"), [mine]))[mine["record_id"]]["status"] == "applied"
    got = acks(send(browser("alice"), [mine]))[mine["record_id"]]
    assert got["status"] == "conflict" and got.get("visit_id") is None
    assert _count(factory, SyncRecord) == 1


def test_the_same_key_from_another_user_is_another_batch(
        browser: Browser, today_visits: Day, factory: sessionmaker[Session]) -> None:
    day = clock.today()
    key = str(uuid.uuid4())
    alice = send(browser("alice"), [record(today_visits.alice[0].id, day)], key=key)
    bob = send(browser("bob"), [record(today_visits.bob.id, day)], key=key)
    assert alice.status_code == bob.status_code == 200
    assert "Idempotent-Replayed" not in bob.headers
    assert _count(factory, SyncRecord) == 2


def test_sync_needs_a_session_and_the_csrf_header(browser: Browser, today_visits: Day) -> None:
    day = clock.today()
    batch = {"protocol": 1, "records": [record(today_visits.alice[0].id, day)]}
    anonymous = browser(None)
    assert anonymous.get("/api/field/day").status_code == 401
    # Without a session there is no token to match: refused before anything is read.
    assert anonymous.post("/api/sync", json=batch, headers={
        "Idempotency-Key": str(uuid.uuid4()), "X-CSRF-Token": "guess"}).status_code == 403
    no_token = browser("alice").post("/api/sync", json=batch,
                                     headers={"Idempotency-Key": str(uuid.uuid4())})
    assert no_token.status_code == 403
    lead = browser("lead")
    csrf = lead.get("/api/field/day")
    assert csrf.status_code == 403  # the day and the sync are the worker's own


def test_nothing_is_acknowledged_when_the_commit_fails(
        browser: Browser, today_visits: Day, factory: sessionmaker[Session],
        monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import OperationalError

    from balise.field import service

    client = browser("alice")
    csrf = token(client)
    batch = [record(today_visits.alice[0].id, clock.today())]
    key = str(uuid.uuid4())
    real = service.SyncResponse

    def failing(**kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("COMMIT", {}, Exception("the disk is gone"))

    monkeypatch.setattr(service, "SyncResponse", failing)
    response = send(client, batch, key=key, csrf=csrf)
    assert response.status_code == 503
    assert _count(factory, SyncRecord) == 0 and _count(factory, SyncBatch) == 0
    monkeypatch.setattr(service, "SyncResponse", real)
    retried = send(client, batch, key=key, csrf=csrf)
    assert acks(retried)[batch[0]["record_id"]]["status"] == "applied"
