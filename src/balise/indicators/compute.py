"""Computing the built-in indicators of one establishment, for every scope and period.

Two stages (the SQL is in :mod:`balise.indicators.compute_sql`):

1. the year's visits become one row per worker and day: read from the ``worker_day``
   table kept at every visit write (``engine="summary"``, the default; see
   :mod:`balise.grid.summary_upkeep`), or computed from the visits — in DuckDB over the
   columns pulled once into numpy arrays (``engine="arrays"``) or in SQL inside the
   database (``engine="database"``, the same SQL the upkeep runs for the worker-days a
   write touched); see ``bench/indicators.py`` and ``docs/indicators.md``;
2. DuckDB brings those rows down to one per team, worker, week and month, groups these
   by scope and period, adds the waiting list, and every figure goes through
   :func:`balise.core.privacy.guard_count` with the number of distinct workers behind
   its cell before anything else sees it.

Figures are stored straight through the driver (:mod:`balise.indicators.compute_write`).

A scope is the whole establishment, one team, or the set of teams of a project.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import duckdb
import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Table, delete, select, text
from sqlalchemy.orm import Session

from balise.committee.models import Committee, Project
from balise.core import clock
from balise.core.privacy import Guarded, guard_count
from balise.grid.models import Act, ReferenceTime, WaitingListEntry
from balise.indicators import compute_sql as q
from balise.indicators.builtins import COMPUTED
from balise.indicators.compute_fetch import Columns, fetch_columns, rows_as_columns
from balise.indicators.compute_write import write_rows
from balise.indicators.definitions import Definition, period_start
from balise.indicators.models import IndicatorValue
from balise.territory.models import Team, Worker, WorkerShift

ENGINES = ("summary", "arrays", "database")
# The worker-days kept at every visit write: no visit is read (bench/indicators.py).
DEFAULT_ENGINE = "summary"
EPOCH = date(1970, 1, 1)
ALL_NEEDS = -1


@dataclass(frozen=True)
class Cell:
    """One figure: an indicator for a scope, a need ("" for all) and a period."""

    code: str
    scope: str
    need: str
    period_start: date
    numerator: float | None
    denominator: float | None
    value: Guarded[float]

    @classmethod
    def guarded(cls, code: str, scope: str, need: str, start: date, numerator: float | None,
                denominator: float | None, value: float, workers: int) -> Cell:
        """The only way cells are made: a suppressed one keeps nothing that could rebuild
        its value (a numerator over a known denominator would)."""
        figure = guard_count(value, workers)
        if figure.suppressed:
            numerator = denominator = None
        return cls(code, scope, need, start, numerator, denominator, figure)


@dataclass
class Computation:
    establishment_id: int
    cells: list[Cell] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    worker_days: int = 0


def dayn(day: date) -> int:
    return (day - EPOCH).days


def from_dayn(n: float) -> date:
    return EPOCH + timedelta(days=int(n))


def project_scope(project: Project) -> str:
    teams = sorted(set(project.team_ids or ()))
    if not teams:
        return "establishment"
    if len(teams) == 1:
        return f"team:{teams[0]}"
    return "teams:" + ",".join(str(t) for t in teams)


def scopes_of(session: Session, establishment_id: int) -> dict[str, tuple[int, ...]]:
    """Every scope worth computing: the establishment, each team, each project's teams."""
    teams = tuple(session.scalars(select(Team.id).where(Team.establishment_id == establishment_id)
                                  .order_by(Team.id)))
    scopes: dict[str, tuple[int, ...]] = {"establishment": teams}
    scopes.update({f"team:{t}": (t,) for t in teams})
    projects = session.scalars(select(Project).join(Committee, Committee.id == Project.committee_id)
                               .where(Committee.establishment_id == establishment_id))
    for project in projects:
        key = project_scope(project)
        if key.startswith("teams:"):
            scopes[key] = tuple(t for t in sorted(set(project.team_ids)) if t in teams)
    return scopes


def compute_establishment(session: Session, establishment_id: int, *, since: date | None = None,
                          engine: str = DEFAULT_ENGINE,
                          definitions: Sequence[Definition] = COMPUTED) -> Computation:
    """Every computed indicator of the establishment, for every scope and period.

    With ``since``, only the periods from the one holding ``since`` on: an evening
    refresh of the recent weeks costs a fraction of the whole year."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {ENGINES}")
    started = time.perf_counter()
    result = Computation(establishment_id)
    kinds = sorted({d.period for d in definitions})
    thresholds = {k: period_start(since, k) if since else date(1900, 1, 1) for k in kinds}
    first = min(thresholds.values(), default=date(1900, 1, 1))
    params = {"establishment": establishment_id, "first": first}
    lookups = _lookups(session)
    stages: dict[str, Callable[[Session, dict[str, Any], Lookups], Columns]] = {
        "summary": _worker_days_stored, "arrays": _worker_days_in_arrays,
        "database": lambda s, p, lookup: _worker_days_in_database(s, p, lookup)}
    days = stages[engine](session, params, lookups)
    result.worker_days = len(days["dayn"])
    result.seconds["worker_days"] = time.perf_counter() - started
    scopes = scopes_of(session, establishment_id)
    with duckdb.connect() as con:
        _register_inputs(con, session, establishment_id, days, scopes)
        con.execute("CREATE TEMPORARY TABLE ww AS " + q.WORKER_WEEKS.format(
            month=q.PERIOD_OF["month"].format(col="wd.dayn")))
        keys = list(scopes)
        for kind in kinds:
            chosen = [d for d in definitions if d.period == kind]
            result.cells.extend(
                c for c in _cells_of_kind(con, kind, chosen, keys, days, lookups.act_codes)
                if c.period_start >= thresholds[kind])
    result.seconds["total"] = time.perf_counter() - started
    result.seconds["periods"] = result.seconds["total"] - result.seconds["worker_days"]
    return result


STORED_COLUMNS = ("indicator_code", "establishment_id", "scope", "need", "period_start",
                  "numerator", "denominator", "value", "workers", "computed_at")


def store(session: Session, computation: Computation, *, since: date | None = None,
          definitions: Sequence[Definition] = COMPUTED) -> int:
    """Replace the stored figures of the establishment (from ``since``'s periods on)."""
    for kind in sorted({d.period for d in definitions}):
        condition = [IndicatorValue.establishment_id == computation.establishment_id,
                     IndicatorValue.indicator_code.in_([d.code for d in definitions
                                                       if d.period == kind])]
        if since is not None:
            condition.append(IndicatorValue.period_start >= period_start(since, kind))
        session.execute(delete(IndicatorValue).where(*condition))
    now = clock.now()
    establishment = computation.establishment_id
    rows = [(c.code, establishment, c.scope, c.need, c.period_start, c.numerator,
             c.denominator, c.value.value, c.value.workers, now) for c in computation.cells]
    session.flush()
    table: Table = IndicatorValue.__table__  # type: ignore[assignment]
    write_rows(session, table, STORED_COLUMNS, rows)
    return len(rows)


# --- stage 1 ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Lookups:
    """Small tables both engines need, read once: reference-time eras (act, first day,
    day after the last, minutes), scopes of practice (act, profession), the acts that
    declare one, and act codes for the needs of the waiting list."""

    eras: list[tuple[object, ...]]
    allowed: list[tuple[object, ...]]
    scoped: list[tuple[object, ...]]
    act_codes: dict[int, str]


def _lookups(session: Session) -> Lookups:
    eras: list[tuple[object, ...]] = []
    by_act: dict[int, list[tuple[date, int]]] = {}
    for act_id, valid_from, minutes in session.execute(
            select(ReferenceTime.act_id, ReferenceTime.valid_from, ReferenceTime.minutes)
            .order_by(ReferenceTime.act_id, ReferenceTime.valid_from)):
        by_act.setdefault(act_id, []).append((valid_from, minutes))
    for act_id, versions in by_act.items():
        for i, (valid_from, minutes) in enumerate(versions):
            end = dayn(versions[i + 1][0]) if i + 1 < len(versions) else q.OPEN_END
            eras.append((act_id, dayn(valid_from), end, minutes))
    allowed: list[tuple[object, ...]] = []
    scoped: list[tuple[object, ...]] = []
    act_codes: dict[int, str] = {}
    for act_id, code, professions in session.execute(select(Act.id, Act.code, Act.professions)):
        act_codes[act_id] = code
        if professions:
            scoped.append((act_id,))
            allowed.extend((act_id, p) for p in professions)
    # VALUES cannot be empty: a row that matches nothing stands in.
    return Lookups(eras or [q.DUMMY_ROWS["eras"]], allowed or [q.DUMMY_ROWS["allowed"]],
                   scoped or [q.DUMMY_ROWS["scoped"]], act_codes)


def _bind(name: str, rows: Sequence[Sequence[object]]) -> dict[str, object]:
    return {f"{name}_{r}_{c}": value for r, row in enumerate(rows) for c, value in enumerate(row)}


def _as_columns(rows: Sequence[Sequence[Any]], names: Sequence[str]) -> Columns:
    # Plain tuples first: numpy reads SQLAlchemy rows through the generic sequence
    # protocol, twenty times slower.
    return rows_as_columns([tuple(row) for row in rows], names)


def _worker_days_stored(session: Session, params: dict[str, Any], _lookups: Lookups) -> Columns:
    return fetch_columns(session, q.WORKER_DAYS_STORED, params, q.WORKER_DAY_COLUMNS)


def worker_days_of(session: Session, establishment_id: int, first: date,
                   only: str | None) -> Columns:
    """Stage 1 for the visits of ``establishment_id`` from ``first``: how the summaries'
    upkeep recomputes worker-days. With ``only`` (a condition on the visit ``v``: the
    worker-days a write touched), the very SQL of the ``database`` engine restricted to
    them; without, every visit through the ``arrays`` engine (the faster for a year)."""
    params = {"establishment": establishment_id, "first": first}
    if only is None:
        return _worker_days_in_arrays(session, params, _lookups(session))
    return _worker_days_in_database(session, params, _lookups(session), only)


def _worker_days_in_database(session: Session, params: dict[str, Any],
                             lookups: Lookups, only: str | None = None) -> Columns:
    dialect = session.get_bind().dialect.name
    sql = q.worker_days_in_database(dialect, len(lookups.eras), len(lookups.allowed),
                                    len(lookups.scoped), only)
    bound = {**params, **_bind("eras", lookups.eras), **_bind("allowed", lookups.allowed),
             **_bind("scoped", lookups.scoped)}
    for setting in q.SESSION_SETTINGS.get(dialect, ()):
        session.execute(text(setting))
    return fetch_columns(session, sql, bound, q.WORKER_DAY_COLUMNS)


def _worker_days_in_arrays(session: Session, params: dict[str, Any],
                           lookups: Lookups) -> Columns:
    """The alternative: pull the visit columns once, let DuckDB do stage 1 too."""
    dialect = session.get_bind().dialect.name

    def pull(sql: str, names: Sequence[str]) -> Columns:
        return fetch_columns(session, sql, params, names)

    professions: dict[str, int] = {}
    workers = session.execute(text(q.WORKERS_SELECT), params).all()
    worker_rows = [(w, professions.setdefault(p, len(professions))) for w, p in workers]
    allowed = [(a, professions.setdefault(str(p), len(professions))) for a, p in lookups.allowed]
    tables: dict[str, Columns] = {
        "visits": pull(q.visits_select(dialect),
                       ("id", "team_id", "worker_id", "client_id", "dayn", "minutes",
                        "start_off", "end_off", "travel_minutes")),
        "done_acts": pull(q.done_acts_select(), ("visit_id", "act_id")),
        "clinical": pull(q.clinical_select(), ("visit_id",)),
        "client_usual": pull(q.CLIENTS_SELECT, ("id", "usual_worker_id")),
        "worker_profession": _as_columns(worker_rows, ("id", "profession")),
        "eras": _as_columns(lookups.eras, ("act_id", "valid_from", "valid_to", "minutes")),
        "allowed": _as_columns(allowed, ("act_id", "profession")),
        "scoped": _as_columns(lookups.scoped, ("act_id",)),
    }
    with duckdb.connect() as con:
        for name, columns in tables.items():
            con.register(name, columns)
        found = con.execute(q.WORKER_DAYS_IN_DUCKDB).fetchnumpy()
    # NULL comes back masked; NaN stands for it everywhere else (compute_fetch.py).
    return {name: np.ma.filled(np.ma.asarray(found[name], dtype=np.float64), np.nan)
            for name in q.WORKER_DAY_COLUMNS}


# --- stage 2 ----------------------------------------------------------------------------


def _register_inputs(con: duckdb.DuckDBPyConnection, session: Session, establishment_id: int,
                     days: Columns, scopes: Mapping[str, tuple[int, ...]]) -> None:
    con.register("wd", days)
    shifts = session.execute(
        select(WorkerShift.worker_id, WorkerShift.weekday,
               WorkerShift.end_minute - WorkerShift.start_minute - WorkerShift.break_minutes,
               WorkerShift.end_minute)
        .join(Worker, Worker.id == WorkerShift.worker_id)
        .where(Worker.establishment_id == establishment_id)).all()
    con.register("shift", _as_columns(shifts, ("worker_id", "weekday", "paid", "end_minute")))
    pairs = [(i, team) for i, key in enumerate(scopes) for team in scopes[key]]
    con.register("scope_map", _as_columns(pairs, ("scope_id", "team_id")))
    waiting = [(team, act, source == "unmet_need", dayn(asked),
                dayn(served) if served is not None else None)
               for team, act, source, asked, served in session.execute(
                   select(WaitingListEntry.team_id, WaitingListEntry.act_id,
                          WaitingListEntry.source, WaitingListEntry.requested_on,
                          WaitingListEntry.served_on)
                   .where(WaitingListEntry.establishment_id == establishment_id))]
    con.register("waiting", _as_columns(waiting, ("team_id", "act_id", "unmet", "requested",
                                                   "served")))


def _period_list(kind: str, days: Columns) -> list[tuple[int, int]]:
    if not len(days["dayn"]):
        return []
    first = period_start(from_dayn(days["dayn"].min()), kind)
    last = from_dayn(days["dayn"].max())
    found: list[tuple[int, int]] = []
    while first <= last:
        following = first + timedelta(days=7) if kind == "week" else (
            (first.replace(day=28) + timedelta(days=4)).replace(day=1))
        found.append((dayn(first), dayn(following) - 1))
        first = following
    return found


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# The numerator and denominator of each computed indicator in a row of q.PERIODS; the
# value is scale × numerator ÷ denominator.
FRACTIONS: dict[str, tuple[str, str]] = {
    "visits_per_worker_week": ("visits", "worker_weeks"),
    "care_time_share": ("realized_minutes", "paid_timed"),
    "travel_share": ("travel_minutes", "paid_travel"),
    "above_reference_share": ("above_ref", "ref_known"),
    "unmet_needs_per_100_visits": ("unmet", "visits"),
    "continuity_of_care": ("by_usual", "with_usual"),
    "overtime_hours_per_worker_week": ("overtime_hours", "worker_weeks_timed"),
    "clinical_variance_share": ("clinical", "visits"),
    "scope_of_practice_mismatch": ("acts_mismatch", "acts_scoped"),
}


def _base(con: duckdb.DuckDBPyConnection, kind: str) -> dict[str, NDArray[np.float64]]:
    """One row per scope and period, as float columns (a missing sum as 0)."""
    period = q.PERIOD_OF[kind]
    found = con.execute(q.PERIODS.format(
        period=kind, requested=period.format(col="w.requested"))).fetchnumpy()
    base = {name: np.ma.filled(np.ma.asarray(column, dtype=np.float64), 0.0)
            for name, column in found.items()}
    base["overtime_hours"] = base["overtime_minutes"] / 60.0
    return base


def _cells_of_kind(con: duckdb.DuckDBPyConnection, kind: str, chosen: Iterable[Definition],
                   keys: Sequence[str], days: Columns, act_codes: Mapping[int, str],
                   ) -> Iterable[Cell]:
    base = _base(con, kind)
    scope_ids = base["scope_id"].astype(np.int64)
    periods = base["period"].astype(np.int64)
    starts = {int(p): from_dayn(p) for p in np.unique(periods)}
    workers_of = {(int(s), int(p)): int(n) for s, p, n in
                  zip(scope_ids.tolist(), periods.tolist(), base["workers"].tolist(), strict=True)}
    con.register("period_list", _as_columns(_period_list(kind, days), ("period", "period_end")))
    for definition in chosen:
        code = definition.code
        if code in FRACTIONS:
            top, bottom = FRACTIONS[code]
            # Nothing to divide leaves a gap in the chart, not a zero.
            shown = base[bottom] > 0
            numerators, denominators = base[top][shown], base[bottom][shown]
            values = definition.scale * numerators / denominators
            for scope, start, numerator, denominator, value, workers in zip(
                    scope_ids[shown].tolist(), periods[shown].tolist(), numerators.tolist(),
                    denominators.tolist(), values.tolist(),
                    base["workers"][shown].astype(np.int64).tolist(), strict=True):
                yield Cell.guarded(code, keys[scope], "", starts[start], numerator, denominator,
                                   value, workers)
        elif code == "waiting_list_size":
            for row in _rows(con, q.WAITING_SIZE):
                yield _waiting_cell(definition, row, "waiting", None, keys, workers_of,
                                    act_codes)
        elif code == "median_wait_days":
            period = q.PERIOD_OF[kind]
            sql = q.WAIT_MEDIAN.format(period=period.format(col="w.served"))
            for row in _rows(con, sql):
                yield _waiting_cell(definition, row, "median_wait", "served", keys, workers_of,
                                    act_codes)


def _waiting_cell(definition: Definition, row: Mapping[str, Any], value_column: str,
                  count_column: str | None, keys: Sequence[str],
                  workers_of: Mapping[tuple[int, int], int],
                  act_codes: Mapping[int, str]) -> Cell:
    """A waiting-list figure is about clients, but it is shown with the team's other
    figures, so it is held to the same k >= 5 rule: the workers of the scope's visits
    in that period."""
    scope, start = int(row["scope_id"]), int(row["period"])
    workers = workers_of.get((scope, start), 0)
    need = "" if int(row["need"]) == ALL_NEEDS else act_codes.get(int(row["need"]), "")
    value = float(row[value_column])
    return Cell.guarded(definition.code, keys[scope], need, from_dayn(start),
                        float(row[count_column]) if count_column else value, None, value,
                        int(workers or 0))


def refresh(session: Session, establishment_id: int, *, since: date | None = None,
            engine: str = DEFAULT_ENGINE) -> Computation:
    """Compute and store: what the nightly command and a stale dashboard call."""
    computation = compute_establishment(session, establishment_id, since=since, engine=engine)
    from balise.indicators.differencing import protect  # it builds on this module's Cell

    started = time.perf_counter()
    protect(session, computation)  # nested scopes: nothing recovered by subtraction
    computation.seconds["protect"] = time.perf_counter() - started
    started = time.perf_counter()
    store(session, computation, since=since)
    computation.seconds["store"] = time.perf_counter() - started
    return computation
