"""Planning a team's day: Balise's visits and workers as one home-care routing problem.

The day becomes an instance of the Unified Home Healthcare problem (``planner/uhhc``),
the same model that is judged on the public benchmarks: workers are caregivers with
their shift, start and end place and a meal break; each visit is a patient with its
window, its planned duration and the professions allowed to do its acts; the client's
usual worker is the preferred caregiver (continuity of care). Every visit is optional
with a large cost, so one that cannot be placed comes back unassigned, with a reason,
instead of making the whole day infeasible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import pairwise

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from balise.core.i18n import lazy
from balise.grid.models import Act, Visit, VisitAct
from balise.planner.travel import PROFILES, straight_line_matrix
from balise.planner.uhhc.instance import (
    COMPONENTS,
    Caregiver,
    CostWeights,
    Instance,
    LunchBreaks,
    Patient,
    RequiredService,
    Service,
    TerminalPoint,
    TimeWindow,
)
from balise.planner.uhhc.search import solve_uhhc
from balise.planner.uhhc.solution import Solution
from balise.territory.models import Client, Site, Team, Worker

# Meal break: taken between 11:00 and 14:00 (minutes from midnight).
LUNCH = LunchBreaks(start=11 * 60, end=14 * 60, min_duration=30)
# A visit left out costs far more than any route could: the planner places all it can.
LEFT_OUT_COST = 10_000.0


@dataclass(frozen=True)
class PlanSettings:
    continuity_cost: float = 30.0  # minutes of travel worth keeping the usual worker
    waiting_cost: float = 0.1
    time_limit_s: float = 10.0
    seed: int = 1


@dataclass(frozen=True)
class Stop:
    visit_id: int
    start: int  # minute of the day
    end: int


@dataclass
class DayPlan:
    routes: dict[int, list[Stop]] = field(default_factory=dict)  # worker id -> stops
    unassigned: dict[int, str] = field(default_factory=dict)  # visit id -> reason code
    travel_minutes: float = 0.0


UNASSIGNED_REASONS: dict[str, str] = {
    "no_profession": lazy("No worker with the required profession works that day."),
    "window_impossible": lazy("The visit cannot fit its time window within any shift."),
    "capacity": lazy("Not enough time left in the shifts of the day."),
}
REASONS = tuple(UNASSIGNED_REASONS)


def build_instance(session: Session, team: Team, day: date,
                   visits: Sequence[Visit]) -> tuple[Instance, list[Worker]]:
    site = session.get_one(Site, team.site_id)
    workers = [w for w in session.scalars(
        select(Worker).where(Worker.team_id == team.id, Worker.active.is_(True))
        .options(selectinload(Worker.shifts)).order_by(Worker.id))
        if any(s.weekday == day.weekday() for s in w.shifts)]
    clients = {c.id: c for c in session.scalars(
        select(Client).where(Client.id.in_({v.client_id for v in visits})))}
    allowed = {a.id: frozenset(a.professions) for a in session.scalars(select(Act))}
    points = [(site.lat, site.lon)] + [(clients[v.client_id].lat, clients[v.client_id].lon)
                                       for v in visits]
    services: dict[frozenset[str], str] = {}
    patients = []
    for index, visit in enumerate(visits, start=1):
        professions = frozenset.intersection(
            *(allowed[a.act_id] for a in visit.acts if a.planned)) if visit.acts else frozenset()
        service = services.setdefault(professions, f"s{len(services)}")
        usual = clients[visit.client_id].usual_worker_id
        patients.append(Patient(
            id=f"v{visit.id}",
            required_services=(RequiredService(service, float(visit.planned_minutes)),),
            location=index,
            time_windows=(TimeWindow(float(visit.window_start), float(visit.window_end)),),
            preferred_caregivers=frozenset({f"w{usual}"}) if usual else None,
            optional=True,
        ))
    caregivers = []
    for worker in workers:
        shift = next(s for s in worker.shifts if s.weekday == day.weekday())
        abilities = frozenset(sid for profs, sid in services.items()
                              if worker.profession in profs or set(worker.skills) & profs)
        caregivers.append(Caregiver(
            id=f"w{worker.id}", abilities=abilities, departing_point="site",
            arrival_point="site",
            working_shift=TimeWindow(float(shift.start_minute), float(shift.end_minute)),
            lunch_break=shift.break_minutes > 0))
    instance = Instance(
        name=f"{team.code}-{day.isoformat()}", origin="balise",
        time_window_met="at_service_start", weights=_weights(PlanSettings()),
        distances=tuple(tuple(row) for row in straight_line_matrix(
            points, PROFILES.get(site.kind, PROFILES["urban"]))),
        terminal_points=(TerminalPoint("site", 0),), caregivers=tuple(caregivers),
        patients=tuple(patients),
        services=tuple(Service(sid, sid) for sid in services.values()),
        lunch_breaks=LUNCH,
    )
    return instance, workers


def _weights(settings: PlanSettings) -> CostWeights:
    values: dict[str, float | str] = {
        "travel_time": 1.0,
        "total_tardiness": "HARD",
        "total_waiting_time": settings.waiting_cost,
        "total_extra_time": "HARD",
        "caregiver_preferences": settings.continuity_cost,
        "optional_patients": LEFT_OUT_COST,
        "missed_lunch_break": "HARD",
        "qualification": "HARD",
    }
    return CostWeights(tuple((name, values[name]) for name in COMPONENTS if name in values))  # type: ignore[misc]


def day_visits(session: Session, team: Team, day: date) -> list[Visit]:
    return list(session.scalars(
        select(Visit).where(Visit.team_id == team.id, Visit.day == day,
                            Visit.status == "planned")
        .options(selectinload(Visit.acts).selectinload(VisitAct.act)).order_by(Visit.id)))


def plan_day(session: Session, team: Team, day: date,
             settings: PlanSettings = PlanSettings()) -> DayPlan:
    """Assign and order the team's planned visits of the day; nothing is written."""
    visits = day_visits(session, team, day)
    instance, workers = build_instance(session, team, day, visits)
    instance = _with_weights(instance, settings)
    plan = DayPlan()
    if not visits:
        return plan
    solution = solve_uhhc(instance, settings.time_limit_s, settings.seed) if workers else \
        Solution(routes=())
    placed = _read_routes(solution, plan)
    by_id = {p.id: p for p in instance.patients}
    for visit in visits:
        if visit.id not in placed:
            plan.unassigned[visit.id] = _reason(instance, by_id[f"v{visit.id}"])
    plan.travel_minutes = _travel(instance, plan, visits)
    return plan


def _with_weights(instance: Instance, settings: PlanSettings) -> Instance:
    return replace(instance, weights=_weights(settings))


def _read_routes(solution: Solution, plan: DayPlan) -> set[int]:
    placed: set[int] = set()
    for route in solution.routes:
        worker_id = int(route.caregiver[1:])
        stops = [Stop(int(v.patient[1:]), round(v.start), round(v.end))
                 for v in route.visits or () if not v.is_lunch]
        if stops:
            plan.routes[worker_id] = sorted(stops, key=lambda s: s.start)
            placed.update(s.visit_id for s in stops)
    return placed


def _reason(instance: Instance, patient: Patient) -> str:
    service = patient.required_services[0]
    able = [c for c in instance.caregivers if service.service in c.abilities]
    if not able:
        return "no_profession"
    window = patient.time_windows[0]
    fits = [c for c in able if c.working_shift is not None
            and max(window.start, c.working_shift.start) + service.duration
            <= c.working_shift.end and window.start <= window.end]
    if not fits:
        return "window_impossible"
    return "capacity"


def _travel(instance: Instance, plan: DayPlan, visits: Sequence[Visit]) -> float:
    location = {f"v{v.id}": i for i, v in enumerate(visits, start=1)}
    total = 0.0
    for stops in plan.routes.values():
        path = [0, *(location[f"v{s.visit_id}"] for s in stops), 0]
        total += sum(instance.distances[a][b] for a, b in pairwise(path))
    return total


def apply_plan(session: Session, plan: DayPlan) -> None:
    """Write the plan: each placed visit gets its worker and planned start."""
    for worker_id, stops in plan.routes.items():
        for stop in stops:
            visit = session.get_one(Visit, stop.visit_id)
            visit.worker_id = worker_id
            visit.planned_start = stop.start
    for visit_id in plan.unassigned:
        session.get_one(Visit, visit_id).worker_id = None
    session.flush()
