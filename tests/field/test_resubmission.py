"""What retention erased does not come back when a phone sends the same record again
(ODK Central refuses to resubmit a deleted submission; Balise answers a replay)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from balise.core import clock
from balise.field.models import SyncBatch, SyncRecord
from balise.field.rules import RECORD_KEPT_DAYS
from balise.grid.models import Visit
from balise.retention import purge
from tests.field.conftest import Day
from tests.field.helpers import Browser, acks, local, record, send


def test_a_record_erased_by_retention_cannot_come_back_by_resubmission(
        browser: Browser, today_visits: Day, factory: sessionmaker[Session]) -> None:
    day = clock.today()
    visit_id = today_visits.alice[0].id
    sent = record(visit_id, day, note="sonner deux fois")
    key = str(uuid.uuid4())
    first = acks(send(browser("alice"), [sent], key=key))
    assert first[sent["record_id"]]["status"] == "applied"

    # Half a year later the batch's answer and the record's content (90 days) and the
    # visit's note (180 days) are gone (docs/privacy/retention.md).
    clock.freeze(clock.now() + timedelta(days=181))
    with factory() as db:
        erased = purge(db, clock.today())
    assert erased["sync_batches"] == erased["sync_record_contents"] == erased["visit_notes"] == 1

    # A phone that never heard the answer sends the very same batch, then the same record
    # under a new key: each time the first acknowledgment, and nothing written back.
    phone = browser("alice")
    assert acks(send(phone, [sent], key=key)) == first
    assert acks(send(phone, [sent])) == first
    with factory() as db:
        visit = db.get_one(Visit, visit_id)
        assert visit.note is None
        assert (visit.status, visit.realized_start) == ("done", local(day, "09:05"))
        stored = db.scalars(select(SyncRecord)).all()
        assert [(str(r.record_id), r.payload) for r in stored] == [(sent["record_id"], {})]
        assert len(db.scalars(select(SyncBatch)).all()) == 2  # the two resends, answered


def test_a_changed_copy_of_an_erased_record_is_a_conflict_and_changes_nothing(
        browser: Browser, today_visits: Day, factory: sessionmaker[Session]) -> None:
    day = clock.today()
    visit_id = today_visits.alice[0].id
    sent = record(visit_id, day, note="sonner deux fois")
    assert acks(send(browser("alice"), [sent]))[sent["record_id"]]["status"] == "applied"
    clock.freeze(clock.now() + timedelta(days=181))
    with factory() as db:
        purge(db, clock.today())

    # Same id, other content (the note typed again, other times): never applied.
    forged = record(visit_id, day, record_id=sent["record_id"], start="08:00", end="11:00",
                    note="sonner deux fois")
    answer = acks(send(browser("alice"), [forged]))[sent["record_id"]]
    assert (answer["status"], answer["code"]) == ("conflict", "record_id_conflict")
    with factory() as db:
        visit = db.get_one(Visit, visit_id)
        assert visit.note is None and visit.realized_start == local(day, "09:05")


def test_a_record_older_than_its_retention_is_refused_so_a_purged_one_cannot_return(
        browser: Browser, today_visits: Day, factory: sessionmaker[Session]) -> None:
    day = clock.today()
    visit_id = today_visits.alice[0].id
    sent = record(visit_id, day, recorded_at=f"{day.isoformat()}T15:00:00Z")
    assert acks(send(browser("alice"), [sent]))[sent["record_id"]]["status"] == "applied"

    # Three years on, the record itself and the visit's times are purged.
    clock.freeze(clock.now() + timedelta(days=RECORD_KEPT_DAYS + 1))
    with factory() as db:
        erased = purge(db, clock.today())
    assert erased["sync_records"] == erased["visit_details"] == 1

    answer = acks(send(browser("alice"), [sent]))[sent["record_id"]]
    assert (answer["status"], answer["code"]) == ("refused", "past_retention")
    assert answer["field"] == "recorded_at"
    with factory() as db:
        visit = db.get_one(Visit, visit_id)
        assert visit.realized_start is None and visit.realized_end is None
