"""From a plan in search form to a UHHC solution a validator accepts.

Only caregivers with visits are listed (the others do not work that day). Lunch becomes
an entry at the address where the plan takes it.
"""

from __future__ import annotations

from balise.planner.uhhc.instance import LUNCH
from balise.planner.uhhc.schedule import NO_LUNCH, Plan
from balise.planner.uhhc.solution import Route, Solution, Visit


def to_solution(plan: Plan) -> Solution:
    m = plan.m
    routes = []
    for route in plan.routes:
        if not route.seq:
            continue
        visits: list[Visit] = []
        n = len(route.seq)
        for k, t in enumerate(route.seq):
            if route.lg == k:
                host = route.seq[k - 1] if route.lprev else t
                visits.append(Visit(m.patient_ids[m.task_patient[host]], LUNCH, route.ls,
                                    route.le))
            visits.append(Visit(m.patient_ids[m.task_patient[t]], m.task_service[t],
                                route.st[k], route.en[k]))
        if route.lg == n and route.lg != NO_LUNCH:
            host = route.seq[-1]
            visits.append(Visit(m.patient_ids[m.task_patient[host]], LUNCH, route.ls, route.le))
        routes.append(Route(m.cg_ids[route.c], tuple(visits)))
    return Solution(tuple(routes), m.instance.name)
