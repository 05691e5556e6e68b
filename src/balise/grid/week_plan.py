"""The weekly plan: visits from care plans, planned durations from the evidence, and a
day's capacity judged on the distribution of the day's total.

Planned duration of a visit = for each of its acts, the team's chosen quantile (default
the 80th percentile) of that act's realized durations when there are at least
``MIN_OBSERVATIONS`` of them, else the act's current reference time; plus the team's
margin.

A day's load is judged on the day's total, not on the sum of per-visit quantiles:
adding eight visits' 80th percentiles overstates the day, because visits that run long
and visits that run short compensate. The total's distribution is estimated by Monte
Carlo: each draw picks one realized duration per act from its evidence (or the
reference time when evidence is thin), sums over the day, and the day is overloaded when
the team's quantile of the total exceeds the paid minutes of the shift.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from balise.grid.models import ReferenceTime, Visit, VisitAct
from balise.territory.models import CarePlanItem, Client, Team, Worker

MIN_OBSERVATIONS = 30
HISTORY_DAYS = 365
DRAWS = 2000

# Which weekdays (0 = Monday) a need that recurs n times a week falls on: spread evenly.
SPREAD: dict[int, tuple[int, ...]] = {
    1: (2,), 2: (1, 3), 3: (0, 2, 4), 4: (0, 1, 3, 4), 5: (0, 1, 2, 3, 4),
    6: (0, 1, 2, 3, 4, 5), 7: (0, 1, 2, 3, 4, 5, 6),
}


@dataclass(frozen=True)
class DurationModel:
    """Realized durations of single-act visits by act, and current reference times."""

    samples: dict[int, np.ndarray]
    reference: dict[int, int]

    def act_minutes(self, act_id: int, quantile: float) -> float:
        observed = self.samples.get(act_id)
        if observed is not None and observed.size >= MIN_OBSERVATIONS:
            return float(np.quantile(observed, quantile))
        return float(self.reference.get(act_id, 30))

    def draw(self, act_id: int, rng: np.random.Generator, size: int) -> np.ndarray:
        observed = self.samples.get(act_id)
        if observed is not None and observed.size >= MIN_OBSERVATIONS:
            return rng.choice(observed, size=size)
        return np.full(size, float(self.reference.get(act_id, 30)))


def load_duration_model(session: Session, establishment_id: int, today: date) -> DurationModel:
    single_act = (
        select(VisitAct.visit_id)
        .group_by(VisitAct.visit_id)
        .having(func.count() == 1)
        .subquery()
    )
    rows = session.execute(
        select(VisitAct.act_id, Visit.realized_start, Visit.realized_end)
        .join(Visit, Visit.id == VisitAct.visit_id)
        .join(single_act, single_act.c.visit_id == Visit.id)
        .where(
            Visit.establishment_id == establishment_id,
            Visit.status == "done",
            Visit.realized_start.is_not(None),
            Visit.realized_end.is_not(None),
            Visit.day >= today - timedelta(days=HISTORY_DAYS),
        )
    ).all()
    by_act: dict[int, list[float]] = defaultdict(list)
    for act_id, start, end in rows:
        if start is not None and end is not None:  # filtered in SQL; this tells mypy
            by_act[act_id].append((end - start).total_seconds() / 60)
    return DurationModel(
        samples={act: np.asarray(values) for act, values in by_act.items()},
        reference=current_reference_times(session, today),
    )


def current_reference_times(session: Session, today: date) -> dict[int, int]:
    latest = (
        select(ReferenceTime.act_id, func.max(ReferenceTime.valid_from).label("since"))
        .where(ReferenceTime.valid_from <= today)
        .group_by(ReferenceTime.act_id)
        .subquery()
    )
    rows = session.execute(
        select(ReferenceTime.act_id, ReferenceTime.minutes).join(
            latest, and_(ReferenceTime.act_id == latest.c.act_id,
                         ReferenceTime.valid_from == latest.c.since))
    )
    return {act_id: minutes for act_id, minutes in rows}


def planned_minutes(model: DurationModel, act_ids: Sequence[int], quantile: float,
                    margin: int) -> int:
    return max(1, round(sum(model.act_minutes(a, quantile) for a in act_ids)) + margin)


def day_total_quantile(model: DurationModel, visits: Sequence[Sequence[int]], quantile: float,
                       seed: int = 0) -> float:
    """The quantile of the day's total duration (acts of each visit), by simulation."""
    if not visits:
        return 0.0
    rng = np.random.default_rng(seed)
    total = np.zeros(DRAWS)
    for act_ids in visits:
        for act_id in act_ids:
            total += model.draw(act_id, rng, DRAWS)
    return float(np.quantile(total, quantile))


@dataclass(frozen=True)
class Generated:
    created: int
    already_planned: int


def generate_week(session: Session, team: Team, monday: date, model: DurationModel) -> Generated:
    """Create the week's visits from the team's care plans; a need already planned that
    day for that client is left as it is, so generating twice creates nothing new."""
    existing = {
        (client_id, day, act_id)
        for client_id, day, act_id in session.execute(
            select(Visit.client_id, Visit.day, VisitAct.act_id)
            .join(VisitAct, VisitAct.visit_id == Visit.id)
            .where(Visit.team_id == team.id, Visit.day >= monday,
                   Visit.day < monday + timedelta(days=7))
        )
    }
    usual = _usual_workers(session, team)
    created = skipped = 0
    items = session.execute(
        select(CarePlanItem, Client).join(Client, Client.id == CarePlanItem.client_id)
        .where(Client.team_id == team.id).order_by(Client.code, CarePlanItem.id)
    ).all()
    for item, client in items:
        for weekday in SPREAD[min(item.times_per_week, 7)]:
            day = monday + timedelta(days=weekday)
            if (client.id, day, item.act_id) in existing:
                skipped += 1
                continue
            worker = usual.get((client.usual_worker_id, item.profession))
            visit = Visit(
                establishment_id=team.establishment_id, team_id=team.id, client_id=client.id,
                worker_id=worker, day=day, window_start=item.window_start,
                window_end=item.window_end, planned_start=item.window_start,
                planned_minutes=planned_minutes(model, [item.act_id], team.planning_quantile,
                                                team.margin_minutes),
            )
            visit.acts = [VisitAct(act_id=item.act_id, planned=True, done=False)]
            session.add(visit)
            existing.add((client.id, day, item.act_id))
            created += 1
    session.flush()
    return Generated(created, skipped)


def _usual_workers(session: Session, team: Team) -> dict[tuple[int | None, str], int]:
    """(usual worker id, profession) -> that worker, when the worker has the profession."""
    rows = session.execute(
        select(Worker.id, Worker.profession).where(Worker.team_id == team.id,
                                                   Worker.active.is_(True))
    )
    return {(worker_id, profession): worker_id for worker_id, profession in rows}
