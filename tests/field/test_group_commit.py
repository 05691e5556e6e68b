"""Batches that reach the server while another is being applied share the next
transaction (group commit), and each sender still gets exactly what it would have got
alone: its own answer after the commit, its rights per record, its key's replay or
refusal; the visit summaries stay equal to a rebuild."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from balise.accounts.models import User
from balise.accounts.service import viewer_of
from balise.core import clock
from balise.core.access import Viewer
from balise.core.errors import BaliseError
from balise.field import service, versions
from balise.field.group_commit import group_commit_of
from balise.field.models import SyncBatch, SyncRecord
from balise.field.protocol import SyncRequest
from balise.field.rules import sha256_of
from balise.grid.models import Visit
from balise.grid.summary_models import (
    ActDurationWeek,
    EvidenceCell,
    EvidenceTeamWeek,
    EvidenceWorker,
    WorkerDay,
)
from balise.grid.summary_upkeep import rebuild
from tests.factories import Cast
from tests.field.conftest import Day
from tests.field.helpers import record

SUMMARIES = (EvidenceCell, EvidenceWorker, EvidenceTeamWeek, ActDurationWeek, WorkerDay)
Sent = tuple[str, str, list[dict[str, Any]]]  # username, key, records


def _viewer(factory: sessionmaker[Session], username: str) -> Viewer:
    with factory() as session:
        return viewer_of(session.scalars(select(User).where(User.username == username)).one())


def _send_while_first_is_held(factory: sessionmaker[Session], engine: Engine,
                              monkeypatch: pytest.MonkeyPatch, first: Sent,
                              then: list[Sent]) -> tuple[list[Any], list[list[int]]]:
    """Send ``first``; while its transaction runs, send ``then`` from as many threads,
    and let the first commit only once they all wait. Returns each batch's answer (or
    error) in the order given, and the visits each transaction read."""
    waiting = group_commit_of(engine)
    real_heads = versions.heads
    transactions: list[list[int]] = []

    def held_heads(session: Session, visit_ids: list[int]) -> Any:
        transactions.append(list(visit_ids))
        if len(transactions) == 1:
            deadline = time.monotonic() + 30
            while waiting.waiting() < len(then) and time.monotonic() < deadline:
                time.sleep(0.01)
        return real_heads(session, visit_ids)

    monkeypatch.setattr(versions, "heads", held_heads)
    outcomes: list[Any] = [None] * (1 + len(then))
    # Looked up first: on SQLite a read would wait for the held transaction's lock.
    viewers = {name: _viewer(factory, name) for name, _, _ in [first, *then]}

    def send(index: int, sent: Sent) -> None:
        username, key, records = sent
        request = SyncRequest.model_validate({"records": records})
        try:
            with factory() as session:
                outcomes[index] = service.receive_batch(
                    session, viewers[username], key, sha256_of({"records": records}),
                    request)
        except (BaliseError, OperationalError) as error:
            outcomes[index] = error

    threads = [threading.Thread(target=send, args=(0, first))]
    threads[0].start()
    while not transactions:
        time.sleep(0.01)
    threads += [threading.Thread(target=send, args=(i + 1, sent)) for i, sent in enumerate(then)]
    for thread in threads[1:]:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes, transactions


def _acks(answer: Any) -> dict[str, dict[str, Any]]:
    assert isinstance(answer, service.BatchAnswer), answer
    return {a["record_id"]: a for a in answer.body["acks"]}


def _summaries(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    return {model.__tablename__: [tuple(r) for r in session.execute(
        select(model.__table__).order_by(*model.__table__.primary_key.columns))]
        for model in SUMMARIES}


def test_batches_that_wait_share_a_transaction_and_each_gets_its_own_answer(
        factory: sessionmaker[Session], engine: Engine, cast: Cast, today_visits: Day,
        monkeypatch: pytest.MonkeyPatch) -> None:
    day = clock.today()
    alice, bob = today_visits.alice, today_visits.bob
    first = ("alice", "key-a", [record(alice[0].id, day, note="first", end="09:50")])
    bobs = ("bob", "key-b", [record(bob.id, day, note="bob's own", end="10:05")])
    # Alice names Bob's visit: refused to her alone, her other record goes through.
    mixed_records = [record(bob.id, day, note="not hers"),
                     record(alice[1].id, day, note="second", end="10:40")]
    mixed = ("alice", "key-c", mixed_records)
    again = ("alice", "key-a", first[2])  # a retry of the first batch
    reused = ("alice", "key-a", [record(alice[2].id, day)])  # its key, other content
    outcomes, transactions = _send_while_first_is_held(
        factory, engine, monkeypatch, first, [bobs, mixed, again, reused])

    # The first batch ran alone; Bob's and Alice's second batch waited and went together.
    assert transactions[0] == [alice[0].id]
    assert transactions[1] == sorted({bob.id, alice[1].id})
    assert len(transactions) == 2, "a replay or a reused key needs no visit"
    assert _acks(outcomes[0])[first[2][0]["record_id"]]["status"] == "applied"
    assert _acks(outcomes[1])[bobs[2][0]["record_id"]]["status"] == "applied"
    got = _acks(outcomes[2])
    assert got[mixed_records[0]["record_id"]]["code"] == "not_found"
    assert got[mixed_records[1]["record_id"]]["status"] == "applied"
    assert list(got) == [r["record_id"] for r in mixed_records], "acks keep the batch's order"
    assert isinstance(outcomes[3], service.BatchAnswer) and outcomes[3].replayed
    assert outcomes[3].body == outcomes[0].body
    assert getattr(outcomes[4], "code", None) == "idempotency_key_reused"
    with factory() as fresh:
        notes = {v.id: v.note for v in fresh.scalars(select(Visit))}
        assert notes[alice[0].id] == "first" and notes[alice[1].id] == "second"
        assert notes[bob.id] == "bob's own"
        assert notes[alice[2].id] is None
        assert fresh.scalar(select(func.count()).select_from(SyncRecord)) == 4
        assert fresh.scalar(select(func.count()).select_from(SyncBatch)) == 3
        maintained = _summaries(fresh)
        assert maintained["worker_day"], "the realized visits count in the summaries"
        rebuild(fresh, cast.est_a.id)
        assert _summaries(fresh) == maintained


def test_a_group_whose_write_fails_is_done_again_batch_by_batch(
        factory: sessionmaker[Session], engine: Engine, today_visits: Day,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Writing a group together can fail (a record id stored meanwhile by another
    process, a value the database refuses); each batch is then applied as if alone."""
    day = clock.today()
    alice, bob = today_visits.alice, today_visits.bob
    real_write: Callable[..., None] = service._write_together
    failed: list[int] = []

    def fail_for_a_group(session: Session, rows: list[dict[str, Any]]) -> None:
        if len({row["batch_id"] for row in rows}) > 1:
            failed.append(len(rows))
            raise service._WriteOneByOne()
        real_write(session, rows)

    monkeypatch.setattr(service, "_write_together", fail_for_a_group)
    first = ("alice", str(uuid.uuid4()), [record(alice[0].id, day, note="first")])
    then = [("bob", str(uuid.uuid4()), [record(bob.id, day, note="bob")]),
            ("alice", str(uuid.uuid4()), [record(alice[1].id, day, note="second"),
                                          record(alice[2].id, day, note="third")])]
    outcomes, _ = _send_while_first_is_held(factory, engine, monkeypatch, first, then)
    assert failed == [3]
    for (_, _, records), answer in zip([first, *then], outcomes, strict=True):
        assert {a["status"] for a in _acks(answer).values()} == {"applied"}
        assert set(_acks(answer)) == {r["record_id"] for r in records}
    with factory() as fresh:
        assert fresh.scalar(select(func.count()).select_from(SyncRecord)) == 4
        assert {v.note for v in fresh.scalars(select(Visit))} == {
            "first", "bob", "second", "third"}


def test_two_copies_of_a_batch_waiting_together_are_applied_once_and_both_answered(
        factory: sessionmaker[Session], engine: Engine, today_visits: Day,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A phone that retries while its first send still waits: the copy waits for the
    next group and answers as a replay (copies are told apart by identity, not value)."""
    day = clock.today()
    alice = today_visits.alice
    first = ("alice", str(uuid.uuid4()), [record(alice[0].id, day, note="first")])
    batch = ("alice", str(uuid.uuid4()), [record(alice[1].id, day, note="second")])
    outcomes, _ = _send_while_first_is_held(factory, engine, monkeypatch, first,
                                            [batch, batch])
    sent, copy = outcomes[1], outcomes[2]
    assert isinstance(sent, service.BatchAnswer) and isinstance(copy, service.BatchAnswer)
    assert [sent.replayed, copy.replayed].count(True) == 1
    assert sent.body == copy.body
    with factory() as fresh:
        assert fresh.scalar(select(func.count()).select_from(SyncRecord)) == 2


def test_a_group_the_database_cannot_take_answers_every_sender_at_once(
        factory: sessionmaker[Session], engine: Engine, today_visits: Day,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A lock wait that ran out or a lost database fails the whole group at once (each
    phone resends with its key) instead of retrying each batch alone, one wait each."""
    day = clock.today()
    alice, bob = today_visits.alice, today_visits.bob
    real_write: Callable[..., None] = service._write_together
    calls: list[int] = []

    def database_away(session: Session, rows: list[dict[str, Any]]) -> None:
        if len({row["batch_id"] for row in rows}) > 1:
            calls.append(len(rows))
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        real_write(session, rows)

    monkeypatch.setattr(service, "_write_together", database_away)
    first = ("alice", str(uuid.uuid4()), [record(alice[0].id, day, note="first")])
    then = [("bob", str(uuid.uuid4()), [record(bob.id, day, note="bob")]),
            ("alice", str(uuid.uuid4()), [record(alice[1].id, day, note="second")])]
    outcomes, _ = _send_while_first_is_held(factory, engine, monkeypatch, first, then)
    assert calls == [2], "tried once as a group, never batch by batch"
    assert isinstance(outcomes[0], service.BatchAnswer)
    assert all(isinstance(o, OperationalError) for o in outcomes[1:]), outcomes
    with factory() as fresh:
        assert fresh.scalar(select(func.count()).select_from(SyncRecord)) == 1
        assert fresh.scalar(select(func.count()).select_from(SyncBatch)) == 1
        assert {v.note for v in fresh.scalars(select(Visit))} == {"first", None}
    # Resent with the same keys, both go through once the database is back.
    monkeypatch.setattr(service, "_write_together", real_write)
    for username, key, records in then:
        request = SyncRequest.model_validate({"records": records})
        with factory() as session:
            answer = service.receive_batch(session, _viewer(factory, username), key,
                                           sha256_of({"records": records}), request)
        assert not answer.replayed
        assert {a["status"] for a in _acks(answer).values()} == {"applied"}
