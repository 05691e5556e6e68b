"""The instance compiled for search: tasks, caregivers and weights as flat Python lists.

A *task* is one required service of one patient; a patient with two services has two
tasks, linked as partners. Lists indexed by integers are the fastest structure for the
scalar work of a route pass in CPython (faster than numpy element access), so every
quantity the search reads in its inner loop is precomputed here.

Weights follow ``metadata.cost_components``. A component marked ``"HARD"`` (or, for
skills, preferences and incompatibilities, absent) becomes a constraint: eligibility
filters for assignments, and large penalties for timing (lateness, overtime, lunch) so
that the search can still move through slightly broken plans and repair them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from balise.planner.uhhc.instance import Instance

HARD_PER_MINUTE = 10_000.0  # a hard lateness / overtime minute in search
HARD_COUNT = 1_000_000.0  # a hard count (mandatory patient left out, lunch missed)
INF = math.inf

# Synchronisation of a task with its partner.
SYNC_NONE, SYNC_SIMULTANEOUS, SYNC_FIRST, SYNC_SECOND, SYNC_INDEPENDENT = range(5)


def search_weight(instance: Instance, name: str, hard: float) -> float:
    value = instance.weights.get(name)
    if value == "HARD":
        return hard
    return 0.0 if value is None else float(value)


@dataclass
class Model:
    instance: Instance
    dist: list[list[float]]
    # tasks
    task_patient: list[int]
    task_service: list[str]
    task_loc: list[int]
    task_dur: list[float]
    task_partner: list[int]
    task_sync: list[int]
    task_min: list[float]
    task_max: list[float]
    task_windows: list[tuple[tuple[float, float, float], ...]]  # (open, latest start, end)
    task_cands: list[list[int]]  # eligible caregivers
    task_assign: list[dict[int, float]]  # soft preference/incompatibility cost by caregiver
    task_near: list[list[int]]  # other tasks, nearest first (space, then time)
    # patients
    patient_ids: list[str]
    patient_tasks: list[tuple[int, ...]]
    patient_left_out: list[float]  # cost of leaving the patient unvisited
    patient_mandatory: list[bool]
    # caregivers
    cg_ids: list[str]
    cg_depot: list[int]
    cg_home: list[int]
    cg_start: list[float]
    cg_end: list[float]
    cg_shift: list[bool]
    cg_lunch: list[bool]
    # lunch
    lunch_open: float
    lunch_dur: float
    lunch_deadline: float  # latest lunch start
    # weights in search
    w_travel: float
    w_tsum: float
    w_tmax: float
    w_wait: float
    w_extra: float
    w_idle: float
    w_lunch: float
    w_work: float
    end_side: bool  # windows measured at the end of service

    @property
    def n_tasks(self) -> int:
        return len(self.task_loc)

    @property
    def n_caregivers(self) -> int:
        return len(self.cg_ids)


def compile_model(instance: Instance) -> Model:
    w = instance.weights
    caregivers = instance.caregivers
    terminals = instance.terminals_by_id()
    end_side = instance.time_window_met == "at_service_end"
    w_pref = search_weight(instance, "caregiver_preferences", 0.0)
    w_inc = search_weight(instance, "incompabilities", 0.0)
    hard_pref = w.is_hard("caregiver_preferences")
    hard_inc = w.is_hard("incompabilities")
    w_tsum = search_weight(instance, "total_tardiness", HARD_PER_MINUTE)
    w_wait = search_weight(instance, "total_waiting_time", 0.0)
    w_opt = search_weight(instance, "optional_patients", HARD_COUNT)
    if w.is_hard("optional_patients"):
        w_opt = HARD_COUNT

    m = Model(
        instance=instance, dist=[list(row) for row in instance.distances],
        task_patient=[], task_service=[], task_loc=[], task_dur=[], task_partner=[],
        task_sync=[], task_min=[], task_max=[], task_windows=[], task_cands=[],
        task_assign=[], task_near=[], patient_ids=[], patient_tasks=[], patient_left_out=[],
        patient_mandatory=[],
        cg_ids=[c.id for c in caregivers],
        cg_depot=[terminals[c.departing_point].location for c in caregivers],
        cg_home=[terminals[c.arrival_point].location for c in caregivers],
        cg_start=[c.working_shift.start if c.working_shift else 0.0 for c in caregivers],
        cg_end=[c.working_shift.end if c.working_shift else INF for c in caregivers],
        cg_shift=[c.working_shift is not None for c in caregivers],
        cg_lunch=[c.lunch_break and instance.lunch_breaks is not None for c in caregivers],
        lunch_open=0.0, lunch_dur=0.0, lunch_deadline=-INF,
        w_travel=search_weight(instance, "travel_time", 0.0),
        w_tsum=w_tsum,
        w_tmax=search_weight(instance, "highest_tardiness", HARD_PER_MINUTE),
        w_wait=w_wait,
        w_extra=search_weight(instance, "total_extra_time", 0.0),
        w_idle=search_weight(instance, "max_idle_time", 0.0),
        w_lunch=search_weight(instance, "missed_lunch_break", HARD_COUNT),
        w_work=search_weight(instance, "working_time", 0.0),
        end_side=end_side,
    )
    if w.get("working_time") == "HARD":
        m.w_extra = HARD_PER_MINUTE
    lunch = instance.lunch_breaks
    if lunch is not None:
        m.lunch_open, m.lunch_dur = lunch.start, lunch.min_duration
        m.lunch_deadline = lunch.end - lunch.min_duration if end_side else lunch.end

    for pi, p in enumerate(instance.patients):
        first = len(m.task_loc)
        sync = p.synchronization
        two = len(p.required_services) == 2
        for k, rs in enumerate(p.required_services):
            m.task_patient.append(pi)
            m.task_service.append(rs.service)
            m.task_loc.append(p.location)
            m.task_dur.append(rs.duration)
            m.task_partner.append(first + 1 - k if two else -1)
            if not two or sync is None:
                kind = SYNC_NONE
            elif sync.kind == "simultaneous":
                kind = SYNC_SIMULTANEOUS
            elif sync.kind == "sequential":
                kind = SYNC_FIRST if k == 0 else SYNC_SECOND
            else:
                kind = SYNC_INDEPENDENT
            m.task_sync.append(kind)
            m.task_min.append(sync.min_delay if sync else 0.0)
            m.task_max.append(sync.max_delay if sync else 0.0)
            m.task_windows.append(tuple(
                (tw.start, tw.end - rs.duration if end_side else tw.end, tw.end)
                for tw in p.time_windows))
            cands, assign = [], {}
            for ci, c in enumerate(caregivers):
                if rs.service not in c.abilities:
                    continue  # skills are always a constraint in search
                cost = 0.0
                if p.preferred_caregivers is not None and c.id not in p.preferred_caregivers:
                    if hard_pref:
                        continue
                    cost += w_pref
                if p.incompatible_caregivers is not None and c.id in p.incompatible_caregivers:
                    if hard_inc:
                        continue
                    cost += w_inc
                cands.append(ci)
                assign[ci] = cost
            m.task_cands.append(cands)
            m.task_assign.append(assign)
        m.patient_ids.append(p.id)
        m.patient_tasks.append(tuple(range(first, len(m.task_loc))))
        m.patient_mandatory.append(not p.optional)
        m.patient_left_out.append(w_opt if p.optional else HARD_COUNT)
    m.task_near = _neighbours(m)
    return m


NEIGHBOURS = 24


def _neighbours(m: Model) -> list[list[int]]:
    """Each task's nearest others: travel time plus a quarter of the gap between windows.

    Insertion looks first at routes holding these neighbours (a granular neighbourhood,
    Toth & Vigo 2003): a visit rarely belongs in a route that passes nowhere near it.
    """
    n = m.n_tasks
    mid = [(ws[0][0] + ws[-1][2]) / 2.0 for ws in m.task_windows]
    out = []
    for t in range(n):
        row = m.dist[m.task_loc[t]]
        ranked = sorted((row[m.task_loc[u]] + 0.25 * abs(mid[u] - mid[t]), u)
                        for u in range(n) if m.task_patient[u] != m.task_patient[t])
        out.append([u for _, u in ranked[:NEIGHBOURS]])
    return out
