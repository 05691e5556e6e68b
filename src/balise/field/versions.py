"""Versions of a visit: which one holds the visit row, and keeping the other.

The rule (docs/field-sync.md): the version saved later on its device wins — greater
``recorded_at``, then greater ``record_id`` on a tie. Arrival order does not matter, so
every replay of the same records gives the same visit. The losing version is never
dropped: it stays in ``sync_record`` and, when it came from another device or replaced
a change made on the server, in ``sync_conflict`` for the team lead.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from balise.core import clock
from balise.field.models import RECORD_APPLIED, SyncConflict, SyncRecord
from balise.field.protocol import VisitRecord
from balise.field.rules import VersionKey, device_utc, is_conflict, rule_between, wins_over
from balise.grid.models import Visit
from balise.grid.realization import Realization, Recorder


@dataclass(frozen=True)
class Head:
    """The version in force for a visit: the latest applied record."""

    visit_id: int
    record_id: uuid.UUID
    recorded_at: datetime
    device_id: str
    payload: dict[str, Any]
    applied_state: dict[str, Any] | None

    @property
    def key(self) -> VersionKey:
        return VersionKey.of(self.recorded_at, self.record_id)


@dataclass(frozen=True)
class Placed:
    applied: bool
    state: dict[str, Any] | None  # the visit as the record left it, when applied
    other_device: bool  # when superseded: by another device's version
    head: Head | None = None  # the new version in force, when applied
    listed: tuple[tuple[int, int], ...] = ()  # unmet needs it put on the waiting list


def heads(session: Session, visit_ids: list[int]) -> dict[int, Head]:
    """The version in force of each visit, in one query (a window over the records)."""
    rank = func.row_number().over(
        partition_by=SyncRecord.visit_id,
        order_by=(SyncRecord.recorded_at.desc(), SyncRecord.record_id.desc())).label("rank")
    ranked = (select(SyncRecord.visit_id, SyncRecord.record_id, SyncRecord.recorded_at,
                     SyncRecord.device_id, SyncRecord.payload, SyncRecord.applied_state, rank)
              .where(SyncRecord.visit_id.in_(visit_ids), SyncRecord.status == RECORD_APPLIED)
              .subquery())
    rows = session.execute(select(ranked).where(ranked.c.rank == 1)).all()
    return {r.visit_id: Head(r.visit_id, r.record_id, r.recorded_at, r.device_id, r.payload,
                             r.applied_state) for r in rows}


def place(session: Session, recorder: Recorder, visit: Visit, incoming: VisitRecord,
          payload: dict[str, Any], realization: Realization, head: Head | None) -> Placed:
    """Apply the incoming version if it wins over ``head``, or keep it aside; either way
    it has passed the same checks (collection settings, known acts and reasons). Raises
    before changing anything when the version is refused; changes are in memory until
    the caller flushes."""
    key = VersionKey(device_utc(incoming.recorded_at), str(incoming.record_id))
    head_key = head.key if head is not None else None
    current = snapshot(visit)
    outside = _changed_outside(visit, head, current)
    if not wins_over(key, head_key):
        assert head is not None and head_key is not None
        # The losing version passes the same checks as a winning one, and changes nothing.
        recorder.check(visit, realization)
        other = is_conflict(head.device_id, incoming.device_id)
        if other or outside:
            # What is in force stays; the incoming version is kept beside it.
            _set_aside(session, visit, rule_between(head_key, key),
                       kept_id=None if outside else head.record_id,
                       kept=current if outside else _version_of(head.payload),
                       aside_id=incoming.record_id, aside=_version_of(payload),
                       source="device")
        return Placed(applied=False, state=None, other_device=other)
    listed = recorder.apply(visit, realization)
    kept = _version_of(payload)
    if outside:
        _set_aside(session, visit, "replaces_server_change", kept_id=incoming.record_id,
                   kept=kept, aside_id=None, aside=current, source="server")
    elif head is not None and head_key is not None and is_conflict(head.device_id,
                                                                   incoming.device_id):
        _set_aside(session, visit, rule_between(key, head_key), kept_id=incoming.record_id,
                   kept=kept, aside_id=head.record_id, aside=_version_of(head.payload),
                   source="device")
    state = snapshot(visit)
    return Placed(applied=True, state=state, other_device=False, head=Head(
        visit.id, incoming.record_id, key.recorded_at, incoming.device_id, payload,
        state), listed=tuple(listed))


def _changed_outside(visit: Visit, head: Head | None, current: dict[str, Any]) -> bool:
    """Did someone change the visit since the sync last wrote it (the visit form, an
    import)? Then that state is a version too, and it must not vanish silently."""
    if head is None:
        return visit.status != "planned"
    return head.applied_state is not None and head.applied_state != current


def snapshot(visit: Visit) -> dict[str, Any]:
    """A visit's realized state, in the shape of a record's ``realization``."""
    return {
        "status": visit.status,
        "start": visit.realized_start.isoformat() if visit.realized_start else None,
        "end": visit.realized_end.isoformat() if visit.realized_end else None,
        "travel_minutes": visit.travel_minutes,
        "acts_done": sorted(a.act_id for a in visit.acts if a.done),
        "reason_ids": sorted(r.id for r in visit.reasons),
        "note": visit.note,
    }


def _version_of(payload: dict[str, Any]) -> dict[str, Any]:
    return {**payload.get("realization", {}), "recorded_at": payload.get("recorded_at"),
            "device_id": payload.get("device_id")}


def _set_aside(session: Session, visit: Visit, rule: str, *, kept_id: uuid.UUID | None,
               kept: dict[str, Any], aside_id: uuid.UUID | None, aside: dict[str, Any],
               source: str) -> None:
    session.add(SyncConflict(
        establishment_id=visit.establishment_id, team_id=visit.team_id, visit_id=visit.id,
        rule=rule, kept_record_id=kept_id, kept=kept, set_aside_record_id=aside_id,
        set_aside_source=source, set_aside=aside, detected_at=clock.now()))
