"""Worker-days of the weekly plan simulated from the evidence: the distribution of each
day's total and the risk of ending after the shift, from one matrix of draws.

Each draw gives every planned act of the day a realized duration picked at random among
that act's observations (single-act visits of the last year, ``week_plan.DurationModel``;
the reference time when they are too few). Summing a draw over the day gives one
possible total: the day is judged on the team's quantile of these totals, not on the sum
of per-visit quantiles (docs/grid-planning.md). Walking the same draw along the route
(travel, waiting for a window to open, the meal break) gives the minute the day ends, as
``planner/lateness.py`` does for one route.

A page shows dozens of worker-days of a thousand acts. Drawing act by act cost a
NumPy call per act and per day; here each day draws all its uniforms in one call and
each act's durations are picked for the whole page in one gather. Each day keeps its
own seed, taken from the worker and the date, so the page shows the same figures at
every reload and a change to one day leaves the other days as they were.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from balise.grid.week_plan import DRAWS, DurationModel

Floats = NDArray[np.float64]
TABLE = 4096  # order statistics an act's draws pick from, at most


@dataclass(frozen=True)
class Stop:
    """One planned visit of the day, in route order."""

    act_ids: tuple[int, ...]
    window_start: int = 0  # minute the client's window opens
    travel_before: float = 0.0  # minutes from the previous place


@dataclass(frozen=True)
class Shift:
    start: int
    end: int
    break_minutes: int


@dataclass(frozen=True)
class PlannedDay:
    stops: Sequence[Stop]
    shift: Shift | None  # None: no shift that day, no risk to compute
    seed: tuple[int, ...] = (0,)


@dataclass(frozen=True)
class SimulatedDay:
    total: float  # the quantile of the day's total minutes of care (no margin, no travel)
    late_risk: float  # share of draws ending after the shift; 0 without a shift


def simulate_days(model: DurationModel, days: Sequence[PlannedDay], quantile: float,
                  draws: int = DRAWS) -> list[SimulatedDay]:
    """Each day's quantile of the total and risk of ending late, in the order given.

    Every day walks its route at once, stop by stop (a day with fewer stops has ended
    and stays as it is), adding each visit's simulated minutes to the day's total and,
    after the travel and any wait for the client's window, to the clock."""
    busy = sorted((i for i, day in enumerate(days) if day.stops),
                  key=lambda i: -len(days[i].stops))
    total, late = np.zeros(len(days)), np.zeros(len(days))
    if not busy:
        return [SimulatedDay(0.0, 0.0) for _day in days]
    # Longest days first, and their visits position by position: the days still walking
    # at any position are then the first ones, and every step works on contiguous rows.
    length = np.array([len(days[i].stops) for i in busy], dtype=np.int64)
    going = [int(np.sum(length > position)) for position in range(int(length[0]))]
    first = np.concatenate(([0], np.cumsum(length)[:-1]))
    walk = np.concatenate([first[:n] + position for position, n in enumerate(going)])
    stops = [days[i].stops[position] for position, n in enumerate(going) for i in busy[:n]]
    minutes = _visit_minutes(model, [days[i] for i in busy], draws)[walk]
    shifts = [days[i].shift or Shift(0, 0, 0) for i in busy]
    start, end, rest = (np.array([[getattr(s, name)] for s in shifts], dtype=np.float64)
                        for name in ("start", "end", "break_minutes"))
    travel = np.array([stop.travel_before for stop in stops])[:, None]
    window = np.array([stop.window_start for stop in stops], dtype=np.float64)[:, None]
    clock = np.repeat(start, draws, axis=1)
    sums = np.zeros((len(busy), draws))
    row = 0
    for n in going:
        step = slice(row, row + n)
        sums[:n] += minutes[step]
        clock[:n] += travel[step]
        np.maximum(clock[:n], window[step], out=clock[:n])
        clock[:n] += minutes[step]
        row += n
    total[busy] = np.quantile(sums, quantile, axis=1)
    # The meal break is taken somewhere in the day: it adds its length to the day's end.
    risk = np.mean(clock + rest > end, axis=1)
    late[busy] = [r if days[i].shift is not None else 0.0 for r, i in zip(risk, busy, strict=True)]
    return [SimulatedDay(float(t), float(r)) for t, r in zip(total, late, strict=True)]


def _visit_minutes(model: DurationModel, days: Sequence[PlannedDay],
                   draws: int) -> NDArray[np.float32]:
    """Simulated minutes of each visit of these days, in order (the sum of its acts'),
    one column per draw; each day draws its acts' uniforms with its own seed."""
    stops = [stop for day in days for stop in day.stops]
    acts = np.array([a for stop in stops for a in stop.act_ids], dtype=np.int64)
    # Every act's observations end to end, so that one gather draws every act.
    kinds, row_kind = np.unique(acts, return_inverse=True)
    row_kind = row_kind.reshape(-1)
    parts = [_observations(model, act_id) for act_id in kinds.tolist()]
    size = np.array([len(part) for part in parts], dtype=np.int32)
    start = np.concatenate(([0], np.cumsum(size)[:-1])).astype(np.int32)
    # Whole minutes are exact in 32-bit floats, and half the memory to gather from.
    pool = np.concatenate(parts, dtype=np.float32) if parts else np.zeros(0, np.float32)
    uniform = np.empty((len(acts), draws), dtype=np.float32)
    row = 0
    for day in days:
        n = sum(len(stop.act_ids) for stop in day.stops)
        np.random.default_rng(day.seed).random(dtype=np.float32, out=uniform[row:row + n])
        row += n
    uniform *= size[row_kind][:, None]
    picked = uniform.astype(np.int32)
    # ``uniform * size`` may round up to ``size`` itself: that is the last observation.
    np.minimum(picked, (size - 1)[row_kind][:, None], out=picked)
    picked += start[row_kind][:, None]
    drawn = pool.take(picked)
    # A visit's minutes: the sum of its acts' (np.add.reduceat along rows is slower).
    n_acts = np.array([len(stop.act_ids) for stop in stops], dtype=np.int64)
    first = np.concatenate(([0], np.cumsum(n_acts)[:-1])).astype(np.int64)
    per_visit = np.zeros((len(stops), draws), dtype=np.float32)
    for position in range(int(n_acts.max(initial=0))):
        holding = np.flatnonzero(n_acts > position)
        per_visit[holding] += drawn[first[holding] + position]
    return per_visit


def _observations(model: DurationModel, act_id: int) -> NDArray[np.generic]:
    """What an act's draws pick from: its observations, or ``TABLE`` evenly spaced
    order statistics of them when there are more (a year of baths is hundreds of
    thousands: gathering from all of them at random is slower than the whole page, and
    the table is within 1/``TABLE`` of their distribution, far below the draws' own
    noise). The reference time stands alone for an act without enough evidence."""
    observed = model.evidence(act_id)
    if observed is None:
        return np.array([model.fallback(act_id)])
    n = observed.size
    if n <= TABLE:
        return observed
    if bool(np.any(observed[1:] < observed[:-1])):
        observed = np.sort(observed)
    return observed[np.arange(TABLE, dtype=np.int64) * n // TABLE]


def day_total_quantile(model: DurationModel, visits: Sequence[Sequence[int]], quantile: float,
                       seed: int = 0) -> float:
    """The quantile of one day's total duration (acts of each visit), by simulation."""
    day = PlannedDay([Stop(tuple(acts)) for acts in visits], None, (seed,))
    return simulate_days(model, [day], quantile)[0].total
