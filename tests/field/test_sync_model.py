"""A model of the field sync, attacked by hypothesis: a worker's devices go offline,
record, edit the same visits, lose answers, retry, replay old batches and come back
online; another worker's visit and record ids are tried too. After every step the server
must hold exactly what the devices were told it holds (docs/field-sync.md):

* every acknowledged record is stored exactly once, with the content that was sent and
  the acknowledgment the device received;
* no record is stored that was never sent, and nothing sent under a reused record id;
* each visit holds the version saved last on its device (greater record id on a tie),
  whatever the order of arrival;
* a version from another device that lost is kept and shown to the team lead;
* nothing of another worker is accepted.

The app is the real one (TestClient) on the test's engine; each example adds its own
visits, so examples share one database and the record-level checks cover all of them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from balise.core import clock
from balise.field.models import ACCEPTED, SyncConflict, SyncRecord
from balise.field.protocol import VisitRecord
from balise.field.rules import device_utc, sha256_of
from balise.grid.models import Visit
from tests.factories import Cast, make_visit
from tests.field.helpers import Browser, record, token

DEVICES = ("phone", "tablet", "old-phone")
BASE = datetime(2026, 11, 16, 15, 0)
MAX_BATCH = 4


@dataclass
class Device:
    name: str
    online: bool = True
    clock: int = 0  # seconds after BASE on this device's clock: two devices may tie
    outbox: list[dict[str, Any]] = field(default_factory=list)
    pending: tuple[str, list[dict[str, Any]]] | None = None  # sent, answer lost


@dataclass
class World:
    """What outlives one example: the clients, and every record the server should hold."""

    alice: TestClient
    bob: TestClient
    lead: TestClient
    csrf: dict[str, str]
    factory: sessionmaker[Session]
    cast: Cast
    expected: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> first payload
    acked: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> ack received


def normal(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as the server stores it."""
    return VisitRecord.model_validate(payload).model_dump(mode="json")


def version_key(payload: dict[str, Any]) -> tuple[datetime, str]:
    return (device_utc(datetime.fromisoformat(payload["recorded_at"])), payload["record_id"])


class SyncModel(RuleBasedStateMachine):
    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world
        self.day = clock.today()
        with world.factory() as session:
            cast = world.cast
            self.visits = [make_visit(session, cast.alice, cast.clients[i],
                                      cast.acts["BAIN"], self.day).id for i in range(2)]
            self.bobs_visit = make_visit(session, cast.bob, cast.clients[2],
                                         cast.acts["BAIN"], self.day).id
            session.commit()
        self.devices = {name: Device(name) for name in DEVICES}
        self.answered: list[tuple[str, list[dict[str, Any]], dict[str, Any]]] = []
        self.bobs: list[dict[str, Any]] = []

    # -- what the devices do ---------------------------------------------------------

    @rule(device=st.sampled_from(DEVICES), visit=st.integers(0, 1), tick=st.integers(0, 2),
          start=st.integers(8 * 60, 12 * 60), minutes=st.integers(-15, 90),
          travel=st.none() | st.integers(0, 60))
    def record(self, device: str, visit: int, tick: int, start: int, minutes: int,
               travel: int | None) -> None:
        """The worker saves a visit on a device (maybe again, maybe on another device);
        a negative duration is a mistake the server refuses."""
        d = self.devices[device]
        d.clock += tick
        begin = datetime.combine(self.day, datetime.min.time()) + timedelta(minutes=start)
        end = begin + timedelta(minutes=minutes)
        saved = record(self.visits[visit], self.day, device=device, travel_minutes=travel,
                       recorded_at=(BASE + timedelta(seconds=d.clock)).isoformat() + "Z",
                       note=f"n-{uuid.uuid4().hex[:10]}")
        saved["realization"].update(start=begin.isoformat(), end=end.isoformat())
        d.outbox.append(saved)

    @rule(device=st.sampled_from(DEVICES))
    def toggle_network(self, device: str) -> None:
        self.devices[device].online = not self.devices[device].online

    @precondition(lambda self: any(d.online and (d.pending or d.outbox)
                                   for d in self.devices.values()))
    @rule(lost=st.sets(st.sampled_from(DEVICES)))
    def send(self, lost: set[str]) -> None:
        """Each online device sends its batch: the one whose answer it lost, unchanged
        and under the same key, or a new one from its outbox. The answers of ``lost``
        devices never come back (the server committed; the phone never heard back)."""
        for d in self.devices.values():
            if d.online and (d.pending or d.outbox):
                self._send(d, lose_answer=d.name in lost)

    def _send(self, d: Device, lose_answer: bool) -> None:
        if d.pending is None:
            d.pending = (str(uuid.uuid4()), d.outbox[:MAX_BATCH])
        key, records = d.pending
        for r in records:
            self.world.expected.setdefault(r["record_id"], normal(r))
        response = self._post(self.world.alice, "alice", records, key)
        if lose_answer:
            return
        assert response.status_code == 200, response.text
        body = response.json()
        for ack in body["acks"]:
            sent = next(r for r in records if r["record_id"] == ack["record_id"])
            backwards = sent["realization"]["end"] < sent["realization"]["start"]
            assert ack["status"] in (("refused",) if backwards else ACCEPTED), ack
            self.world.acked[ack["record_id"]] = ack
        done = {a["record_id"] for a in body["acks"]}
        d.outbox = [r for r in d.outbox if r["record_id"] not in done]
        d.pending = None
        self.answered.append((key, records, body))

    @precondition(lambda self: bool(self.answered))
    @rule(data=st.data())
    def replay_batch(self, data: st.DataObject) -> None:
        """An old batch again under its key: the first answer, word for word."""
        key, records, body = data.draw(st.sampled_from(self.answered))
        again = self._post(self.world.alice, "alice", records, key)
        assert again.status_code == 200 and again.json() == body
        assert again.headers["Idempotent-Replayed"] == "true"

    @precondition(lambda self: bool(self.answered))
    @rule(data=st.data())
    def resend_in_new_batch(self, data: st.DataObject) -> None:
        """Acknowledged records in a new batch: the same acknowledgments."""
        _key, records, body = data.draw(st.sampled_from(self.answered))
        again = self._post(self.world.alice, "alice", records, str(uuid.uuid4()))
        assert {a["record_id"]: a for a in again.json()["acks"]} == {
            a["record_id"]: a for a in body["acks"]}

    @precondition(lambda self: bool(self.answered))
    @rule(data=st.data())
    def same_id_other_content(self, data: st.DataObject) -> None:
        _key, records, _body = data.draw(st.sampled_from(self.answered))
        altered = data.draw(st.sampled_from(records))
        altered = altered | {"realization": altered["realization"] | {"note": "altered"}}
        ack = self._post(self.world.alice, "alice", [altered], str(uuid.uuid4())).json()
        assert ack["acks"][0]["status"] == "conflict", ack

    @rule(tick=st.integers(0, 5))
    def bob_records_his_visit(self, tick: int) -> None:
        mine = record(self.bobs_visit, self.day, device="bobs-phone", note=f"bob-{tick}",
                      recorded_at=(BASE + timedelta(seconds=tick)).isoformat() + "Z")
        self.world.expected[mine["record_id"]] = normal(mine)
        response = self._post(self.world.bob, "bob", [mine], str(uuid.uuid4()))
        ack = response.json()["acks"][0]
        assert ack["status"] in ACCEPTED
        self.world.acked[mine["record_id"]] = ack
        self.bobs.append(mine)

    @rule(data=st.data())
    def alice_tries_bobs_things(self, data: st.DataObject) -> None:
        """Alice writes Bob's visit (refused, not found) or sends Bob's own record
        under its id (a conflict that says nothing more)."""
        if self.bobs and data.draw(st.booleans()):
            stolen = data.draw(st.sampled_from(self.bobs))
            ack = self._post(self.world.alice, "alice", [stolen], str(uuid.uuid4()))
            assert ack.json()["acks"][0]["status"] == "conflict"
            return
        theirs = record(self.bobs_visit, self.day, device="phone", note="not mine")
        self.world.expected[theirs["record_id"]] = normal(theirs)
        ack = self._post(self.world.alice, "alice", [theirs], str(uuid.uuid4())).json()
        assert ack["acks"][0]["status"] == "refused" and ack["acks"][0]["code"] == "not_found"
        self.world.acked[theirs["record_id"]] = ack["acks"][0]

    @rule()
    def lead_looks_at_conflicts(self) -> None:
        page = self.world.lead.get("/field/conflicts")
        assert page.status_code == 200
        with self.world.factory() as session:
            teams = select(Visit.team_id).where(Visit.id.in_(self.visits))
            kept = session.scalars(select(SyncConflict).where(
                SyncConflict.team_id.in_(teams))).all()
        # Every version set aside in the team is listed (its content is alice's: not shown).
        assert page.text.count('<li class="card conflict') == len(kept)
        for conflict in kept:
            assert f'href="/visits/{conflict.visit_id}"' in page.text

    def _post(self, client: TestClient, who: str, records: list[dict[str, Any]], key: str
              ) -> Any:
        return client.post("/api/sync", json={"protocol": 1, "records": records}, headers={
            "Idempotency-Key": key, "X-CSRF-Token": self.world.csrf[who]})

    # -- what must always hold -------------------------------------------------------

    @invariant()
    def server_holds_what_devices_were_told(self) -> None:
        world = self.world
        with world.factory() as session:
            rows = session.scalars(select(SyncRecord)).all()
            stored = {str(r.record_id): r for r in rows}
            assert len(stored) == len(rows)  # exactly once
            assert set(stored) == set(world.expected)  # nothing unsent, nothing lost
            for rid, row in stored.items():
                assert row.payload == world.expected[rid]
                assert row.payload_sha256 == sha256_of(world.expected[rid])
                if rid in world.acked:
                    assert row.ack == world.acked[rid]
            for visit_id in self.visits:
                self._visit_holds_the_last_version(session, visit_id, rows)
            bobs = session.get(Visit, self.bobs_visit)
            assert bobs is not None
            assert all(r.user_id == world.cast.users["bob"].id
                       for r in rows if r.visit_id == self.bobs_visit)
            if self.bobs:
                assert bobs.note == max(self.bobs, key=version_key)["realization"]["note"]
            else:
                assert bobs.status == "planned"

    def _visit_holds_the_last_version(self, session: Session, visit_id: int,
                                      rows: Any) -> None:
        accepted = [r.payload for r in rows if r.visit_id == visit_id and r.status in ACCEPTED]
        visit = session.get(Visit, visit_id)
        assert visit is not None
        if not accepted:
            assert visit.status == "planned" and visit.note is None
            return
        winner = max(accepted, key=version_key)
        assert visit.note == winner["realization"]["note"]
        assert visit.realized_start == datetime.fromisoformat(winner["realization"]["start"])
        assert visit.realized_end == datetime.fromisoformat(winner["realization"]["end"])
        assert visit.travel_minutes == winner["realization"]["travel_minutes"]
        # Every other device's last version is kept beside the one in force, unchanged.
        conflicts = session.scalars(select(SyncConflict).where(
            SyncConflict.visit_id == visit_id)).all()
        named = {str(c.kept_record_id): c.kept for c in conflicts} | {
            str(c.set_aside_record_id): c.set_aside for c in conflicts}
        for device in {p["device_id"] for p in accepted} - {winner["device_id"]}:
            last = max((p for p in accepted if p["device_id"] == device), key=version_key)
            assert last["record_id"] in named, (device, last["record_id"])
            assert named[last["record_id"]]["note"] == last["realization"]["note"]


def test_sync_model_keeps_every_promise(browser: Browser, cast: Cast,
                                        factory: sessionmaker[Session]) -> None:
    clients = {who: browser(who) for who in ("alice", "bob", "lead")}
    world = World(clients["alice"], clients["bob"], clients["lead"],
                  {who: token(clients[who]) for who in ("alice", "bob")}, factory, cast)
    run_state_machine_as_test(lambda: SyncModel(world), settings=settings(
        max_examples=15, stateful_step_count=30, deadline=None, database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
