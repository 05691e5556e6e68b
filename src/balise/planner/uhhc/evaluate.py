"""Balise's evaluation of a UHHC solution: every cost component, the total, the violations.

Written from the definitions of the UHHC paper, with the authors' validator
(uhhc-toolbox 0.2.3) as the reference for every convention; the total equals the
validator's ``Total`` on every published solution (tests/planner/uhhc). Conventions that
matter:

* a route's departure is its first start minus the travel to it, and each arrival is the
  previous end plus the travel (so the first visit never waits);
* a lunch entry is taken at its patient's address; a lunch at a patient nobody visits
  counts, for travel, as taken at the departure depot;
* the window of a start is the last one that opens at or before it; tardiness is measured
  at the start or at the end of service as ``metadata.time_window_met`` says;
* waiting sums every gap between arrival and start, lunch included, except at the visit
  right after a lunch that opens the route;
* idle time counts only for caregivers listed in the solution (one listed without
  locations idles all shift); the objective takes the largest;
* a component marked ``"HARD"`` counts once in the total, an absent one not at all.

Hard constraints that fail are listed as violations; cost components are still computed.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

from balise.planner.uhhc.checks import Violation, check_solution
from balise.planner.uhhc.instance import COMPONENTS, Instance
from balise.planner.uhhc.solution import Solution
from balise.planner.uhhc.timing import time_route, visited_patients

# The order in which the validator adds the weighted components (it matters in floating point).
TOTAL_ORDER = (
    "optional_patients", "total_tardiness", "highest_tardiness", "travel_time",
    "total_extra_time", "max_idle_time", "total_waiting_time", "max_waiting_time",
    "workload_balance", "working_time", "incompabilities", "caregiver_preferences",
    "qualification", "missed_lunch_break",
)


@dataclass(frozen=True)
class Evaluation:
    values: dict[str, float]  # the raw value of every component (minutes, counts)
    weighted: dict[str, float]  # value × weight, for the components the instance weighs
    total: float
    violations: tuple[Violation, ...] = field(default=())

    @property
    def feasible(self) -> bool:
        return not self.violations


def evaluate(instance: Instance, solution: Solution) -> Evaluation:
    violations = check_solution(instance, solution)
    values = _values(instance, solution)
    weights = instance.weights
    total = 0.0
    for name in TOTAL_ORDER:
        total += weights.multiplier(name) * values[name]
    weighted = {name: weights.multiplier(name) * values[name] for name in COMPONENTS
                if weights.get(name) is not None}
    return Evaluation(values, weighted, total, tuple(violations))


def _values(instance: Instance, solution: Solution) -> dict[str, float]:
    dist = instance.distances
    patients = instance.patients_by_id()
    caregivers = instance.caregivers_by_id()
    terminals = instance.terminals_by_id()
    visited = visited_patients(solution)
    routes = [r for r in solution.routes if r.caregiver in caregivers]

    travel = 0.0
    travel_of = {c: 0.0 for c in caregivers}
    service_of = {c: 0.0 for c in caregivers}
    idle_of = {c: 0.0 for c in caregivers}
    tardiness: list[float] = []
    waiting: list[float] = []
    extra = 0.0
    preferences = incompatible = unqualified = 0
    lunching: set[str] = set()
    start_side = instance.time_window_met == "at_service_start"

    for route in routes:
        c = caregivers[route.caregiver]
        depot = terminals[c.departing_point].location
        visits = route.visits or ()
        # Travel: depot, each visit (a lunch at an unvisited patient counts at the depot), back.
        here = depot
        for v in visits:
            known = patients.get(v.patient)
            there = known.location if known is not None and v.patient in visited else depot
            travel += dist[here][there]
            travel_of[c.id] += dist[here][there]
            here = there
        back_leg = dist[here][terminals[c.arrival_point].location]
        travel += back_leg
        travel_of[c.id] += back_leg

        for v in visits:
            if v.is_lunch:
                lunching.add(c.id)
                continue
            p = patients.get(v.patient)
            if p is None:
                continue  # a violation already
            service_of[c.id] += v.end - v.start
            starts = [w.start for w in p.time_windows]
            window = p.time_windows[bisect.bisect_right(starts, v.start) - 1]
            tardiness.append(max(0.0, (v.start if start_side else v.end) - window.end))
            if v.service not in c.abilities:
                unqualified += 1
            if p.preferred_caregivers is not None and c.id not in p.preferred_caregivers:
                preferences += 1
            if p.incompatible_caregivers is not None and c.id in p.incompatible_caregivers:
                incompatible += 1

        if not visits:
            if c.working_shift is not None and route.visits is None:
                idle_of[c.id] += c.working_shift.end - c.working_shift.start
            continue
        if any(v.patient not in patients for v in visits[1:-1]):
            continue  # cannot be timed: a violation already
        timed = time_route(instance, c.id, visits, visited)
        for n, v in enumerate(visits):
            if n == 1 and visits[0].is_lunch:
                continue  # what follows a route-opening lunch is not waiting
            if timed.arrivals[n] < v.start:
                waiting.append(v.start - timed.arrivals[n])
        shift = c.working_shift
        if shift is not None:
            if timed.back > shift.end:
                extra += timed.back - shift.end
            if timed.departure > shift.start:
                idle_of[c.id] += timed.departure - shift.start
            for n, v in enumerate(visits):
                if timed.arrivals[n] < v.start:
                    idle_of[c.id] += v.start - timed.arrivals[n]
            if timed.back <= shift.end:
                idle_of[c.id] += shift.end - timed.back

    workload = {cid: service_of[cid] + travel_of[cid] for cid in caregivers}
    total_workload = 0.0
    for cid in caregivers:
        total_workload += workload[cid]
    average = total_workload / len(caregivers)
    balance = sum(math.ceil(abs(workload[cid] - average)) for cid in caregivers)
    return {
        "travel_time": travel,
        "total_tardiness": sum(tardiness) if tardiness else 0,
        "highest_tardiness": max(tardiness) if tardiness else 0,
        "total_waiting_time": sum(waiting) if waiting else 0,
        "total_extra_time": extra,
        "max_idle_time": max(idle_of.values()),
        "caregiver_preferences": preferences,
        "optional_patients": sum(1 for p in instance.patients if p.id not in visited),
        "missed_lunch_break": sum(1 for c in instance.caregivers
                                  if c.lunch_break and c.id not in lunching),
        "qualification": unqualified,
        "working_time": total_workload,
        "incompabilities": incompatible,
        "workload_balance": balance,
        "max_waiting_time": max(waiting) if waiting else 0,
    }
