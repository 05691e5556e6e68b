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
from balise.grid.summary_models import ActDurationWeek
from balise.territory.models import CarePlanItem, Client, Team, Worker

MIN_OBSERVATIONS = 30
HISTORY_DAYS = 365
EPOCH = date(1970, 1, 1)  # a Thursday: Monday-based week = (days + 3) // 7
DRAWS = 2000

# Which weekdays (0 = Monday) a need that recurs n times a week falls on: spread evenly.
SPREAD: dict[int, tuple[int, ...]] = {
    1: (2,), 2: (1, 3), 3: (0, 2, 4), 4: (0, 1, 3, 4), 5: (0, 1, 2, 3, 4),
    6: (0, 1, 2, 3, 4, 5), 7: (0, 1, 2, 3, 4, 5, 6),
}


def weekdays_of(times_per_week: int, client_id: int) -> tuple[int, ...]:
    """The weekdays of a need: spread within the client's week, and shifted by client so
    that the team's weekly needs do not all fall on the same day (a bath a week for every
    client would otherwise fill Wednesday and leave Monday empty). A client's needs share
    the shift, so a need and the one it follows fall on the same days."""
    days = SPREAD[min(times_per_week, 7)]
    if len(days) >= 5:
        return days
    return tuple(sorted((d + client_id) % 5 for d in days))


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
    """Realized minutes of the visits of one act done, in the weeks overlapping the last
    ``HISTORY_DAYS``: read from the summary kept at every visit write (a few thousand
    rows), not from the visits (millions in a year; see bench/week_plan_page.py)."""
    first_week = (((today - timedelta(days=HISTORY_DAYS)) - EPOCH).days + 3) // 7
    visits = func.sum(ActDurationWeek.visits)
    rows = session.execute(
        select(ActDurationWeek.act_id, ActDurationWeek.minutes, visits)
        .where(ActDurationWeek.establishment_id == establishment_id,
               ActDurationWeek.week >= first_week)
        .group_by(ActDurationWeek.act_id, ActDurationWeek.minutes)
        .having(visits > 0)
        .order_by(ActDurationWeek.act_id, ActDurationWeek.minutes)
    ).all()
    by_act: dict[int, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for act_id, minutes, count in rows:
        by_act[act_id][0].append(minutes)
        by_act[act_id][1].append(int(count))
    return DurationModel(
        samples={act: np.repeat(np.asarray(m, dtype=float), c) for act, (m, c) in by_act.items()},
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
    day for that client is left as it is, so generating twice creates nothing new.

    A need for two workers becomes two visits of one double group; a need that follows
    another becomes, on the days both fall, the second visit of a sequence with the visit
    of the need it follows (see :func:`link_sequence`)."""
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
    made: dict[tuple[int, date, int], Visit] = {}
    # Needs that follow another come last, so that the visit they follow exists.
    for item, client in sorted(items, key=lambda row: row[0].follows_act_id is not None):
        for weekday in weekdays_of(item.times_per_week, client.id):
            day = monday + timedelta(days=weekday)
            if (client.id, day, item.act_id) in existing:
                skipped += 1
                continue
            minutes = planned_minutes(model, [item.act_id], team.planning_quantile,
                                      team.margin_minutes)
            worker = usual.get((client.usual_worker_id, item.profession))
            group = [_new_visit(team, client, item, day, minutes, worker)]
            if item.workers_needed == 2:
                group.append(_new_visit(team, client, item, day, minutes, None))
                for visit in group:
                    visit.link_group, visit.link_kind = f"D{item.id}-{day:%Y%m%d}", "double"
            first = made.get((client.id, day, item.follows_act_id or 0))
            if first is not None:
                link_sequence(first, group[0], item, f"S{item.id}-{day:%Y%m%d}")
            session.add_all(group)
            made[(client.id, day, item.act_id)] = group[0]
            existing.add((client.id, day, item.act_id))
            created += len(group)
    session.flush()
    return Generated(created, skipped)


def _new_visit(team: Team, client: Client, item: CarePlanItem, day: date, minutes: int,
               worker: int | None) -> Visit:
    visit = Visit(
        establishment_id=team.establishment_id, team_id=team.id, client_id=client.id,
        worker_id=worker, day=day, window_start=item.window_start, window_end=item.window_end,
        window2_start=item.window2_start, window2_end=item.window2_end,
        planned_start=item.window_start, planned_minutes=minutes, optional=item.optional,
    )
    visit.acts = [VisitAct(act_id=item.act_id, planned=True, done=False)]
    return visit


def link_sequence(first: Visit, second: Visit, item: CarePlanItem, group: str) -> None:
    """Make ``second`` come ``item.delay_min``–``delay_max`` minutes after ``first`` ends.

    The planner sees a sequence as one client with two services (the UHHC model), whose
    starts share one window: the span of both needs' windows. A visit already in a group
    (a double) stays as it is, and the second need is then planned on its own."""
    if first.link_group is not None:
        return
    first.link_group = second.link_group = group
    first.link_kind, second.link_kind = "before", "after"
    second.delay_min = item.delay_min or 0
    second.delay_max = item.delay_max if item.delay_max is not None else second.delay_min + 60
    start = min(first.window_start, second.window_start)
    end = max(first.window_end, second.window_end)
    for visit in (first, second):
        visit.window_start, visit.window_end = start, end
        visit.window2_start, visit.window2_end = first.window2_start, first.window2_end
        visit.planned_start = start
    second.optional = first.optional = first.optional and second.optional


def _usual_workers(session: Session, team: Team) -> dict[tuple[int | None, str], int]:
    """(usual worker id, profession) -> that worker, when the worker has the profession."""
    rows = session.execute(
        select(Worker.id, Worker.profession).where(Worker.team_id == team.id,
                                                   Worker.active.is_(True))
    )
    return {(worker_id, profession): worker_id for worker_id, profession in rows}
