"""A project's dashboard: each indicator's baseline, current value, target, chart and
verdict, volume beside its balancing measures, and the alert when they part ways.

Principle 3: a gain in volume with a loss in quality is flagged, not celebrated. The
alert fires when a volume indicator *improves with a signal* while one of its balancing
indicators *worsens with a signal* (both judged by :func:`spc.judge_change` over the same
baseline), so that noise on either side raises nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import fmean

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from balise.committee.models import Committee, Project
from balise.committee.queries import committees_of, projects
from balise.core import clock
from balise.core.access import Viewer
from balise.core.i18n import gettext as _
from balise.core.privacy import K_MIN
from balise.indicators import charts
from balise.indicators.catalogue import definitions
from balise.indicators.compute import project_scope, refresh
from balise.indicators.definitions import UNITS, Definition
from balise.indicators.models import IndicatorValue, ProjectIndicator
from balise.indicators.series import (
    NotCollectedSince,
    Point,
    computed_values,
    not_collected,
    series,
)
from balise.indicators.sets import indicator_set
from balise.indicators.spc import ChartInputError, MeasureKind, Outcome, Verdict, judge_change


@dataclass(frozen=True)
class Window:
    """The baseline: the periods starting from ``start`` (or the first) up to ``end``;
    every later period is "after"."""

    start: date | None
    end: date

    def holds(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and day <= self.end

    def after(self, day: date) -> bool:
        return day > self.end


@dataclass(frozen=True)
class Panel:
    definition: Definition
    need: str
    adopted: bool  # in the project's adopted set (a balancing measure may not be)
    target: float | None
    decision_ref: str | None
    points: list[Point]  # complete periods whose figure may be shown
    suppressed: int  # periods hidden: fewer than 5 workers (or respondents) behind them
    baseline_value: float | None
    verdict: Verdict | None
    unavailable: NotCollectedSince | None
    chart: charts.ChartData

    complement: int = 0  # periods hidden so that a small group is not found by subtraction

    @property
    def respondents(self) -> bool:
        """Survey figures: what stands behind a point is respondents, not workers."""
        return self.definition.source == "survey"

    @property
    def current(self) -> Point | None:
        return self.points[-1] if self.points and self.unavailable is None else None

    @property
    def title(self) -> str:
        return f"{self.definition.name} — {self.need}" if self.need else self.definition.name

    @property
    def svg(self) -> str:
        return charts.svg(self.chart, self.title, _(UNITS[self.definition.unit]))

    @property
    def outcome(self) -> Outcome | None:
        return self.verdict.outcome if self.verdict else None


@dataclass(frozen=True)
class BalancingAlert:
    volume: Panel
    balancing: Panel

    def sentence(self) -> str:
        return _("{volume} improved while its balancing measure {balancing} worsened: "
                 "quantity is not to be celebrated at the cost of quality or working "
                 "conditions.").format(volume=self.volume.title, balancing=self.balancing.title)


@dataclass(frozen=True)
class Pair:
    volume: Panel
    balancing: list[Panel]


@dataclass
class Dashboard:
    project: Project
    scope: str
    computed_at: datetime | None
    pairs: list[Pair] = field(default_factory=list)
    others: list[Panel] = field(default_factory=list)

    @property
    def alerts(self) -> list[BalancingAlert]:
        return [BalancingAlert(pair.volume, panel) for pair in self.pairs
                for panel in pair.balancing
                if pair.volume.outcome is Outcome.IMPROVED and panel.outcome is Outcome.WORSENED]

    @property
    def panels(self) -> list[Panel]:
        return [p for pair in self.pairs for p in (pair.volume, *pair.balancing)] + self.others


# A stale dashboard recomputes only the recent weeks (late realizations land there);
# the whole history is recomputed by ``balise indicators compute`` (docs/indicators.md).
STALE_WINDOW = timedelta(weeks=5)


def ensure_values(session: Session, establishment_id: int, scope: str) -> datetime | None:
    """Stored figures of the scope: computed first if there are none, the recent weeks
    recomputed if none are from today."""
    latest = _latest(session, establishment_id, scope)
    if latest is None or latest.date() < clock.today():
        since = clock.today() - STALE_WINDOW if latest is not None else None
        try:
            with session.begin_nested():
                refresh(session, establishment_id, since=since)
        except IntegrityError:
            pass  # another request stored the same figures a moment ago; read theirs
        latest = _latest(session, establishment_id, scope)
    return latest


def _latest(session: Session, establishment_id: int, scope: str) -> datetime | None:
    return session.scalar(select(func.max(IndicatorValue.computed_at))
                          .where(IndicatorValue.establishment_id == establishment_id,
                                 IndicatorValue.scope == scope))


def build_dashboard(session: Session, project: Project, *, compute: bool = True) -> Dashboard:
    """Everything the dashboard, the PDF and the spreadsheet show; ``compute=False``
    reads only what is stored (the committees page must never wait for a computation)."""
    committee = session.get_one(Committee, project.committee_id)
    establishment_id = committee.establishment_id
    scope = project_scope(project)
    computed_at = (ensure_values(session, establishment_id, scope) if compute
                   else _latest(session, establishment_id, scope))
    known = definitions(session)
    stored = computed_values(session, establishment_id, scope)
    rows = [r for r in indicator_set(session, project.id) if r.indicator_code in known]
    adopted = {(r.indicator_code, r.need): r for r in rows}
    board = Dashboard(project, scope, computed_at)

    def panel(code: str, need: str, row: ProjectIndicator | None, window: Window) -> Panel:
        return _panel(session, known[code], need, row, window, establishment_id, scope, stored)

    shown: set[tuple[str, str]] = set()
    for row in rows:
        definition = known[row.indicator_code]
        if not definition.is_volume:
            continue
        window = _window(row, definition)
        balancing = [panel(code, "", adopted.get((code, "")), window)
                     for code in definition.balancing if code in known]
        board.pairs.append(Pair(panel(row.indicator_code, row.need, row, window), balancing))
        shown.update({(row.indicator_code, row.need)} | {(c, "") for c in definition.balancing})
    for row in rows:
        if (row.indicator_code, row.need) not in shown:
            board.others.append(panel(row.indicator_code, row.need, row,
                                      _window(row, known[row.indicator_code])))
    return board


def balancing_alerts(session: Session, project: Project) -> list[BalancingAlert]:
    """The alerts of a project from the stored figures (for notices and email)."""
    return build_dashboard(session, project, compute=False).alerts


def _window(row: ProjectIndicator, definition: Definition) -> Window:
    """The adopted dates, else the definition's; without an end, the baseline is every
    period that started before the decision adopting the indicator."""
    end = row.baseline_end or definition.baseline_end or row.adopted_on - timedelta(days=1)
    return Window(row.baseline_start or definition.baseline_start, end)


def _panel(session: Session, definition: Definition, need: str, row: ProjectIndicator | None,
           window: Window, establishment_id: int, scope: str,
           stored: dict[tuple[str, str], list[Point]]) -> Panel:
    everything = series(session, definition, establishment_id, scope, need, stored)
    unavailable = not_collected(session, establishment_id, scope, definition)
    if unavailable is not None and unavailable.since is not None:
        since = unavailable.since
        everything = [p for p in everything if p.period_start < since]
    points = [p for p in everything if p.value is not None]
    hidden = [p for p in everything if p.value is None]
    # A point hidden with 5 or more workers behind it was hidden as a complement
    # (differencing.py); a survey month is hidden only for campaigns under 5 respondents.
    complement = 0 if definition.source == "survey" else sum(
        1 for p in hidden if p.workers >= K_MIN)
    target = row.target if row and row.target is not None else definition.target
    verdict = _verdict(definition, points, window)
    return Panel(definition=definition, need=need, adopted=row is not None, target=target,
                 decision_ref=row.decision_ref if row else None, points=points,
                 suppressed=len(hidden) - complement, complement=complement,
                 baseline_value=_baseline_value(definition, points, window, verdict),
                 verdict=verdict, unavailable=unavailable,
                 chart=_chart(definition, points, window, verdict, target))


def _counts(definition: Definition) -> bool:
    return definition.kind is not MeasureKind.MEASUREMENT


def _usable(definition: Definition, points: list[Point]) -> list[Point]:
    if not _counts(definition):
        return points
    return [p for p in points if p.numerator is not None and p.denominator]


def _verdict(definition: Definition, points: list[Point], window: Window) -> Verdict | None:
    usable = _usable(definition, points)
    before = [p for p in usable if window.holds(p.period_start)]
    after = [p for p in usable if window.after(p.period_start)]
    if len(before) < 2 or not after:
        return None  # too little to tell a change from noise; the chart still shows
    try:
        if _counts(definition):
            return judge_change(
                [p.numerator or 0.0 for p in before], [p.numerator or 0.0 for p in after],
                direction=definition.direction, kind=definition.kind,
                baseline_sizes=[p.denominator or 0.0 for p in before],
                after_sizes=[p.denominator or 0.0 for p in after])
        return judge_change([p.value or 0.0 for p in before], [p.value or 0.0 for p in after],
                            direction=definition.direction)
    except ChartInputError:
        return None


def _baseline_value(definition: Definition, points: list[Point], window: Window,
                    verdict: Verdict | None) -> float | None:
    if verdict is not None:
        return verdict.chart.centre * (definition.scale if _counts(definition) else 1.0)
    before = [p.value for p in points if window.holds(p.period_start) and p.value is not None]
    return fmean(before) if before else None


def _chart(definition: Definition, points: list[Point], window: Window,
           verdict: Verdict | None, target: float | None) -> charts.ChartData:
    if verdict is None:
        return charts.ChartData(labels=[p.period_start.isoformat() for p in points],
                                values=[p.value for p in points if p.value is not None],
                                baseline=sum(1 for p in points if window.holds(p.period_start)),
                                target=target)
    # The verdict's chart holds exactly the baseline and after points, in order.
    usable = [p for p in _usable(definition, points)
              if window.holds(p.period_start) or window.after(p.period_start)]
    scale = definition.scale if _counts(definition) else 1.0
    chart = verdict.chart
    return charts.ChartData(
        labels=[p.period_start.isoformat() for p in usable],
        values=[v * scale for v in chart.values], baseline=verdict.baseline,
        centre=chart.centre * scale, lower=[v * scale for v in chart.lower],
        upper=[v * scale for v in chart.upper], signals=list(chart.signals), target=target)


def alerts_for_member(session: Session, viewer: Viewer) -> list[tuple[Project, BalancingAlert]]:
    """The balancing alerts of every project of the committees the viewer sits on: the
    notice committee members get on their committees page."""
    found: list[tuple[Project, BalancingAlert]] = []
    for committee in committees_of(session, viewer):
        for project in projects(session, committee):
            if indicator_set(session, project.id):
                found.extend((project, alert) for alert in balancing_alerts(session, project))
    return found
