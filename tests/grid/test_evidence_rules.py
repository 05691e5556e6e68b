"""The evidence rules on plain numbers: quantiles and their intervals, visits over their
standard, overrun per team-week, the what-if, and how visits of several acts count."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from balise.core.privacy import Guarded
from balise.grid import evidence as ev


def _true_quantile_of_rounded_lognormal(median: float, sigma: float, q: float) -> int:
    """Minutes are recorded whole: the q-quantile of round(X) is the first k with
    P(X < k + 0.5) >= q."""
    dist = stats.lognorm(s=sigma, scale=median)
    k = 0
    while dist.cdf(k + 0.5) < q:
        k += 1
    return k


@pytest.mark.parametrize(("median", "sigma", "n", "q"), [
    (20, 0.35, 200, 0.5),  # an ear wash: short and right-skewed
    (42, 0.30, 200, 0.8),  # a bath, the percentile planning often uses
    (23, 0.40, 60, 0.9),  # wound care in a small group: wide but honest interval
    (90, 0.35, 30, 0.5),  # an assessment, few visits
])
def test_interval_holds_the_true_quantile_at_least_95_times_in_100(
    median: float, sigma: float, n: int, q: float
) -> None:
    truth = _true_quantile_of_rounded_lognormal(median, sigma, q)
    rng = np.random.default_rng(2026)
    held = 0
    trials = 400
    for _ in range(trials):
        sample = np.rint(rng.lognormal(math.log(median), sigma, n)).astype(int)
        found = ev.quantile_with_ci(sample.tolist(), q)
        assert found is not None and found.low is not None and found.high is not None
        assert found.value == pytest.approx(np.quantile(sample, q))  # NumPy's estimate
        held += found.low <= truth <= found.high
    # Order statistics guarantee >= 95 %; ties of whole minutes only add coverage.
    # 400 trials: a true 95 % falls under 92.5 % with probability below 1 %.
    assert held / trials >= 0.925


@pytest.mark.parametrize(("n", "q", "ranks"), [
    (100, 0.5, (40, 61)),  # the textbook table for the median of 100
    (8, 0.5, (1, 8)),  # the extremes of 8 values hold the median at 99 %
    (5, 0.5, (0, 6)),  # 5 values cannot bound the median at 95 %: no bound either side
    (20, 0.9, (15, 21)),  # the 90th percentile of 20 visits has no upper bound
    (0, 0.5, (0, 1)),  # nothing observed: nothing bounded
])
def test_order_statistic_ranks(n: int, q: float, ranks: tuple[int, int]) -> None:
    low, high = ev.order_statistic_ranks(n, q)
    assert (int(low), int(high)) == ranks


@pytest.mark.parametrize(("minutes", "q", "expected"), [
    ([1, 2, 3, 4, 5, 6, 7, 8], 0.5, (4.5, 1, 8)),  # interpolated median, extremes as bounds
    ([10], 0.5, (10, None, None)),  # one visit: its value, no interval
    ([30, 10, 20], 0.5, (20, None, None)),  # order of input does not matter
    ([5] * 50, 0.9, (5, 5, 5)),  # all equal: a point
    ([2000], 0.5, (ev.MAX_MINUTES, None, None)),  # beyond 16 h is clipped, as the grid refuses it
])
def test_quantile_estimates(minutes: list[int], q: float,
                            expected: tuple[float, float | None, float | None]) -> None:
    found = ev.quantile_with_ci(minutes, q)
    assert found is not None
    assert (found.value, found.low, found.high) == expected


def test_no_visit_gives_no_quantile() -> None:
    assert ev.quantile_with_ci([], 0.5) is None


@pytest.mark.parametrize(("minutes", "reference", "other", "flagged"), [
    ([10, 15, 16, 30], 15, [0, 0, 0, 0], [False, False, True, True]),  # exceeding means more than
    ([30, 30], 15, [20, 10], [False, True]),  # with another act the standard is 15 + its time
    ([40], 20, [20], [False]),  # exactly on the standard is not over it
])
def test_visit_is_over_its_standard(minutes: list[int], reference: int, other: list[int],
                                    flagged: list[bool]) -> None:
    assert ev.over_standard(minutes, reference, other).tolist() == flagged


@pytest.mark.parametrize(("minutes", "reference", "other", "overrun"), [
    ([20], 15, [0], [5.0]),  # alone: the whole excess is the act's
    ([10], 15, [0], [0.0]),  # under the standard: no overrun, never negative
    ([50], 15, [15], [10.0]),  # two acts of 15: 20 minutes over, half each
    ([50], 10, [30], [2.5]),  # 10 of a 40-minute standard: a quarter of the 10 over
])
def test_overrun_is_shared_in_proportion_to_reference_times(
    minutes: list[int], reference: int, other: list[int], overrun: list[float]
) -> None:
    assert ev.attributed_overrun(minutes, reference, other).tolist() == pytest.approx(overrun)


@pytest.mark.parametrize(("total", "team_weeks", "expected"), [
    (120.0, 4, 30.0),  # 120 minutes over 4 team-weeks
    (0.0, 10, 0.0),  # a standard nobody exceeds produces nothing to justify
    (50.0, 0, None),  # no week observed: no figure rather than a division by zero
])
def test_overrun_per_team_week(total: float, team_weeks: int, expected: float | None) -> None:
    assert ev.overrun_per_team_week(total, team_weeks) == expected


@pytest.mark.parametrize(("minutes", "other", "proposed", "share", "mean", "median"), [
    ([10, 20, 30, 40], [0, 0, 0, 0], 25, 0.5, 10.0, 10.0),  # 30 and 40 exceed by 5 and 15
    ([10, 20, 30, 40], [0, 0, 0, 0], 45, 0.0, None, None),  # nobody over: no excess to show
    ([10, 20, 30, 40], [0, 0, 10, 10], 20, 0.25, 20 / 3, 20 / 3),  # 40 vs 20 + 10: 10 over, 2/3 the act's
    ([], [], 15, 0.0, None, None),  # no visit
])
def test_what_if(minutes: list[int], other: list[int], proposed: int, share: float,
                 mean: float | None, median: float | None) -> None:
    found = ev.what_if(minutes, other, proposed)
    assert found.visits == len(minutes)
    assert found.share_above == pytest.approx(share)
    assert found.mean_excess == (None if mean is None else pytest.approx(mean))
    assert found.median_excess == (None if median is None else pytest.approx(median))


@pytest.mark.parametrize("q", ev.QUANTILES)
@pytest.mark.parametrize("p", [0.025, 0.975])
def test_binomial_quantile_is_the_binomial_distributions(q: float, p: float) -> None:
    rng = np.random.default_rng(2)
    n = np.concatenate([np.arange(1, 3001), rng.integers(3001, 6_000_000, 2000)])
    assert ev.binomial_quantile(p, n, q).tolist() == stats.binom.ppf(p, n, q).astype(
        np.int64).tolist()


@pytest.mark.parametrize("proposed", [10, 25, 45, 120])
def test_merging_equal_visits_changes_no_what_if(proposed: int) -> None:
    """An act's cells repeat the same (minutes, other acts' time) across teams and
    Iso-SMAF groups; merged, they give the same what-if in far fewer rows."""
    rng = np.random.default_rng(11)
    minutes = rng.integers(3, 200, 5000)
    other = rng.choice([0, 15, 20, 45], 5000)
    weights = rng.integers(1, 40, 5000)
    merged = ev.merge_equal_visits(minutes, other, weights)
    assert len(merged[0]) < 1000 and int(merged[2].sum()) == int(weights.sum())
    whole, fewer = ev.what_if(minutes, other, proposed, weights), ev.what_if(*merged[:2], proposed,
                                                                            merged[2])
    assert (fewer.visits, fewer.share_above, fewer.median_excess) == (
        whole.visits, whole.share_above, whole.median_excess)
    assert fewer.mean_excess == (None if whole.mean_excess is None
                                 else pytest.approx(whole.mean_excess, rel=1e-12))


def test_rows_not_in_whole_minutes_are_not_merged() -> None:
    for minutes, other in (([10, 10], [2.5, 2.5]), ([10.5, 10.5], [2, 2])):
        rows = ev.merge_equal_visits(minutes, other, [1, 1])
        assert rows[0].tolist() == minutes and rows[2].tolist() == [1, 1]


def test_attribution_adds_up_to_the_visit_and_flags_like_the_visit() -> None:
    """Visits of two or three acts: the acts' attributed minutes and overruns add up to
    the visit's, and an act is over its reference exactly when the visit is over its
    standard, so nothing is counted twice or flagged differently across acts."""
    rng = np.random.default_rng(5)
    refs = np.array([15, 20, 45, 25])
    for _ in range(200):
        acts = rng.choice(4, size=rng.integers(1, 4), replace=False)
        minutes = int(rng.integers(5, 150))
        standard = refs[acts].sum()
        other = standard - refs[acts]
        assert ev.attributed_minutes(minutes, refs[acts], other).sum() == pytest.approx(minutes)
        assert ev.attributed_overrun(minutes, refs[acts], other).sum() == pytest.approx(
            max(0, minutes - standard))
        assert set(ev.over_standard(minutes, refs[acts], other).tolist()) == {
            bool(minutes > standard)}


def _synthetic_visits(true: np.ndarray, visits: int, seed: int
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Visits of 1 to 3 acts whose minutes are the sum of the acts' true times plus
    noise; returns (visit of each act, act, minutes of each visit)."""
    rng = np.random.default_rng(seed)
    act_visit, act, minutes = [], [], np.zeros(visits)
    for v in range(visits):
        done = rng.choice(len(true), size=rng.integers(1, min(3, len(true)) + 1),
                          replace=False)
        act_visit += [v] * len(done)
        act += done.tolist()
        minutes[v] = max(1.0, true[done].sum() + rng.normal(0, 6))
    return np.array(act_visit), np.array(act), np.rint(minutes)


@pytest.mark.parametrize(("true", "tolerance"), [
    (np.array([15.0, 30.0, 45.0, 10.0]), 0.5),  # well-separated acts
    (np.array([15.0, 15.0, 60.0, 20.0, 40.0]), 0.5),  # two acts with the same time
    (np.array([12.0, 25.0, 30.0, 60.0, 8.0, 45.0]), 0.5),  # a larger catalogue
])
def test_least_squares_recovers_known_act_times_from_multi_act_visits(
    true: np.ndarray, tolerance: float
) -> None:
    act_visit, act, minutes = _synthetic_visits(true, 20_000, seed=11)
    found = ev.estimate_act_minutes(act_visit, act, minutes, len(true))
    assert np.all(found >= 0)
    assert found == pytest.approx(true, abs=tolerance)


def test_proportional_attribution_recovers_act_times_only_if_references_are_right() -> None:
    """Why quantiles use visits of one act alone: attribution to multi-act visits
    borrows the ratio of the reference times, so a reference set too low pulls the
    act's attributed minutes down with it. Least squares does not lean on them."""
    true = np.array([20.0, 20.0])
    act_visit, act, minutes = _synthetic_visits(true, 5_000, seed=3)
    n_acts = np.bincount(act_visit)
    pairs = n_acts[act_visit] == 2
    for refs, bias in (((20, 20), False), ((10, 30), True)):
        ref = np.array(refs)[act[pairs]]
        other = np.array(refs).sum() - ref
        attributed = ev.attributed_minutes(minutes[act_visit[pairs]], ref, other)
        mean_first = attributed[act[pairs] == 0].mean()
        assert bool(abs(mean_first - 20) > 5) is bias
    assert ev.estimate_act_minutes(act_visit, act, minutes, 2) == pytest.approx(true, abs=0.5)


def test_least_squares_never_gives_a_negative_time() -> None:
    """An act only ever done beside another, in visits shorter than the other alone:
    plain least squares would give it -5 minutes; NNLS gives 0."""
    act_visit = [0, 1, 2, 3, 3, 4, 4]
    act = [0, 0, 0, 0, 1, 0, 1]
    minutes = [30, 30, 30, 25, 25]
    found = ev.estimate_act_minutes(act_visit, act, minutes, 2)
    assert found[1] == 0 and found[0] == pytest.approx(28)


def test_an_act_never_done_gets_no_estimate() -> None:
    found = ev.estimate_act_minutes([0, 1], [0, 0], [10, 12], 2)
    assert found[0] == pytest.approx(11) and math.isnan(found[1])


@pytest.mark.parametrize(("profiles", "groups"), [
    ([1, 3, 4, 6, 7, 9, 10, 14], [0, 0, 1, 1, 2, 2, 3, 3]),  # the edges of each band
])
def test_iso_smaf_groups(profiles: list[int], groups: list[int]) -> None:
    assert ev.iso_smaf_group(profiles).tolist() == groups


def _g(value: int | None, workers: int) -> Guarded[int]:
    return Guarded(value, workers)


@pytest.mark.parametrize(("groups", "total_shown", "hidden"), [
    # one team of 4 hidden, total shown: the smallest other team is hidden too
    ({"T1": _g(10, 6), "T2": _g(20, 9), "T4": _g(None, 4)}, True, {"T1", "T4"}),
    # two teams hidden, 7 workers between them: subtraction reveals no group under 5
    ({"T1": _g(10, 6), "T3": _g(None, 3), "T4": _g(None, 4)}, True, {"T3", "T4"}),
    # two teams hidden with 3 workers between them: one more must go
    ({"T1": _g(10, 6), "T2": _g(20, 9), "T3": _g(None, 1), "T4": _g(None, 2)}, True,
     {"T1", "T3", "T4"}),
    # total itself hidden: nothing to subtract from
    ({"T1": _g(10, 6), "T4": _g(None, 4)}, False, {"T4"}),
    # nobody hidden: nothing more to hide
    ({"T1": _g(10, 6), "T2": _g(20, 9)}, True, set()),
])
def test_complementary_suppression(groups: dict[str, Guarded[int]], total_shown: bool,
                                   hidden: set[str]) -> None:
    kept = ev.suppress_complements(groups, total_shown)
    assert {k for k, g in kept.items() if g.suppressed} == hidden
    assert all(kept[k].workers == groups[k].workers for k in groups)


def test_complementary_suppression_counts_distinct_workers_of_the_union() -> None:
    """Two Iso-SMAF groups of 3 workers each, the same 3 workers: their union holds 3
    distinct workers, not 6, so one more group must be hidden."""
    groups = {"1-3": _g(None, 3), "4-6": _g(None, 3), "7-9": _g(10, 8), "10-14": _g(12, 9)}
    kept = ev.suppress_complements(groups, True, workers_of=lambda keys: 3 + 8 * ("7-9" in keys))
    assert {k for k, g in kept.items() if g.suppressed} == {"1-3", "4-6", "7-9"}


def test_histograms_count_minutes_per_group() -> None:
    hist = ev.histograms([0, 0, 1, 1, 1], [10, 10, 5, 7, 2000], 2)
    assert hist.shape == (2, ev.MAX_MINUTES + 1)
    assert hist[0, 10] == 2 and hist[1, 5] == 1 and hist[1, 7] == 1
    assert hist[1, ev.MAX_MINUTES] == 1
