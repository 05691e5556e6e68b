"""Adaptive large neighbourhood search for UHHC (Ropke & Pisinger 2006).

Build a plan by regret insertion, then repeat until the time is up: remove some patients
(an operator chosen by roulette on its past success), put them back (greedy or regret,
sometimes with noise), and keep the result by record-to-record travel — accepted if
within a shrinking margin of the best so far (Dueck 1993), a rule that needs no scale
for the objective. Operators that find new best plans, improvements or accepted moves
earn weight. Lunch is placed greedily by the route pass; a sweep now and then tries
skipping it where a missed lunch costs less than the lateness it causes. One thread,
one random generator; the search stops on the clock, so runs differ by how many
iterations fit in the time.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from balise.planner.uhhc.destroy import OPERATORS
from balise.planner.uhhc.export import to_solution
from balise.planner.uhhc.insert import Inserter
from balise.planner.uhhc.instance import Instance
from balise.planner.uhhc.model import compile_model
from balise.planner.uhhc.polish import polish
from balise.planner.uhhc.schedule import Plan
from balise.planner.uhhc.solution import Solution

REPAIRS = (("random", 0.0), ("early", 0.0), ("tight", 0.0), ("double", 0.0),
           ("random", 0.1), ("regret", 0.0))
REGRET_LIMIT = 15  # regret insertion re-evaluates every pending patient at each step
SCORE_BEST, SCORE_BETTER, SCORE_ACCEPTED = 33.0, 9.0, 13.0
REACTION = 0.2
SEGMENT = 50
START_MARGIN = 0.02  # record-to-record: accept within 2 % of the best, shrinking to 0


@dataclass
class SearchLog:
    iterations: int = 0
    improvements: int = 0
    seconds: float = 0.0
    initial: float = 0.0
    best: float = 0.0
    weights: dict[str, float] = field(default_factory=dict)


def solve_uhhc(instance: Instance, time_limit_s: float, seed: int = 0,
               log: SearchLog | None = None) -> Solution:
    """A plan for the instance, found within ``time_limit_s`` seconds on one thread."""
    started = time.perf_counter()
    # Leave room for the final polish and export, a small share of the budget.
    deadline = started + max(0.05, 0.97 * time_limit_s - 0.05)
    rng = random.Random(seed)
    model = compile_model(instance)
    plan = Plan(model)
    inserter = Inserter(plan, rng)
    patients = list(range(len(model.patient_ids)))
    big = len(patients) > REGRET_LIMIT * 2
    # Build without idle time: it would keep caregivers out of a plan still half empty.
    w_idle, model.w_idle = model.w_idle, 0.0
    inserter.repair(patients, "early" if big else "regret", deadline=deadline)
    model.w_idle = w_idle
    lunch_routes = [r for r in range(len(plan.routes)) if model.cg_lunch[r]]
    _lunch_sweep(plan, lunch_routes)
    log = log if log is not None else SearchLog()
    log.initial = plan.objective()
    best, best_value = plan.sequences(), plan.objective()
    current_value = best_value

    n = len(patients)
    q_low, q_high = max(2, n // 50), max(4, min(20, n // 5))
    destroy_w = [1.0] * len(OPERATORS)
    repair_w = [1.0] * len(REPAIRS)
    destroy_s = [0.0] * len(OPERATORS)
    repair_s = [0.0] * len(REPAIRS)
    uses_d = [0] * len(OPERATORS)
    uses_r = [0] * len(REPAIRS)
    begun = time.perf_counter()
    while time.perf_counter() < deadline:
        log.iterations += 1
        d = rng.choices(range(len(OPERATORS)), destroy_w)[0]
        r = rng.choices(range(len(REPAIRS)), repair_w)[0]
        current = plan.sequences()
        removed = OPERATORS[d][1](plan, rng.randint(q_low, q_high), rng)
        for p in removed:
            plan.remove_patient(p)
        plan.decode()
        how, noise = REPAIRS[r]
        pending = removed + [p for p in plan.unassigned if p not in set(removed)]
        if how == "regret" and len(pending) > REGRET_LIMIT:
            how = "random"
        if OPERATORS[d][0] == "open":
            model.w_idle = 0.0
        inserter.repair(pending, how, noise, deadline=deadline)
        model.w_idle = w_idle
        if lunch_routes:
            _lunch_sweep(plan, rng.sample(lunch_routes, min(2, len(lunch_routes))))
        value = plan.objective()
        if value < best_value - 1e-9 and lunch_routes:
            _lunch_sweep(plan, lunch_routes)
            value = plan.objective()
        progress = (time.perf_counter() - begun) / max(1e-9, deadline - begun)
        margin = START_MARGIN * max(0.0, 1.0 - progress)
        score = 0.0
        if value < best_value - 1e-9:
            best, best_value = plan.sequences(), value
            log.improvements += 1
            score = SCORE_BEST
        elif value < current_value - 1e-9:
            score = SCORE_BETTER
        if value <= best_value + margin * abs(best_value):
            if score == 0.0 and value != current_value:
                score = SCORE_ACCEPTED
            current_value = value
        else:
            plan.load(current)
        destroy_s[d] += score
        repair_s[r] += score
        uses_d[d] += 1
        uses_r[r] += 1
        if log.iterations % SEGMENT == 0:
            _adapt(destroy_w, destroy_s, uses_d)
            _adapt(repair_w, repair_s, uses_r)

    plan.load(best)
    log.best = best_value
    log.weights = {name: w for (name, _), w in zip(OPERATORS, destroy_w, strict=True)}
    log.seconds = time.perf_counter() - started
    return polish(plan, to_solution(plan))


def _lunch_sweep(plan: Plan, routes: list[int]) -> None:
    """Skip or restore lunch on each route when that pays: a lunch placed greedily can make
    later visits late, and a missed lunch is sometimes the cheaper cost."""
    for r in routes:
        plan.try_skip_lunch(r)


def _adapt(weights: list[float], scores: list[float], uses: list[int]) -> None:
    for i in range(len(weights)):
        if uses[i]:
            weights[i] = (1 - REACTION) * weights[i] + REACTION * scores[i] / uses[i]
        weights[i] = max(weights[i], 0.05)
        scores[i], uses[i] = 0.0, 0
