"""One caregiver's route and the pass that times it: the inner loop of the whole search.

``route_pass`` recomputes a route from a position on: arrival, start (the earliest the
windows and the synchronised partner allow), end, lateness and waiting of each task,
then the route's totals and cost. It stops early when a task comes out exactly as it was
(same start, same end, lunch in the same state): everything after it is unchanged. When
a synchronised task ends up where its partner must move, the partner's route goes on the
work list.

Lunch is placed greedily during the pass: at the first gap where the lunch period is
open on arrival, or earlier when the break fits in a wait or could not be taken later.
It is taken at the address of the next visit (no travel of its own), or of the previous
one when only that meets the deadline.

Every time written here is one the validator recomputes and compares in floating point,
so the same operations are used in the same order (an arrival is ``end + travel``), and
three quantities are stepped up by one unit in the last place when rounding would fail
a check: the first start of a route, a service's end, the first of a sequence.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from balise.planner.uhhc.model import (
    SYNC_FIRST,
    SYNC_INDEPENDENT,
    SYNC_NONE,
    SYNC_SIMULTANEOUS,
    Model,
)

if TYPE_CHECKING:
    from balise.planner.uhhc.schedule import Plan

NO_LUNCH = -1
NEG = -math.inf


class Route:
    """One caregiver's tasks in order, with per-position times, lateness, waiting and travel."""

    __slots__ = (
        "ar",
        "asg",
        "c",
        "cost",
        "dsum",
        "en",
        "extra",
        "idle",
        "la",
        "le",
        "lg",
        "lprev",
        "ls",
        "ret",
        "seq",
        "skip",
        "st",
        "td",
        "tmax",
        "travel",
        "tsum",
        "tv",
        "wsum",
        "wt",
    )

    def __init__(self, c: int) -> None:
        self.c = c
        self.seq: list[int] = []
        self.st: list[float] = []  # start of service
        self.en: list[float] = []  # end of service
        self.ar: list[float] = []  # arrival counted for waiting
        self.td: list[float] = []  # tardiness
        self.wt: list[float] = []  # waiting counted in the objective
        self.tv: list[float] = []  # travel into the position
        self.lg = NO_LUNCH  # lunch gap: before position lg (lg == len: after the last task)
        self.lprev = False  # lunch at the previous task's address rather than the next one's
        self.skip = False  # no lunch on this route: the search found it costs more than it saves
        self.ls = self.le = self.la = 0.0  # lunch start, end, arrival
        self.travel = self.tsum = self.tmax = self.wsum = self.dsum = self.asg = 0.0
        self.ret = self.extra = self.idle = self.cost = 0.0

    def snapshot(self) -> tuple[object, ...]:
        return (self.seq[:], self.st[:], self.en[:], self.ar[:], self.td[:], self.wt[:],
                self.tv[:], self.lg, self.lprev, self.ls, self.le, self.la, self.travel,
                self.tsum, self.tmax, self.wsum, self.dsum, self.asg, self.ret, self.extra,
                self.idle, self.cost, self.skip)

    def restore(self, saved: tuple[object, ...]) -> None:
        (self.seq, self.st, self.en, self.ar, self.td, self.wt, self.tv, self.lg, self.lprev,
         self.ls, self.le, self.la, self.travel, self.tsum, self.tmax, self.wsum, self.dsum,
         self.asg, self.ret, self.extra, self.idle, self.cost,
         self.skip) = saved  # type: ignore[assignment]

    def put(self, t: int, k: int, m: Model) -> None:
        self.seq.insert(k, t)
        for values in (self.st, self.en, self.ar, self.td, self.wt, self.tv):
            values.insert(k, 0.0)
        if self.lg >= k:
            self.lg += 1  # the pass re-decides the lunch from k on anyway
        self.dsum += m.task_dur[t]
        self.asg += m.task_assign[t][self.c]

    def drop(self, t: int, m: Model) -> None:
        k = self.seq.index(t)
        for values in (self.seq, self.st, self.en, self.ar, self.td, self.wt, self.tv):
            del values[k]
        if self.lg > k:
            self.lg -= 1
        self.dsum -= m.task_dur[t]
        self.asg -= m.task_assign[t][self.c]

    def reset(self, seq: list[int], m: Model) -> None:
        self.seq = seq[:]
        for name in ("st", "en", "ar", "td", "wt", "tv"):
            setattr(self, name, [0.0] * len(seq))
        self.lg = NO_LUNCH
        self.dsum = sum(m.task_dur[t] for t in seq)
        self.asg = sum(m.task_assign[t][self.c] for t in seq)
        self.cost = 0.0


def route_pass(plan: Plan, route: Route, k0: int, dirty: int, work: dict[int, list[int]]) -> bool:
    """Re-time ``route`` from position ``k0``; False when times run away (a sync cycle).

    Positions up to ``dirty`` must be recomputed; after it, the pass may stop at the first
    task whose times come out unchanged.
    """
    m = plan.m
    seq, st, en, ar, td, wt, tv = (route.seq, route.st, route.en, route.ar, route.td,
                                   route.wt, route.tv)
    n = len(seq)
    c = route.c
    dist, loc, dur, windows = m.dist, m.task_loc, m.task_dur, m.task_windows
    partner, sync = m.task_partner, m.task_sync
    route_of, known, epoch, routes = plan.route_of, plan.known, plan.epoch, plan.routes
    depot, start0 = m.cg_depot[c], m.cg_start[c]
    old_lg = route.lg
    if route.lg >= k0:
        route.lg = NO_LUNCH
    lunch_open, lunch_dur, deadline = m.lunch_open, m.lunch_dur, m.lunch_deadline
    lunch_todo = m.cg_lunch[c] and route.lg == NO_LUNCH and not route.skip
    end_side, ceiling = m.end_side, plan.ceiling
    prev_end = en[k0 - 1] if k0 > 0 else start0
    prev_loc = loc[seq[k0 - 1]] if k0 > 0 else depot
    for k in range(k0, n):
        t = seq[k]
        lt = loc[t]
        travel = dist[prev_loc][lt]
        arr = prev_end + travel
        # What the partner imposes, if it is already timed.
        kind = sync[t]
        bound = NEG
        rq = kq = -1
        sq = 0.0
        if kind != SYNC_NONE and kind != SYNC_INDEPENDENT:
            q = partner[t]
            rq = route_of[q]
            if rq >= 0 and known[q] == epoch:
                other = routes[rq]
                kq = other.seq.index(q)
                sq = other.st[kq]
                if kind == SYNC_SIMULTANEOUS:
                    bound = sq
                elif kind == SYNC_FIRST:
                    bound = sq - m.task_max[t]
                else:
                    bound = sq + m.task_min[t]
            else:
                rq = -1
        ws = windows[t]
        single = len(ws) == 1
        x = arr if arr > bound else bound
        s = (x if x > ws[0][0] else ws[0][0]) if single else plan.rule(t, x)
        a_wait = arr
        if lunch_todo:
            take = 0  # 0: not here, 1: before this task, 2: after the previous one
            if arr >= lunch_open:
                if arr <= deadline:
                    take = 1
                elif k > 0 and max(prev_end, lunch_open) <= deadline:
                    take = 2
                else:
                    lunch_todo = False  # too late for lunch on this route
            elif s >= lunch_open + lunch_dur or max(s + dur[t], lunch_open) > deadline:
                take = 1  # the break fits in the wait, or later would be too late
            if take:
                lunch_todo = False
                route.lg, route.lprev = k, take == 2
                if take == 1:
                    ls = arr if arr > lunch_open else lunch_open
                    if k == 0:
                        ls = first_start(ls, travel, start0)
                    la = ls if k == 0 else arr
                else:
                    la = prev_end
                    ls = prev_end if prev_end > lunch_open else lunch_open
                le = ls + lunch_dur
                while le - ls < lunch_dur:
                    le = math.nextafter(le, math.inf)
                route.ls, route.le, route.la = ls, le, la
                a_wait = le if take == 1 else le + travel
                x = a_wait if a_wait > bound else bound
                s = (x if x > ws[0][0] else ws[0][0]) if single else plan.rule(t, x)
        if k == 0 and route.lg != 0:
            s = first_start(s, travel, start0)
            a_wait = s
        if kind == SYNC_FIRST and rq >= 0:
            while s + m.task_max[t] < sq:
                s = math.nextafter(s, math.inf)
        if s > ceiling:
            return False
        e = s + dur[t]
        while e - s < dur[t]:
            e = math.nextafter(e, math.inf)
        w_end = ws[0][2]
        if not single:
            for opening, _latest, we in ws:
                if opening <= s:
                    w_end = we
        late = (e if end_side else s) - w_end
        ar[k], td[k], wt[k], tv[k] = a_wait, (late if late > 0.0 else 0.0), (
            0.0 if k == 0 else s - a_wait), travel
        if rq >= 0 and (
            (kind == SYNC_SIMULTANEOUS and sq < s)
            or (kind == SYNC_FIRST and sq < s + m.task_min[t])
            or (kind != SYNC_SIMULTANEOUS and kind != SYNC_FIRST and s > sq + m.task_max[t])
        ):
            span = work.get(rq)
            if span is None:
                work[rq] = [kq, kq]
            elif kq < span[0]:
                span[0] = kq
            elif kq > span[1]:
                span[1] = kq
        if k >= dirty and known[t] == epoch and s == st[k] and e == en[k]:
            # Same times and same lunch state as before: the rest of the route stands.
            taken_new = route.lg != NO_LUNCH and route.lg <= k
            taken_old = old_lg != NO_LUNCH and old_lg <= k
            if taken_new == taken_old:
                if not taken_new:
                    route.lg = old_lg
                return _close(m, route)
        st[k], en[k] = s, e
        known[t] = epoch
        prev_end, prev_loc = e, lt
    if lunch_todo and n > 0:
        ls = prev_end if prev_end > lunch_open else lunch_open
        if ls <= deadline:
            le = ls + lunch_dur
            while le - ls < lunch_dur:
                le = math.nextafter(le, math.inf)
            route.lg, route.lprev, route.ls, route.le, route.la = n, True, ls, le, prev_end
    return _close(m, route)


def _close(m: Model, route: Route) -> bool:
    """Route totals and cost from the per-position values."""
    c = route.c
    n = len(route.seq)
    if n == 0:
        # Not listed in the solution: no travel, no idle time; a lunch break is missed.
        route.lg = NO_LUNCH
        route.travel = route.tsum = route.tmax = route.wsum = 0.0
        route.ret = route.extra = route.idle = 0.0
        route.cost = m.w_lunch if m.cg_lunch[c] else 0.0
        return True
    last = m.task_loc[route.seq[-1]]
    home = m.dist[last][m.cg_home[c]]
    travel = sum(route.tv) + home
    lunch = route.lg != NO_LUNCH
    ret = (route.le if lunch and route.lg == n else route.en[-1]) + home
    wsum = sum(route.wt) + (route.ls - route.la if lunch else 0.0)
    end = m.cg_end[c]
    extra = ret - end if ret > end else 0.0
    idle = 0.0
    if m.cg_shift[c]:
        idle = (max(ret, end) - m.cg_start[c] - travel - route.dsum
                - (m.lunch_dur if lunch else 0.0))
    tsum = sum(route.td)
    route.travel, route.ret, route.extra, route.idle = travel, ret, extra, idle
    route.tsum, route.tmax, route.wsum = tsum, max(route.td), wsum
    cost = (m.w_travel * travel + m.w_tsum * tsum + m.w_wait * wsum + m.w_extra * extra
            + route.asg + m.w_work * (travel + route.dsum))
    if m.cg_lunch[c] and not lunch:
        cost += m.w_lunch
    route.cost = cost
    return True


def first_start(s: float, travel: float, shift_start: float) -> float:
    """A first start the validator accepts: it recomputes the departure as s − travel and
    checks s >= departure + travel, which floating point can break by one unit in the last
    place; step s up until the round trip is exact and the departure is in the shift."""
    while (s - travel) + travel != s or s - travel < shift_start:
        s = math.nextafter(s, math.inf)
    return s
