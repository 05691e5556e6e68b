"""Statistical process control, checked against published worked examples.

Sources (each test names the one it uses):

* Anhøj & Olesen 2014, "Run charts revisited", PLoS ONE 9(11): e113825, and Anhøj's
  table of critical values as printed in the qicharts2 vignette, appendix 2
  ("Critical values for longest run and number of crossings", n = 10 … 100;
  github.com/anhoej/qicharts2, docs/articles/qicharts2.html, commit 1b9487e).
* Montgomery, Introduction to Statistical Quality Control: the orange-juice can p chart
  (30 samples of n = 50), the personal-computer u chart (20 samples of 5 computers) and
  the aircraft-primer viscosity individuals chart. The data are the qcc R package's
  datasets ``orangejuice``, ``pcmanufact`` and ``viscosity`` (which cite Montgomery);
  the centre lines and limits are those printed in the qcc vignette "A quick tour of
  qcc" (github.com/luca-scr/qcc, docs/articles/qcc.html), to 7 significant digits.
* Laney 2002, "Improved control charts for attributes", Quality Engineering 14(4):
  531–537: the p′/u′ formulas. Its worked example is checked on the data of Mohammed,
  Panesar, Laney & Wilson 2013, "Statistical process control charts for attribute data
  involving very large sample sizes", BMJ Quality & Safety 22(4): 362–368 (20 weeks of
  NHS emergency attendances seen within 4 hours), as tabulated in Anhøj & Mohammed,
  *Mastering SPC Charts in Healthcare*, Table 13.1 (github.com/anhoej/spc4hc,
  43_prime_charts.Rmd) and shipped as qicharts2's ``nhs_accidents``. The limits are
  those printed on the qicharts2 vignette's P, I and P′ charts of these data ("Case 5:
  Prime charts", labels at week 20, 3 decimals in percent; docs/articles/qicharts2_files/
  figure-html/unnamed-chunk-49/50/51-1.png, commit 1b9487e, whose ``qic.pp`` does not
  screen moving ranges by default, like Balise). The paper's own tables were not
  available. Further Laney tests use figures derived by hand (small integers chosen so
  that every z-score is exact) and Laney's identity: with equal subgroup sizes the p′
  chart is the individuals chart of the proportions.

Where a figure is derived rather than read, the docstring shows the arithmetic.
"""

from __future__ import annotations

import ast
import math
import string
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from babel.messages.pofile import read_po
from scipy.stats import binom

from balise.core.i18n import language
from balise.indicators import spc
from balise.indicators.spc import (
    Caveat,
    ChartInputError,
    ChartType,
    Direction,
    MeasureKind,
    Outcome,
    Reason,
    choose_chart,
    crossings_limit,
    judge_change,
    longest_run_limit,
    p_chart,
    run_chart,
    runs_analysis,
    u_chart,
    xmr_chart,
)

# --- Anhøj rules: critical values --------------------------------------------------

# Anhøj's table (qicharts2 vignette, appendix 2), copied row by row:
# useful observations, upper limit for longest run, lower limit for crossings.
ANHOEJ_TABLE = """
10 6 2   11 6 2   12 7 3   13 7 3   14 7 4   15 7 4   16 7 4   17 7 5   18 7 5   19 7 6
20 7 6   21 7 6   22 7 7   23 8 7   24 8 8   25 8 8   26 8 8   27 8 9   28 8 9   29 8 10
30 8 10  31 8 11  32 8 11  33 8 11  34 8 12  35 8 12  36 8 13  37 8 13  38 8 14  39 8 14
40 8 14  41 8 15  42 8 15  43 8 16  44 8 16  45 8 17  46 9 17  47 9 17  48 9 18  49 9 18
50 9 19  51 9 19  52 9 20  53 9 20  54 9 21  55 9 21  56 9 21  57 9 22  58 9 22  59 9 23
60 9 23  61 9 24  62 9 24  63 9 25  64 9 25  65 9 25  66 9 26  67 9 26  68 9 27  69 9 27
70 9 28  71 9 28  72 9 29  73 9 29  74 9 29  75 9 30  76 9 30  77 9 31  78 9 31  79 9 32
80 9 32  81 9 33  82 9 33  83 9 34  84 9 34  85 9 34  86 9 35  87 9 35  88 9 36  89 9 36
90 9 37  91 10 37 92 10 38 93 10 38 94 10 39 95 10 39 96 10 39 97 10 40 98 10 40 99 10 41
100 10 41
"""


def _anhoej_rows() -> list[tuple[int, int, int]]:
    numbers = [int(x) for x in ANHOEJ_TABLE.split()]
    return [(numbers[i], numbers[i + 1], numbers[i + 2]) for i in range(0, len(numbers), 3)]


@pytest.mark.parametrize(
    ("n_useful", "longest", "crossings"),
    [
        (10, 6, 2),  # first row of the table
        (11, 6, 2),  # log2(11) = 3.46 still rounds down
        (12, 7, 3),  # log2(12) = 3.58: the run limit steps up
        (20, 7, 6),  # the 20-point chart most QI teams start with
        (22, 7, 7),  # crossings step while the run limit stays
        (23, 8, 7),  # log2(23) = 4.52: run limit 8
        (24, 8, 8),  # the qicharts2 vignette's worked 24-point example: 8 and 8
        (30, 8, 10),  # 30 points
        (45, 8, 17),  # last row with run limit 8
        (46, 9, 17),  # log2(46) = 5.52: run limit 9
        (90, 9, 37),  # last row with run limit 9
        (91, 10, 37),  # log2(91) = 6.51: run limit 10
        (100, 10, 41),  # last row of the table
    ],
)
def test_anhoej_critical_values_match_published_table(
    n_useful: int, longest: int, crossings: int
) -> None:
    """Anhøj & Olesen 2014 / qicharts2 appendix 2: the steps of both limits."""
    assert longest_run_limit(n_useful) == longest
    assert crossings_limit(n_useful) == crossings


def test_anhoej_table_every_row_from_10_to_100() -> None:
    """All 91 rows of Anhøj's published table, not only the steps."""
    rows = _anhoej_rows()
    assert [n for n, _, _ in rows] == list(range(10, 101))
    assert [(n, longest_run_limit(n), crossings_limit(n)) for n, _, _ in rows] == rows


def test_crossings_limit_is_the_qbinom_convention_beyond_the_table() -> None:
    """qbinom(0.05, n − 1, 0.5) = scipy's binom.ppf: smallest c with P(C ≤ c) ≥ 0.05.

    The other reading of "5 % quantile" (largest c with P(C ≤ c) ≤ 0.05) would give 1
    at n = 10, where the table says 2: P(C ≤ 1) = 10/512 = 0.0195 and P(C ≤ 2) = 46/512
    = 0.0898 for C ~ Binomial(9, ½).
    """
    assert [crossings_limit(n) for n in range(1, 301)] == [
        int(binom.ppf(0.05, n - 1, 0.5)) for n in range(1, 301)
    ]
    assert binom.cdf(1, 9, 0.5) == pytest.approx(10 / 512)
    assert binom.cdf(2, 9, 0.5) == pytest.approx(46 / 512)


# --- Anhøj rules: counting runs and crossings ---------------------------------------


def test_points_on_the_centre_line_neither_break_nor_extend_a_run() -> None:
    """Anhøj 2014's definition, by hand: centre 0, the zeros are left out.

    sides  + + 0 + - - 0 - +   → useful points 7, runs (+3, -3, +1), 2 crossings.
    """
    analysis = runs_analysis([1, 2, 0, 3, -1, -2, 0, -3, 4], centre=0)
    assert analysis.n_obs == 9
    assert analysis.n_useful == 7
    assert [run.length for run in analysis.runs] == [3, 3, 1]
    assert analysis.longest_run == 3
    assert analysis.crossings == 2


@pytest.mark.parametrize(
    ("sides", "shift", "few_crossings"),
    [
        ("+-+-+-+-+-", False, False),  # 10 useful, 9 crossings: random-looking
        ("++++++----", False, True),  # run of 6 = limit 6 (no shift), 1 crossing < 2
        ("+++++++---", True, True),  # run of 7 > 6: shift
        ("+-+++++++-", True, False),  # run of 7 > 6, yet 3 crossings ≥ 2
        ("++--++--++--++--++--", False, False),  # 20 useful: 9 crossings ≥ 6, runs of 2
        ("+++++++-----+++++++-", False, True),  # 20 useful: runs of 7 = limit, 3 crossings < 6
        ("++++++++------------", True, True),  # 20 useful: run of 12 > 7, 1 crossing
    ],
)
def test_shift_and_crossings_rules_fire_exactly_past_the_limits(
    sides: str, shift: bool, few_crossings: bool
) -> None:
    """Limits from Anhøj's table: n = 10 → run > 6, crossings < 2; n = 20 → > 7, < 6."""
    values = [1.0 if s == "+" else -1.0 for s in sides]
    analysis = runs_analysis(values, centre=0)
    assert analysis.shift is shift
    assert analysis.too_few_crossings is few_crossings
    assert analysis.signal is (shift or few_crossings)


def test_run_chart_freezes_the_median_on_the_baseline() -> None:
    """Baseline 1..12 has median 6.5. Above it: 7..12 (6 points) then the 8 later points
    at 20, one run of 14 > limit 7 for n = 20; 1..6 form a run of 6 below."""
    chart = run_chart([float(x) for x in range(1, 13)] + [20.0] * 8, baseline=12)
    assert chart.centre == 6.5
    assert chart.runs.longest_run == 14
    assert chart.runs.longest_run_limit == 7
    assert chart.signal
    assert chart.signals == (False,) * 6 + (True,) * 14


def test_run_chart_without_baseline_uses_the_median_of_every_point() -> None:
    assert run_chart([3.0, 1.0, 2.0, 5.0, 4.0]).centre == 3.0


# --- Control charts: Montgomery's worked examples ------------------------------------

# Montgomery's orange-juice cans (qcc dataset orangejuice): nonconforming cans in
# 30 samples of 50 (trial), then 24 samples after the machine adjustment.
ORANGE_JUICE_TRIAL = [12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22,
                      8, 10, 5, 13, 11, 20, 18, 24, 15, 9, 12, 7, 13, 9, 6]  # fmt: skip
ORANGE_JUICE_AFTER_ADJUSTMENT = [9, 6, 12, 5, 6, 4, 6, 3, 7, 6, 2, 4,
                                 3, 6, 5, 4, 8, 5, 6, 7, 5, 6, 3, 5]  # fmt: skip
# Montgomery's personal computers (qcc dataset pcmanufact): nonconformities in 20
# samples of 5 computers.
PC_NONCONFORMITIES = [10, 12, 8, 14, 10, 16, 11, 7, 10, 15, 9, 5, 7, 11, 12, 6, 8, 10, 7, 5]
# Montgomery's aircraft primer paint viscosity (qcc dataset viscosity), 20 trial batches.
VISCOSITY = [34.05, 34.40, 33.59, 35.96, 34.70, 33.51, 33.79, 34.04, 34.52, 33.75,
             33.27, 33.71, 34.03, 34.58, 34.02, 33.97, 34.05, 34.04, 33.73, 34.05]  # fmt: skip


def test_montgomery_orange_juice_p_chart_trial_limits() -> None:
    """Montgomery's orange-juice example: p̄ = 0.2313, UCL 0.4102, LCL 0.0524; samples 15
    and 23 above the UCL. Figures as printed by qcc: 0.2313333, 0.05242755, 0.4102391."""
    chart = p_chart(ORANGE_JUICE_TRIAL, [50] * 30)
    assert chart.centre == pytest.approx(0.2313333, abs=5e-8)
    assert chart.lower == pytest.approx((0.05242755,) * 30, abs=5e-9)
    assert chart.upper == pytest.approx((0.4102391,) * 30, abs=5e-8)
    assert [i + 1 for i, side in enumerate(chart.outside) if side] == [15, 23]
    assert chart.outside[14] == chart.outside[22] == 1


def test_montgomery_orange_juice_revised_limits_frozen_for_new_samples() -> None:
    """Montgomery's revision without samples 15 and 23: p̄ = 0.2150, UCL 0.3893, LCL 0.0407
    (qcc: 0.215, 0.04070284, 0.3892972), then samples 31–54 judged against them.

    Derived from the data: sample 21 (20/50 = 0.40) stays above the revised UCL, and
    sample 41 (2/50 = 0.04) falls below the LCL 0.0407.
    """
    kept = [d for i, d in enumerate(ORANGE_JUICE_TRIAL, start=1) if i not in (15, 23)]
    chart = p_chart(kept + ORANGE_JUICE_AFTER_ADJUSTMENT, [50] * 52, baseline=28)
    assert chart.baseline == 28
    assert chart.centre == pytest.approx(0.215, abs=1e-12)
    assert chart.lower[0] == pytest.approx(0.04070284, abs=5e-9)
    assert chart.upper[0] == pytest.approx(0.3892972, abs=5e-8)
    sample_numbers = [i for i in range(1, 31) if i not in (15, 23)] + list(range(31, 55))
    flagged = {sample_numbers[i]: side for i, side in enumerate(chart.outside) if side}
    assert flagged == {21: 1, 41: -1}


def test_montgomery_personal_computer_u_chart() -> None:
    """Montgomery's PC nonconformities: ū = 1.93, UCL 3.79, LCL 0.07, process in control
    (qcc: 1.93, 0.06613305, 3.793867)."""
    chart = u_chart(PC_NONCONFORMITIES, [5] * 20)
    assert chart.centre == pytest.approx(1.93, abs=1e-12)
    assert chart.lower[0] == pytest.approx(0.06613305, abs=5e-9)
    assert chart.upper[0] == pytest.approx(3.793867, abs=5e-7)
    assert not any(chart.outside)
    assert not chart.runs.signal


@pytest.mark.parametrize(
    ("drop_batch", "centre", "sigma", "lcl", "ucl"),
    [
        (None, 34.088, 0.5076521, 32.56504, 35.61096),  # qcc: the 20 trial batches
        (4, 33.98947, 0.4117415, 32.75425, 35.2247),  # qcc: batch 4 removed (controller failure)
    ],
)
def test_montgomery_viscosity_individuals_chart(
    drop_batch: int | None, centre: float, sigma: float, lcl: float, ucl: float
) -> None:
    """Montgomery's viscosity individuals chart, figures as printed by qcc.

    qcc's σ̂ is MR̄ / 1.128, which is checked to 7 digits. Its limits use 3σ̂ = 2.6596·MR̄
    where Balise uses Wheeler's rounded 2.66·MR̄; over MR̄ ≈ 0.57 that differs by 2.3e-4,
    hence the 5e-4 tolerance on the limits only.
    """
    values = [v for i, v in enumerate(VISCOSITY, start=1) if i != drop_batch]
    chart = xmr_chart(values).individuals
    assert chart.centre == pytest.approx(centre, abs=5e-6)
    assert chart.moving_range_mean is not None
    assert chart.moving_range_mean / 1.128 == pytest.approx(sigma, abs=5e-8)
    assert chart.lower[0] == pytest.approx(lcl, abs=5e-4)
    assert chart.upper[0] == pytest.approx(ucl, abs=5e-4)
    assert chart.upper[0] - chart.centre == pytest.approx(2.66 * chart.moving_range_mean)


def test_montgomery_viscosity_batch_4_is_out_of_control() -> None:
    """Batch 4 (35.96) is above the UCL (qcc's vignette removes it for that reason); on the
    moving-range chart only the range from batch 3 to 4 (|35.96 − 33.59| = 2.37) is above
    3.267·MR̄ = 3.267 × 0.5726316 = 1.8708 (MR̄ = 10.88 / 19, derived from the data)."""
    chart = xmr_chart(VISCOSITY)
    assert [i + 1 for i, side in enumerate(chart.individuals.outside) if side] == [4]
    assert chart.moving_ranges.centre == pytest.approx(10.88 / 19)
    assert chart.moving_ranges.upper == pytest.approx(3.267 * 10.88 / 19)
    assert [i for i, out in enumerate(chart.moving_ranges.outside) if out] == [2]


def test_p_chart_centre_is_pooled_not_the_mean_of_the_proportions() -> None:
    """Montgomery's p̄ for unequal n is Σ events / Σ n: 1/10 and 50/1000 give 51/1010 =
    0.0505, not (0.1 + 0.05) / 2 = 0.075 — a small month must not weigh like a big one."""
    chart = p_chart([1, 50], [10, 1000])
    assert chart.centre == pytest.approx(51 / 1010)
    assert chart.upper[0] > chart.upper[1]  # fewer cases, wider limits


def test_a_point_on_a_limit_is_not_beyond_it() -> None:
    """Montgomery and qicharts2 signal points strictly beyond a limit. ū = 27/27 = 1 with
    n = 9 gives UCL = 1 + 3·√(1/9) = 2 exactly; a later 18/9 = 2 sits on it."""
    chart = u_chart([9, 9, 9, 18, 19], [9] * 5, baseline=3)
    assert chart.upper[3] == 2.0
    assert chart.outside == (0, 0, 0, 0, 1)


# --- Laney p′ and u′ ------------------------------------------------------------------

# Mohammed et al. 2013 (Table 13.1 of Anhøj & Mohammed): per week, attendances seen within
# 4 hours and all attendances, weeks 1 to 20.
NHS_SEEN_WITHIN_4H = [
    266501, 264225, 276532, 281461, 269071, 261215, 270409, 279778, 270483, 270320,
    267923, 271478, 255353, 256820, 261835, 259144, 255910, 260863, 264465, 260989,
]
NHS_ATTENDANCES = [
    280443, 276823, 291681, 296155, 282343, 275888, 283867, 295251, 284468, 282529,
    279618, 283932, 266629, 268091, 276803, 271578, 266005, 273520, 278574, 273772,
]


def test_laney_p_prime_nhs_emergency_attendances_published_limits() -> None:
    """The published P′ chart (qicharts2 vignette, Case 5): week 20 reads LCL 93.997 %,
    CL 95.290 %, UCL 96.582 %, and no week is outside; the plain P chart of the same
    data reads 95.169 / 95.290 / 95.411 % with 16 of the 20 weeks outside (all but
    weeks 5, 7, 18 and 20); the I chart 0.940 / 0.953 / 0.966. Laney's point: p′ limits
    about as wide as the I chart's, where the p chart's are a tenth as wide."""
    prime = p_chart(NHS_SEEN_WITHIN_4H, NHS_ATTENDANCES, laney=True)
    plain = p_chart(NHS_SEEN_WITHIN_4H, NHS_ATTENDANCES)
    individuals = xmr_chart([r / n for r, n in zip(NHS_SEEN_WITHIN_4H, NHS_ATTENDANCES,
                                                    strict=True)]).individuals
    percent = 100
    assert round(prime.centre * percent, 3) == 95.290
    assert round(prime.lower[-1] * percent, 3) == 93.997
    assert round(prime.upper[-1] * percent, 3) == 96.582
    assert not any(prime.outside)
    assert round(plain.lower[-1] * percent, 3) == 95.169
    assert round(plain.upper[-1] * percent, 3) == 95.411
    inside = [week for week, side in enumerate(plain.outside, start=1) if side == 0]
    assert inside == [5, 7, 18, 20]
    assert [round(v, 3) for v in (individuals.lower[0], individuals.centre,
                                  individuals.upper[0])] == [0.940, 0.953, 0.966]
    # σ_z recomputed here from Laney's published formula, independently of spc_control:
    # zᵢ = (pᵢ − p̄)/√(p̄(1 − p̄)/nᵢ), σ_z = mean |zᵢ − zᵢ₋₁| / 1.128.
    p_bar = sum(NHS_SEEN_WITHIN_4H) / sum(NHS_ATTENDANCES)
    z = [(r / n - p_bar) / math.sqrt(p_bar * (1 - p_bar) / n)
         for r, n in zip(NHS_SEEN_WITHIN_4H, NHS_ATTENDANCES, strict=True)]
    sigma_z = sum(abs(b - a) for a, b in pairwise(z)) / 19 / 1.128
    assert prime.sigma_z == pytest.approx(sigma_z, rel=1e-12)
    assert 10 < sigma_z < 11  # the binomial sigma explains a tenth of the week-to-week spread


def test_laney_u_prime_and_p_prime_of_the_same_counts_have_the_same_limits() -> None:
    """Laney's construction makes the model's sigma cancel: with ū = p̄, each u z-score is
    the p z-score times √(1 − p̄), so σ_z shrinks by that factor and 3·σᵢ·σ_z is the
    same for both charts. Checked on the weeks *not* seen within 4 hours (no u′ chart of
    these data is published); a u′ built on another sigma than √(ū/nᵢ) fails it."""
    waits = [n - r for r, n in zip(NHS_SEEN_WITHIN_4H, NHS_ATTENDANCES, strict=True)]
    rate = u_chart(waits, NHS_ATTENDANCES, laney=True)
    share = p_chart(waits, NHS_ATTENDANCES, laney=True)
    assert rate.sigma_z is not None and share.sigma_z is not None
    assert rate.sigma_z == pytest.approx(share.sigma_z * math.sqrt(1 - share.centre))
    assert rate.lower == pytest.approx(share.lower, rel=1e-9)
    assert rate.upper == pytest.approx(share.upper, rel=1e-9)


# Four periods chosen so every z-score is a whole number (derivation in the tests):
# z = 2, -1, -2, 1 → |Δz| = 3, 1, 3 → σ_z = (7/3) / 1.128.
HAND_SIGMA_Z = (7 / 3) / 1.128


def test_laney_u_prime_by_hand() -> None:
    """u′ with ū = 1000/1000 = 1: σᵢ = √(1/100) = 0.1 or √(1/400) = 0.05;
    u = 1.2, 0.95, 0.8, 1.05 → z = 2, -1, -2, 1; limits 1 ± 3·σᵢ·σ_z."""
    chart = u_chart([120, 380, 80, 420], [100, 400, 100, 400], laney=True)
    assert chart.chart is ChartType.U_PRIME
    assert chart.centre == pytest.approx(1.0)
    assert chart.sigma_z == pytest.approx(HAND_SIGMA_Z)
    assert chart.upper == pytest.approx([1 + 3 * s * HAND_SIGMA_Z for s in (0.1, 0.05, 0.1, 0.05)])
    assert chart.lower == pytest.approx([1 - 3 * s * HAND_SIGMA_Z for s in (0.1, 0.05, 0.1, 0.05)])


def test_laney_p_prime_by_hand() -> None:
    """p′ with p̄ = 500/1000 = 0.5: σᵢ = √(0.25/100) = 0.05 or √(0.25/400) = 0.025;
    p = 0.6, 0.475, 0.4, 0.525 → z = 2, -1, -2, 1. Plain p limits would be 0.5 ± 3σᵢ."""
    sizes = [100, 400, 100, 400]
    prime = p_chart([60, 190, 40, 210], sizes, laney=True)
    plain = p_chart([60, 190, 40, 210], sizes)
    sigmas = (0.05, 0.025, 0.05, 0.025)
    assert prime.sigma_z == pytest.approx(HAND_SIGMA_Z)
    assert prime.upper == pytest.approx([0.5 + 3 * s * HAND_SIGMA_Z for s in sigmas])
    assert plain.upper == pytest.approx([0.5 + 3 * s for s in sigmas])
    assert plain.sigma_z is None


def test_laney_p_prime_with_equal_sizes_is_the_individuals_chart_of_p() -> None:
    """Laney 2002: with equal subgroup sizes σᵢ is constant, so 3σᵢσ_z = 3·MR̄(p)/1.128 —
    the p′ chart is the individuals chart of the proportions. Checked on Montgomery's
    orange-juice trial samples, MR̄(p) computed here from the raw data."""
    proportions = [d / 50 for d in ORANGE_JUICE_TRIAL]
    mr_bar = sum(abs(b - a) for a, b in pairwise(proportions)) / 29
    chart = p_chart(ORANGE_JUICE_TRIAL, [50] * 30, laney=True)
    assert chart.upper[0] == pytest.approx(347 / 1500 + 3 * mr_bar / 1.128)
    # 0.2313 − 0.2971 < 0: clipped, a proportion cannot go below 0.
    assert 347 / 1500 - 3 * mr_bar / 1.128 < 0
    assert chart.lower[0] == 0.0


def test_laney_sigma_z_is_near_one_for_binomial_data_and_large_when_overdispersed() -> None:
    """Laney's claim: σ_z ≈ 1 when the binomial model holds, so p′ = p; with month-to-month
    variation (sd 0.01 around 0.90, n ≈ 5,000, binomial sd ≈ 0.004) σ_z ≈ √(1 + (0.01 /
    0.0042)²) ≈ 2.6 and p′ stops flagging months that the plain p chart flags."""
    rng = np.random.default_rng(3)
    sizes = rng.integers(4000, 6000, size=36)
    binomial = p_chart(rng.binomial(sizes, 0.9).tolist(), sizes.tolist(), laney=True)
    assert binomial.sigma_z == pytest.approx(1.0, abs=0.15)
    true_p = np.clip(0.9 + rng.normal(0, 0.01, size=36), 0, 1)
    events = rng.binomial(sizes, true_p).tolist()
    plain = p_chart(events, sizes.tolist())
    prime = p_chart(events, sizes.tolist(), laney=True)
    assert prime.sigma_z is not None and 2.0 < prime.sigma_z < 3.5
    assert sum(map(abs, plain.outside)) >= 5
    assert sum(map(abs, prime.outside)) <= 1


def test_laney_with_no_event_in_the_baseline_falls_back_to_plain_limits() -> None:
    """p̄ = 0 leaves no spread to standardise by: σ_z = 1 and the limits collapse to 0."""
    chart = p_chart([0, 0, 0, 3], [100, 100, 100, 100], baseline=3, laney=True)
    assert chart.sigma_z == 1.0
    assert chart.upper == (0.0,) * 4
    assert chart.outside == (0, 0, 0, 1)


# --- Choosing a chart ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "sizes", "expected"),
    [
        (MeasureKind.MEASUREMENT, None, ChartType.XMR),  # minutes per visit, a score
        (MeasureKind.PROPORTION, [50, 60, 55], ChartType.P),  # a monthly survey
        (MeasureKind.PROPORTION, [1000, 1000], ChartType.P),  # mean 1,000 is not "above"
        (MeasureKind.PROPORTION, [4000, 5200, 4800], ChartType.P_PRIME),  # a team's visits
        (MeasureKind.RATE, [300, 280], ChartType.U),  # incidents per 300 visits
        (MeasureKind.RATE, [12000, 15000], ChartType.U_PRIME),  # an establishment's visits
    ],
)
def test_choose_chart_for_a_measure(
    kind: MeasureKind, sizes: list[float] | None, expected: ChartType
) -> None:
    assert choose_chart(kind, sizes) is expected


def test_choose_chart_refuses_a_proportion_without_denominators() -> None:
    with pytest.raises(ChartInputError) as caught:
        choose_chart(MeasureKind.PROPORTION)
    assert caught.value.code == "spc_sizes_required"


# --- The verdict ------------------------------------------------------------------------


def test_verdict_montgomery_orange_juice_after_machine_adjustment_improved() -> None:
    """Montgomery's orange juice: baseline = the 28 trial samples kept (15 and 23 out),
    after = the 24 samples after the machine adjustment; fewer leaking cans is better.

    Derived from the data: the baseline median is 10/50 = 0.20; sample 33 (0.24) is the
    last point above it, so the last 21 samples (34–54) form a run below it — far past
    the limit of 9 for n = 49 useful points (samples 4, 10 and 17 sit on the median).
    Sample 41 is below the LCL; sample 21, in the baseline, above the UCL, so the
    baseline is flagged as not stable (Montgomery keeps it: no assignable cause).
    """
    kept = [d for i, d in enumerate(ORANGE_JUICE_TRIAL, start=1) if i not in (15, 23)]
    verdict = judge_change(
        kept,
        ORANGE_JUICE_AFTER_ADJUSTMENT,
        direction=Direction.LOWER_IS_BETTER,
        kind=MeasureKind.PROPORTION,
        baseline_sizes=[50] * 28,
        after_sizes=[50] * 24,
    )
    assert verdict.chart.chart is ChartType.P
    assert verdict.baseline_median == 0.2
    assert verdict.runs.n_useful == 49
    assert verdict.runs.longest_run_limit == 9
    assert verdict.outcome is Outcome.IMPROVED
    assert verdict.movement == -1
    assert set(verdict.reasons) == {Reason.OUTSIDE_LIMITS, Reason.SHIFT, Reason.CROSSINGS}
    assert verdict.points_below == 1 and verdict.points_above == 0
    assert verdict.shift_run is not None and verdict.shift_run.length == 21
    assert Caveat.UNSTABLE_BASELINE in verdict.caveats
    with language("en"):
        sentences = verdict.sentences()
    assert sentences[0] == "Verdict: the indicator has improved since the baseline."
    assert "Signal: the last 21 points are below the baseline median." in sentences
    assert "Signal: 1 point after the baseline is below the lower control limit." in sentences


# Twelve baseline points around 10 (median 10, MR̄ = 1.4 → limits 10 ± 3.72).
STEADY = [9.0, 11.0, 10.0, 12.0, 8.0, 10.0, 11.0, 9.0, 10.0, 11.0, 9.0, 10.0]


@pytest.mark.parametrize(
    ("direction", "outcome"),
    [
        (Direction.HIGHER_IS_BETTER, Outcome.IMPROVED),  # e.g. share of visits done as planned
        (Direction.LOWER_IS_BETTER, Outcome.WORSENED),  # e.g. overtime hours
    ],
)
def test_verdict_eight_points_above_the_baseline_is_a_shift(
    direction: Direction, outcome: Outcome
) -> None:
    """8 points at 12.5 (above the median 10, inside the limits 13.72): a run of 8 (the
    baseline ends on the median) against the limit 7 for 16 useful points."""
    verdict = judge_change(STEADY, [12.5] * 8, direction=direction)
    assert verdict.outcome is outcome
    assert verdict.reasons == (Reason.SHIFT,)
    assert verdict.movement == 1
    assert verdict.runs.longest_run == 8
    assert verdict.runs.longest_run_limit == 7
    assert Caveat.SHORT_BASELINE in verdict.caveats


def test_verdict_sentences_in_french_and_english() -> None:
    verdict = judge_change(STEADY, [12.5] * 8, direction=Direction.HIGHER_IS_BETTER)
    with language("en"):
        assert verdict.sentences() == (
            "Verdict: the indicator has improved since the baseline.",
            "Signal: the last 8 points are above the baseline median.",
            "Caution: the baseline has only 12 points; its limits are provisional until it has 20.",
        )
    with language("fr"):
        assert verdict.sentences() == (
            "Verdict : l'indicateur s'est amélioré depuis la période de référence.",
            "Signal : les 8 derniers points sont au-dessus de la médiane de la période de référence.",
            "Attention : la période de référence ne compte que 12 points; ses limites restent "
            "provisoires jusqu'à ce qu'elle en compte 20.",
        )


def test_verdict_on_more_noise_is_no_signal() -> None:
    verdict = judge_change(
        STEADY, [10.0, 11.0, 9.0, 10.0, 12.0, 9.0], direction=Direction.HIGHER_IS_BETTER
    )
    assert verdict.outcome is Outcome.NO_SIGNAL
    assert verdict.reasons == ()
    assert verdict.movement == 0
    assert not verdict.signal
    with language("en"):
        assert verdict.sentences()[0] == (
            "Verdict: noise, not a signal; the changes since the baseline are within its usual "
            "variation."
        )


def test_verdict_with_signals_both_ways_is_mixed() -> None:
    """One point above the UCL 13.72 and one below the LCL 6.28."""
    verdict = judge_change(STEADY, [15.0, 5.0], direction=Direction.HIGHER_IS_BETTER)
    assert verdict.outcome is Outcome.MIXED
    assert verdict.reasons == (Reason.OUTSIDE_LIMITS,)
    assert (verdict.points_above, verdict.points_below) == (1, 1)


def test_verdict_few_crossings_without_a_side_is_a_caveat_not_a_change() -> None:
    """Sides around the baseline median 0: 5 below, 5+2 above, 5 below, 3 above — 3
    crossings < 6 for n = 20, longest run 7 = limit; the after period has 5 above and
    5 below, so nothing moved to one side."""
    baseline = [-1.0, -1.2, -0.8, -1.1, -0.9, 1.0, 1.2, 0.8, 1.1, 0.9]
    after = [1.0, 0.9, -1.0, -0.9, -1.1, -0.8, -1.2, 1.0, 1.1, 0.9]
    verdict = judge_change(baseline, after, direction=Direction.HIGHER_IS_BETTER)
    assert verdict.runs.crossings == 3
    assert verdict.runs.crossings_limit == 6
    assert verdict.outcome is Outcome.NO_SIGNAL
    assert Caveat.NON_RANDOM_PATTERN in verdict.caveats


def test_verdict_a_shift_inside_the_baseline_is_not_a_change_since_it() -> None:
    """The baseline steps from about 0 (9 points) to about 10 (9 points), median 5; the 6
    points after alternate 4, 6 around it. The run of 9 (> limit 8 for n = 24) lies wholly
    in the baseline: no shift since the baseline, but a baseline that is not stable. The
    7 crossings (< 8) come with an after period balanced 3 above, 3 below: a caveat."""
    low = [0.0, 0.5] * 4 + [0.2]
    high = [10.0, 9.5] * 4 + [9.8]
    verdict = judge_change(low + high, [4.0, 6.0] * 3, direction=Direction.HIGHER_IS_BETTER)
    assert verdict.baseline_median == 5.0
    assert verdict.runs.longest_run == 9 and verdict.runs.longest_run_limit == 8
    assert verdict.reasons == ()
    assert verdict.outcome is Outcome.NO_SIGNAL
    assert Caveat.UNSTABLE_BASELINE in verdict.caveats
    assert Caveat.NON_RANDOM_PATTERN in verdict.caveats


def test_verdict_flags_a_baseline_with_a_run_but_no_point_outside() -> None:
    """Baseline 1, 3, 1, 3 … (8 points) then 5, 7 … (8 points): median 4, MR̄ = 2, limits
    4 ± 5.32 hold every point, but a run of 8 > 7 (n = 16) makes the baseline unstable."""
    baseline = [1.0, 3.0] * 4 + [5.0, 7.0] * 4
    verdict = judge_change(baseline, [3.0, 5.0, 3.0, 5.0], direction=Direction.LOWER_IS_BETTER)
    assert not any(verdict.chart.outside)
    assert verdict.reasons == ()
    assert Caveat.UNSTABLE_BASELINE in verdict.caveats


def test_verdict_on_a_rate_uses_frozen_u_limits() -> None:
    """Incidents per visit: 20 months at 4 per 400 visits, then 6 months at 20 per 400
    (ū = 0.01, UCL = 0.01 + 3√(0.01/400) = 0.025; 20/400 = 0.05 is above it)."""
    verdict = judge_change(
        [4] * 20,
        [20] * 6,
        direction=Direction.LOWER_IS_BETTER,
        kind=MeasureKind.RATE,
        baseline_sizes=[400] * 20,
        after_sizes=[400] * 6,
    )
    assert verdict.chart.chart is ChartType.U
    assert verdict.chart.upper[0] == pytest.approx(0.025)
    assert verdict.outcome is Outcome.WORSENED
    assert verdict.points_above == 6
    assert Reason.OUTSIDE_LIMITS in verdict.reasons


# --- Property-style checks with a fixed random generator ------------------------------------


def test_stable_series_rarely_signal_on_a_run_chart() -> None:
    """Anhøj & Olesen 2014 report a false-signal rate near 5 % for the two rules; 400
    stable series of 24 normal points must stay well under 10 %."""
    rng = np.random.default_rng(20240601)
    signals = sum(run_chart(rng.normal(size=24).tolist()).signal for _ in range(400))
    assert signals / 400 < 0.10


def test_stable_series_mostly_give_no_signal_verdict() -> None:
    """20 baseline points and 12 after, all from the same normal process: most verdicts
    are 'no signal' (the rest come mostly from limits estimated on 20 points)."""
    rng = np.random.default_rng(20240602)
    verdicts = [
        judge_change(
            rng.normal(size=20).tolist(),
            rng.normal(size=12).tolist(),
            direction=Direction.HIGHER_IS_BETTER,
        )
        for _ in range(400)
    ]
    assert sum(v.outcome is Outcome.NO_SIGNAL for v in verdicts) / 400 >= 0.75


def test_a_clear_shift_of_eight_points_is_detected() -> None:
    """8 points shifted by 3 standard deviations after a 20-point baseline."""
    rng = np.random.default_rng(7)
    verdicts = [
        judge_change(
            rng.normal(size=20).tolist(),
            (rng.normal(size=8) + 3).tolist(),
            direction=Direction.HIGHER_IS_BETTER,
        )
        for _ in range(200)
    ]
    assert sum(v.outcome is Outcome.IMPROVED for v in verdicts) / 200 >= 0.90
    assert all(v.outcome is not Outcome.WORSENED for v in verdicts)


# --- Bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "field", "code"),
    [
        (lambda: p_chart([5, 60], [50, 50]), "events", "spc_count_exceeds_size"),
        (lambda: p_chart([5, 6], [50, 0]), "sizes", "spc_size_not_positive"),
        (lambda: u_chart([-1, 6], [50, 50]), "events", "spc_negative_count"),
        (lambda: u_chart([1, 6], [50]), "sizes", "spc_lengths_differ"),
        (lambda: xmr_chart([1.0, math.nan, 2.0]), "values", "spc_not_finite"),
        (lambda: xmr_chart([1.0, 2.0], baseline=1), "baseline", "spc_baseline_too_short"),
        (lambda: run_chart([1.0, 2.0], baseline=3), "baseline", "spc_baseline_too_long"),
        (lambda: run_chart([]), "values", "spc_no_points"),
        (
            lambda: judge_change(
                [1.0], [2.0], direction=Direction.HIGHER_IS_BETTER, kind=MeasureKind.RATE
            ),
            "sizes",
            "spc_sizes_required",
        ),
        (
            lambda: judge_change(
                [1.0, 2.0],
                [2.0],
                direction=Direction.HIGHER_IS_BETTER,
                baseline_sizes=[3, 3],
                after_sizes=[3],
            ),
            "sizes",
            "spc_sizes_unexpected",
        ),
        (
            lambda: judge_change(
                [1, 2],
                [2, 3],
                direction=Direction.HIGHER_IS_BETTER,
                kind=MeasureKind.PROPORTION,
                baseline_sizes=[9, 9, 9],
                after_sizes=[9],
            ),
            "baseline_sizes",
            "spc_lengths_differ",
        ),
    ],
)
def test_bad_input_is_refused_with_a_field_and_a_code(
    call: Callable[[], object], field: str, code: str
) -> None:
    with pytest.raises(ChartInputError) as caught:
        call()
    assert (caught.value.field, caught.value.code) == (field, code)


def test_error_message_is_translated() -> None:
    with pytest.raises(ChartInputError) as caught:
        p_chart([5, 6], [50, 0])
    with language("fr"):
        assert caught.value.message() == "Le dénominateur du point 2 doit être supérieur à zéro."
    with language("en"):
        assert caught.value.message() == "The denominator of point 2 must be greater than zero."


# --- Catalogs --------------------------------------------------------------------------------

SPC_MODULES = ("spc_run.py", "spc_control.py", "spc.py")


def _msgids() -> set[str]:
    found: set[str] = set()
    for name in SPC_MODULES:
        tree = ast.parse((Path(spc.__file__).parent / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"_", "lazy", "ngettext"}
            ):
                found.update(
                    a.value
                    for a in node.args
                    if isinstance(a, ast.Constant) and isinstance(a.value, str)
                )
    return found


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_spc_message_is_in_both_catalogs_with_the_same_placeholders(lang: str) -> None:
    path = Path(spc.__file__).parents[1] / "locales" / lang / "LC_MESSAGES" / "indicators.po"
    with path.open("rb") as handle:
        catalog = {m.id: m.string for m in read_po(handle, locale=lang) if m.id}
    msgids = _msgids()
    assert len(msgids) >= 25
    assert msgids <= set(catalog)
    for msgid in msgids:
        translation = catalog[msgid]
        assert isinstance(translation, str) and translation
        assert _placeholders(translation) == _placeholders(msgid), msgid
        if lang == "en":
            assert translation == msgid
        else:
            assert translation != msgid
