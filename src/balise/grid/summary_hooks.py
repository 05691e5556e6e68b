"""The session hooks that keep the visit summaries at every ORM flush.

Imported with the grid's models (the last line of ``balise/grid/models.py``), so that no
process can write a visit without them; the work itself is in
:mod:`balise.grid.summary_upkeep`, imported when a flush first needs it (it reads the
visits through the evidence's modules, which import the models).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, event, inspect, or_, select
from sqlalchemy.orm import Session, UOWTransaction

from balise.grid.models import Act, ReferenceTime, VarianceReason, Visit, VisitAct, VisitReason
from balise.territory.models import Client, Worker

PENDING = "balise.summary_hooks"


def _changed(obj: object, *names: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


@dataclass
class _Pending:
    visit_ids: set[int]
    new_visits: list[Visit]
    before: Any  # summary_upkeep.Counts
    days: set[Any]  # summary_upkeep.DayKey


def _touched(session: Session) -> tuple[set[int], list[Visit], list[Any]]:
    """Visits a flush touches, new visits, and conditions on visits whose worker-days
    (only) depend on a changed row of another table."""
    ids: set[int] = set()
    new_visits: list[Visit] = []
    indirect: list[Any] = []
    for obj in session.new:
        if isinstance(obj, Visit):
            new_visits.append(obj)
        elif isinstance(obj, VisitAct | VisitReason):
            visit = getattr(obj, "visit", None)
            if obj.visit_id is not None:
                ids.add(obj.visit_id)
            elif isinstance(visit, Visit) and visit.id is not None:
                ids.add(visit.id)
            elif isinstance(visit, Visit) and visit not in new_visits:
                new_visits.append(visit)
        elif isinstance(obj, ReferenceTime):
            indirect.append(_era_condition(obj.act_id, obj.valid_from))
    for obj in list(session.dirty) + list(session.deleted):
        deleted = obj in session.deleted
        if not deleted and not session.is_modified(obj):
            continue
        if isinstance(obj, Visit) and obj.id is not None:
            ids.add(obj.id)
        elif isinstance(obj, VisitAct | VisitReason) and obj.visit_id is not None:
            ids.add(obj.visit_id)
        elif isinstance(obj, Client) and (deleted or _changed(obj, "iso_smaf",
                                                              "usual_worker_id")):
            ids.update(session.scalars(select(Visit.id).where(Visit.client_id == obj.id)))
        elif isinstance(obj, Worker) and (deleted or _changed(obj, "profession")):
            indirect.append(Visit.worker_id == obj.id)
        elif isinstance(obj, ReferenceTime):
            history = inspect(obj).attrs.valid_from.history
            days = [d for d in (*history.deleted, *history.unchanged, *history.added) if d]
            indirect.append(_era_condition(obj.act_id, min(days)))
        elif isinstance(obj, Act) and (deleted or _changed(obj, "professions")):
            indirect.append(Visit.id.in_(select(VisitAct.visit_id)
                                         .where(VisitAct.act_id == obj.id)))
        elif isinstance(obj, VarianceReason) and (deleted or _changed(obj, "category")):
            indirect.append(Visit.id.in_(select(VisitReason.visit_id)
                                         .where(VisitReason.reason_id == obj.id)))
    return ids, new_visits, indirect


def _era_condition(act_id: int, valid_from: date) -> Any:
    """Visits whose reference-time era a version of this act starting then changes."""
    return and_(Visit.day >= valid_from, Visit.id.in_(
        select(VisitAct.visit_id).where(VisitAct.act_id == act_id, VisitAct.done.is_(True))))


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: UOWTransaction, _instances: object) -> None:
    ids, new_visits, indirect = _touched(session)
    if not ids and not new_visits and not indirect:
        return
    from balise.grid import summary_upkeep as upkeep

    days = upkeep.day_keys(session, or_(Visit.id.in_(sorted(ids)), *indirect)) \
        if ids or indirect else set()
    # The worker-days name the establishments of every visit the evidence counts.
    before = upkeep.counts_of(session, ids, {e for e, _, _ in days})
    session.info.setdefault(PENDING, []).append(_Pending(ids, new_visits, before, days))


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, _previous: object) -> None:
    """A flush the database refused never reached ``after_flush``: what was prepared for
    it goes with the rollback, or the next flush would count those visits twice."""
    session.info.pop(PENDING, None)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: UOWTransaction) -> None:
    pending: list[_Pending] = session.info.pop(PENDING, [])
    if not pending:
        return
    from balise.grid import summary_upkeep as upkeep

    for item in pending:
        ids = item.visit_ids | {v.id for v in item.new_visits if v.id is not None}
        now = upkeep.day_keys(session, Visit.id.in_(sorted(ids))) if ids else set()
        change = upkeep.counts_of(session, ids, {e for e, _, _ in now})
        change.add(item.before, -1)
        upkeep.apply(session, change)
        days = item.days | now
        if days:
            upkeep.refresh_worker_days(session, days)
