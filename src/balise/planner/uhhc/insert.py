"""Putting patients into routes: where each can go, and in which order to insert them.

An exact trial (``Plan.try_insert``) re-times every route the insertion moves; it costs
tens of microseconds, so positions are first ranked by a cheap estimate — added travel,
the new task's own lateness, the delay pushed onto the next task — and only the best
few per route are tried exactly. A synchronised pair (simultaneous or sequential) goes
into two different routes at once: the best positions of each task are paired, ranked by
how far apart the two tasks would start, and the best pairs are tried exactly.

``repair`` is regret insertion (Potvin & Rousseau 1993; Ropke & Pisinger 2006): the patient
whose best option is most ahead of its second best goes first, so that patients with one
good place get it before it is taken. Results are cached per route and recomputed only
for routes an insertion changed.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from balise.planner.uhhc.model import SYNC_FIRST, SYNC_INDEPENDENT, SYNC_NONE, SYNC_SIMULTANEOUS
from balise.planner.uhhc.schedule import Plan

Moves = list[tuple[int, int, int]]
ROUTES_ALL = 8  # with this many eligible routes or fewer, try them all
PER_ROUTE = 2  # best estimated positions kept per route
SINGLE_EXACT = 8  # exact trials per task
PAIR_SIDE = 16  # best positions kept per task of a pair
PAIR_EXACT = 6  # exact trials per pair


@dataclass
class Option:
    delta: float
    moves: Moves
    key: tuple[int, ...]  # the routes it uses (options on the same routes compete)


class Inserter:
    def __init__(self, plan: Plan, rng: random.Random) -> None:
        self.plan = plan
        self.m = plan.m
        self.rng = rng
        self.version = [0] * len(plan.routes)

    # ------------------------------------------------------------ estimates
    def idle_levels(self) -> tuple[float, int, float]:
        """Largest idle time, its route, and the second largest (for "max over the others")."""
        idle = self.plan.idle_of
        top = max(idle)
        ranked = sorted(idle)
        return top, idle.index(top), ranked[-2] if len(ranked) > 1 else 0.0

    def estimates(self, t: int, r: int, levels: tuple[float, int, float] | None = None,
                  ) -> list[tuple[float, int, float]]:
        """(estimate, position, start) for every position of task t in route r.

        The estimate adds the travel detour, the task's own lateness, the delay pushed
        onto the next task, and how the largest idle time would move: filling a route
        lowers its idle time, opening an unused one raises it to almost a whole shift.
        """
        m, plan = self.m, self.plan
        route = plan.routes[r]
        dist, loc = m.dist, m.task_loc
        c = route.c
        lt, d = loc[t], m.task_dur[t]
        seq, st, en = route.seq, route.st, route.en
        n = len(seq)
        w_delay = m.w_tsum + m.w_extra + 0.1 * m.w_travel
        fixed = m.task_assign[t][c]
        windows = m.task_windows[t]
        single = len(windows) == 1
        opening, latest = windows[0][0], windows[0][1]
        w_idle, w_travel, w_tsum, w_wait = m.w_idle, m.w_travel, m.w_tsum, m.w_wait
        idle_now = other = 0.0
        if w_idle and m.cg_shift[c]:
            top, top_r, second = levels or self.idle_levels()
            other = second if top_r == r else top
            idle_now = route.idle if n else m.cg_end[c] - m.cg_start[c]
            fixed -= w_idle * top
        out = []
        prev_loc, prev_end = m.cg_depot[c], m.cg_start[c]
        home = m.cg_home[c]
        for k in range(n + 1):
            nxt = loc[seq[k]] if k < n else home
            to_t = dist[prev_loc][lt]
            added = to_t + dist[lt][nxt]
            if n:
                added -= dist[prev_loc][nxt]
            arrive = prev_end + to_t
            if single:
                s = arrive if arrive > opening else opening
                late = s - latest
            else:
                s = plan.rule(t, arrive)
                late = plan.tardiness(t, s, s + d)
            est = w_travel * added + fixed + 0.5 * w_wait * (s - arrive)
            if late > 0.0:
                est += w_tsum * late
            if k < n:
                push = s + d + dist[lt][nxt] - st[k]
                if push > 0.0:
                    est += w_delay * push
            if w_idle and m.cg_shift[c]:
                idle = idle_now - d - added
                est += w_idle * (idle if idle > other else other)
            out.append((est, k, s))
            if k < n:
                prev_loc, prev_end = loc[seq[k]], en[k]
        return out

    # ------------------------------------------------------------ options
    def options(self, p: int, base: float) -> list[Option]:
        """Exact options for patient p, best first (delta = objective change)."""
        tasks = self.m.patient_tasks[p]
        kind = self.m.task_sync[tasks[0]]
        if len(tasks) == 1 or kind in (SYNC_NONE, SYNC_INDEPENDENT):
            return self._chain(tasks, base)
        return self._pair(tasks, base)

    def routes_for(self, t: int) -> list[int]:
        """Eligible routes worth trying: those near the task, plus a couple of unused ones."""
        m, plan = self.m, self.plan
        cands = m.task_cands[t]
        if len(cands) <= ROUTES_ALL:
            return cands
        route_of, routes = plan.route_of, plan.routes
        allowed = set(cands)
        near = {route_of[u] for u in m.task_near[t]} & allowed
        empty = [r for r in cands if not routes[r].seq]
        if len(near) < 3:
            near |= {r for r in cands if routes[r].seq}
        if empty:
            # The two unused caregivers whose depot is closest: a stable choice, so that
            # cached results stay comparable from one call to the next.
            here = m.task_loc[t]
            empty.sort(key=lambda r: m.dist[m.cg_depot[r]][here])
            near.update(empty[:2])
        return sorted(near)

    def _single(self, t: int, base: float) -> list[Option]:
        """Exact options for one task: the best estimated positions, two at most per route."""
        plan = self.plan
        levels = self.idle_levels() if self.m.w_idle else None
        found: list[tuple[float, int, int]] = []
        for r in self.routes_for(t):
            ests = sorted(self.estimates(t, r, levels))[:PER_ROUTE]
            found.extend((est, r, k) for est, k, _s in ests)
        found.sort()
        best_of: dict[int, Option] = {}
        for _est, r, k in found[:SINGLE_EXACT]:
            value = plan.try_insert([(t, r, k)])
            if value is not None and (r not in best_of or value - base < best_of[r].delta):
                best_of[r] = Option(value - base, [(t, r, k)], (r,))
        return sorted(best_of.values(), key=lambda o: o.delta)

    def _in_route(self, t: int, r: int, base: float) -> Option | None:
        plan = self.plan
        best: Option | None = None
        for _est, k, _s in sorted(self.estimates(t, r))[:PER_ROUTE]:
            value = plan.try_insert([(t, r, k)])
            if value is not None and (best is None or value - base < best.delta):
                best = Option(value - base, [(t, r, k)], (r,))
        return best

    def _chain(self, tasks: tuple[int, ...], base: float) -> list[Option]:
        """One task, or two independent ones: the second placed given the first."""
        first = self._single(tasks[0], base)
        if len(tasks) == 1:
            return first
        plan = self.plan
        out = []
        for opt in first[:3]:
            if not plan.insert(opt.moves):
                continue
            follow = self._single(tasks[1], base)
            plan.undo_insert()
            for second in follow[:2]:
                moves = opt.moves + second.moves
                value = plan.try_insert(moves)
                if value is not None:
                    out.append(Option(value - base, moves, opt.key + second.key))
        out.sort(key=lambda o: o.delta)
        return out

    def _pair(self, tasks: tuple[int, ...], base: float) -> list[Option]:
        m, plan = self.m, self.plan
        a, b = tasks
        kind = m.task_sync[a]
        side: list[list[tuple[float, int, int, float]]] = []
        levels = self.idle_levels() if m.w_idle else None
        for t in (a, b):
            found: list[tuple[float, int, int, float]] = []
            for r in self.routes_for(t):
                ests = sorted(self.estimates(t, r, levels))[:PER_ROUTE + 1]
                found.extend((est, r, k, s) for est, k, s in ests)
            found.sort()
            side.append(found[:PAIR_SIDE])
        w_delay = m.w_tsum + m.w_extra + m.w_wait + 0.1 * m.w_travel
        pairs = []
        for ea, ra, ka, sa in side[0]:
            for eb, rb, kb, sb in side[1]:
                if ra == rb:
                    continue
                if kind == SYNC_SIMULTANEOUS:
                    gap = abs(sa - sb)
                elif kind == SYNC_FIRST:
                    lo, hi = sa + m.task_min[a], sa + m.task_max[a]
                    gap = lo - sb if sb < lo else (sb - hi if sb > hi else 0.0)
                else:
                    gap = 0.0
                pairs.append((ea + eb + w_delay * gap, ra, ka, rb, kb))
        pairs.sort()
        out = []
        seen: set[tuple[int, int]] = set()
        for _est, ra, ka, rb, kb in pairs:
            if (ra, rb) in seen:
                continue
            moves = [(a, ra, ka), (b, rb, kb)]
            value = plan.try_insert(moves)
            if value is not None:
                seen.add((ra, rb))
                out.append(Option(value - base, moves, (ra, rb)))
            if len(out) >= PAIR_EXACT:
                break
        out.sort(key=lambda o: o.delta)
        return out

    # ------------------------------------------------------------ repair
    def order(self, patients: list[int], how: str) -> list[int]:
        """Mandatory patients first, then in the chosen order (SISR's sort step)."""
        m = self.m
        first_window = [m.task_windows[m.patient_tasks[p][0]][0] for p in range(len(m.patient_ids))]
        keys: dict[str, Callable[[int], float]] = {
            "random": lambda p: self.rng.random(),
            "early": lambda p: first_window[p][0],
            "tight": lambda p: first_window[p][2] - first_window[p][0],
            "double": lambda p: -len(m.patient_tasks[p]) + 0.01 * self.rng.random(),
        }
        key = keys[how]
        return sorted(patients, key=lambda p: (not m.patient_mandatory[p], key(p)))

    def repair(self, patients: list[int], how: str = "random", noise: float = 0.0,
               deadline: float = math.inf) -> None:
        """Insert patients one by one at their best place (or by regret for "regret")."""
        pending = [p for p in dict.fromkeys(patients) if p in self.plan.unassigned]
        if how == "regret":
            self._regret(pending, noise, deadline)
            return
        plan, m = self.plan, self.m
        for p in self.order(pending, how):
            if time.perf_counter() >= deadline:
                return
            base = plan.objective()
            opts = self.options(p, base)
            if noise and len(opts) > 1:
                opts.sort(key=lambda o: o.delta * (1.0 + noise * (2.0 * self.rng.random() - 1.0)))
            for opt in opts[:2]:
                if opt.delta >= 0.0 and not m.patient_mandatory[p]:
                    break
                if plan.insert(opt.moves):
                    break

    def _regret(self, pending: list[int], noise: float, deadline: float) -> None:
        """Regret-2: the patient losing most by waiting for its second choice goes first."""
        plan, m = self.plan, self.m
        cache: dict[int, object] = {}
        while pending and time.perf_counter() < deadline:
            base = plan.objective()
            chosen: tuple[float, int, Option] | None = None
            for p in list(pending):
                opts = self._cached(p, base, cache)
                if not opts or (opts[0].delta >= 0.0 and not m.patient_mandatory[p]):
                    pending.remove(p)
                    continue
                best = opts[0].delta
                if noise:
                    best *= 1.0 + noise * (2.0 * self.rng.random() - 1.0)
                second = next((o.delta for o in opts[1:] if o.key != opts[0].key), None)
                regret = (second - best) if second is not None else 1e12
                score = (not m.patient_mandatory[p], -regret, best)
                if chosen is None or score < chosen[0]:  # type: ignore[operator]
                    chosen = (score, p, opts[0])  # type: ignore[assignment]
            if chosen is None:
                break
            _, p, opt = chosen
            pending.remove(p)
            if plan.insert(opt.moves):
                for r in plan.last_touched:
                    self.version[r] += 1

    def _cached(self, p: int, base: float, cache: dict[int, object]) -> list[Option]:
        """Options of p, recomputed only for the routes changed since they were computed."""
        m, version = self.m, self.version
        tasks = m.patient_tasks[p]
        if len(tasks) == 1:
            t = tasks[0]
            per_route = cache.get(p)
            if not isinstance(per_route, dict):
                per_route = {}
                cache[p] = per_route
            for r in self.routes_for(t):
                hit = per_route.get(r)
                if hit is None or hit[0] != version[r]:
                    per_route[r] = (version[r], self._in_route(t, r, base))
            allowed = set(self.routes_for(t))
            found = [o for r, (_, o) in per_route.items() if o is not None and r in allowed]
            found.sort(key=lambda o: o.delta)
            return found
        routes = {r for t in tasks for r in self.routes_for(t)}
        stamp = tuple(version[r] for r in sorted(routes))
        hit = cache.get(p)
        if isinstance(hit, tuple) and hit[1] == stamp:
            return hit[0]  # type: ignore[no-any-return]
        opts = self.options(p, base)
        cache[p] = (opts, stamp)
        return opts
