"""Run charts and the Anhøj rules for non-random variation.

A run chart plots a measure over time around its median. Two rules, from Anhøj &
Olesen (2014, *PLoS ONE* 9(11): e113825) and Anhøj (2015, *PLoS ONE* 10(3): e0121349),
tell a persistent shift from noise whatever the distribution of the data:

* **shift** — the longest run of points on one side of the centre line is longer than
  ``round(log2(n)) + 3`` (Schilling 2012, *Math. Mag.* 85(2): 141–149);
* **crossings** — the centre line is crossed fewer times than the lower 5 % quantile of
  Binomial(n − 1, ½) (Chen 2010, *Model Assisted Statistics and Applications* 5(2):
  73–77).

``n`` counts the *useful* points: points exactly on the centre line neither break nor
extend a run and are left out of both rules. The limits are those tabulated in the
qicharts2 vignette, appendix 2 (Anhøj, the author of the rules), which the tests check
row by row for n = 10 … 100.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any

from balise.core.errors import InvalidInput
from balise.core.i18n import gettext as _
from balise.core.i18n import lazy

# Anhøj's tables start at 10 useful points: below that the rules rarely fire at all.
ANHOEJ_MIN_USEFUL = 10

_MESSAGES: dict[str, str] = {
    "spc_no_points": lazy("A chart needs at least one point."),
    "spc_not_finite": lazy("Point {index} is not a finite number."),
    "spc_lengths_differ": lazy("There are {values} values but {sizes} denominators."),
    "spc_size_not_positive": lazy("The denominator of point {index} must be greater than zero."),
    "spc_negative_count": lazy("The count of point {index} cannot be negative."),
    "spc_count_exceeds_size": lazy(
        "The count of point {index} is larger than its denominator; a proportion cannot exceed 1."
    ),
    "spc_baseline_too_short": lazy(
        "The baseline needs at least {minimum} points to compute limits; it has {count}."
    ),
    "spc_baseline_too_long": lazy("The baseline has {count} points but the series only {total}."),
    "spc_sizes_required": lazy("Proportions and rates need a denominator for every point."),
    "spc_sizes_unexpected": lazy("Measurements take no denominators."),
}


class ChartInputError(InvalidInput):
    """Data a chart cannot be drawn from; ``field`` names the offending argument."""

    def message(self) -> str:
        return _(_MESSAGES.get(self.code, self.code)).format(**self.params)


def _reject(field: str, code: str, **params: Any) -> ChartInputError:
    return ChartInputError(field, code, **params)


def check_finite(values: Sequence[float], field: str = "values") -> tuple[float, ...]:
    """The values as floats; an empty series or a NaN/infinity is refused, never skipped.

    Skipping a missing month silently would join its neighbours into one run; the caller
    decides what a missing period means.
    """
    if not values:
        raise _reject(field, "spc_no_points")
    out = tuple(float(v) for v in values)
    for index, value in enumerate(out, start=1):
        if not math.isfinite(value):
            raise _reject(field, "spc_not_finite", index=index)
    return out


def longest_run_limit(n_useful: int) -> int:
    """Longest run expected by chance (upper 95 % prediction limit): ``round(log2(n)) + 3``."""
    if n_useful < 1:
        raise ValueError("n_useful must be at least 1")
    # floor(x + ½) rather than round(): log2 of an integer is never k + ½, so there are
    # no ties, and this reads the same as the published formula in every language.
    return math.floor(math.log2(n_useful) + 0.5) + 3


def crossings_limit(n_useful: int) -> int:
    """Fewest crossings expected by chance: the 5 % quantile of Binomial(n − 1, ½).

    The quantile is the *smallest c with P(C ≤ c) ≥ 0.05* — R's ``qbinom(0.05, n - 1,
    0.5)`` and SciPy's ``binom.ppf`` — and a signal is ``crossings < c``. This is the
    convention of Anhøj's table (n = 10 → 2, n = 20 → 6, n = 30 → 10); taking the
    largest c with P(C ≤ c) ≤ 0.05 instead would give 1, 5 and 9 and disagree with it.

    Computed exactly in integers (``20·Σ C(m, k) ≥ 2^m``) so that no rounding of a
    floating-point CDF can move a boundary.
    """
    if n_useful < 1:
        raise ValueError("n_useful must be at least 1")
    trials = n_useful - 1
    total = 1 << trials
    cumulative = 0
    for c in range(trials + 1):
        cumulative += math.comb(trials, c)
        if 20 * cumulative >= total:
            return c
    return trials


@dataclass(frozen=True)
class Run:
    """Consecutive useful points on one side of the centre line.

    ``start`` and ``end`` are 0-based positions in the series (inclusive); points on
    the centre line inside that span are not counted in ``length``.
    """

    start: int
    end: int
    side: int  # +1 above the centre line, -1 below
    length: int


@dataclass(frozen=True)
class RunsAnalysis:
    """The Anhøj rules applied to one series and one centre line."""

    centre: float
    n_obs: int
    n_useful: int
    sides: tuple[int, ...]  # per point: +1 above, -1 below, 0 on the centre line
    runs: tuple[Run, ...]
    longest_run: int
    longest_run_limit: int  # 0 when there is no useful point
    crossings: int
    crossings_limit: int

    @property
    def shift(self) -> bool:
        return self.longest_run > self.longest_run_limit > 0

    @property
    def too_few_crossings(self) -> bool:
        return self.crossings < self.crossings_limit

    @property
    def signal(self) -> bool:
        return self.shift or self.too_few_crossings

    @property
    def long_runs(self) -> tuple[Run, ...]:
        """Every run longer than the limit (a series can hold more than one)."""
        if not self.shift:
            return ()
        return tuple(run for run in self.runs if run.length > self.longest_run_limit)

    @property
    def in_long_run(self) -> tuple[bool, ...]:
        """Per point: whether it belongs to a run longer than the limit."""
        flags = [False] * self.n_obs
        for run in self.long_runs:
            for i in range(run.start, run.end + 1):
                flags[i] = self.sides[i] != 0
        return tuple(flags)


def runs_analysis(values: Sequence[float], centre: float) -> RunsAnalysis:
    """Longest run and number of crossings of ``values`` around ``centre``."""
    points = check_finite(values)
    sides = tuple((v > centre) - (v < centre) for v in points)
    runs: list[Run] = []
    for i, side in enumerate(sides):
        if side == 0:
            continue
        last = runs[-1] if runs else None
        if last is not None and last.side == side:
            runs[-1] = Run(last.start, i, side, last.length + 1)
        else:
            runs.append(Run(i, i, side, 1))
    n_useful = sum(run.length for run in runs)
    return RunsAnalysis(
        centre=centre,
        n_obs=len(points),
        n_useful=n_useful,
        sides=sides,
        runs=tuple(runs),
        longest_run=max((run.length for run in runs), default=0),
        longest_run_limit=longest_run_limit(n_useful) if n_useful else 0,
        crossings=max(len(runs) - 1, 0),
        crossings_limit=crossings_limit(n_useful) if n_useful else 0,
    )


def check_baseline(baseline: int | None, total: int) -> int:
    """The number of leading points that set the centre (and limits); all when ``None``."""
    count = total if baseline is None else baseline
    if count > total:
        raise _reject("baseline", "spc_baseline_too_long", count=count, total=total)
    if count < 1:
        raise _reject("baseline", "spc_baseline_too_short", minimum=1, count=count)
    return count


@dataclass(frozen=True)
class RunChart:
    """A run chart: the points, the baseline median as centre line, the Anhøj rules."""

    values: tuple[float, ...]
    baseline: int  # leading points the median was taken from
    runs: RunsAnalysis

    @property
    def centre(self) -> float:
        return self.runs.centre

    @property
    def signals(self) -> tuple[bool, ...]:
        return self.runs.in_long_run

    @property
    def signal(self) -> bool:
        return self.runs.signal


def run_chart(values: Sequence[float], *, baseline: int | None = None) -> RunChart:
    """Run chart of ``values``; the median of the first ``baseline`` points is the centre.

    With a baseline the median is frozen, as in qicharts2's ``freeze``: later points are
    judged against the period before the change rather than pulling the centre to them.
    """
    points = check_finite(values)
    count = check_baseline(baseline, len(points))
    centre = float(median(points[:count]))
    return RunChart(values=points, baseline=count, runs=runs_analysis(points, centre))
