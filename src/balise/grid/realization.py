"""Recording what was done at a visit: the one path used by the visit form, the field
app's sync and imports, so the collection settings apply to all three."""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.core.errors import InvalidInput
from balise.grid import collection
from balise.grid.collection import Setting
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
    Recorder.load(session, [visit], [realization]).apply(visit, realization)
    session.flush()
    return visit


class Recorder:
    """Recording many visits at once (a field sync batch) or one (the visit form): what
    the checks need is read once, up front, for all of them; then each realization is
    checked and applied in memory, and the caller flushes. The visit form goes through
    here too, so the rules exist once.

    ``check`` changes nothing and ``apply`` changes the visit only once every check has
    passed: a refused realization leaves no trace, without a savepoint."""

    def __init__(self, session: Session, settings: dict[tuple[int, int], dict[str, Setting]],
                 known_acts: set[int], reasons: dict[int, VarianceReason],
                 unmet_listed: set[tuple[int, int]]) -> None:
        self.session = session
        self.settings = settings
        self.known_acts = known_acts
        self.reasons = reasons
        self.unmet_listed = unmet_listed  # (visit id, act id) already on the waiting list

    @classmethod
    def load(cls, session: Session, visits: Sequence[Visit],
             realizations: Iterable[Realization]) -> Recorder:
        """Read, in a few queries, what recording these realizations on these visits
        needs: collection settings per team, the acts and active reasons they name, and
        the unmet needs already on the waiting list."""
        teams = sorted({(v.establishment_id, v.team_id) for v in visits})
        settings = {team: collection.effective(session, *team) for team in teams}
        acts: set[int] = set()
        reason_ids: set[int] = set()
        unmet: set[int] = set()
        for realization in realizations:
            acts |= set(realization.acts_done or ()) | set(realization.unmet_act_ids)
            reason_ids |= set(realization.reason_ids)
            unmet |= set(realization.unmet_act_ids)
        known_acts = set(session.scalars(select(Act.id).where(Act.id.in_(_storable(acts))))
                         ) if acts else set()
        reasons = {r.id: r for r in session.scalars(select(VarianceReason).where(
            VarianceReason.id.in_(_storable(reason_ids)), VarianceReason.active.is_(True)))
        } if reason_ids else {}
        listed = {(visit_id, act_id) for visit_id, act_id in session.execute(
            select(WaitingListEntry.visit_id, WaitingListEntry.act_id).where(
                WaitingListEntry.visit_id.in_([v.id for v in visits]),
                WaitingListEntry.act_id.in_(_storable(unmet)))) if visit_id is not None
        } if unmet else set()
        return cls(session, settings, known_acts, reasons, listed)

    def check(self, visit: Visit, realization: Realization) -> None:
        """Refuse what cannot be true or was switched off; never ask for a justification
        (principle 1). Changes nothing."""
        check(realization)
        settings = self.settings[(visit.establishment_id, visit.team_id)]
        for kind in sorted(realization.kinds_present()):
            collection.require(settings, kind)
        if (set(realization.acts_done or ()) | set(realization.unmet_act_ids)) - self.known_acts:
            raise InvalidInput("acts", "unknown_choice")
        if set(realization.reason_ids) - set(self.reasons):
            raise InvalidInput("reasons", "unknown_choice")

    def apply(self, visit: Visit, realization: Realization) -> list[tuple[int, int]]:
        """Check, then change the visit in memory (the caller flushes). Returns the
        unmet needs it put on the waiting list, as (visit id, act id)."""
        self.check(visit, realization)
        visit.status = realization.status
        visit.realized_start = realization.start
        visit.realized_end = realization.end
        visit.travel_minutes = realization.travel_minutes
        visit.note = realization.note
        _record_acts(visit, realization)
        if {r.id for r in visit.reasons} != set(realization.reason_ids):
            # Assigned only when they differ: a new list, even an equal one, makes the
            # flush rework the visit's reasons (most records name the same ones again).
            visit.reasons = [self.reasons[i] for i in sorted(realization.reason_ids)]
        listed = []
        for act_id in sorted(realization.unmet_act_ids):
            if (visit.id, act_id) not in self.unmet_listed:
                self.session.add(WaitingListEntry(
                    establishment_id=visit.establishment_id, team_id=visit.team_id,
                    client_id=visit.client_id, act_id=act_id, source="unmet_need",
                    visit_id=visit.id, requested_on=visit.day))
                self.unmet_listed.add((visit.id, act_id))
                listed.append((visit.id, act_id))
        return listed

    def forget(self, listed: Iterable[tuple[int, int]]) -> None:
        """The waiting-list entries of an apply whose writes were rolled back."""
        self.unmet_listed.difference_update(listed)


# Ids beyond a database integer cannot name anything; PostgreSQL would refuse to
# compare them, so they are left out of the lookup and come back unknown.
MAX_ID = 2**31 - 1


def _storable(ids: set[int]) -> list[int]:
    return sorted(i for i in ids if 0 < i <= MAX_ID)


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
