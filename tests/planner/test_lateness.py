"""The risk of a day ending after the shift, by simulation over the evidence."""

from __future__ import annotations

import numpy as np
import pytest

from balise.grid.week_plan import DurationModel
from balise.planner.lateness import RouteStop, lateness_risk

RNG = np.random.default_rng(5)
# Act 1 takes about 60 minutes, sometimes much longer (a right-skewed tail).
MODEL = DurationModel(samples={1: RNG.lognormal(np.log(60), 0.35, 2000)}, reference={})


def day(visits: int) -> list[RouteStop]:
    return [RouteStop((1,), 8 * 60, 10.0) for _ in range(visits)]


@pytest.mark.parametrize(("visits", "low", "high"), [
    (3, 0.0, 0.01),    # three hours of visits in an eight-hour shift: no risk
    (7, 0.3, 0.9),     # about seven and a half hours with travel: often late
    (10, 0.99, 1.0),   # ten visits cannot fit
])
def test_risk_grows_with_the_load(visits: int, low: float, high: float) -> None:
    risk = lateness_risk(day(visits), 8 * 60, 16 * 60, 30, MODEL)
    assert low <= risk <= high


def test_an_empty_day_has_no_risk() -> None:
    assert lateness_risk([], 8 * 60, 16 * 60, 30, MODEL) == 0.0
