"""An indicator's figures over time for one scope, whatever their source.

Computed figures come from the stored values (already guarded); hand-entered ones from
:class:`~balise.indicators.models.HandEntry`, guarded here with the number of active
workers of the team (or establishment) they describe; survey figures from the function
the survey capability registers in :data:`SOURCES` (a named hook, not a framework).

A record the committee switched off (grid/collection.py) makes its indicators say "not
collected since decision …" from the day of that decision on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from balise.core import clock
from balise.core.privacy import guard_count
from balise.grid import collection
from balise.grid.models import CollectionSetting
from balise.indicators.compute import Cell
from balise.indicators.definitions import Definition, period_end
from balise.indicators.disclosure import Reason, suppress_complementary
from balise.indicators.models import HandEntry, IndicatorValue
from balise.territory.models import Worker


@dataclass(frozen=True)
class Point:
    period_start: date
    value: float | None  # None: suppressed (fewer than 5 workers behind it)
    numerator: float | None = None
    denominator: float | None = None
    workers: int = 0
    source_note: str = ""


@dataclass(frozen=True)
class NotCollectedSince:
    """A record an indicator needs is switched off by a committee decision."""

    key: str
    decision_ref: str | None
    since: date | None

    def message(self) -> str:
        return collection.NotCollected(self.key, self.decision_ref).message()


SeriesSource = Callable[[Session, Definition, int, str, str], list[Point]]
# source -> function(session, definition, establishment_id, scope, need); the survey
# capability adds "survey" here when it is imported.
SOURCES: dict[str, SeriesSource] = {}


def team_of(scope: str) -> int | None:
    return int(scope.split(":", 1)[1]) if scope.startswith("team:") else None


def teams_of(scope: str) -> tuple[int, ...]:
    if scope.startswith("team:"):
        return (int(scope[5:]),)
    if scope.startswith("teams:"):
        return tuple(int(t) for t in scope[6:].split(","))
    return ()


def complete(points: list[Point], period: str, today: date | None = None) -> list[Point]:
    """The periods already over: a week still running would read as a fall."""
    today = today or clock.today()
    return [p for p in points if period_end(p.period_start, period) < today]


def computed_values(session: Session, establishment_id: int,
                    scope: str) -> dict[tuple[str, str], list[Point]]:
    """Every stored figure of a scope, by (indicator, need), in period order."""
    found: dict[tuple[str, str], list[Point]] = defaultdict(list)
    rows = session.execute(
        select(IndicatorValue.indicator_code, IndicatorValue.need, IndicatorValue.period_start,
               IndicatorValue.value, IndicatorValue.numerator, IndicatorValue.denominator,
               IndicatorValue.workers)
        .where(IndicatorValue.establishment_id == establishment_id,
               IndicatorValue.scope == scope)
        .order_by(IndicatorValue.period_start))
    for code, need, start, value, numerator, denominator, workers in rows:
        found[(code, need)].append(Point(start, value, numerator, denominator, workers))
    return found


def hand_entered(session: Session, definition: Definition, establishment_id: int,
                 scope: str) -> list[Point]:
    """Typed or imported figures; a project over several teams reads the
    establishment's (rates of different teams cannot simply be added)."""
    return hand_entered_by_scope(session, definition, establishment_id, [scope])[scope]


def hand_entered_by_scope(session: Session, definition: Definition, establishment_id: int,
                          scopes: Sequence[str]) -> dict[str, list[Point]]:
    """:func:`hand_entered` for several scopes, the entries and team sizes read once."""
    sizes: dict[int | None, int] = {team: int(n) for team, n in session.execute(
        select(Worker.team_id, func.count(Worker.id))
        .where(Worker.establishment_id == establishment_id, Worker.active.is_(True))
        .group_by(Worker.team_id))}
    entries = session.execute(
        select(HandEntry.team_id, HandEntry.period_start, HandEntry.value,
               HandEntry.source_note)
        .where(HandEntry.indicator_code == definition.code,
               HandEntry.establishment_id == establishment_id)
        .order_by(HandEntry.period_start)).all()
    hidden = _hand_complements(definition, entries, sizes)
    by_team: dict[int | None, list[tuple[int | None, date, float, str]]] = defaultdict(list)
    for entry in entries:
        by_team[entry[0]].append(entry)
    found: dict[str, list[Point]] = {}
    for scope in scopes:
        team = team_of(scope)
        workers = sum(sizes.values()) if team is None else sizes.get(team, 0)
        found[scope] = [
            Point(start, None if (team, start) in hidden else guard_count(value, workers).value,
                  workers=workers, source_note=note)
            for _team, start, value, note in by_team.get(team, [])]
    return found


def _hand_complements(definition: Definition,
                      entries: Sequence[tuple[int | None, date, float, str]],
                      sizes: Mapping[int | None, int]) -> set[tuple[int | None, date]]:
    """Hand-entered counts (departures, vacant positions…) of the teams add up to the
    establishment's: when a small team's is hidden and the establishment's is entered
    for the same period, the establishment minus the other teams would give it. The
    cells to hide as complements, by (team or None, period)."""
    if definition.unit != "count":
        return set()  # rates and medians of teams do not add up to the establishment's
    whole = {start: value for team, start, value, _note in entries if team is None}
    if not whole:
        return set()
    by_period: dict[date, dict[int, tuple[float, int]]] = defaultdict(dict)
    for team, start, value, _note in entries:
        if team is not None and start in whole:
            by_period[start][team] = (value, sizes.get(team, 0))
    hidden: set[tuple[int | None, date]] = set()
    for start, teams in by_period.items():
        table = suppress_complementary(teams, (whole[start], sum(n for _v, n in teams.values())))
        hidden.update((team, start) for team, cell in table.cells.items()
                      if cell.reason is Reason.COMPLEMENT)
        if table.total is not None and table.total.suppressed:
            hidden.add((None, start))
    return hidden


def series(session: Session, definition: Definition, establishment_id: int, scope: str,
           need: str = "", computed: dict[tuple[str, str], list[Point]] | None = None,
           ) -> list[Point]:
    """Complete periods of one indicator for one scope."""
    if definition.source == "computed":
        values = computed if computed is not None else computed_values(
            session, establishment_id, scope)
        points = values.get((definition.code, need), [])
    elif definition.source == "manual":
        points = hand_entered(session, definition, establishment_id, scope)
    elif definition.source in SOURCES:
        points = SOURCES[definition.source](session, definition, establishment_id, scope, need)
    else:
        points = []
    return complete(points, definition.period)


def not_collected(session: Session, establishment_id: int, scope: str,
                  definition: Definition,
                  settings: collection.TeamSettings | None = None) -> NotCollectedSince | None:
    """The first record this indicator needs that is switched off for the scope
    (``settings``: the teams' settings already read, when asking for many scopes)."""
    if not definition.needs:
        return None
    in_force = settings or collection.TeamSettings(session, establishment_id)
    for team in teams_of(scope) or (None,):
        for key in definition.needs:
            setting = in_force(team)[key]
            if not setting.enabled:
                since = session.scalar(
                    select(func.max(CollectionSetting.set_at))
                    .where(CollectionSetting.establishment_id == establishment_id,
                           CollectionSetting.key == key,
                           CollectionSetting.decision_ref == setting.decision_ref))
                return NotCollectedSince(key, setting.decision_ref,
                                         since.date() if since else None)
    return None


def records(session: Session, establishment_id: int, cells: list[Cell],
            team_codes: dict[int, str], known: dict[str, Definition]) -> list[dict[str, Any]]:
    """Computed cells, hand entries and survey scores as plain records for ``balise
    indicators compute --json``: a suppressed cell says so, a switched-off record says
    since which decision."""
    out: list[dict[str, Any]] = []
    settings = collection.TeamSettings(session, establishment_id)
    notes: dict[tuple[str, str], NotCollectedSince | None] = {}
    where = _Whereabouts(team_codes)
    for cell in cells:
        definition = known[cell.code]
        key = (cell.scope, cell.code)
        if key not in notes:
            notes[key] = not_collected(session, establishment_id, cell.scope, definition,
                                       settings)
        off = notes[key]
        status, note = ("suppressed", "") if cell.value.suppressed else ("ok", "")
        value = cell.value.value
        if off is not None and (off.since is None or cell.period_start >= off.since):
            status, note, value = "not_collected", off.message(), None
        out.append(_record(cell.code, definition, where(cell.scope), cell.need,
                           cell.period_start, value, status, note, cell.value.workers,
                           cell.numerator if value is not None else None,
                           cell.denominator if value is not None else None))
    scopes = ["establishment", *(f"team:{t}" for t in team_codes)]
    for definition in known.values():
        if definition.source == "computed":
            continue
        if definition.source == "manual":
            by_scope = hand_entered_by_scope(session, definition, establishment_id, scopes)
        elif definition.source in SOURCES:
            # A survey month is shown once over; ``workers`` counts its respondents.
            by_scope = {scope: complete(SOURCES[definition.source](
                session, definition, establishment_id, scope, ""), definition.period)
                for scope in scopes}
        else:
            by_scope = {}
        for scope, points in by_scope.items():
            for point in points:
                out.append(_record(definition.code, definition, where(scope), "",
                                   point.period_start, point.value,
                                   "ok" if point.value is not None else "suppressed",
                                   point.source_note, point.workers, None, None))
    return out


class _Whereabouts:
    """The scope fields of a record, worked out once per scope (a year has 50,000)."""

    def __init__(self, team_codes: Mapping[int, str]) -> None:
        self.team_codes = team_codes
        self.found: dict[str, dict[str, Any]] = {}

    def __call__(self, scope: str) -> dict[str, Any]:
        if scope not in self.found:
            team = team_of(scope)
            self.found[scope] = {
                "scope": scope.split(":")[0],
                "team": self.team_codes.get(team) if team is not None else None,
                "teams": [self.team_codes.get(t, str(t)) for t in teams_of(scope)]}
        return self.found[scope]


def _record(code: str, definition: Definition, where: Mapping[str, Any], need: str,
            start: date, value: float | None, status: str, note: str, workers: int,
            numerator: float | None, denominator: float | None) -> dict[str, Any]:
    return {"indicator": code, "source": definition.source, "scope": where["scope"],
            "team": where["team"], "teams": list(where["teams"]), "need": need,
            "period": definition.period, "period_start": start.isoformat(), "value": value,
            "unit": definition.unit, "numerator": numerator, "denominator": denominator,
            "workers": workers, "status": status, "note": note}
