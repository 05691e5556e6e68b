"""Statistical process control for success indicators: has it changed, or is it noise?

Pure functions over plain numbers; no database, no web. The pieces:

* :mod:`~balise.indicators.spc_run` — run charts and the Anhøj rules;
* :mod:`~balise.indicators.spc_control` — XmR, p, u, p′ and u′ control charts, and
  :func:`choose_chart` to pick one for a measure;
* here — :func:`judge_change`, the verdict a committee reads: since the baseline, has
  the indicator improved, worsened, or only varied as it always did?

``docs/indicators-spc.md`` gives the rules, formulas and references in French and English.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from statistics import median

from balise.core.i18n import gettext as _
from balise.core.i18n import ngettext
from balise.indicators.spc_control import (
    ChartType,
    ControlChart,
    MeasureKind,
    MovingRangeChart,
    XmRChart,
    choose_chart,
    control_chart,
    p_chart,
    u_chart,
    xmr_chart,
)
from balise.indicators.spc_run import (
    ANHOEJ_MIN_USEFUL,
    ChartInputError,
    Run,
    RunChart,
    RunsAnalysis,
    check_finite,
    crossings_limit,
    longest_run_limit,
    run_chart,
    runs_analysis,
)

__all__ = [
    "ANHOEJ_MIN_USEFUL",
    "FIRM_BASELINE",
    "Caveat",
    "ChartInputError",
    "ChartType",
    "ControlChart",
    "Direction",
    "MeasureKind",
    "MovingRangeChart",
    "Outcome",
    "Reason",
    "Run",
    "RunChart",
    "RunsAnalysis",
    "Verdict",
    "XmRChart",
    "choose_chart",
    "control_chart",
    "crossings_limit",
    "judge_change",
    "longest_run_limit",
    "p_chart",
    "run_chart",
    "runs_analysis",
    "u_chart",
    "xmr_chart",
]

# Montgomery (phase I) asks for 20–25 subgroups before limits are trusted; with fewer
# the verdict still stands but says its limits are provisional.
FIRM_BASELINE = 20


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


class Outcome(StrEnum):
    IMPROVED = "improved"
    WORSENED = "worsened"
    NO_SIGNAL = "no_signal"  # what moved is within the noise of the baseline
    MIXED = "mixed"  # signals in both directions: a person must read the chart


class Reason(StrEnum):
    """Why a change counts as a signal (machine-readable; sentences come from Verdict)."""

    OUTSIDE_LIMITS = "outside_limits"  # a point after the baseline beyond the frozen limits
    SHIFT = "shift"  # a run longer than chance allows, reaching into the after period
    # too few crossings of the baseline median, with the after period on one side
    CROSSINGS = "crossings"


class Caveat(StrEnum):
    SHORT_BASELINE = "short_baseline"  # fewer than FIRM_BASELINE points
    UNSTABLE_BASELINE = "unstable_baseline"  # the baseline signals on its own
    FEW_POINTS = "few_points"  # fewer than ANHOEJ_MIN_USEFUL useful points in all
    NON_RANDOM_PATTERN = "non_random_pattern"  # too few crossings with no side to blame


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    movement: int  # +1 the indicator went up, -1 down, 0 no signal or both ways
    reasons: tuple[Reason, ...]
    caveats: tuple[Caveat, ...]
    chart: ControlChart  # the whole series against limits frozen on the baseline
    runs: RunsAnalysis  # the whole series against the baseline median
    baseline: int
    points_above: int  # after-period points above the upper limit
    points_below: int  # after-period points below the lower limit
    shift_run: Run | None  # the last too-long run reaching into the after period

    @property
    def signal(self) -> bool:
        return bool(self.reasons)

    @property
    def baseline_median(self) -> float:
        return self.runs.centre

    def sentences(self) -> tuple[str, ...]:
        """What the verdict says, in the current language: conclusion, signals, cautions."""
        out = [self._conclusion()]
        out.extend(self._signal_sentences())
        out.extend(self._caveat_sentences())
        return tuple(out)

    def _conclusion(self) -> str:
        if self.outcome is Outcome.IMPROVED:
            return _("Verdict: the indicator has improved since the baseline.")
        if self.outcome is Outcome.WORSENED:
            return _("Verdict: the indicator has worsened since the baseline.")
        if self.outcome is Outcome.MIXED:
            return _("Verdict: the signals point both ways; read the chart before concluding.")
        return _(
            "Verdict: noise, not a signal; the changes since the baseline are within its usual "
            "variation."
        )

    def _signal_sentences(self) -> list[str]:
        out: list[str] = []
        if self.points_above:
            out.append(
                ngettext(
                    "Signal: {n} point after the baseline is above the upper control limit.",
                    "Signal: {n} points after the baseline are above the upper control limit.",
                    self.points_above,
                ).format(n=self.points_above)
            )
        if self.points_below:
            out.append(
                ngettext(
                    "Signal: {n} point after the baseline is below the lower control limit.",
                    "Signal: {n} points after the baseline are below the lower control limit.",
                    self.points_below,
                ).format(n=self.points_below)
            )
        run = self.shift_run
        if run is not None:
            last = run == self.runs.runs[-1]
            if run.side > 0:
                template = (
                    _("Signal: the last {n} points are above the baseline median.")
                    if last
                    else _("Signal: {n} points in a row are above the baseline median.")
                )
            else:
                template = (
                    _("Signal: the last {n} points are below the baseline median.")
                    if last
                    else _("Signal: {n} points in a row are below the baseline median.")
                )
            out.append(template.format(n=run.length))
        if Reason.CROSSINGS in self.reasons:
            out.append(
                ngettext(
                    "Signal: the series crosses the baseline median only {crossings} time, fewer than the {minimum} expected by chance.",
                    "Signal: the series crosses the baseline median only {crossings} times, fewer than the {minimum} expected by chance.",
                    self.runs.crossings,
                ).format(crossings=self.runs.crossings, minimum=self.runs.crossings_limit)
            )
        return out

    def _caveat_sentences(self) -> list[str]:
        out: list[str] = []
        for caveat in self.caveats:
            if caveat is Caveat.SHORT_BASELINE:
                out.append(
                    _(
                        "Caution: the baseline has only {n} points; its limits are provisional until it has {minimum}."
                    ).format(n=self.baseline, minimum=FIRM_BASELINE)
                )
            elif caveat is Caveat.UNSTABLE_BASELINE:
                out.append(
                    _(
                        "Caution: the baseline itself is not stable; limits computed from it can mislead."
                    )
                )
            elif caveat is Caveat.FEW_POINTS:
                out.append(
                    _(
                        "Caution: with only {n} useful points, the run rules can miss a real change."
                    ).format(n=self.runs.n_useful)
                )
            else:
                out.append(
                    _(
                        "Caution: the series crosses the baseline median less often than chance allows, yet the period since the baseline does not lean to one side; read the chart."
                    )
                )
        return out


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def judge_change(
    baseline: Sequence[float],
    after: Sequence[float],
    *,
    direction: Direction,
    kind: MeasureKind = MeasureKind.MEASUREMENT,
    baseline_sizes: Sequence[float] | None = None,
    after_sizes: Sequence[float] | None = None,
    chart: ChartType | None = None,
) -> Verdict:
    """Is the change since the baseline a signal or noise, and is it for the better?

    ``baseline`` and ``after`` are the points before and since the change (a project's
    start, a new way of working). For a measurement they are the values; for a
    proportion or a rate they are event counts, with the denominators in
    ``baseline_sizes`` and ``after_sizes``. The chart is :func:`choose_chart`'s unless
    ``chart`` is given.

    Two choices, both so that the after period cannot hide its own change:

    * **frozen limits** — centre and control limits come from the baseline only, and
      only after-period points beyond them count as ``outside_limits``. Limits computed
      over the whole series would widen with the very shift they should detect.
    * **run rules on the whole series around the baseline median** — the Anhøj rules
      need the points before the change as well as after (a run that starts in the
      baseline and continues is one run), and the centre line stays the baseline
      median so that the after points do not drag it towards themselves. A long run
      counts as ``shift`` only if it reaches into the after period; too few crossings
      count as ``crossings`` only if the after period leans to one side of the median.

    Signals found inside the baseline alone are reported as the caveat
    ``unstable_baseline``, not as a change.
    """
    before = check_finite(baseline, "baseline")
    later = check_finite(after, "after")
    sizes: tuple[float, ...] | None = None
    if kind is MeasureKind.MEASUREMENT:
        if baseline_sizes is not None or after_sizes is not None:
            raise ChartInputError("sizes", "spc_sizes_unexpected")
    else:
        if baseline_sizes is None or after_sizes is None:
            raise ChartInputError("sizes", "spc_sizes_required")
        # Checked per period: equal totals could still pair a count with the wrong month.
        for field, counts, denominators in (
            ("baseline_sizes", before, baseline_sizes),
            ("after_sizes", later, after_sizes),
        ):
            if len(counts) != len(denominators):
                raise ChartInputError(
                    field, "spc_lengths_differ", values=len(counts), sizes=len(denominators)
                )
        sizes = (*baseline_sizes, *after_sizes)
    chosen = chart if chart is not None else choose_chart(kind, sizes)
    count = len(before)
    full = control_chart(chosen, (*before, *later), sizes, baseline=count)
    centre = float(median(full.values[:count]))
    runs = runs_analysis(full.values, centre)

    reasons: list[Reason] = []
    moves: set[int] = set()
    after_outside = full.outside[count:]
    points_above = sum(1 for side in after_outside if side > 0)
    points_below = sum(1 for side in after_outside if side < 0)
    if points_above or points_below:
        reasons.append(Reason.OUTSIDE_LIMITS)
        moves.update(side for side in after_outside if side)
    shift_runs = [run for run in runs.long_runs if run.end >= count]
    if shift_runs:
        reasons.append(Reason.SHIFT)
        moves.update(run.side for run in shift_runs)
    lean = _sign(sum(runs.sides[count:]))
    caveats: list[Caveat] = []
    if runs.too_few_crossings:
        if lean:
            reasons.append(Reason.CROSSINGS)
            moves.add(lean)
        else:
            caveats.append(Caveat.NON_RANDOM_PATTERN)

    if count < FIRM_BASELINE:
        caveats.append(Caveat.SHORT_BASELINE)
    if any(full.outside[:count]) or runs_analysis(full.values[:count], centre).signal:
        caveats.append(Caveat.UNSTABLE_BASELINE)
    if runs.n_useful < ANHOEJ_MIN_USEFUL:
        caveats.append(Caveat.FEW_POINTS)

    movement = next(iter(moves)) if len(moves) == 1 else 0
    if not reasons:
        outcome = Outcome.NO_SIGNAL
    elif movement == 0:
        outcome = Outcome.MIXED
    elif (movement > 0) == (Direction(direction) is Direction.HIGHER_IS_BETTER):
        outcome = Outcome.IMPROVED
    else:
        outcome = Outcome.WORSENED
    return Verdict(
        outcome=outcome,
        movement=movement,
        reasons=tuple(reasons),
        caveats=tuple(caveats),
        chart=full,
        runs=runs,
        baseline=count,
        points_above=points_above,
        points_below=points_below,
        shift_run=shift_runs[-1] if shift_runs else None,
    )
