"""A worker-day of the weekly plan: its total judged on the distribution of the day's
total, its risk of ending late, simulated from one matrix of draws per page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from balise.core import clock
from balise.grid.day_load import TABLE, PlannedDay, Shift, SimulatedDay, Stop, simulate_days
from balise.grid.week_plan import DurationModel
from balise.planner.lateness import RouteStop, lateness_risk
from tests.factories import MONDAY, Cast, make_visit

EIGHT_TO_FOUR = Shift(8 * 60, 16 * 60, 30)  # 450 paid minutes
# No act has evidence: each lasts its reference time, and the walk is exact.
FIXED = DurationModel(samples={}, reference={1: 60, 2: 30})


@pytest.mark.parametrize(("stops", "shift", "expected"), [
    # 8:00 + 3 x (10 min of travel + 60 min) + 30 min of meal break = 12:00
    ([Stop((1,), 8 * 60, 10.0)] * 3, EIGHT_TO_FOUR, SimulatedDay(180.0, 0.0)),
    # The client's window opens at 15:00: 15:00 + 60 + 30 ends at 16:30, after the shift
    ([Stop((1,), 15 * 60)], EIGHT_TO_FOUR, SimulatedDay(60.0, 1.0)),
    # Opens at 14:30: the day ends at 16:00 sharp, which is not late
    ([Stop((1,), 14 * 60 + 30)], EIGHT_TO_FOUR, SimulatedDay(60.0, 0.0)),
    # A visit of two acts lasts both
    ([Stop((1, 2), 8 * 60)], EIGHT_TO_FOUR, SimulatedDay(90.0, 0.0)),
    # No shift that day: the load is shown, no risk is computed
    ([Stop((1,), 15 * 60)], None, SimulatedDay(60.0, 0.0)),
    # No visit
    ([], EIGHT_TO_FOUR, SimulatedDay(0.0, 0.0)),
])
def test_the_walk_follows_travel_windows_and_the_meal_break(
        stops: list[Stop], shift: Shift | None, expected: SimulatedDay) -> None:
    assert simulate_days(FIXED, [PlannedDay(stops, shift)], 0.8) == [expected]


def _observed(seed: int, n: int, median: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.rint(rng.lognormal(np.log(median), 0.35, n))


MODEL = DurationModel(samples={1: _observed(1, 500, 45), 2: _observed(2, 80, 20),
                               3: _observed(3, 20, 60)},  # act 3: too few, its reference
                      reference={3: 50})


def _day(worker: int, visits: int) -> PlannedDay:
    acts = [(1,), (2,), (1, 2), (3,)]
    return PlannedDay([Stop(acts[i % 4], 8 * 60 + 30 * i, 8.0) for i in range(visits)],
                      EIGHT_TO_FOUR, (worker, 739_000))


def test_each_day_is_the_same_alone_or_with_the_rest_of_the_page() -> None:
    days = [_day(1, 7), _day(2, 0), _day(3, 8), _day(4, 3), _day(5, 7)]
    together = simulate_days(MODEL, days, 0.8)
    assert together == [simulate_days(MODEL, [day], 0.8)[0] for day in days]
    assert together == simulate_days(MODEL, days, 0.8)  # the same page at every reload
    assert together[0] != together[4]  # two workers' identical days draw apart
    assert 0.0 < together[2].late_risk < 1.0


def test_the_risk_is_the_planners_route_simulation() -> None:
    """The same rule as planner/lateness.py (1,000 draws of its own): a risk near one
    half, where sampling noise is largest, agrees within three standard errors."""
    day = _day(1, 8)
    mine = simulate_days(MODEL, [day], 0.8)[0].late_risk
    route = [RouteStop(stop.act_ids, stop.window_start, stop.travel_before)
             for stop in day.stops]
    planner = lateness_risk(route, 8 * 60, 16 * 60, 30, MODEL)
    assert 0.2 < planner < 0.8
    assert mine == pytest.approx(planner, abs=0.06)


def test_a_large_history_is_drawn_within_its_resolution() -> None:
    """Past ``TABLE`` observations, draws pick among evenly spaced order statistics."""
    observed = _observed(4, 50 * TABLE, 45)
    model = DurationModel(samples={1: observed}, reference={})
    for q in (0.5, 0.8, 0.9):
        one_visit = simulate_days(model, [PlannedDay([Stop((1,))], None)], q)[0].total
        assert one_visit == pytest.approx(float(np.quantile(observed, q)), abs=1.5)


def test_a_day_is_judged_on_its_total_not_on_the_sum_of_the_visits_quantiles(
        session: Session, cast: Cast, browser: Callable[[str | None], TestClient]) -> None:
    """A bath lasts 30 to 89 minutes (80th percentile: 77). Six baths plan 6 x 77 = 462
    minutes, above the 450 paid, yet the 80th percentile of six baths' total is about
    395: long and short baths offset each other. Nine baths are too many either way."""
    bath, alice = cast.acts["BAIN"], cast.workers[0]
    for i in range(60):
        make_visit(session, cast.workers[i % 6], cast.clients[i % 3], bath,
                   MONDAY - timedelta(days=7 * (i % 20) + 3), minutes=30 + i)
    tuesday = MONDAY + timedelta(days=1)
    for day, baths in ((MONDAY, 6), (tuesday, 9)):
        for i in range(baths):
            make_visit(session, alice, cast.clients[i % 3], bath, day, planned=77,
                       start_minute=8 * 60 + 50 * i)
    session.commit()
    clock.freeze(datetime(2026, 11, 16, 7, 0))
    page = browser("lead").get(f"/teams/{cast.team.id}/plan?week={MONDAY}").text
    row = page.split("Worker A0")[1].split("</tr>")[0]
    monday, tuesday_cell = row.split("<td")[1:3]
    assert "462 min planifiées sur 450" in monday and "Surchargée" not in monday
    assert "Surchargée" in tuesday_cell
