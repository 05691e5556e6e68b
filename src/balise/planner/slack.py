"""Keeping slack in a day's routes so that each worker's risk of finishing late stays
under the team's maximum.

The search plans with the visits' planned durations; the risk comes from simulating the
observed durations (``lateness.py``). Two steps keep it under the maximum:

1. **Plan against the quantile.** While searching, each shift ends earlier by a reserve:
   how much longer than planned a typical route's day runs at the (1 - max) quantile of
   the day's total (``lateness.planning_reserve``). The whole budget goes to this one
   search; re-solving with shorter shifts, as before, gave each round too little time
   at 1,000 visits and its plans were refused.
2. **Repair.** Routes still above the maximum lose visits, one at a time, until they are
   within it: the visit whose removal frees the slack missing at the least cost. Each
   removed visit is forbidden on that route and offered to the others (the search's
   greedy insertion), first within the shifts of the search, so that it goes where a
   reserve is still free; then every visit still out, including those the reserve left
   out, is offered the full shifts. A route that goes above the maximum by receiving
   visits is repaired the same way. What is still removed at the end stays unassigned
   with the reason "risk of running late above the team's maximum" — never dropped
   silently.

A route can stay above the maximum only when its risk comes from visits the repair does
not move (the two visits of a double visit or a sequence); it is reported by name.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from balise.planner.lateness import DayRisk
from balise.planner.uhhc.edit import PlanEditor
from balise.planner.uhhc.instance import Caregiver, Instance, TimeWindow
from balise.planner.uhhc.solution import Route, Solution

SEARCH_SHARE = 0.9  # of the time budget for the search; the repair gets the rest
REPAIR_ROUNDS = 4
SHORTEST_SHIFT = 60  # never plan a worker for less than an hour to gain slack

Solve = Callable[[Instance, float], Solution]
Assess = Callable[[Solution], dict[str, DayRisk]]  # caregiver id -> risk of its day


@dataclass(frozen=True)
class SlackResult:
    solution: Solution
    risks: dict[str, DayRisk]
    left_for_risk: frozenset[str]  # patients left out because their route was too risky
    moved: int  # visits taken off a risky route and placed on another one


def reserved(instance: Instance, reserve: Mapping[str, float]) -> Instance:
    """The instance with each shift ending ``reserve`` minutes earlier (whole minutes, and
    never shorter than an hour): the search plans against the quantile, not the median."""
    caregivers: list[Caregiver] = []
    for caregiver in instance.caregivers:
        shift, minutes = caregiver.working_shift, reserve.get(caregiver.id, 0.0)
        if shift is not None and minutes > 0:
            end = max(shift.start + SHORTEST_SHIFT, shift.end - math.ceil(minutes))
            caregiver = replace(caregiver, working_shift=TimeWindow(shift.start, min(end, shift.end)))
        caregivers.append(caregiver)
    return replace(instance, caregivers=tuple(caregivers))


def _visits(route: Route) -> list[str]:
    return [v.patient for v in sorted((v for v in route.visits or () if not v.is_lunch),
                                      key=lambda v: v.start)]


def _saving(instance: Instance, route: Route, order: list[str], k: int) -> float:
    """Minutes freed by taking the k-th visit out: its duration and its detour."""
    patients, terminals = instance.patients_by_id(), instance.terminals_by_id()
    caregiver = instance.caregivers_by_id()[route.caregiver]
    places = [terminals[caregiver.departing_point].location,
              *(patients[p].location for p in order), terminals[caregiver.arrival_point].location]
    d = instance.distances
    before, here, after = places[k], places[k + 1], places[k + 2]
    duration = sum(rs.duration for rs in patients[order[k]].required_services)
    return duration + d[before][here] + d[here][after] - d[before][after]


def trim(instance: Instance, route: Route, risk: DayRisk, assess: Assess, max_risk: float,
         movable: Callable[[str], bool]) -> list[str]:
    """The visits to take off a route until its risk is within the maximum.

    Each step takes the visit that frees the missing slack (the overrun at the quantile)
    with the least to spare; when none frees enough, the one that frees the most."""
    order, removed = _visits(route), []
    while risk.risk > max_risk:
        options = [(_saving(instance, route, order, k), p) for k, p in enumerate(order)
                   if movable(p)]
        if not options:
            break
        enough = [o for o in options if o[0] >= risk.overrun]
        _saving_minutes, chosen = min(enough) if enough else max(options)
        order.remove(chosen)
        removed.append(chosen)
        left = Route(route.caregiver, tuple(v for v in route.visits or ()
                                            if not v.is_lunch and v.patient in order))
        risk = assess(Solution((left,))).get(route.caregiver, DayRisk(0.0, 0.0))
    return removed


def solve_keeping_slack(instance: Instance, solve: Solve, assess: Assess, max_risk: float,
                        budget_s: float, reserve: Mapping[str, float] | None = None,
                        seed: int = 0) -> SlackResult:
    """Solve against the quantile, then repair the routes still too risky (see above)."""
    started = time.perf_counter()
    if max_risk >= 1.0:
        solution = solve(instance, budget_s)
        return SlackResult(solution, assess(solution), frozenset(), 0)
    searched = reserved(instance, reserve or {})
    solution = solve(searched, budget_s * SEARCH_SHARE)
    risks = assess(solution)
    if not any(r.risk > max_risk for r in risks.values()) and not _left_out(instance, solution):
        return SlackResult(solution, risks, frozenset(), 0)
    removed_from: dict[str, set[str]] = {}  # patient -> the routes it was taken off

    def repair(on: Instance, solution: Solution, rounds: int) -> tuple[Solution, dict[str, DayRisk]]:
        """Offer the visits left out, take visits off the routes too risky, ``rounds``
        times; then a last trim with no offer, whose visits stay out."""
        editor = PlanEditor(on, solution, seed)
        for patient, routes in removed_from.items():
            for caregiver in routes:
                editor.forbid(patient, caregiver)
        risks = assess(solution)
        for final in [False] * rounds + [True]:
            if not final:
                left = (budget_s - (time.perf_counter() - started)) / (REPAIR_ROUNDS + 1)
                editor.insert_left_out(max(0.05, left))
                solution = editor.solution()
                risks = assess(solution)
            taken = []
            for route in solution.routes:
                risk = risks.get(route.caregiver)
                if risk is None or risk.risk <= max_risk:
                    continue
                for patient in trim(instance, route, risk, assess, max_risk, editor.single):
                    removed_from.setdefault(patient, set()).add(route.caregiver)
                    taken.append((patient, route.caregiver))
            if not taken:
                break
            editor.remove(p for p, _c in taken)
            for patient, caregiver in taken:
                editor.forbid(patient, caregiver)
            solution = editor.solution()
            risks = assess(solution)
        return solution, risks

    # Moved visits go first where the reserve is still free (the shifts of the search),
    # so the routes that take them stay within the maximum; then every visit still out
    # is offered the full shifts, and what that makes too risky is taken off for good.
    solution, risks = repair(searched, solution, REPAIR_ROUNDS)
    solution, risks = repair(instance, solution, 1)
    on_route = {p for route in solution.routes for p in _visits(route)}
    left_for_risk = frozenset(p for p in removed_from if p not in on_route)
    return SlackResult(solution, risks, left_for_risk, len(set(removed_from) & on_route))


def _left_out(instance: Instance, solution: Solution) -> bool:
    visited = {v.patient for route in solution.routes for v in route.visits or ()}
    return any(p.id not in visited for p in instance.patients)
