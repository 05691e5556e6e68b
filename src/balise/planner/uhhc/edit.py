"""Small changes to a finished plan: take patients out, forbid a caregiver, put them back.

The day planner uses this after the search (``planner/slack.py``): it takes visits off
routes whose risk of ending late is too high, forbids them on that route and offers them
to the other caregivers with the search's own greedy insertion. Times are always those
of the earliest schedule (``schedule.Plan``), so every edited plan stays feasible.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable

from balise.planner.uhhc.export import to_solution
from balise.planner.uhhc.insert import Inserter
from balise.planner.uhhc.instance import Instance
from balise.planner.uhhc.model import compile_model
from balise.planner.uhhc.polish import polish
from balise.planner.uhhc.schedule import Plan
from balise.planner.uhhc.solution import Solution


class PlanEditor:
    def __init__(self, instance: Instance, solution: Solution, seed: int = 0) -> None:
        self.model = compile_model(instance)
        self.plan = Plan(self.model)
        self.inserter = Inserter(self.plan, random.Random(seed))
        self._patient = {pid: p for p, pid in enumerate(self.model.patient_ids)}
        self._caregiver = {cid: c for c, cid in enumerate(self.model.cg_ids)}
        self.plan.load(self._sequences(solution))

    def _sequences(self, solution: Solution) -> list[list[int]]:
        """Each route's tasks in the solution's order of service starts."""
        m = self.model
        sequences: list[list[int]] = [[] for _ in m.cg_ids]
        for route in solution.routes:
            r = self._caregiver[route.caregiver]
            for visit in sorted((v for v in route.visits or () if not v.is_lunch),
                                key=lambda v: v.start):
                tasks = m.patient_tasks[self._patient[visit.patient]]
                sequences[r].append(next(t for t in tasks if m.task_service[t] == visit.service))
        return sequences

    def single(self, patient: str) -> bool:
        """True for a patient of one visit (not a double visit or a sequence)."""
        return len(self.model.patient_tasks[self._patient[patient]]) == 1

    def remove(self, patients: Iterable[str]) -> None:
        for patient in patients:
            self.plan.remove_patient(self._patient[patient])
        self.plan.decode()

    def forbid(self, patient: str, caregiver: str) -> None:
        """The caregiver may no longer take this patient (call once it is out of the route)."""
        c = self._caregiver[caregiver]
        for t in self.model.patient_tasks[self._patient[patient]]:
            if c in self.model.task_cands[t]:
                self.model.task_cands[t] = [x for x in self.model.task_cands[t] if x != c]

    def insert_left_out(self, time_limit_s: float) -> None:
        """Put back every patient left out where a route has room, cheapest place first."""
        deadline = time.perf_counter() + time_limit_s
        self.inserter.repair(sorted(self.plan.unassigned), "early", deadline=deadline)

    def solution(self) -> Solution:
        return polish(self.plan, to_solution(self.plan))
