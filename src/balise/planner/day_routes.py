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
from balise.grid.models import Act, Visit, VisitAct
from balise.grid.week_plan import DurationModel, load_duration_model
from balise.planner.lateness import RouteStop, day_risk
from balise.planner.route_check import (
    MoveWarning,
    RouteVisit,
    Shift,
    TimedStop,
    Travel,
    insert_best,
    route_warnings,
    timed,
)
from balise.planner.routing import RoutingServer, travel_matrix
from balise.planner.travel import PROFILES
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


def _travel(session: Session, team: Team, points: list[tuple[float, float]],
            server: RoutingServer | None) -> tuple[Travel, str | None]:
    site = session.get_one(Site, team.site_id)
    matrix = travel_matrix(points, PROFILES.get(site.kind, PROFILES["urban"]), server)
    return (lambda a, b: matrix.minutes[a][b]), matrix.warning


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
    """Every worker's route of the day as written, with times and risk."""
    site_row = session.get_one(Site, team.site_id)
    site = (site_row.lat, site_row.lon)
    visits = _visits(session, team, day)
    places = _places(session, visits)
    points = [site] + [places[v.client_id] for v in visits]
    index = {v.id: i for i, v in enumerate(visits, start=1)}
    travel, warning = _travel(session, team, points, server)
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
    return TeamDay(team, day, site, routes, unplaced, team.max_late_risk, warning)


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


def check_move(session: Session, team: Team, visit: Visit, worker_id: int, day: date,
               server: RoutingServer | None = None) -> MoveCheck:
    """The route ``visit`` would land on, re-timed, and what it would break."""
    worker = _team_worker(session, team, worker_id)
    route = sorted((v for v in _visits(session, team, day)
                    if v.worker_id == worker.id and v.id != visit.id),
                   key=lambda v: (v.planned_start if v.planned_start is not None
                                  else v.window_start, v.id))
    site = session.get_one(Site, team.site_id)
    places = _places(session, [*route, visit])
    points = [(site.lat, site.lon)] + [places[v.client_id] for v in [*route, visit]]
    travel, _warning = _travel(session, team, points, server)
    shift = _shift(worker, day)
    stops = insert_best([_route_visit(v, i) for i, v in enumerate(route, start=1)],
                        _route_visit(visit, len(points) - 1),
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
               server: RoutingServer | None = None) -> MoveCheck:
    """Move the visit, re-time the route it lands on; the warnings go back to the lead."""
    check = check_move(session, team, visit, worker_id, day, server)
    visit.worker_id = check.worker.id
    visit.day = day
    for stop in check.stops:
        session.get_one(Visit, stop.visit.visit_id).planned_start = stop.start
    session.flush()
    return check


def set_max_late_risk(session: Session, team: Team, percent: int) -> None:
    """The team's largest accepted risk of a day ending after the shift, in whole %."""
    if not 1 <= percent <= 50:
        raise InvalidInput("max_risk", "out_of_range", low=1, high=50)
    team.max_late_risk = percent / 100
    session.flush()

