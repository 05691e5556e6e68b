"""Realized visits as a FHIR R4 Bundle: valid, pseudonymous, one Encounter per visit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.encounter import Encounter
from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.grid.exports import ExportScope, operator_scope
from balise.grid.fhir import ACT_SYSTEM, visits_bundle
from balise.grid.models import VarianceReason
from tests.factories import Cast, make_visit
from tests.grid.io_samples import DAY


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from _keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _keys(inner)


def _visits(session: Session, cast: Cast) -> None:
    bath = cast.acts["BAIN"]
    done = make_visit(session, cast.alice, cast.clients[0], bath, DAY, minutes=52)
    done.reasons = list(session.scalars(select(VarianceReason).where(VarianceReason.code == "DETRESSE")))
    make_visit(session, cast.bob, cast.clients[1], bath, DAY, minutes=40)
    make_visit(session, cast.alice, cast.clients[2], bath, DAY, start_minute=11 * 60)  # planned
    missed = make_visit(session, cast.bob, cast.clients[2], bath, DAY, start_minute=13 * 60)
    missed.status = "not_done"
    session.commit()


def test_the_bundle_validates_and_holds_one_encounter_per_realized_visit(
        session: Session, cast: Cast) -> None:
    _visits(session, cast)
    text = visits_bundle(session, operator_scope(session, "EST-A"), DAY, DAY)
    bundle = Bundle.model_validate_json(text)
    assert bundle.type == "collection"
    encounters = [entry.resource for entry in bundle.entry or []]
    assert len(encounters) == 3  # two done and one not done; the planned one is no encounter
    assert all(isinstance(e, Encounter) for e in encounters)
    statuses = sorted(e.status for e in encounters)  # type: ignore[union-attr]
    assert statuses == ["cancelled", "finished", "finished"]
    first = json.loads(text)["entry"][0]["resource"]
    assert first["class"]["code"] == "HH"
    assert first["subject"]["identifier"]["value"] == "U0000"
    assert first["participant"][0]["individual"]["identifier"]["value"] == "A0"
    # The establishment's export holds no realized times: they are the worker's own figures.
    assert "period" not in first and "length" not in first
    assert first["type"][0]["coding"][0] == {"system": ACT_SYSTEM, "code": "BAIN",
                                             "display": "Bain"}
    assert first["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] == "DETRESSE"


def test_the_workers_own_bundle_holds_their_realized_times(session: Session,
                                                           cast: Cast) -> None:
    _visits(session, cast)
    scope = operator_scope(session, "EST-A")
    own = ExportScope(scope.establishment_id, scope.establishment_code,
                      worker_id=cast.alice.id)
    first = json.loads(visits_bundle(session, own, DAY, DAY))["entry"][0]["resource"]
    assert first["period"]["start"] == "2026-11-16T09:00:00-05:00"
    assert first["length"]["value"] == 52


def test_the_bundle_names_nobody(session: Session, cast: Cast) -> None:
    _visits(session, cast)
    text = visits_bundle(session, operator_scope(session, "EST-A"), DAY, DAY)
    assert "name" not in set(_keys(json.loads(text)))
    assert "Worker A0" not in text  # workers appear by employee code only


def test_a_worker_scope_and_a_demo_establishment(session: Session, cast: Cast) -> None:
    _visits(session, cast)
    cast.est_a.code = "DEMO-A"
    session.commit()
    scope = operator_scope(session, "DEMO-A")
    own = type(scope)(scope.establishment_id, scope.establishment_code, cast.alice.id)
    data = json.loads(visits_bundle(session, own, DAY, DAY))
    assert len(data["entry"]) == 1
    assert data["meta"]["tag"][0]["code"] == "HTEST"
