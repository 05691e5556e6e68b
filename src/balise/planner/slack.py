"""Keeping slack in a day's routes so that each worker's risk of finishing late stays
under the team's maximum.

The search plans with the visits' planned durations; the risk comes from simulating
the observed durations (``lateness.py``). When a route's risk is above the maximum, the
worker's shift is made to end, *for the search only*, before the route's planned end by
the minutes missing at the (1 - max) quantile of the day's end, and the day is solved again: the visits that no
longer fit go to workers with room, which also spreads the load. A re-solve is kept only
when it places at least as many visits and lowers the total excess risk; the loop stops
when every route is within the maximum, after a few rounds, or when the shift cannot be
shortened further; a re-solve that drives more than 10 % longer is refused too. Whatever is still above the maximum is reported, never hidden.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import pairwise

from balise.planner.lateness import DayRisk
from balise.planner.uhhc.instance import Caregiver, Instance, TimeWindow
from balise.planner.uhhc.solution import Solution

ROUNDS = 2
FIRST_SHARE = 0.7  # of the time budget for the first solve; each round gets an equal part
# Slack must not cost more than this much extra travel: travel is time away from care
# too, and a re-solve given little time can find far longer routes (measured at 1,000
# visits: +58 % travel for 8 s of search).
MAX_TRAVEL_INCREASE = 0.10
STEP_MINUTES = 5  # shorten by whole steps: the search works in whole minutes
SHORTEST_SHIFT = 60  # never plan a worker for less than an hour to gain slack

Solve = Callable[[Instance, float], Solution]
Assess = Callable[[Solution], dict[str, DayRisk]]  # caregiver id -> risk of its day


@dataclass(frozen=True)
class SlackResult:
    solution: Solution
    risks: dict[str, DayRisk]
    rounds: int  # re-solves kept


def placed(solution: Solution) -> int:
    return sum(1 for route in solution.routes for visit in route.visits or ()
               if not visit.is_lunch)


def travel(instance: Instance, solution: Solution) -> float:
    """Minutes driven, from and back to each route's end points."""
    patients, terminals = instance.patients_by_id(), instance.terminals_by_id()
    caregivers = instance.caregivers_by_id()
    total = 0.0
    for route in solution.routes:
        places = [patients[v.patient].location for v in route.visits or () if not v.is_lunch]
        if not places:
            continue
        c = caregivers[route.caregiver]
        path = [terminals[c.departing_point].location, *places,
                terminals[c.arrival_point].location]
        total += sum(instance.distances[a][b] for a, b in pairwise(path))
    return total


def excess(risks: dict[str, DayRisk], max_risk: float) -> float:
    return sum(max(0.0, r.risk - max_risk) for r in risks.values())


def planned_ends(instance: Instance, solution: Solution) -> dict[str, float]:
    """Minute each route is back at its end point, as planned."""
    patients, terminals = instance.patients_by_id(), instance.terminals_by_id()
    homes = {c.id: terminals[c.arrival_point].location for c in instance.caregivers}
    ends = {}
    for route in solution.routes:
        if route.visits:
            last = max(route.visits, key=lambda v: v.end)
            ends[route.caregiver] = last.end + instance.distances[
                patients[last.patient].location][homes[route.caregiver]]
    return ends


def shortened(instance: Instance, risky: dict[str, DayRisk],
              ends: dict[str, float]) -> Instance | None:
    """The instance with each risky worker's shift ending ``overrun`` minutes before the
    route now ends (``ends``), or None when no shift can be shortened. The cut starts from
    the planned end, not the shift's end: a route planned to end early already has idle
    time that holds no slack for a longer-than-planned day."""
    caregivers: list[Caregiver] = []
    changed = False
    for caregiver in instance.caregivers:
        shift, risk = caregiver.working_shift, risky.get(caregiver.id)
        if shift is not None and risk is not None:
            cut = max(STEP_MINUTES, STEP_MINUTES * math.ceil(risk.overrun / STEP_MINUTES))
            planned = min(shift.end, math.ceil(ends.get(caregiver.id, shift.end)))
            end = max(shift.start + SHORTEST_SHIFT, planned - cut)
            if end < shift.end:
                caregiver = replace(caregiver, working_shift=TimeWindow(shift.start, end))
                changed = True
        caregivers.append(caregiver)
    return replace(instance, caregivers=tuple(caregivers)) if changed else None


def solve_keeping_slack(instance: Instance, solve: Solve, assess: Assess, max_risk: float,
                        budget_s: float) -> SlackResult:
    """Solve, then trade the search's time left for slack where routes are too risky."""
    first = budget_s if max_risk >= 1.0 else budget_s * FIRST_SHARE
    solution = solve(instance, first)
    risks = assess(solution)
    kept = 0
    current = instance
    for _ in range(ROUNDS):
        risky = {c: r for c, r in risks.items() if r.risk > max_risk}
        if not risky:
            break
        candidate_instance = shortened(current, risky, planned_ends(current, solution))
        if candidate_instance is None:
            break
        candidate = solve(candidate_instance, (budget_s - first) / ROUNDS)
        candidate_risks = assess(candidate)
        if placed(candidate) < placed(solution) \
                or excess(candidate_risks, max_risk) >= excess(risks, max_risk) \
                or travel(instance, candidate) > (1 + MAX_TRAVEL_INCREASE) * travel(
                    instance, solution):
            break  # slack would cost visits or much travel, or buys nothing: report
        current, solution, risks, kept = candidate_instance, candidate, candidate_risks, kept + 1
    return SlackResult(solution, risks, kept)
