"""A plan under construction: routes of tasks, their times, and the objective, kept up to date.

Times are the *earliest* schedule of the routes' order: each task starts as soon as the
caregiver arrives, its window opens and its synchronised partner allows. Synchronisation
links routes, so a change in one route can move another; ``_propagate`` follows those
links with a work list until nothing moves (a label-correcting pass over a simple
temporal network). Starting from an earlier schedule and only adding constraints, it
reaches the new earliest schedule; after removals, ``decode`` recomputes everything from
scratch. A cycle of synchronisations that cannot be met makes times grow without bound:
a step budget and a time ceiling turn that into "infeasible".

Trials (``try_insert``) apply a change, read the objective and roll back from snapshots of
the routes they touched; the search evaluates thousands of insertions this way. The
route pass itself lives in ``routepass``.
"""

from __future__ import annotations

import math

from balise.planner.uhhc.model import Model
from balise.planner.uhhc.routepass import NO_LUNCH, Route, route_pass

Moves = list[tuple[int, int, int]]


class Plan:
    def __init__(self, model: Model) -> None:
        self.m = model
        self.routes = [Route(c) for c in range(model.n_caregivers)]
        self.route_of = [-1] * model.n_tasks
        self.known = [0] * model.n_tasks
        self.epoch = 0
        self.unassigned: set[int] = set(range(len(model.patient_ids)))
        self.left_out = sum(model.patient_left_out)
        self.local = 0.0
        self.tmax_of = [0.0] * model.n_caregivers
        self.idle_of = [0.0] * model.n_caregivers
        self.last_touched: list[int] = []
        self._last: tuple[dict[int, tuple[object, ...]], list[int], list[int], float, float] = (
            {}, [], [], 0.0, 0.0)
        self._saved: dict[int, tuple[object, ...]] | None = None
        self._trial_tasks: list[int] = []
        self._trial_patients: list[int] = []
        self._trial_local = 0.0
        self._trial_left_out = 0.0
        horizon = max([w[2] for ws in model.task_windows for w in ws] + [0.0])
        ends = [e for e in model.cg_end if e != math.inf]
        self.ceiling = 4 * (horizon + max([*ends, 0.0]) + sum(model.task_dur)) + 1e4
        self.decode()

    # ----------------------------------------------------------------- reading
    def objective(self) -> float:
        m = self.m
        return (self.local + self.left_out + m.w_tmax * max(self.tmax_of)
                + m.w_idle * max(self.idle_of))

    def start_of(self, t: int) -> float:
        route = self.routes[self.route_of[t]]
        return route.st[route.seq.index(t)]

    def sequences(self) -> list[list[int]]:
        """The routes' task orders; a lunch skipped by choice is marked by a final -1."""
        return [[*route.seq, -1] if route.skip else route.seq[:] for route in self.routes]

    def try_skip_lunch(self, r: int) -> bool:
        """Flip whether route r takes its lunch; keep the flip if the objective improves."""
        if not self.m.cg_lunch[r] or not self.routes[r].seq:
            return False
        before = self.objective()
        self._saved = {}
        self._trial_tasks, self._trial_patients = [], []
        self._trial_local, self._trial_left_out = self.local, self.left_out
        self._save(r)
        route = self.routes[r]
        route.skip = not route.skip
        ok = self._propagate({r: [0, len(route.seq)]}, 4)
        if ok and self.objective() < before - 1e-9:
            self._saved = None
            return True
        self._rollback()
        return False

    # ----------------------------------------------------------------- changes
    def decode(self) -> bool:
        """Recompute every route from scratch (after removals)."""
        self.epoch += 1
        return self._propagate({r: [0, 0] for r in range(len(self.routes))}, 40)

    def load(self, sequences: list[list[int]]) -> None:
        """Replace every route by the given task orders and time them from scratch."""
        m = self.m
        self.route_of = [-1] * m.n_tasks
        for route, seq in zip(self.routes, sequences, strict=True):
            route.skip = bool(seq) and seq[-1] == -1
            seq = seq[:-1] if route.skip else seq
            route.reset(seq, m)
            for t in seq:
                self.route_of[t] = route.c
        self.unassigned = {p for p, tasks in enumerate(m.patient_tasks)
                           if any(self.route_of[t] < 0 for t in tasks)}
        self.left_out = sum(m.patient_left_out[p] for p in self.unassigned)
        self.local = sum(route.cost for route in self.routes)
        self.decode()

    def remove_patient(self, p: int) -> None:
        """Take a patient's tasks out of their routes; times are stale until ``decode``."""
        m = self.m
        for t in m.patient_tasks[p]:
            r = self.route_of[t]
            if r >= 0:
                self.routes[r].drop(t, m)
                self.route_of[t] = -1
        if p not in self.unassigned:
            self.unassigned.add(p)
            self.left_out += m.patient_left_out[p]

    def try_insert(self, moves: Moves) -> float | None:
        """The objective once (task, route, position) moves are made; the plan is unchanged."""
        self._saved = {}
        ok = self._apply(moves)
        value = self.objective() if ok else None
        self._rollback()
        return value

    def insert(self, moves: Moves) -> bool:
        """Make the moves if the result is feasible; say whether they were made."""
        self._saved = {}
        if not self._apply(moves):
            self._rollback()
            return False
        self.last_touched = list(self._saved)
        self._last = (self._saved, self._trial_tasks, self._trial_patients, self._trial_local,
                      self._trial_left_out)
        self._saved = None
        return True

    def undo_insert(self) -> None:
        """Take back the last ``insert`` (nothing else may have changed the plan since)."""
        (self._saved, self._trial_tasks, self._trial_patients, self._trial_local,
         self._trial_left_out) = self._last
        self._rollback()

    # ----------------------------------------------------------------- internals
    def _apply(self, moves: Moves) -> bool:
        self._trial_tasks = []
        self._trial_patients = []
        self._trial_local = self.local
        self._trial_left_out = self.left_out
        work: dict[int, list[int]] = {}
        m = self.m
        for t, r, k in moves:
            self._save(r)
            self.routes[r].put(t, k, m)
            self.route_of[t] = r
            self.known[t] = 0
            self._trial_tasks.append(t)
            span = work.setdefault(r, [k, k])
            span[0], span[1] = min(span[0], k), max(span[1], k)
        for t, _, _ in moves:
            p = m.task_patient[t]
            if p in self.unassigned and all(self.route_of[u] >= 0 for u in m.patient_tasks[p]):
                self.unassigned.discard(p)
                self._trial_patients.append(p)
                self.left_out -= m.patient_left_out[p]
        return self._propagate(work, 4)

    def _save(self, r: int) -> None:
        if self._saved is not None and r not in self._saved:
            self._saved[r] = self.routes[r].snapshot()

    def _rollback(self) -> None:
        for r, snap in (self._saved or {}).items():
            route = self.routes[r]
            route.restore(snap)
            self.tmax_of[r] = route.tmax
            self.idle_of[r] = route.idle
        for t in self._trial_tasks:
            self.route_of[t] = -1
        self.unassigned.update(self._trial_patients)
        self.local = self._trial_local
        self.left_out = self._trial_left_out
        self._saved = None

    def _propagate(self, work: dict[int, list[int]], rounds: int) -> bool:
        """Re-time routes from the positions in ``work`` (route: [first, last] dirty)."""
        budget = rounds * (len(self.routes) + self.m.n_tasks) + 50
        routes = self.routes
        while work:
            r, (k, last) = work.popitem()
            self._save(r)
            route = routes[r]
            before = route.cost
            if not route_pass(self, route, k, last, work):
                return False
            self.local += route.cost - before
            self.tmax_of[r] = route.tmax
            self.idle_of[r] = route.idle
            budget -= 1
            if budget < 0:
                return False
        return True

    def rule(self, t: int, x: float) -> float:
        """Earliest start from ``x`` over several windows: wait for the next one or start late."""
        windows = self.m.task_windows[t]
        for k, (opening, latest, _end) in enumerate(windows):
            if x <= latest:
                if x >= opening:
                    return x
                if k > 0 and x >= windows[k - 1][0]:
                    late = x - windows[k - 1][1]
                    if self.m.w_tsum * late < self.m.w_wait * (opening - x):
                        return x
                return opening
        return x

    def tardiness(self, t: int, s: float, e: float) -> float:
        windows = self.m.task_windows[t]
        end = windows[0][2]
        for opening, _latest, w_end in windows:
            if opening <= s:
                end = w_end
        late = (e if self.m.end_side else s) - end
        return late if late > 0.0 else 0.0


__all__ = ["NO_LUNCH", "Moves", "Plan", "Route"]
