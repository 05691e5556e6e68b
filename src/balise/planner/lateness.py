"""The risk that a worker's day ends after their shift, estimated by simulation.

Each draw takes, for every visit of the route, a realized duration from the evidence of
its acts (``grid/week_plan.DurationModel``), walks the route in order (travel between
visits, waiting for a window to open, the meal break), and notes whether the last visit
ends after the shift. The share of draws that do is the risk shown beside the day; the
team chooses the largest risk it accepts (default 10 %).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from balise.grid.week_plan import DurationModel

DEFAULT_MAX_RISK = 0.10
DRAWS = 1000


@dataclass(frozen=True)
class RouteStop:
    act_ids: tuple[int, ...]
    window_start: int
    travel_before: float  # minutes from the previous place


def day_ends(stops: Sequence[RouteStop], shift_start: int, break_minutes: int,
             model: DurationModel, seed: int = 0) -> np.ndarray:
    """Simulated minute at which the day's last visit ends, one value per draw."""
    rng = np.random.default_rng(seed)
    clock = np.full(DRAWS, float(shift_start))
    for stop in stops:
        clock = np.maximum(clock + stop.travel_before, float(stop.window_start))
        for act_id in stop.act_ids:
            clock = clock + model.draw(act_id, rng, DRAWS)
    # The meal break is taken somewhere in the day: it adds its length to the day's end.
    return clock + break_minutes


def lateness_risk(stops: Sequence[RouteStop], shift_start: int, shift_end: int,
                  break_minutes: int, model: DurationModel, seed: int = 0) -> float:
    if not stops:
        return 0.0
    ends = day_ends(stops, shift_start, break_minutes, model, seed)
    return float(np.mean(ends > shift_end))


@dataclass(frozen=True)
class DayRisk:
    risk: float  # share of simulated days that end after the shift
    overrun: float  # minutes past the shift's end at the (1 - max risk) quantile, >= 0


def day_risk(stops: Sequence[RouteStop], shift_start: int, shift_end: int,
             break_minutes: int, model: DurationModel, max_risk: float,
             seed: int = 0) -> DayRisk:
    """The risk, and the slack missing for it to be at most ``max_risk``: the day's end
    at the (1 - max_risk) quantile must come before the shift's end."""
    if not stops:
        return DayRisk(0.0, 0.0)
    ends = day_ends(stops, shift_start, break_minutes, model, seed)
    over = float(np.quantile(ends, 1.0 - max_risk)) - shift_end
    return DayRisk(float(np.mean(ends > shift_end)), max(0.0, over))


def planning_reserve(visits: Sequence[tuple[tuple[int, ...], float]], per_route: int,
                     model: DurationModel, max_risk: float, seed: int = 0) -> float:
    """Minutes to keep free at the end of each shift while planning: how much longer than
    planned a day of ``per_route`` of these visits (act ids, planned minutes) runs at the
    (1 - max_risk) quantile, drawn from the evidence."""
    # The quantile of the day's total, not the sum of each visit's quantile: summing
    # quantiles overstates the day (overruns and early finishes offset one another).
    if not visits or per_route <= 0 or max_risk >= 1.0:
        return 0.0
    rng = np.random.default_rng(seed)
    kinds: dict[tuple[tuple[int, ...], float], int] = {}
    for kind in visits:
        kinds[kind] = kinds.get(kind, 0) + 1
    excess = np.zeros((len(kinds), DRAWS))
    for row, (act_ids, planned) in enumerate(kinds):
        excess[row] -= planned
        for act_id in act_ids:
            excess[row] += model.draw(act_id, rng, DRAWS)
    share = np.asarray(list(kinds.values()), dtype=float) / len(visits)
    # Each simulated day: ``per_route`` visits picked as often as the day holds them.
    picked = rng.choice(len(kinds), size=(DRAWS, per_route), p=share)
    draws = rng.integers(0, DRAWS, size=(DRAWS, per_route))
    totals = excess[picked, draws].sum(axis=1)
    return max(0.0, float(np.quantile(totals, 1.0 - max_risk)))
