"""Taking patients out of a plan, to be put back better (the "destroy" half of ALNS).

Each operator returns the patients to remove; the search removes them and re-inserts.
Random removal diversifies; worst removal targets costly visits; related removal (Shaw
1998) takes patients close in space and time so they can swap places; route removal
empties one caregiver's day, the only way to stop using a caregiver — which matters when
idle time of the least busy caregiver is costly; time-slice removal frees a period of the
day across caregivers, which loosens synchronised visits.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from balise.planner.uhhc.schedule import Plan

Destroy = Callable[[Plan, int, random.Random], list[int]]


def _assigned(plan: Plan) -> list[int]:
    return [p for p in range(len(plan.m.patient_ids)) if p not in plan.unassigned]


def _pick(ranked: list[int], q: int, rng: random.Random, power: float = 4.0) -> list[int]:
    """q items from a ranked list, biased to the front (Ropke & Pisinger's y**p rule)."""
    out: list[int] = []
    pool = list(ranked)
    while pool and len(out) < q:
        out.append(pool.pop(int(len(pool) * rng.random() ** power)))
    return out


def random_removal(plan: Plan, q: int, rng: random.Random) -> list[int]:
    assigned = _assigned(plan)
    return rng.sample(assigned, min(q, len(assigned)))


def worst_removal(plan: Plan, q: int, rng: random.Random) -> list[int]:
    """Patients whose visits cost most: detour, lateness, waiting, unwanted caregiver."""
    m = plan.m
    dist, loc = m.dist, m.task_loc
    cost = [0.0] * len(m.patient_ids)
    for route in plan.routes:
        seq, c = route.seq, route.c
        n = len(seq)
        for k, t in enumerate(seq):
            prev = loc[seq[k - 1]] if k else m.cg_depot[c]
            nxt = loc[seq[k + 1]] if k + 1 < n else m.cg_home[c]
            detour = dist[prev][loc[t]] + dist[loc[t]][nxt] - dist[prev][nxt]
            cost[m.task_patient[t]] += (m.w_travel * detour + m.w_tsum * route.td[k]
                                        + m.w_wait * route.wt[k] + m.task_assign[t][c])
    ranked = sorted(_assigned(plan), key=lambda p: -cost[p])
    return _pick(ranked, q, rng)


def _start_of(plan: Plan, p: int) -> float:
    return plan.start_of(plan.m.patient_tasks[p][0])


def related_removal(plan: Plan, q: int, rng: random.Random) -> list[int]:
    """A seed patient and those nearest to it in travel time and in start time."""
    m = plan.m
    assigned = _assigned(plan)
    if not assigned:
        return []
    seed = rng.choice(assigned)
    here = m.task_loc[m.patient_tasks[seed][0]]
    when = _start_of(plan, seed)
    scale = max(1.0, max(m.dist[here]))
    ranked = sorted(assigned, key=lambda p: (
        m.dist[here][m.task_loc[m.patient_tasks[p][0]]] / scale
        + abs(_start_of(plan, p) - when) / 120.0))
    return _pick(ranked, q, rng, power=3.0)


def route_removal(plan: Plan, q: int, rng: random.Random) -> list[int]:
    """Every patient of one caregiver, preferring the least loaded (to free that caregiver)."""
    used = [r for r in plan.routes if r.seq]
    if not used:
        return []
    used.sort(key=lambda r: len(r.seq))
    route = used[int(len(used) * rng.random() ** 2)]
    out = list(dict.fromkeys(plan.m.task_patient[t] for t in route.seq))
    if len(out) < q:
        rest = [p for p in random_removal(plan, q, rng) if p not in out]
        out += rest[: q - len(out)]
    return out


def time_removal(plan: Plan, q: int, rng: random.Random) -> list[int]:
    """Patients whose visits start in one stretch of the day, across all caregivers."""
    assigned = _assigned(plan)
    if not assigned:
        return []
    starts = {p: _start_of(plan, p) for p in assigned}
    pivot = starts[rng.choice(assigned)]
    ranked = sorted(assigned, key=lambda p: abs(starts[p] - pivot))
    return _pick(ranked, q, rng, power=2.0)


def string_removal(plan: Plan, q: int, rng: random.Random) -> list[int]:
    """Strings of consecutive visits from the routes around a seed (SISR's ruin step,
    Christiaens & Vanden Berghe 2020): neighbouring routes lose the stretch that passes
    near the seed, which lets the recreate step exchange whole stretches between routes."""
    m = plan.m
    assigned = _assigned(plan)
    if not assigned:
        return []
    seed = m.patient_tasks[rng.choice(assigned)][0]
    out: dict[int, None] = {}
    ruined: set[int] = set()
    for u in [seed, *m.task_near[seed]]:
        r = plan.route_of[u]
        if r < 0 or r in ruined:
            continue
        ruined.add(r)
        seq = plan.routes[r].seq
        length = rng.randint(1, max(1, min(len(seq), 2 * q // 3 + 1)))
        k = seq.index(u)
        first = max(0, min(k - rng.randint(0, length - 1), len(seq) - length))
        for t in seq[first:first + length]:
            out[m.task_patient[t]] = None
        if len(out) >= q:
            break
    return list(out)


def open_removal(plan: Plan, q: int, rng: random.Random) -> list[int]:
    """Patients an unused caregiver could take, nearest to that caregiver's depot first.

    The search re-inserts them without counting idle time, so that the caregiver's day
    can fill up at once: one patient alone would leave the caregiver idle all day, and the
    largest idle time is often weighed heavily.
    """
    m = plan.m
    unused = [r.c for r in plan.routes if not r.seq]
    if not unused:
        return related_removal(plan, q, rng)
    c = rng.choice(unused)
    depot = m.cg_depot[c]
    able = [p for p in _assigned(plan)
            if any(c in m.task_cands[t] for t in m.patient_tasks[p])]
    able.sort(key=lambda p: m.dist[depot][m.task_loc[m.patient_tasks[p][0]]])
    return _pick(able, q, rng, power=2.0)


OPERATORS: tuple[tuple[str, Destroy], ...] = (
    ("random", random_removal),
    ("worst", worst_removal),
    ("related", related_removal),
    ("route", route_removal),
    ("time", time_removal),
    ("open", open_removal),
    ("string", string_removal),
)
