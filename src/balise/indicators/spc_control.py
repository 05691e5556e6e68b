"""Shewhart control charts: XmR for measurements, p and u (and Laney's p′, u′) for counts.

Every chart computes its centre line and limits from the first ``baseline`` points
(all points when ``baseline`` is ``None``) and judges every point against them: limits
computed from a baseline and then frozen are how a change is told from noise (Montgomery,
*Introduction to Statistical Quality Control*, phase I / phase II; qicharts2's
``freeze``). Two kinds of signal are reported per point, as qicharts2 does:

* rule 1 — the point is outside the 3-sigma limits;
* unusual runs — the Anhøj rules (:mod:`balise.indicators.spc_run`) applied to the same
  series around the chart's centre line.

Formulas
--------
XmR (Wheeler, *Understanding Variation*; Montgomery, individuals chart):
  centre x̄; limits x̄ ± 2.66·MR̄; moving-range chart upper limit 3.267·MR̄,
  where MR̄ is the mean of |xᵢ − xᵢ₋₁| (2.66 = 3/d₂ and 3.267 = D₄ for n = 2).
p (Montgomery, fraction nonconforming): p̄ = Σ events / Σ n over the baseline;
  limits p̄ ± 3√(p̄(1−p̄)/nᵢ).
u (Montgomery, nonconformities per unit): ū = Σ events / Σ n; limits ū ± 3√(ū/nᵢ).
p′ and u′ (Laney 2002, *Quality Engineering* 14(4): 531–537): zᵢ = (yᵢ − centre)/σᵢ on
  the baseline, σ_z = mean |zᵢ − zᵢ₋₁| / 1.128, limits centre ± 3·σᵢ·σ_z.
Lower limits below 0 (and p upper limits above 1) are clipped: a count cannot leave
that range, so the clipped part of a limit can never be crossed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from statistics import fmean

from balise.indicators.spc_run import (
    ChartInputError,
    RunsAnalysis,
    check_baseline,
    check_finite,
    runs_analysis,
)

SIGMA_MULTIPLE = 3.0
E2 = 2.66  # 3 / d2(2): natural process limits from the mean moving range (Wheeler)
D4 = 3.267  # upper range limit of a moving range of two points (D4 for n = 2)
D2 = 1.128  # d2(2): mean range of two normal points, in standard deviations
# Mean denominator above which a p or u chart gets Laney's correction; see choose_chart.
LANEY_LARGE_SUBGROUP = 1000.0


class ChartType(StrEnum):
    XMR = "xmr"
    P = "p"
    P_PRIME = "p_prime"
    U = "u"
    U_PRIME = "u_prime"


class MeasureKind(StrEnum):
    MEASUREMENT = "measurement"  # a value per period: minutes, visits per day, a score
    PROPORTION = "proportion"  # events out of cases: visits done as planned / visits planned
    RATE = "rate"  # events per exposure: incidents per 1,000 visits


@dataclass(frozen=True)
class ControlChart:
    chart: ChartType
    values: tuple[float, ...]  # the plotted statistic: x, pᵢ or uᵢ
    centre: float
    lower: tuple[float, ...]  # per point: p and u limits depend on each denominator
    upper: tuple[float, ...]
    baseline: int  # leading points the centre and limits were computed from
    outside: tuple[int, ...]  # per point: +1 above the upper limit, -1 below the lower, 0 within
    runs: RunsAnalysis  # Anhøj rules around the centre line
    moving_range_mean: float | None = None  # XmR only
    sigma_z: float | None = None  # p′ and u′ only: Laney's between-subgroup factor

    @property
    def signals(self) -> tuple[bool, ...]:
        """Per point: outside the limits or part of an unusually long run."""
        return tuple(
            side != 0 or in_run
            for side, in_run in zip(self.outside, self.runs.in_long_run, strict=True)
        )

    @property
    def signal(self) -> bool:
        return any(self.outside) or self.runs.signal


@dataclass(frozen=True)
class MovingRangeChart:
    values: tuple[float, ...]  # |xᵢ − xᵢ₋₁|: one fewer than the points
    centre: float
    upper: float
    outside: tuple[bool, ...]


@dataclass(frozen=True)
class XmRChart:
    individuals: ControlChart
    moving_ranges: MovingRangeChart


def _outside(
    values: Sequence[float], lower: Sequence[float], upper: Sequence[float]
) -> tuple[int, ...]:
    # Strictly beyond, as in qicharts2 and Montgomery: a point on a limit is not a signal.
    return tuple((v > hi) - (v < lo) for v, lo, hi in zip(values, lower, upper, strict=True))


def xmr_chart(values: Sequence[float], *, baseline: int | None = None) -> XmRChart:
    """Individuals and moving-range chart for one measurement per period."""
    points = check_finite(values)
    count = check_baseline(baseline, len(points))
    if count < 2:
        raise ChartInputError("baseline", "spc_baseline_too_short", minimum=2, count=count)
    centre = fmean(points[:count])
    ranges = tuple(abs(b - a) for a, b in pairwise(points))
    mr_bar = fmean(ranges[: count - 1])
    lower = (centre - E2 * mr_bar,) * len(points)
    upper = (centre + E2 * mr_bar,) * len(points)
    individuals = ControlChart(
        chart=ChartType.XMR,
        values=points,
        centre=centre,
        lower=lower,
        upper=upper,
        baseline=count,
        outside=_outside(points, lower, upper),
        runs=runs_analysis(points, centre),
        moving_range_mean=mr_bar,
    )
    mr_upper = D4 * mr_bar
    # No run rules on moving ranges: consecutive ranges share a point, so they are
    # autocorrelated and the Anhøj limits (which assume independence) do not apply.
    moving = MovingRangeChart(
        values=ranges, centre=mr_bar, upper=mr_upper, outside=tuple(r > mr_upper for r in ranges)
    )
    return XmRChart(individuals=individuals, moving_ranges=moving)


def _counts(
    events: Sequence[float], sizes: Sequence[float], *, proportion: bool
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    counts = check_finite(events, "events")
    denominators = check_finite(sizes, "sizes")
    if len(counts) != len(denominators):
        raise ChartInputError(
            "sizes", "spc_lengths_differ", values=len(counts), sizes=len(denominators)
        )
    for index, (count, size) in enumerate(zip(counts, denominators, strict=True), start=1):
        if size <= 0:
            raise ChartInputError("sizes", "spc_size_not_positive", index=index)
        if count < 0:
            raise ChartInputError("events", "spc_negative_count", index=index)
        if proportion and count > size:
            raise ChartInputError("events", "spc_count_exceeds_size", index=index)
    return counts, denominators


def _laney_sigma_z(values: Sequence[float], centre: float, sigmas: Sequence[float]) -> float:
    if any(s == 0 for s in sigmas):
        # p̄ of 0 or 1 (or ū of 0): no within-subgroup spread to standardise by, so there is
        # nothing to correct; the chart falls back to the plain p or u limits.
        return 1.0
    z = [(v - centre) / s for v, s in zip(values, sigmas, strict=True)]
    return fmean(abs(b - a) for a, b in pairwise(z)) / D2


def _attribute_chart(
    chart: ChartType,
    events: Sequence[float],
    sizes: Sequence[float],
    baseline: int | None,
) -> ControlChart:
    proportion = chart in (ChartType.P, ChartType.P_PRIME)
    laney = chart in (ChartType.P_PRIME, ChartType.U_PRIME)
    counts, denominators = _counts(events, sizes, proportion=proportion)
    count = check_baseline(baseline, len(counts))
    if laney and count < 2:
        raise ChartInputError("baseline", "spc_baseline_too_short", minimum=2, count=count)
    values = tuple(c / n for c, n in zip(counts, denominators, strict=True))
    # Pooled over the baseline (Σ events / Σ n), not the mean of the ratios: a month with
    # few visits must not weigh as much as a month with many.
    centre = sum(counts[:count]) / sum(denominators[:count])
    spread = centre * (1 - centre) if proportion else centre
    sigmas = tuple(math.sqrt(spread / n) for n in denominators)
    sigma_z = _laney_sigma_z(values[:count], centre, sigmas[:count]) if laney else None
    factor = SIGMA_MULTIPLE * (sigma_z if sigma_z is not None else 1.0)
    lower = tuple(max(centre - factor * s, 0.0) for s in sigmas)
    upper = tuple(
        min(centre + factor * s, 1.0) if proportion else centre + factor * s for s in sigmas
    )
    return ControlChart(
        chart=chart,
        values=values,
        centre=centre,
        lower=lower,
        upper=upper,
        baseline=count,
        outside=_outside(values, lower, upper),
        runs=runs_analysis(values, centre),
        sigma_z=sigma_z,
    )


def p_chart(
    events: Sequence[float],
    sizes: Sequence[float],
    *,
    baseline: int | None = None,
    laney: bool = False,
) -> ControlChart:
    """Proportion chart: ``events[i]`` out of ``sizes[i]`` per period; Laney's p′ if asked."""
    return _attribute_chart(ChartType.P_PRIME if laney else ChartType.P, events, sizes, baseline)


def u_chart(
    events: Sequence[float],
    sizes: Sequence[float],
    *,
    baseline: int | None = None,
    laney: bool = False,
) -> ControlChart:
    """Rate chart: ``events[i]`` per ``sizes[i]`` units of exposure; Laney's u′ if asked."""
    return _attribute_chart(ChartType.U_PRIME if laney else ChartType.U, events, sizes, baseline)


def choose_chart(kind: MeasureKind, sizes: Sequence[float] | None = None) -> ChartType:
    """The chart for a measure: XmR, p or u — p′ or u′ when denominators are very large.

    Laney's rationale: the binomial or Poisson sigma shrinks as 1/√n while real
    period-to-period variation (case mix, season, staffing) does not, so with thousands
    of cases per period the plain p or u limits become so tight that almost every point
    is "out of control". Laney's σ_z puts that between-period variation back. With small
    denominators the two charts agree (σ_z ≈ 1) and estimating σ_z only adds noise, so
    the plain chart is kept below a mean denominator of ``LANEY_LARGE_SUBGROUP``
    (1,000: a home-care team's monthly visits are above it, a monthly survey below).
    """
    if kind is MeasureKind.MEASUREMENT:
        return ChartType.XMR
    if not sizes:
        raise ChartInputError("sizes", "spc_sizes_required")
    large = fmean(check_finite(sizes, "sizes")) > LANEY_LARGE_SUBGROUP
    if kind is MeasureKind.PROPORTION:
        return ChartType.P_PRIME if large else ChartType.P
    return ChartType.U_PRIME if large else ChartType.U


def control_chart(
    chart: ChartType,
    values: Sequence[float],
    sizes: Sequence[float] | None = None,
    *,
    baseline: int | None = None,
) -> ControlChart:
    """One entry point for every chart: ``values`` are measurements, or event counts when
    ``sizes`` (denominators) are given for a p, p′, u or u′ chart."""
    if chart is ChartType.XMR:
        if sizes is not None:
            raise ChartInputError("sizes", "spc_sizes_unexpected")
        return xmr_chart(values, baseline=baseline).individuals
    if sizes is None:
        raise ChartInputError("sizes", "spc_sizes_required")
    return _attribute_chart(chart, values, sizes, baseline)
