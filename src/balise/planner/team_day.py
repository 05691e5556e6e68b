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

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import pairwise

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from balise.core.i18n import lazy
from balise.grid.models import Act, Visit, VisitAct, WaitingListEntry
from balise.grid.week_plan import DurationModel, load_duration_model
from balise.planner.day_travel import Point, forget_travel, keep_travel, legs, route_pairs
from balise.planner.lateness import (
    DEFAULT_MAX_RISK,
    DayRisk,
    RouteStop,
    day_risk,
    planning_reserve,
)
from balise.planner.routing import RoutingServer, travel_matrix
from balise.planner.slack import Assess, solve_keeping_slack
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
from balise.planner.visit_groups import (
    SECOND,
    patient_id,
    patients_by_visit,
    synchronization,
    time_windows,
    visit_groups,
    visit_of,
)
from balise.territory.models import Client, Site, Team, Worker

# Meal break: taken between 11:00 and 14:00 (minutes from midnight).
LUNCH = LunchBreaks(start=11 * 60, end=14 * 60, min_duration=30)
# A visit left out costs far more than any route could: the planner places all it can.
LEFT_OUT_COST = 10_000.0


@dataclass(frozen=True)
class PlanSettings:
    continuity_cost: float = 30.0  # minutes of travel worth keeping the usual worker
    waiting_cost: float = 0.1
    # Load balance: each minute of the most idle worker's spare time costs this much
    # travel, so the day's work is spread instead of piled on the first routes.
    balance_cost: float = 0.2
    time_limit_s: float = 10.0
    seed: int = 1
    max_risk: float | None = None  # largest accepted lateness risk; None: the team's
    routing: RoutingServer | None = None  # road-network server; None: straight line


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
    risks: dict[int, float] = field(default_factory=dict)  # worker id -> risk of ending late
    max_risk: float = DEFAULT_MAX_RISK
    warnings: list[str] = field(default_factory=list)  # keys of FALLBACK_WARNINGS
    team_id: int | None = None
    day: date | None = None
    travel_source: str = "straight_line"  # "osrm" or "valhalla" when the server answered
    legs: dict[str, float] = field(default_factory=dict)  # road minutes of the routes' legs

    @property
    def over_risk(self) -> list[int]:
        """Workers whose day stays above the maximum risk after keeping what slack fits."""
        return sorted(w for w, risk in self.risks.items() if risk > self.max_risk)


UNASSIGNED_REASONS: dict[str, str] = {
    "no_profession": lazy("No worker with the required profession works that day."),
    "window_impossible": lazy("The visit cannot fit its time window within any shift."),
    "capacity": lazy("Not enough time left in the shifts of the day."),
    "double_one_worker": lazy("A double visit needs two qualified workers at the same time; "
                              "only one works that day."),
    "sequence_delay": lazy("The delay between the two visits of the sequence cannot be met "
                           "within the window and the shifts."),
    "late_risk": lazy("Risk of running late above the team's maximum: no worker's day could "
                      "take this visit and still end on time often enough."),
}
REASONS = tuple(UNASSIGNED_REASONS)


def build_instance(session: Session, team: Team, day: date,
                   visits: Sequence[Visit]) -> tuple[Instance, list[Worker]]:
    """The day as a UHHC instance. The travel matrix has the site, then one row per visit
    in the order of ``visits`` (the two visits of a group share a client, so either row
    is its place); a double visit or a sequence is one patient (``visit_groups.py``)."""
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
    row = {v.id: i for i, v in enumerate(visits, start=1)}
    services: dict[tuple[frozenset[str], int], str] = {}

    def service_of(visit: Visit, slot: int) -> str:
        professions = frozenset.intersection(
            *(allowed[a.act_id] for a in visit.acts if a.planned)) if visit.acts else frozenset()
        first = services.setdefault((professions, 0), f"s{len(services)}")
        return first if slot == 0 else services.setdefault((professions, 1), first + SECOND)

    patients = []
    working = {w.id for w in workers}
    for unit in visit_groups(visits):
        lead = unit[0]
        usual = clients[lead.client_id].usual_worker_id
        usual = usual if usual in working else None  # a usual worker off that day
        preferred = frozenset({f"w{usual}"}) if usual else None
        if lead.optional:
            # Every worker is "not preferred" for an optional visit: placing it costs the
            # continuity cost, so a required visit is never bumped for it at equal travel
            # (the UHHC model has one cost for every patient left out).
            preferred = frozenset()
        patients.append(Patient(
            id=patient_id(unit),
            required_services=tuple(RequiredService(service_of(v, slot), float(v.planned_minutes))
                                    for slot, v in enumerate(unit)),
            location=row[lead.id],
            time_windows=time_windows(lead),
            synchronization=synchronization(unit),
            preferred_caregivers=preferred,
            optional=True,
        ))
    caregivers = []
    for worker in workers:
        shift = next(s for s in worker.shifts if s.weekday == day.weekday())
        abilities = frozenset(sid for (profs, _), sid in services.items()
                              if worker.profession in profs or set(worker.skills) & profs)
        if not abilities:
            # Nothing to plan for this worker today; listed, the UHHC model would still
            # owe them a meal break taken on a route, which is a failure without visits.
            continue
        caregivers.append(Caregiver(
            id=f"w{worker.id}", abilities=abilities, departing_point="site",
            arrival_point="site",
            working_shift=TimeWindow(float(shift.start_minute), float(shift.end_minute)),
            lunch_break=shift.break_minutes > 0))
    instance = Instance(
        # "extended": the UHHC origin of instances using every feature (the validator
        # knows a fixed list of origins).
        name=f"{team.code}-{day.isoformat()}", origin="extended",
        time_window_met="at_service_start", weights=_weights(PlanSettings()),
        distances=tuple(tuple(row) for row in straight_line_matrix(
            points, PROFILES.get(site.kind, PROFILES["urban"]))),
        terminal_points=(TerminalPoint("site", 0),), caregivers=tuple(caregivers),
        patients=tuple(patients),
        services=tuple(Service(sid, sid) for sid in services.values()),
        lunch_breaks=LUNCH,
    )
    required = {patient_id(u) for u in visit_groups(visits)
                if len(u) == 2 and not any(v.optional for v in u)}
    return replace(instance, patients=tuple(_keep_groups(instance, required))), workers


def _keep_groups(instance: Instance, required: set[str]) -> list[Patient]:
    """A required double visit or sequence that some pair of workers can do is mandatory.

    Every other patient is optional at one cost (the UHHC model has one cost for every
    patient left out), so on a full day a group, which takes two visits' time, would be
    the first dropped; mandatory, it is placed first and single visits give way. A group
    that no pair of workers can do stays optional and comes back with its reason."""
    return [replace(p, optional=False)
            if p.id in required and _reason(instance, p) == "capacity" else p
            for p in instance.patients]


def _weights(settings: PlanSettings) -> CostWeights:
    values: dict[str, float | str] = {
        "travel_time": 1.0,
        "total_tardiness": "HARD",
        "total_waiting_time": settings.waiting_cost,
        "total_extra_time": "HARD",
        # The UHHC search reads "working_time: HARD" as "back by the shift's end"; without
        # it overtime costs nothing and routes ran past the shift.
        "working_time": "HARD",
        "max_idle_time": settings.balance_cost,
        "caregiver_preferences": settings.continuity_cost,
        "optional_patients": LEFT_OUT_COST,
        "missed_lunch_break": "HARD",
        "qualification": "HARD",
    }
    return CostWeights(tuple((name, values[name]) for name in COMPONENTS if name in values))  # type: ignore[misc]


def day_visits(session: Session, team: Team, day: date) -> list[Visit]:
    """The visits to plan: the team's planned visits of the day, both visits of a double
    visit or a sequence among them."""
    return list(session.scalars(
        select(Visit).where(Visit.team_id == team.id, Visit.day == day,
                            Visit.status == "planned")
        .options(selectinload(Visit.acts).selectinload(VisitAct.act)).order_by(Visit.id)))


def plan_day(session: Session, team: Team, day: date,
             settings: PlanSettings = PlanSettings()) -> DayPlan:
    """Assign and order the team's planned visits of the day; nothing is written.

    Travel comes from the routing server when one is configured (one table request),
    else the straight line; routes whose risk of ending late passes the maximum get
    slack (``slack.py``); what stays above it is in ``DayPlan.over_risk``."""
    visits = day_visits(session, team, day)
    instance, workers = build_instance(session, team, day, visits)
    instance = _with_weights(instance, settings)
    plan = DayPlan(max_risk=team.max_late_risk if settings.max_risk is None
                   else settings.max_risk, team_id=team.id, day=day)
    if not visits:
        return plan
    points = _places(session, team, visits)
    if settings.routing is not None:
        travel = travel_matrix(points, PROFILES.get(_site(session, team).kind, PROFILES["urban"]),
                               settings.routing)
        if travel.warning is not None:
            plan.warnings.append(travel.warning)
        elif len(travel.minutes) == len(instance.distances):
            instance = replace(instance, distances=tuple(tuple(r) for r in travel.minutes))
            plan.travel_source = travel.source
    left_for_risk: frozenset[str] = frozenset()
    if workers:
        model = load_duration_model(session, team.establishment_id, day)
        assess = _risk_assessor(model, day, instance, visits, workers, plan.max_risk)
        result = solve_keeping_slack(
            instance, lambda i, s: solve_uhhc(i, s, settings.seed), assess, plan.max_risk,
            settings.time_limit_s, _reserve(model, instance, visits, plan.max_risk),
            settings.seed)
        solution, left_for_risk = result.solution, result.left_for_risk
        plan.risks = {int(c[1:]): r.risk for c, r in result.risks.items()}
    else:
        solution = Solution(routes=())
    placed = _read_routes(solution, plan)
    by_id = patients_by_visit(instance.patients)  # both visits of a group: one patient
    for visit in visits:
        if visit.id not in placed:
            patient = by_id[f"v{visit.id}"]
            plan.unassigned[visit.id] = ("late_risk" if patient.id in left_for_risk
                                         else _reason(instance, patient))
    plan.travel_minutes = _travel(instance, plan, visits)
    if plan.travel_source != "straight_line":
        row = {v.id: i for i, v in enumerate(visits, start=1)}
        for stops in plan.routes.values():
            plan.legs.update(legs(points, instance.distances,
                                  route_pairs([row[s.visit_id] for s in stops])))
    return plan


def _site(session: Session, team: Team) -> Site:
    return session.get_one(Site, team.site_id)


def _places(session: Session, team: Team, visits: Sequence[Visit]) -> list[Point]:
    """The day's places in the instance's order (the site, then each visit's client)."""
    site = _site(session, team)
    places = {cid: (lat, lon) for cid, lat, lon in session.execute(
        select(Client.id, Client.lat, Client.lon)
        .where(Client.id.in_({v.client_id for v in visits})))}
    return [(site.lat, site.lon)] + [places[v.client_id] for v in visits]


def _reserve(model: DurationModel, instance: Instance, visits: Sequence[Visit],
             max_risk: float) -> dict[str, float]:
    """Minutes each shift keeps free while searching, for a route of the day's mean size."""
    if not instance.caregivers:
        return {}
    per_route = math.ceil(len(visits) / len(instance.caregivers))
    reserve = planning_reserve(
        [(tuple(a.act_id for a in v.acts if a.planned), float(v.planned_minutes)) for v in visits],
        per_route, model, max_risk)
    return {c.id: reserve for c in instance.caregivers}


def _risk_assessor(model: DurationModel, day: date, instance: Instance,
                   visits: Sequence[Visit], workers: Sequence[Worker],
                   max_risk: float) -> Assess:
    """Simulate each route of a solution over the evidence of the visits' acts."""
    by_id = {v.id: v for v in visits}
    location = {key: p.location for key, p in patients_by_visit(instance.patients).items()}
    shifts = {w.id: next(s for s in w.shifts if s.weekday == day.weekday()) for w in workers}

    def assess(solution: Solution) -> dict[str, DayRisk]:
        scratch = DayPlan()
        _read_routes(solution, scratch)
        risks = {}
        for worker_id, stops in scratch.routes.items():
            here, route = 0, []
            for stop in stops:
                visit = by_id[stop.visit_id]
                there = location[f"v{visit.id}"]
                route.append(RouteStop(tuple(a.act_id for a in visit.acts if a.planned),
                                       visit.window_start, instance.distances[here][there]))
                here = there
            shift = shifts[worker_id]
            risks[f"w{worker_id}"] = day_risk(route, shift.start_minute, shift.end_minute,
                                              shift.break_minutes, model, max_risk)
        return risks

    return assess


def _with_weights(instance: Instance, settings: PlanSettings) -> Instance:
    return replace(instance, weights=_weights(settings))


def _read_routes(solution: Solution, plan: DayPlan) -> set[int]:
    """Each worker's stops; both workers of a double visit and both visits of a sequence
    get their own stop, each under its own visit."""
    placed: set[int] = set()
    for route in solution.routes:
        worker_id = int(route.caregiver[1:])
        stops = [Stop(visit_of(v.patient, v.service), round(v.start), round(v.end))
                 for v in route.visits or () if not v.is_lunch]
        if stops:
            plan.routes[worker_id] = sorted(stops, key=lambda s: s.start)
            placed.update(s.visit_id for s in stops)
    return placed


def _reason(instance: Instance, patient: Patient) -> str:
    """Why a patient (a visit, or the two visits of a group) was left out: the first rule
    it breaks whatever the other visits do, else the day lacks capacity."""
    able = [[c for c in instance.caregivers if c.working_shift is not None
             and rs.service in c.abilities] for rs in patient.required_services]
    if not all(able):
        return "no_profession"
    sync = patient.synchronization
    if sync is not None and sync.kind == "simultaneous" and len(set(map(id, able[0] + able[1]))) < 2:
        return "double_one_worker"
    first = patient.required_services[0]
    starts = [start for w in patient.time_windows for c in able[0]
              if (start := _earliest_start(w, c.working_shift, first.duration)) is not None]
    if not starts:
        return "window_impossible"
    if sync is not None and sync.kind == "sequential":
        second = patient.required_services[1]
        last = max(w.end for w in patient.time_windows)
        if not any(_earliest_start(TimeWindow(start + sync.min_delay,
                                              min(start + sync.max_delay, last)),
                                   c.working_shift, second.duration) is not None
                   for start in starts for c in able[1]):
            return "sequence_delay"
    return "capacity"


def _earliest_start(window: TimeWindow, shift: TimeWindow | None, duration: float) -> float | None:
    """The earliest start in ``window`` that ends within ``shift``, if there is one."""
    if shift is None:
        return None
    start = max(window.start, shift.start)
    return start if start <= window.end and start + duration <= shift.end else None


def _travel(instance: Instance, plan: DayPlan, visits: Sequence[Visit]) -> float:
    location = {f"v{v.id}": i for i, v in enumerate(visits, start=1)}
    total = 0.0
    for stops in plan.routes.values():
        path = [0, *(location[f"v{s.visit_id}"] for s in stops), 0]
        total += sum(instance.distances[a][b] for a, b in pairwise(path))
    return total


def apply_plan(session: Session, plan: DayPlan) -> None:
    """Write the plan: each placed visit gets its worker and planned start. An optional
    visit left out goes on the waiting list with the reason (once: planning again updates
    the reason); one placed after waiting there leaves it, served on its planned day.
    The road times it was made with are kept with it (``day_travel.py``)."""
    if plan.team_id is not None and plan.day is not None:
        if plan.travel_source != "straight_line" or plan.warnings:
            keep_travel(session, plan.team_id, plan.day, plan.legs, plan.travel_source,
                        plan.warnings[0] if plan.warnings else None, replace=True)
        else:
            forget_travel(session, plan.team_id, plan.day)
    for worker_id, stops in plan.routes.items():
        for stop in stops:
            visit = session.get_one(Visit, stop.visit_id)
            visit.worker_id = worker_id
            visit.planned_start = stop.start
            if visit.optional:
                entry = _waiting_entry(session, visit)
                if entry is not None and entry.served_on is None:
                    entry.served_on = visit.day
    for visit_id, reason in plan.unassigned.items():
        visit = session.get_one(Visit, visit_id)
        visit.worker_id = None
        if visit.optional:
            _wait(session, visit, reason)
    session.flush()


def _waiting_entry(session: Session, visit: Visit) -> WaitingListEntry | None:
    return session.scalar(select(WaitingListEntry).where(
        WaitingListEntry.visit_id == visit.id, WaitingListEntry.source == "planner"))


def _wait(session: Session, visit: Visit, reason: str) -> None:
    entry = _waiting_entry(session, visit)
    if entry is None:
        act = next((a.act_id for a in visit.acts if a.planned), None)
        if act is None:
            return
        entry = WaitingListEntry(
            establishment_id=visit.establishment_id, team_id=visit.team_id,
            client_id=visit.client_id, act_id=act, source="planner", visit_id=visit.id,
            requested_on=visit.day)
        session.add(entry)
    entry.served_on = None
    entry.planner_reason = reason
