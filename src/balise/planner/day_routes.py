"""A team's day as routes, for the team lead: reading it, re-checking a move, making it.

Reads what is written (each visit's worker and planned start), times it with the same
travel the planner uses (the routing server when configured, else the straight line),
and simulates each route's risk of ending late. A move is checked first
(:func:`check_move`) and written only when the lead confirms (:func:`move_visit`), with
the route it lands on re-timed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from balise.core.errors import InvalidInput, NotFound
from balise.grid.day_load import Shift
from balise.grid.models import Act, Visit, VisitAct
from balise.grid.week_plan import DurationModel, load_duration_model
from balise.journal import service as journal
from balise.planner.day_travel import Point, keep_travel, leg_key, legs, route_pairs, stored_travel
from balise.planner.lateness import RouteStop, day_risk
from balise.planner.route_check import (
    MoveWarning,
    RouteVisit,
    TimedStop,
    Travel,
    insert_best,
    route_warnings,
    timed,
)
from balise.planner.routing import RoutingServer, travel_matrix
from balise.planner.travel import PROFILES, TravelProfile, straight_line_matrix
from balise.territory.models import Client, Site, Team, Worker


@dataclass(frozen=True)
class PlannedStop:
    visit: Visit
    start: int
    end: int
    place: tuple[float, float]


@dataclass(frozen=True)
class WorkerDay:
    worker: Worker
    shift: Shift | None
    stops: list[PlannedStop]
    risk: float


@dataclass(frozen=True)
class TeamDay:
    team: Team
    day: date
    site: tuple[float, float]
    routes: list[WorkerDay]
    unplaced: list[Visit]
    max_risk: float
    travel_warning: str | None
    # Legs timed by the straight line although a routing server is configured: the
    # routes changed since the server was last asked (``day_travel.py``).
    estimated_legs: int = 0


@dataclass(frozen=True)
class MoveCheck:
    visit: Visit
    worker: Worker
    day: date
    stops: list[TimedStop]
    risk: float
    warnings: list[MoveWarning]


def _visits(session: Session, team: Team, day: date) -> list[Visit]:
    return list(session.scalars(
        select(Visit).where(Visit.team_id == team.id, Visit.day == day,
                            Visit.status == "planned")
        .options(selectinload(Visit.acts).selectinload(VisitAct.act)).order_by(Visit.id)))


def _shift(worker: Worker, day: date) -> Shift | None:
    found = next((s for s in worker.shifts if s.weekday == day.weekday()), None)
    return None if found is None else Shift(found.start_minute, found.end_minute,
                                            found.break_minutes)


def _places(session: Session, visits: Sequence[Visit]) -> dict[int, tuple[float, float]]:
    rows = session.execute(select(Client.id, Client.lat, Client.lon)
                           .where(Client.id.in_({v.client_id for v in visits})))
    return {client_id: (lat, lon) for client_id, lat, lon in rows}


def _profile(session: Session, team: Team) -> TravelProfile:
    return PROFILES.get(session.get_one(Site, team.site_id).kind, PROFILES["urban"])


class _KeptTravel:
    """Minutes between points from the legs kept with the plan, else the straight line;
    remembers which legs it had to estimate."""

    def __init__(self, points: Sequence[Point], kept: dict[str, float],
                 profile: TravelProfile) -> None:
        self.points, self.kept, self.profile = points, kept, profile
        self.estimated: set[str] = set()

    def __call__(self, a: int, b: int) -> float:
        key = leg_key(self.points[a], self.points[b])
        if key in self.kept:
            return self.kept[key]
        self.estimated.add(key)
        return straight_line_matrix([self.points[a], self.points[b]], self.profile)[0][1]


def _risk(stops: Sequence[TimedStop], shift: Shift | None, model: DurationModel,
          max_risk: float) -> float:
    if shift is None:
        return 0.0
    route = [RouteStop(s.visit.act_ids, s.visit.window_start, s.travel_before) for s in stops]
    return day_risk(route, shift.start, shift.end, shift.break_minutes, model, max_risk).risk


def _route_visit(visit: Visit, place: int) -> RouteVisit:
    return RouteVisit(visit.id, place, visit.window_start, visit.window_end,
                      visit.planned_minutes, tuple(a.act_id for a in visit.acts if a.planned))


def team_workers(session: Session, team: Team) -> list[Worker]:
    return list(session.scalars(
        select(Worker).where(Worker.team_id == team.id, Worker.active.is_(True))
        .options(selectinload(Worker.shifts)).order_by(Worker.name, Worker.id)))


def team_day(session: Session, team: Team, day: date,
             server: RoutingServer | None = None) -> TeamDay:
    """Every worker's route of the day as written, with times and risk. Travel comes from
    the legs kept with the plan; the routing server is never asked here (a page view)."""
    site_row = session.get_one(Site, team.site_id)
    site = (site_row.lat, site_row.lon)
    visits = _visits(session, team, day)
    places = _places(session, visits)
    points = [site] + [places[v.client_id] for v in visits]
    index = {v.id: i for i, v in enumerate(visits, start=1)}
    kept = stored_travel(session, team.id, day)
    travel = _KeptTravel(points, kept.legs if kept else {}, _profile(session, team))
    warning = kept.warning if kept else None
    model = load_duration_model(session, team.establishment_id, day)
    routes = []
    for worker in team_workers(session, team):
        own = sorted((v for v in visits if v.worker_id == worker.id),
                     key=lambda v: (v.planned_start if v.planned_start is not None
                                    else v.window_start, v.id))
        shift = _shift(worker, day)
        if not own and shift is None:
            continue
        # The risk walks the route in its written order, with its real travel.
        simulated = timed([_route_visit(v, index[v.id]) for v in own],
                          shift.start if shift else 0, travel)
        stops = []
        for visit, timing in zip(own, simulated, strict=True):
            start = visit.planned_start if visit.planned_start is not None else timing.start
            stops.append(PlannedStop(visit, start, start + visit.planned_minutes,
                                     places[visit.client_id]))
        routes.append(WorkerDay(worker, shift, stops,
                                _risk(simulated, shift, model, team.max_late_risk)))
    worker_ids = {r.worker.id for r in routes}
    unplaced = [v for v in visits if v.worker_id is None or v.worker_id not in worker_ids]
    estimated = len(travel.estimated) if server is not None and warning is None else 0
    return TeamDay(team, day, site, routes, unplaced, team.max_late_risk, warning, estimated)


def access_team_visit(session: Session, team: Team, visit_id: int) -> Visit:
    """A planned visit of this team; any other answers as missing."""
    visit = session.get(Visit, visit_id)
    if visit is None or visit.team_id != team.id or visit.status != "planned":
        raise NotFound()
    return visit


def _team_worker(session: Session, team: Team, worker_id: int) -> Worker:
    worker = session.get(Worker, worker_id)
    if worker is None or worker.team_id != team.id or not worker.active:
        raise InvalidInput("worker", "unknown_choice")
    return worker


def _allowed(session: Session, visit: Visit) -> frozenset[str]:
    planned = [a.act_id for a in visit.acts if a.planned]
    if not planned:
        return frozenset()
    lists = session.scalars(select(Act.professions).where(Act.id.in_(planned))).all()
    return frozenset.intersection(*(frozenset(p) for p in lists))


def _written_order(visits: Sequence[Visit]) -> list[Visit]:
    return sorted(visits, key=lambda v: (v.planned_start if v.planned_start is not None
                                         else v.window_start, v.id))


def _move_travel(session: Session, team: Team, visit: Visit, route: Sequence[Visit],
                 day: date, server: RoutingServer | None, reuse: bool) -> Travel:
    """Travel among the site, the receiving route and the visit, from one table request
    (which also times the route the visit leaves), kept with both days so the page and
    the confirmation need not ask again; on confirmation the kept legs are reused."""
    site_row = session.get_one(Site, team.site_id)
    leaving = [] if visit.worker_id is None else _written_order(
        [v for v in _visits(session, team, visit.day)
         if v.worker_id == visit.worker_id and v.id != visit.id and v not in route])
    places = _places(session, [*route, visit, *leaving])
    points = [(site_row.lat, site_row.lon)] + [places[v.client_id]
                                               for v in [*route, visit, *leaving]]
    here = range(len(route) + 2)  # the site, the route and the visit
    kept = stored_travel(session, team.id, day)
    if server is None or (reuse and kept is not None and all(
            leg_key(points[a], points[b]) in kept.legs for a in here for b in here)):
        return _KeptTravel(points, kept.legs if kept else {}, _profile(session, team))
    matrix = travel_matrix(points, _profile(session, team), server)
    if matrix.warning is None:
        keep_travel(session, team.id, day, legs(points, matrix.minutes,
                                                [(a, b) for a in here for b in here]),
                    matrix.source, None, replace=False)
        if leaving:
            keep_travel(session, team.id, visit.day, legs(points, matrix.minutes, route_pairs(
                list(range(len(route) + 2, len(points))))), matrix.source, None, replace=False)
    return lambda a, b: matrix.minutes[a][b]


def check_move(session: Session, team: Team, visit: Visit, worker_id: int, day: date,
               server: RoutingServer | None = None, *, reuse: bool = False) -> MoveCheck:
    """The route ``visit`` would land on, re-timed, and what it would break. Nothing of
    the plan is written; the road times asked for it are kept (``_move_travel``)."""
    worker = _team_worker(session, team, worker_id)
    route = _written_order([v for v in _visits(session, team, day)
                            if v.worker_id == worker.id and v.id != visit.id])
    travel = _move_travel(session, team, visit, route, day, server, reuse)
    shift = _shift(worker, day)
    stops = insert_best([_route_visit(v, i) for i, v in enumerate(route, start=1)],
                        _route_visit(visit, len(route) + 1),
                        shift or Shift(visit.window_start, 24 * 60, 0), travel)
    model = load_duration_model(session, team.establishment_id, day)
    risk = _risk(stops, shift, model, team.max_late_risk)
    warnings = []
    allowed = _allowed(session, visit)
    if allowed and worker.profession not in allowed and not set(worker.skills) & allowed:
        warnings.append(MoveWarning("profession"))
    warnings += route_warnings(stops, shift, travel, risk, team.max_late_risk)
    return MoveCheck(visit, worker, day, stops, risk, warnings)


def move_visit(session: Session, team: Team, visit: Visit, worker_id: int, day: date,
               server: RoutingServer | None = None, by: int | None = None) -> MoveCheck:
    """Move the visit, re-time the route it lands on; the warnings go back to the lead and
    into the journal with who moved what from where to where."""
    from_worker, from_day = visit.worker_id, visit.day
    check = check_move(session, team, visit, worker_id, day, server, reuse=True)
    visit.worker_id = check.worker.id
    visit.day = day
    for stop in check.stops:
        session.get_one(Visit, stop.visit.visit_id).planned_start = stop.start
    session.flush()
    _journal_move(session, team, visit, from_worker, from_day, check, by)
    return check


def _journal_move(session: Session, team: Team, visit: Visit, from_worker: int | None,
                  from_day: date, check: MoveCheck, by: int | None) -> None:
    """The warnings as codes and numbers: the journal tells them in each reader's language."""
    payload: dict[str, object] = {
        "from_worker": from_worker, "from_day": from_day.isoformat(),
        "to_worker": check.worker.id, "to_day": check.day.isoformat(),
        "warning_count": len(check.warnings),
        "warnings": [{"code": w.code, **w.params} for w in check.warnings],
    }
    journal.append(session, action="planner.visit.moved" if from_worker is not None
                   else "planner.visit.assigned", subject=f"visit:{visit.id}",
                   payload=payload, actor_user_id=by, establishment_id=team.establishment_id)


def set_max_late_risk(session: Session, team: Team, percent: int) -> None:
    """The team's largest accepted risk of a day ending after the shift, in whole %."""
    if not 1 <= percent <= 50:
        raise InvalidInput("max_risk", "out_of_range", low=1, high=50)
    team.max_late_risk = percent / 100
    session.flush()

