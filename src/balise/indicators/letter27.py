"""The aims of letter of agreement no. 27, each measured by named indicators.

Letter 27 gives joint work-organization projects four aims: attract workers, keep
them, a healthy organizational climate, and the best use of their skills. Each aim is
read here through indicators already declared elsewhere, so that their formulas live
in one place (``builtins.py``; the CBI scales in ``survey_indicators.py``) and
``docs/indicators.md`` explains them:

* attraction: vacant positions, time to fill a position (hand-entered or imported);
* retention: departures and the turnover rate (hand-entered or imported);
* climate: the sick-leave absence rate (hand-entered or imported), overtime (computed
  from realized visits), and the three CBI burnout scales (anonymous surveys);
* use of skills: the share of acts done by a profession the act does not call for
  (a nurse doing auxiliary work, or the reverse), computed from the acts done.

For the whole establishment, a count entered per team (departures, vacancies) is added
up per period when the establishment has no figure of its own; rates and medians are
not (they cannot be added). Every figure goes through the same guard as the dashboard: a hand-entered figure of a
team of fewer than 5 workers is suppressed (``series.hand_entered``), computed and
survey figures are stored or read already guarded, and a figure whose record a
committee switched off says since which decision instead of showing a number.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from balise.core.i18n import lazy
from balise.core.privacy import guard_count
from balise.indicators.catalogue import definitions
from balise.indicators.definitions import Definition
from balise.indicators.models import HandEntry
from balise.indicators.series import (
    NotCollectedSince,
    Point,
    complete,
    not_collected,
    series,
)
from balise.territory.models import Worker


@dataclass(frozen=True)
class Aim:
    code: str
    name: str
    question: str
    indicators: tuple[str, ...]


AIMS: list[Aim] = [
    Aim("attraction", lazy("Attraction"),
        lazy("Do positions find people, and how fast?"),
        ("vacant_positions", "time_to_fill_days")),
    Aim("retention", lazy("Retention"),
        lazy("Do people stay?"),
        ("departures", "turnover_rate")),
    Aim("climate", lazy("Healthy organizational climate"),
        lazy("Is the work wearing people down?"),
        ("sick_leave_rate", "overtime_hours_per_worker_week", "cbi_personal", "cbi_work",
         "cbi_client")),
    Aim("skills", lazy("Use of skills"),
        lazy("Does each profession do the work its training is for?"),
        ("scope_of_practice_mismatch",)),
]


@dataclass(frozen=True)
class Figure:
    definition: Definition
    latest: Point | None  # None: no complete period yet
    unavailable: NotCollectedSince | None

    @property
    def suppressed(self) -> bool:
        return self.latest is not None and self.latest.value is None


@dataclass(frozen=True)
class AimView:
    aim: Aim
    figures: list[Figure]


def measured_aims(session: Session, establishment_id: int, scope: str) -> list[AimView]:
    """Each aim with the latest complete figure of each of its indicators for a scope
    (``establishment`` or ``team:ID``). An indicator not declared (the survey scales
    before their capability is installed) is left out rather than shown empty."""
    known = definitions(session)
    views = []
    for aim in AIMS:
        figures = []
        for code in aim.indicators:
            definition = known.get(code)
            if definition is None:
                continue
            points = series(session, definition, establishment_id, scope)
            if not points and scope == "establishment" and _additive(definition):
                points = summed_over_teams(session, definition, establishment_id)
            figures.append(Figure(definition, points[-1] if points else None,
                                  not_collected(session, establishment_id, scope, definition)))
        views.append(AimView(aim, figures))
    return views


def _additive(definition: Definition) -> bool:
    # Departures and vacancies add up across teams; rates and medians do not.
    return definition.source == "manual" and definition.unit == "count"


def summed_over_teams(session: Session, definition: Definition,
                      establishment_id: int) -> list[Point]:
    """A count entered per team, added up per period for the establishment when it has no
    figure of its own, guarded with the active workers of the teams behind each sum."""
    by_period: dict[date, list[tuple[int, float]]] = defaultdict(list)
    for team_id, start, value in session.execute(
            select(HandEntry.team_id, HandEntry.period_start, HandEntry.value)
            .where(HandEntry.indicator_code == definition.code,
                   HandEntry.establishment_id == establishment_id,
                   HandEntry.team_id.is_not(None))):
        if team_id is not None:
            by_period[start].append((team_id, float(value)))
    workers: dict[int | None, int] = {team: count for team, count in session.execute(
        select(Worker.team_id, func.count(Worker.id))
        .where(Worker.establishment_id == establishment_id, Worker.active.is_(True))
        .group_by(Worker.team_id))}
    points = []
    for start, cells in sorted(by_period.items()):
        behind = sum(workers.get(team, 0) for team, _value in cells)
        figure = guard_count(sum(value for _team, value in cells), behind)
        points.append(Point(start, figure.value, workers=behind))
    return complete(points, definition.period)
