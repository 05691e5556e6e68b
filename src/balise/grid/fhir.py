"""Realized visits as an HL7 FHIR R4 Bundle (type ``collection``) of Encounters.

fhir.resources 8 builds R5 by default and ships R4B beside it, not R4. R4B changed no
element of Encounter or Bundle (its changes are to medication definitions and
subscriptions), so building with ``fhir.resources.R4B`` checks the R4 structure.

What an Encounter says, and what it leaves out on purpose:

* ``subject`` is a logical reference to a Patient by the client's pseudonymous code
  (an identifier, no Patient resource): Balise stores no name and sends none;
* ``participant`` names the worker by employee code only;
* ``type`` holds the acts done (the planned ones for a visit not done), in a Balise code
  system; variance reasons go in an extension, since ``reasonCode`` is why a visit
  takes place, not why it differed from its plan;
* ``period`` and ``length`` are the realized times, in Quebec time with its offset, and
  appear only in a worker's export of their own visits: realized times are one worker's
  time figures (DESIGN.md principle 2).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from balise.core import clock
from balise.core.i18n import pick
from balise.grid.collection import TeamSettings
from balise.grid.exports import ExportScope
from balise.grid.io_schema import FileRefused
from balise.grid.io_visits import VisitsIO
from balise.grid.models import Visit

BASE = "https://balise.example"
ACT_SYSTEM = f"{BASE}/CodeSystem/act"
REASON_SYSTEM = f"{BASE}/CodeSystem/variance-reason"
REASON_EXTENSION = f"{BASE}/StructureDefinition/variance-reason"
ESTABLISHMENT_SYSTEM = f"{BASE}/NamingSystem/establishment"
ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
TEST_DATA_TAG = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason",
                 "code": "HTEST", "display": "test health data"}
# Balise's statuses of a realized visit; a visit still planned is not an encounter yet.
ENCOUNTER_STATUS = {"done": "finished", "not_done": "cancelled", "cancelled": "cancelled"}


def _system(kind: str, establishment_code: str) -> str:
    """Codes of clients, workers and visits are unique within one establishment."""
    return f"{BASE}/NamingSystem/{kind}/{establishment_code}"


def _instant(moment: datetime) -> str:
    return moment.replace(tzinfo=clock.TIMEZONE).isoformat()


def encounter(visit: Visit, io: VisitsIO, establishment_code: str, *,
              own_figures: bool, withheld: frozenset[str] = frozenset()) -> dict[str, Any]:
    """One realized visit as a plain FHIR Encounter (validated with its Bundle).

    ``own_figures``: the export is the worker's own, so it may hold realized times.
    ``withheld``: visit fields the committee stopped collecting (grid/collection.py)."""
    refs = io.refs
    done = [link for link in visit.acts if link.done] or [a for a in visit.acts if a.planned]
    acts = [refs.acts[refs.act_codes[link.act_id]] for link in done]
    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": f"visit-{visit.id}",
        "identifier": [{"system": _system("visit", establishment_code), "value": str(visit.id)}],
        "status": ENCOUNTER_STATUS[visit.status],
        "class": {"system": ACT_CODE_SYSTEM, "code": "HH", "display": "home health"},
        "type": [{"coding": [{"system": ACT_SYSTEM, "code": act.code,
                              "display": pick(act.label_fr, act.label_en)}]}
                 for act in sorted(acts, key=lambda a: a.code)],
        "subject": {"type": "Patient", "identifier": {
            "system": _system("client", establishment_code),
            "value": refs.client_codes[visit.client_id]}},
        "serviceProvider": {"type": "Organization", "identifier": {
            "system": ESTABLISHMENT_SYSTEM, "value": establishment_code}},
    }
    if visit.worker_id is not None:
        resource["participant"] = [{"individual": {"type": "Practitioner", "identifier": {
            "system": _system("worker", establishment_code),
            "value": refs.worker_codes[visit.worker_id]}}}]
    if not own_figures or "realized_start" in withheld:
        # Realized times are one worker's time figures: only their own export holds them.
        return _with_reasons(resource, visit, withheld)
    period = {key: _instant(moment) for key, moment in
              (("start", visit.realized_start), ("end", visit.realized_end)) if moment}
    if period:
        resource["period"] = period
    if visit.realized_minutes is not None:
        resource["length"] = {"value": visit.realized_minutes, "unit": "min",
                              "system": "http://unitsofmeasure.org", "code": "min"}
    return _with_reasons(resource, visit, withheld)


def _with_reasons(resource: dict[str, Any], visit: Visit,
                  withheld: frozenset[str]) -> dict[str, Any]:
    if visit.reasons and "reasons" not in withheld:
        resource["extension"] = [{"url": REASON_EXTENSION, "valueCodeableConcept": {"coding": [
            {"system": REASON_SYSTEM, "code": reason.code,
             "display": pick(reason.label_fr, reason.label_en)}]}}
            for reason in sorted(visit.reasons, key=lambda r: r.code)]
    return resource


def visits_bundle(session: Session, scope: ExportScope, first: date | None,
                  last: date | None, max_rows: int | None = None) -> str:
    """The realized visits of a scope and period as FHIR JSON, checked by fhir.resources
    (an invalid resource raises here rather than reaching another system)."""
    from fhir.resources.R4B.bundle import Bundle

    io = VisitsIO(session, scope.establishment_id)
    teams = TeamSettings(session, scope.establishment_id)
    entries: list[dict[str, Any]] = []
    for visit in io.closed_records(first, last, scope.worker_id, tuple(ENCOUNTER_STATUS)):
        if max_rows is not None and len(entries) >= max_rows:
            raise FileRefused("export_too_large", n=max_rows)
        resource = encounter(visit, io, scope.establishment_code,
                             own_figures=scope.worker_id is not None,
                             withheld=teams.withheld_fields(visit.team_id))
        # The same visit gets the same fullUrl in every export, so receivers can merge.
        name = f"{_system('visit', scope.establishment_code)}/{visit.id}"
        entries.append({"fullUrl": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}",
                        "resource": resource})
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": _instant(clock.now()),
        "entry": entries,
    }
    if scope.synthetic:
        bundle["meta"] = {"tag": [TEST_DATA_TAG]}
    return Bundle.model_validate(bundle).model_dump_json(exclude_none=True)
