"""Last touch on a finished plan: leave later instead of waiting at a door.

The search times every visit as early as possible. When a caregiver then waits for a
window to open, the visits before the wait could all have happened later — departure
included — at no cost as long as none of them becomes late, misses its lunch deadline or
is tied to a partner. Shifting that prefix turns waiting (a cost) into a later departure
(free); idle time does not change, since it counts the whole shift either way
(Savelsbergh's forward time slack, 1992). The result is kept only if the evaluation says
it is feasible and no worse.
"""

from __future__ import annotations

import math

from balise.planner.uhhc.evaluate import evaluate
from balise.planner.uhhc.instance import Instance
from balise.planner.uhhc.schedule import Plan
from balise.planner.uhhc.solution import Route, Solution, Visit
from balise.planner.uhhc.timing import time_route, visited_patients


def polish(plan: Plan, solution: Solution) -> Solution:
    instance = plan.m.instance
    if plan.m.w_wait <= 0.0:
        return solution
    visited = visited_patients(solution)
    routes = tuple(Route(r.caregiver, _shift_route(instance, r, visited))
                   if r.visits else r for r in solution.routes)
    polished = Solution(routes, solution.instance)
    before, after = evaluate(instance, solution), evaluate(instance, polished)
    if after.violations or after.total > before.total:
        return solution
    return polished


def _shift_route(instance: Instance, route: Route, visited: set[str]) -> tuple[Visit, ...]:
    visits = list(route.visits or ())
    timed = time_route(instance, route.caregiver, tuple(visits), visited)
    patients = instance.patients_by_id()
    lunch = instance.lunch_breaks
    start_side = instance.time_window_met == "at_service_start"
    shift = [0.0] * len(visits)
    slack = math.inf
    moved = 0.0  # how far the prefix before visit i has moved
    for i, v in enumerate(visits):
        wait = v.start - (timed.reach[i] + moved)
        if i > 0 and wait > 0.0 and slack > 0.0:
            step = min(wait, slack)
            for j in range(i):
                shift[j] += step
            moved += step
            slack -= step
        if v.is_lunch:
            if lunch is None:
                room = 0.0
            else:
                room = (lunch.end - v.start) if start_side else (lunch.end - v.end)
        else:
            p = patients[v.patient]
            if p.synchronization is not None and p.synchronization.kind != "independent":
                room = 0.0  # tied to a partner in another route
            else:
                end = p.time_windows[0].end
                for window in p.time_windows:
                    if window.start <= v.start:
                        end = window.end
                room = end - (v.start if start_side else v.end)
        slack = min(slack, max(0.0, room))
    return tuple(Visit(v.patient, v.service, v.start + shift[i], v.end + shift[i], v.arrival)
                 for i, v in enumerate(visits))
