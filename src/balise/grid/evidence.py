"""What the data says beside a reference time: pure rules, no database.

Principle 4 of DESIGN.md: a reference time is shown beside the realized times of the
visits it plans. The rules here take plain arrays of minutes and return plain figures;
``evidence_queries`` feeds them from the database and passes every group through the
k >= 5 guard. ``docs/grid-evidence.md`` explains each choice to committee members.

Minutes are integers, as workers record them (HH:MM), and never above 16 hours (the
grid refuses longer visits), so a group's minutes fit a dense histogram: quantiles and
their intervals become lookups in cumulative counts, for thousands of groups at once.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special
from scipy.linalg import solve_triangular
from scipy.optimize import nnls

from balise.core.privacy import K_MIN, Guarded
from balise.grid.realization import MAX_VISIT_HOURS

MAX_MINUTES = MAX_VISIT_HOURS * 60
QUANTILES = (0.5, 0.8, 0.9)
CONFIDENCE = 0.95
# Groups of Iso-SMAF profiles (1 = lightest, 14 = heaviest), as home-care programs
# usually band them; a finer split would leave most groups under the k >= 5 guard.
ISO_SMAF_GROUPS: tuple[tuple[int, int], ...] = ((1, 3), (4, 6), (7, 9), (10, 14))

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")
Floats = NDArray[np.float64]
Ints = NDArray[np.int64]


def iso_smaf_group(profiles: ArrayLike) -> Ints:
    """Index in ``ISO_SMAF_GROUPS`` of each profile."""
    uppers = np.array([high for _low, high in ISO_SMAF_GROUPS])
    return np.searchsorted(uppers, np.asarray(profiles), side="left").astype(np.int64)


def histograms(groups: ArrayLike, minutes: ArrayLike, n_groups: int,
               weights: ArrayLike | None = None) -> Ints:
    """Counts of minutes per group: ``result[g, m]`` visits of group ``g`` lasting ``m``.
    ``weights``: the visits each row stands for (rows of a histogram already counted)."""
    m = np.clip(np.asarray(minutes, dtype=np.int64), 0, MAX_MINUTES)
    key = np.asarray(groups, dtype=np.int64) * (MAX_MINUTES + 1) + m
    counts = np.bincount(key, weights=weights, minlength=n_groups * (MAX_MINUTES + 1))
    return np.rint(counts).astype(np.int64).reshape(n_groups, MAX_MINUTES + 1)


# --- quantiles with a distribution-free interval ----------------------------------------


def order_statistic_ranks(n: ArrayLike, q: float,
                          confidence: float = CONFIDENCE) -> tuple[Ints, Ints]:
    """1-based ranks ``(l, u)`` such that ``[x_(l), x_(u)]`` holds the true q-quantile
    with probability at least ``confidence``, whatever the distribution.

    The number of observations below the true quantile is Binomial(n, q), so
    P(x_(l) <= xi_q <= x_(u)) >= B(u - 1) - B(l - 1). ``l = 0`` means no lower bound
    exists with so few visits, ``u = n + 1`` no upper bound.
    """
    counts = np.asarray(n, dtype=np.int64)
    alpha = 1 - confidence
    seen = np.maximum(counts, 1)  # a group of no visit has no bound; its ranks are set below
    low = binomial_quantile(alpha / 2, seen, q)
    high = binomial_quantile(1 - alpha / 2, seen, q) + 1
    low = np.where(counts > 0, low, 0)
    high = np.where(counts > 0, high, 1)
    return low.astype(np.int64), np.minimum(high, counts + 1).astype(np.int64)


def binomial_quantile(p: float, n: Ints, q: float) -> Ints:
    """The smallest k with P(Binomial(n, q) <= k) >= p, for each n >= 1.

    From ``scipy.special``, whose import costs a few tenths of a second less than
    ``scipy.stats`` (``balise evidence`` is a new process each time). ``bdtrik`` inverts
    the distribution function as a continuous one: its ceiling is moved to the smallest
    k that meets the definition."""
    k = np.clip(np.ceil(np.nan_to_num(special.bdtrik(p, n, q))), 0, n).astype(np.int64)
    while True:
        lower = (k > 0) & (special.bdtr(np.maximum(k - 1, 0), n, q) >= p)
        if not lower.any():
            break
        k = k - lower.astype(np.int64)
    while True:
        higher = (k < n) & (special.bdtr(k, n, q) < p)
        if not higher.any():
            return np.asarray(k, dtype=np.int64)
        k = k + higher.astype(np.int64)


def _order_statistic(cumulative: Ints, ranks: Ints) -> Floats:
    """``x_(rank)`` of each group from its cumulative counts; NaN outside 1..n."""
    n = cumulative[:, -1]
    index = (cumulative < ranks[:, None]).sum(axis=1)
    valid = (ranks >= 1) & (ranks <= n)
    return np.where(valid, index, np.nan).astype(np.float64)


@dataclass(frozen=True)
class Quantiles:
    """One quantile for many groups: estimate and interval (NaN when undefined)."""

    q: float
    value: Floats
    low: Floats
    high: Floats


def quantiles(hist: Ints, q: float, confidence: float = CONFIDENCE) -> Quantiles:
    """Linear interpolation between order statistics (NumPy's default, Hyndman-Fan
    type 7) for the estimate; order statistics for the interval, no normal
    approximation: visit times are right-skewed and some groups are small."""
    cumulative = np.cumsum(hist, axis=1)
    n = cumulative[:, -1]
    h = (n - 1) * q
    below = np.floor(h).astype(np.int64)
    first = _order_statistic(cumulative, below + 1)
    second = _order_statistic(cumulative, np.minimum(below + 2, np.maximum(n, 1)))
    value = first + (h - below) * (second - first)
    low_rank, high_rank = order_statistic_ranks(n, q, confidence)
    return Quantiles(q, np.where(n > 0, value, np.nan), _order_statistic(cumulative, low_rank),
                     _order_statistic(cumulative, high_rank))


@dataclass(frozen=True)
class Estimate:
    """A quantile of one group, for pages and JSON."""

    q: float
    value: float
    low: float | None
    high: float | None


def estimate(quantile: Quantiles, index: int) -> Estimate | None:
    value = float(quantile.value[index])
    if np.isnan(value):
        return None
    low, high = float(quantile.low[index]), float(quantile.high[index])
    return Estimate(quantile.q, value, None if np.isnan(low) else low,
                    None if np.isnan(high) else high)


def quantile_with_ci(minutes: Sequence[int], q: float,
                     confidence: float = CONFIDENCE) -> Estimate | None:
    """The same rule for one list of visit minutes."""
    hist = histograms(np.zeros(len(minutes), dtype=np.int64), minutes, 1)
    return estimate(quantiles(hist, q, confidence), 0)


# --- visits against their standard -------------------------------------------------------
#
# A visit may hold several acts. The grid plans it for the sum of its acts' reference
# times (its standard) and flags it when it lasts longer. To speak of one act in such a
# visit, its realized minutes are attributed to its acts in proportion to their reference
# times: act ``a`` gets ``minutes * ref_a / standard``. Then an act "exceeds its reference"
# exactly when the visit exceeds its standard, and the acts' attributed overruns add up to
# the visit's overrun, so no minute is counted twice across acts. ``other`` below is the
# sum of the reference times of the visit's other acts (0 for a visit of one act).


def attributed_minutes(minutes: ArrayLike, reference: ArrayLike, other: ArrayLike) -> Floats:
    ref = np.asarray(reference, dtype=np.float64)
    return np.asarray(np.asarray(minutes, dtype=np.float64) * ref / (ref + np.asarray(other)),
                      dtype=np.float64)


def over_standard(minutes: ArrayLike, reference: ArrayLike, other: ArrayLike) -> NDArray[np.bool_]:
    return np.asarray(np.asarray(minutes) > np.asarray(reference) + np.asarray(other), dtype=bool)


def attributed_overrun(minutes: ArrayLike, reference: ArrayLike, other: ArrayLike) -> Floats:
    """Minutes beyond the standard, the act's share of them (0 for a visit within it)."""
    ref = np.asarray(reference, dtype=np.float64)
    standard = ref + np.asarray(other)
    excess = np.maximum(0.0, np.asarray(minutes) - standard)
    return np.asarray(excess * ref / standard, dtype=np.float64)


def overrun_per_team_week(overrun_minutes: float, team_weeks: int) -> float | None:
    """The minutes of 'overrun' a fixed standard produces, averaged over the team-weeks
    observed: what a team would be asked to justify each week under the grid."""
    return overrun_minutes / team_weeks if team_weeks > 0 else None


@dataclass(frozen=True)
class WhatIf:
    """Visits that a proposed reference time would flag, and by how much."""

    proposed: int
    visits: int
    share_above: float
    mean_excess: float | None
    median_excess: float | None


def what_if(minutes: ArrayLike, other: ArrayLike, proposed: int,
            weights: ArrayLike | None = None) -> WhatIf:
    """Share of visits over their standard if the act's time were ``proposed``; the
    excess is the act's attributed share of the visit's overrun. ``weights``: the
    visits each row stands for (one by default)."""
    m = np.asarray(minutes, dtype=np.float64)
    w = np.ones_like(m) if weights is None else np.asarray(weights, dtype=np.int64)
    other_ = np.broadcast_to(np.asarray(other, dtype=np.float64), m.shape)
    above = over_standard(m, proposed, other_)
    visits, n_above = int(w.sum()), int(w[above].sum())
    if n_above == 0:
        return WhatIf(proposed, visits, 0.0, None, None)
    excess = attributed_overrun(m[above], proposed, other_[above])
    return WhatIf(proposed, visits, n_above / visits,
                  float((excess * w[above]).sum() / n_above),
                  weighted_median(excess, w[above]))


def merge_equal_visits(minutes: ArrayLike, other: ArrayLike,
                       weights: ArrayLike) -> tuple[Floats, Floats, Ints]:
    """The same visits, rows of equal minutes and equal other acts' time merged (their
    weights added): a what-if gives the same figures over them, and an act's cells
    (one per team, Iso-SMAF group, act set and minute) shrink to a few thousand rows.
    Rows that are not all whole, non-negative minutes are returned as they are."""
    m = np.asarray(minutes, dtype=np.float64)
    o = np.asarray(other, dtype=np.float64)
    w = np.asarray(weights, dtype=np.int64)
    both = np.concatenate([m, o])
    if not len(m) or both.min() < 0 or bool(np.any(both != np.floor(both))):
        return m, o, w
    width = int(o.max()) + 1
    if (int(m.max()) + 1) * width > 50_000_000:
        return m, o, w
    counts = np.bincount(m.astype(np.int64) * width + o.astype(np.int64), weights=w)
    kept = np.flatnonzero(counts)
    return ((kept // width).astype(np.float64), (kept % width).astype(np.float64),
            np.rint(counts[kept]).astype(np.int64))


def weighted_median(values: ArrayLike, counts: ArrayLike) -> float:
    """``np.median`` of the values each repeated ``counts`` times, without repeating:
    the middle order statistic, or the mean of the two middle ones."""
    v, c = np.asarray(values, dtype=np.float64), np.asarray(counts, dtype=np.int64)
    order = np.argsort(v, kind="stable")
    v, cumulative = v[order], np.cumsum(c[order])
    n = int(cumulative[-1])
    low = v[np.searchsorted(cumulative, (n + 1) // 2)]
    high = v[np.searchsorted(cumulative, n // 2 + 1)]
    return float((low + high) / 2)


# --- per-act times from visits of several acts ------------------------------------------


def estimate_act_minutes(act_visit: ArrayLike, act: ArrayLike, minutes: ArrayLike,
                         n_acts: int, weights: ArrayLike | None = None) -> Floats:
    """Mean minutes each act adds to a visit, from all visits (one act or several), by
    non-negative least squares on ``minutes_v = sum of x_a over the acts done in v``.

    ``act_visit[j]`` is the visit (index into ``minutes``) of the act ``act[j]``;
    ``weights[i]``, the visits row ``i`` stands for (one by default).

    A cross-check of the proportional attribution, which leans on the reference times
    it is meant to judge. The normal equations (acts x acts) are counted in one pass
    per act a visit can hold, so millions of visits cost well under a second; NNLS then
    runs on their Cholesky factor, which has the same minimiser as the full system.
    Acts never seen get NaN.
    """
    visits = np.asarray(act_visit, dtype=np.int64)
    acts = np.asarray(act, dtype=np.int64)
    y = np.asarray(minutes, dtype=np.float64)
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=np.float64)
    if len(visits) > 1 and bool(np.any(visits[1:] < visits[:-1])):
        order = np.argsort(visits, kind="stable")
        visits, acts = visits[order], acts[order]
    cells = n_acts * n_acts
    gram = np.bincount(acts * (n_acts + 1), weights=w[visits], minlength=cells)
    offset = 1
    # Acts of a visit are contiguous: rows ``offset`` apart in the same visit are a pair.
    while offset < len(visits):
        same = visits[:-offset] == visits[offset:]
        if not same.any():
            break
        first, second = acts[:-offset][same], acts[offset:][same]
        pair_weight = w[visits[:-offset][same]]
        gram += np.bincount(first * n_acts + second, weights=pair_weight, minlength=cells)
        gram += np.bincount(second * n_acts + first, weights=pair_weight, minlength=cells)
        offset += 1
    gram = gram.reshape(n_acts, n_acts)
    moment = np.bincount(acts, weights=(y * w)[visits], minlength=n_acts)
    seen = np.diag(gram) > 0
    result = np.full(n_acts, np.nan)
    if not seen.any():
        return result
    g, b = gram[np.ix_(seen, seen)], moment[seen]
    # A tiny ridge keeps the factorisation defined when two acts always come together.
    g = g + 1e-9 * np.trace(g) * np.eye(len(b))
    upper = np.linalg.cholesky(g).T  # g = upper.T @ upper
    solution, _residual = nnls(upper, solve_triangular(upper.T, b, lower=True))
    result[seen] = solution
    return result


# --- the guard, completed ---------------------------------------------------------------


def suppress_complements(
    groups: Mapping[K, Guarded[T]], total_shown: bool,
    workers_of: Callable[[set[K]], int] | None = None,
) -> dict[K, Guarded[T]]:
    """When the total of a partition is shown, the suppressed groups together follow
    by subtraction. While they hold fewer than ``K_MIN`` distinct workers between them,
    the shown group with the fewest workers is suppressed as well (complementary
    suppression). ``workers_of`` counts the distinct workers of a set of groups; without
    it their counts are added, which is exact when no worker is in two groups (teams)."""
    result = dict(groups)
    if not total_shown:
        return result
    hidden = {k for k, g in groups.items() if g.suppressed and g.workers > 0}

    def union(keys: set[K]) -> int:
        return workers_of(keys) if workers_of else sum(groups[k].workers for k in keys)

    shown = sorted((k for k, g in groups.items() if not g.suppressed),
                   key=lambda k: groups[k].workers)
    while hidden and union(hidden) < K_MIN and shown:
        smallest = shown.pop(0)
        result[smallest] = Guarded(None, groups[smallest].workers)
        hidden.add(smallest)
    return result
