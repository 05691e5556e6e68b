"""The sync's pure rules, as tables of cases."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from balise.field.protocol import SyncRequest
from balise.field.rules import (
    VersionKey,
    device_utc,
    is_conflict,
    request_fingerprint,
    rule_between,
    wins_over,
)

T0 = datetime(2026, 11, 16, 15, 0)
T1 = datetime(2026, 11, 16, 15, 5)
LOW, HIGH = "00000000-0000-4000-8000-000000000001", "ffffffff-0000-4000-8000-000000000001"


@pytest.mark.parametrize(("candidate", "current", "wins"), [
    (VersionKey(T1, LOW), None, True),                # first version of a visit
    (VersionKey(T1, LOW), VersionKey(T0, HIGH), True),  # later device time wins
    (VersionKey(T0, HIGH), VersionKey(T1, LOW), False),  # earlier loses, whatever its id
    (VersionKey(T0, HIGH), VersionKey(T0, LOW), True),  # same moment: greater id
    (VersionKey(T0, LOW), VersionKey(T0, HIGH), False),
    (VersionKey(T0, LOW), VersionKey(T0, LOW), False),  # the same version never re-wins
])
def test_which_version_holds_the_visit(candidate: VersionKey, current: VersionKey | None,
                                       wins: bool) -> None:
    assert wins_over(candidate, current) is wins


def test_the_rule_named_to_the_lead() -> None:
    assert rule_between(VersionKey(T1, LOW), VersionKey(T0, HIGH)) == "later_recorded_at"
    assert rule_between(VersionKey(T0, HIGH), VersionKey(T0, LOW)) == "tie_record_id"


def test_only_two_devices_make_a_conflict() -> None:
    assert is_conflict("phone", "tablet") and not is_conflict("phone", "phone")


@pytest.mark.parametrize(("given", "utc"), [
    ("2026-11-16T15:00:00Z", datetime(2026, 11, 16, 15, 0)),
    ("2026-11-16T10:00:00-05:00", datetime(2026, 11, 16, 15, 0)),
    ("2026-11-16T10:00:00", datetime(2026, 11, 16, 15, 0)),  # no offset: Quebec time (EST)
    ("2026-07-16T10:00:00", datetime(2026, 7, 16, 14, 0)),   # summer: EDT
])
def test_device_times_compare_in_utc(given: str, utc: datetime) -> None:
    assert device_utc(datetime.fromisoformat(given.replace("Z", "+00:00"))) == utc


def test_the_same_batch_spelled_differently_has_one_fingerprint() -> None:
    batch = {"protocol": 1, "records": [{"b": 1, "a": [1, 2]}]}
    compact = json.dumps(batch, separators=(",", ":")).encode()
    spaced = json.dumps(dict(reversed(batch.items())), indent=2).encode()
    assert request_fingerprint(compact) == request_fingerprint(spaced)
    other = json.dumps({"protocol": 1, "records": [{"b": 2, "a": [1, 2]}]}).encode()
    assert request_fingerprint(other) != request_fingerprint(compact)


def test_an_unreadable_record_is_set_aside_not_the_batch() -> None:
    good = {"record_id": LOW, "device_id": "p", "recorded_at": "2026-11-16T15:00:00Z",
            "visit_id": 1, "realization": {"status": "done"}}
    bad = {**good, "record_id": HIGH, "realization": {"status": "maybe"}}
    parsed = SyncRequest.model_validate({"protocol": 1, "records": [good, bad, "nonsense"]})
    assert [str(r.record_id) for r in parsed.records] == [LOW]
    assert [u.record_id for u in parsed.unreadable] == [HIGH, None]
    assert parsed.unreadable[0].fields == ["realization.status"]
