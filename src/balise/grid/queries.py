"""Reading visits for pages, through the access and privacy rules."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import ColumnElement

from balise.core.access import Role, Viewer, require_establishment
from balise.core.errors import NotFound
from balise.core.privacy import Guarded, guard
from balise.grid.day_load import PlannedDay, Shift, Stop, simulate_days
from balise.grid.models import Visit, VisitAct
from balise.grid.week_plan import load_duration_model
from balise.planner.travel import PROFILES, TravelProfile, haversine_km
from balise.territory.models import Client, Site, Team, Worker, WorkerShift


def access_visit(session: Session, viewer: Viewer, visit_id: int) -> Visit:
    """The worker of a visit reaches it, and the lead of its team; nobody else."""
    visit = session.get(Visit, visit_id)
    if visit is None:
        raise NotFound()
    require_establishment(viewer, visit.establishment_id)
    if viewer.role == Role.WORKER and viewer.is_worker(visit.worker_id):
        return visit
    if viewer.role == Role.TEAM_LEAD and viewer.team_id == visit.team_id:
        return visit
    raise NotFound()


def week_days(monday: date) -> list[date]:
    return [monday + timedelta(days=i) for i in range(7)]


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _visits_query(first: date, last: date):  # type: ignore[no-untyped-def]
    return (
        select(Visit)
        .where(Visit.day >= first, Visit.day <= last)
        .options(selectinload(Visit.acts).selectinload(VisitAct.act), selectinload(Visit.reasons))
        .order_by(Visit.day, Visit.planned_start)
    )


def own_week(session: Session, viewer: Viewer, monday: date) -> dict[date, list[Visit]]:
    """The logged-in worker's own visits of a week, by day (their own figures)."""
    if viewer.worker_id is None:
        raise NotFound()
    days: dict[date, list[Visit]] = {d: [] for d in week_days(monday)}
    query = _visits_query(monday, monday + timedelta(days=6)).where(
        Visit.worker_id == viewer.worker_id
    )
    for visit in session.scalars(query):
        days[visit.day].append(visit)
    return days


@dataclass(frozen=True)
class Cell:
    """A worker's day in the team's plan: planning information, not time figures.

    ``load_minutes`` is the team's quantile of the day's total duration (see
    grid/day_load.py), not the sum of the visits' planned minutes."""

    visits: list[Visit]
    planned_minutes: int
    load_minutes: float
    shift_minutes: int
    late_risk: float = 0.0

    @property
    def overloaded(self) -> bool:
        return self.shift_minutes > 0 and self.load_minutes > self.shift_minutes


def _of_team(team: Team) -> tuple[ColumnElement[bool], ...]:
    """The team's visits. The establishment too: (establishment, day) is the visits'
    index, and without it PostgreSQL reads every visit to find one team's week."""
    return Visit.establishment_id == team.establishment_id, Visit.team_id == team.id


def team_week_plan(
    session: Session, team: Team, monday: date, today: date
) -> tuple[list[Worker], dict[tuple[int, date], Cell]]:
    """The team's workers and each worker-day of the week, its load simulated from the
    evidence of the acts planned that week (as of ``today``)."""
    workers = list(
        session.scalars(
            select(Worker)
            .where(Worker.team_id == team.id, Worker.active.is_(True))
            .options(selectinload(Worker.shifts))
            .order_by(Worker.profession, Worker.name)
        )
    )
    last = monday + timedelta(days=6)
    mine = (*_of_team(team), Visit.worker_id.is_not(None))
    by_cell: dict[tuple[int, date], list[Visit]] = defaultdict(list)
    # The visits alone, then their planned acts as plain ids: the cells show no act,
    # and a thousand act objects would cost more than the day-load simulation.
    for visit in session.scalars(select(Visit).where(Visit.day >= monday, Visit.day <= last,
                                                     *mine)
                                 .order_by(Visit.day, Visit.planned_start)):
        by_cell[(visit.worker_id or 0, visit.day)].append(visit)
    visits = [v for vs in by_cell.values() for v in vs]
    planned: dict[int, list[int]] = defaultdict(list)
    for visit_id, act_id in session.execute(
            select(VisitAct.visit_id, VisitAct.act_id)
            .where(VisitAct.visit_id.in_([v.id for v in visits]), VisitAct.planned.is_(True))
            .order_by(VisitAct.visit_id, VisitAct.act_id)):
        planned[visit_id].append(act_id)
    model = load_duration_model(session, team.establishment_id, today,
                                {a for acts in planned.values() for a in acts})
    places = _client_places(session, visits)
    site = session.get_one(Site, team.site_id)
    profile = PROFILES.get(site.kind, PROFILES["urban"])
    keys = [(worker, day) for worker in workers for day in week_days(monday)]
    shifts = {(w.id, s.weekday): s for w in workers for s in w.shifts}
    days = [_planned_day(by_cell.get((worker.id, day), []), planned,
                         shifts.get((worker.id, day.weekday())), places, (site.lat, site.lon),
                         profile, (worker.id, day.toordinal()))
            for worker, day in keys]
    simulated = simulate_days(model, days, team.planning_quantile)
    cells: dict[tuple[int, date], Cell] = {}
    for (worker, day), found in zip(keys, simulated, strict=True):
        day_visits = by_cell.get((worker.id, day), [])
        shift = shifts.get((worker.id, day.weekday()))
        cells[(worker.id, day)] = Cell(
            visits=day_visits,
            planned_minutes=sum(v.planned_minutes for v in day_visits),
            # The team's quantile of the day's total, not the sum of each visit's quantile.
            load_minutes=found.total + team.margin_minutes * len(day_visits),
            shift_minutes=shift.paid_minutes if shift is not None else 0,
            late_risk=found.late_risk,
        )
    return workers, cells


@dataclass(frozen=True)
class TeamFigures:
    """What anyone may see about a team's realized work: guarded aggregates only."""

    realized_visits: Guarded[int]
    median_minutes: Guarded[float]
    planned_vs_realized: Guarded[float]


def team_figures(session: Session, team: Team, first: date, last: date) -> TeamFigures:
    rows = session.execute(
        select(Visit.worker_id, Visit.realized_start, Visit.realized_end, Visit.planned_minutes)
        .where(
            Visit.team_id == team.id,
            Visit.day >= first,
            Visit.day <= last,
            Visit.status == "done",
            Visit.realized_start.is_not(None),
            Visit.realized_end.is_not(None),
        )
    ).all()
    workers = [r.worker_id for r in rows if r.worker_id is not None]
    minutes = [(r.realized_end - r.realized_start).total_seconds() / 60 for r in rows]
    planned = sum(r.planned_minutes for r in rows)
    return TeamFigures(
        realized_visits=guard(len(rows), workers),
        median_minutes=guard(statistics.median(minutes) if minutes else 0.0, workers),
        planned_vs_realized=guard(sum(minutes) / planned if planned else 0.0, workers),
    )


def unassigned_visits(session: Session, team: Team, monday: date) -> list[Visit]:
    query = _visits_query(monday, monday + timedelta(days=6)).where(
        *_of_team(team), Visit.worker_id.is_(None))
    return list(session.scalars(query))


@dataclass(frozen=True)
class PlannedRealized:
    """Planned against realized minutes for one act or one reason; guarded (k >= 5)."""

    label_fr: str
    label_en: str
    visits: Guarded[int]
    planned: Guarded[int]
    realized: Guarded[int]


def planned_vs_realized(
    session: Session, team: Team, first: date, last: date
) -> tuple[list[PlannedRealized], list[PlannedRealized]]:
    """By act (visits holding the act) and by variance reason, over done visits with times.

    Each row passes through the k >= 5 guard: a row covering fewer than 5 distinct
    workers shows nothing."""
    from balise.grid.models import Act, VarianceReason, VisitReason

    base = (
        Visit.team_id == team.id, Visit.day >= first, Visit.day <= last,
        Visit.status == "done", Visit.realized_start.is_not(None),
        Visit.realized_end.is_not(None),
    )
    by_act = session.execute(
        select(Act.label_fr, Act.label_en, Visit.worker_id, Visit.planned_minutes,
               Visit.realized_start, Visit.realized_end)
        .join(VisitAct, VisitAct.visit_id == Visit.id).join(Act, Act.id == VisitAct.act_id)
        .where(*base)
    ).all()
    by_reason = session.execute(
        select(VarianceReason.label_fr, VarianceReason.label_en, Visit.worker_id,
               Visit.planned_minutes, Visit.realized_start, Visit.realized_end)
        .join(VisitReason, VisitReason.visit_id == Visit.id)
        .join(VarianceReason, VarianceReason.id == VisitReason.reason_id)
        .where(*base)
    ).all()
    return _rows(by_act), _rows(by_reason)


def _rows(rows: Sequence[Any]) -> list[PlannedRealized]:
    groups: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for row in rows:
        groups[(row[0], row[1])].append(row)
    result = []
    for (fr, en), members in sorted(groups.items()):
        workers = [m[2] for m in members if m[2] is not None]
        realized = sum((m[5] - m[4]).total_seconds() / 60 for m in members)
        result.append(PlannedRealized(
            fr, en, guard(len(members), workers), guard(sum(m[3] for m in members), workers),
            guard(round(realized), workers)))
    return result


def _client_places(session: Session, visits: list[Visit]) -> dict[int, tuple[float, float]]:
    ids = {v.client_id for v in visits}
    rows = session.execute(select(Client.id, Client.lat, Client.lon).where(Client.id.in_(ids)))
    return {client_id: (lat, lon) for client_id, lat, lon in rows}


def _planned_day(visits: list[Visit], acts: dict[int, list[int]], shift: WorkerShift | None,
                 places: dict[int, tuple[float, float]], site: tuple[float, float],
                 profile: TravelProfile, seed: tuple[int, ...]) -> PlannedDay:
    """The day's visits in route order (planned start), with the travel from the site or
    the previous client, as straight-line distance by the site's travel profile."""
    ordered = sorted(visits, key=lambda v: (v.planned_start or v.window_start, v.id))
    stops, here = [], site
    for visit in ordered:
        there = places[visit.client_id]
        minutes = haversine_km(here, there) * profile.detour / profile.speed_kmh * 60
        stops.append(Stop(tuple(acts.get(visit.id, ())),
                          visit.window_start, minutes))
        here = there
    return PlannedDay(stops, Shift(shift.start_minute, shift.end_minute, shift.break_minutes)
                      if shift is not None else None, seed)
