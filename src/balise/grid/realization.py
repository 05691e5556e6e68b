"""Recording what was done at a visit: the one path used by the visit form, the field
app's sync and imports, so the collection settings apply to all three."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.core.errors import InvalidInput
from balise.grid import collection
from balise.grid.models import Act, VarianceReason, Visit, VisitAct, WaitingListEntry

MAX_VISIT_HOURS = 16


@dataclass(frozen=True)
class Realization:
    """What the worker says about a visit. Everything but ``status`` is optional."""

    status: str = "done"  # "done" or "not_done"
    start: datetime | None = None
    end: datetime | None = None
    travel_minutes: int | None = None
    note: str | None = None
    acts_done: Set[int] | None = None  # act ids; None: the planned acts
    reason_ids: Set[int] = field(default_factory=frozenset)
    unmet_act_ids: Set[int] = field(default_factory=frozenset)

    def kinds_present(self) -> set[str]:
        """Which switchable kinds of record this realization carries."""
        present = set()
        if self.start is not None or self.end is not None:
            present.add("realized_times")
        if self.travel_minutes is not None:
            present.add("travel")
        if self.note:
            present.add("notes")
        if self.reason_ids:
            present.add("variance_reasons")
        if self.unmet_act_ids:
            present.add("unmet_needs")
        return present


def check(realization: Realization) -> None:
    """Refuse what cannot be true; never ask for a justification (principle 1)."""
    if realization.status not in ("done", "not_done"):
        raise InvalidInput("status", "unknown_choice")
    start, end = realization.start, realization.end
    if start and end:
        if end < start:
            raise InvalidInput("end", "end_before_start")
        if end - start > timedelta(hours=MAX_VISIT_HOURS):
            raise InvalidInput("end", "out_of_range", low="00:00", high=f"{MAX_VISIT_HOURS}:00")
    if realization.travel_minutes is not None and realization.travel_minutes < 0:
        raise InvalidInput("travel", "negative_duration")


def record(session: Session, visit: Visit, realization: Realization) -> Visit:
    """Apply a realization to a visit; a kind of record the committee switched off for
    the visit's team is refused with the decision that switched it off."""
    check(realization)
    settings = collection.effective(session, visit.establishment_id, visit.team_id)
    for kind in sorted(realization.kinds_present()):
        collection.require(settings, kind)
    _check_ids(session, realization)
    visit.status = realization.status
    visit.realized_start = realization.start
    visit.realized_end = realization.end
    visit.travel_minutes = realization.travel_minutes
    visit.note = realization.note
    _record_acts(visit, realization)
    visit.reasons = list(session.scalars(
        select(VarianceReason).where(VarianceReason.id.in_(realization.reason_ids))))
    for act_id in sorted(realization.unmet_act_ids):
        _add_unmet_need(session, visit, act_id)
    session.flush()
    return visit


def _check_ids(session: Session, realization: Realization) -> None:
    acts = set(realization.acts_done or ()) | set(realization.unmet_act_ids)
    known_acts = set(session.scalars(select(Act.id).where(Act.id.in_(acts))))
    if acts - known_acts:
        raise InvalidInput("acts", "unknown_choice")
    reasons = set(realization.reason_ids)
    known = set(session.scalars(select(VarianceReason.id).where(
        VarianceReason.id.in_(reasons), VarianceReason.active.is_(True))))
    if reasons - known:
        raise InvalidInput("reasons", "unknown_choice")


def _record_acts(visit: Visit, realization: Realization) -> None:
    done = realization.acts_done
    if done is None:
        done = {a.act_id for a in visit.acts if a.planned} if realization.status == "done" else set()
    by_act = {a.act_id: a for a in visit.acts}
    for act_id, visit_act in by_act.items():
        visit_act.done = act_id in done
    for act_id in sorted(set(done) - set(by_act)):
        # The worker may always add an act: clinical judgment wins (principle 1).
        visit.acts.append(VisitAct(act_id=act_id, planned=False, done=True))


def _add_unmet_need(session: Session, visit: Visit, act_id: int) -> None:
    already = session.scalar(select(WaitingListEntry.id).where(
        WaitingListEntry.visit_id == visit.id, WaitingListEntry.act_id == act_id))
    if already is None:
        session.add(WaitingListEntry(
            establishment_id=visit.establishment_id, team_id=visit.team_id,
            client_id=visit.client_id, act_id=act_id, source="unmet_need", visit_id=visit.id,
            requested_on=visit.day))
