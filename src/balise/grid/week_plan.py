"""The weekly plan: visits from care plans, planned durations from the evidence, and a
day's capacity judged on the distribution of the day's total.

Planned duration of a visit = for each of its acts, the team's chosen quantile (default
the 80th percentile) of that act's realized durations when there are at least
``MIN_OBSERVATIONS`` of them, else the act's current reference time; plus the team's
margin.

A day's load is judged on the day's total, not on the sum of per-visit quantiles:
adding eight visits' 80th percentiles overstates the day, because visits that run long
and visits that run short compensate. The total's distribution is estimated by Monte
Carlo (:mod:`balise.grid.day_load`): each draw picks one realized duration per act from
its evidence (or the reference time when evidence is thin), sums over the day, and the
day is overloaded when the team's quantile of the total exceeds the paid minutes of the
shift.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
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
DRAWS = 2000  # simulated days behind a day's load (grid/day_load.py)
DEFAULT_MINUTES = 30  # an act with neither evidence nor reference time

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
    """Realized durations of single-act visits by act (one entry per visit), and current
    reference times."""

    samples: dict[int, np.ndarray]
    reference: dict[int, int]

    def evidence(self, act_id: int) -> np.ndarray | None:
        """The act's observations, when there are enough to plan from."""
        observed = self.samples.get(act_id)
        return observed if observed is not None and observed.size >= MIN_OBSERVATIONS else None

    def fallback(self, act_id: int) -> float:
        """What plans the act without enough evidence: its reference time."""
        return float(self.reference.get(act_id, DEFAULT_MINUTES))

    def act_minutes(self, act_id: int, quantile: float) -> float:
        observed = self.evidence(act_id)
        return float(np.quantile(observed, quantile)) if observed is not None \
            else self.fallback(act_id)

    def draw(self, act_id: int, rng: np.random.Generator, size: int) -> np.ndarray:
        observed = self.evidence(act_id)
        if observed is not None:
            return np.asarray(rng.choice(observed, size=size), dtype=np.float64)
        return np.full(size, self.fallback(act_id))


def load_duration_model(session: Session, establishment_id: int, today: date,
                        act_ids: Collection[int] | None = None) -> DurationModel:
    """Realized minutes of the visits of one act done, in the weeks overlapping the last
    ``HISTORY_DAYS``: read from the summary kept at every visit write (a few thousand
    rows), not from the visits (millions in a year; see bench/week_plan_page.py).
    ``act_ids``: only these acts (what a page's visits hold), all by default."""
    first_week = (((today - timedelta(days=HISTORY_DAYS)) - EPOCH).days + 3) // 7
    visits = func.sum(ActDurationWeek.visits)
    query = (
        select(ActDurationWeek.act_id, ActDurationWeek.minutes, visits)
        .where(ActDurationWeek.establishment_id == establishment_id,
               ActDurationWeek.week >= first_week)
        .group_by(ActDurationWeek.act_id, ActDurationWeek.minutes)
        .having(visits > 0)
    )
    if act_ids is not None:
        query = query.where(ActDurationWeek.act_id.in_(sorted(set(act_ids))))
    rows = np.array([tuple(row) for row in session.execute(query)], dtype=np.int64).reshape(-1, 3)
    rows = rows[np.lexsort((rows[:, 1], rows[:, 0]))]
    acts, first = np.unique(rows[:, 0], return_index=True)
    # Minutes are whole and at most 16 hours: 16-bit integers hold a year of one act's
    # visits in a few hundred kilobytes (a page reads every act's).
    observed = np.split(np.repeat(rows[:, 1].astype(np.int16), rows[:, 2]),
                        np.cumsum(rows[:, 2])[first[1:] - 1]) if len(rows) else []
    return DurationModel(
        samples=dict(zip(acts.tolist(), observed, strict=True)),
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
