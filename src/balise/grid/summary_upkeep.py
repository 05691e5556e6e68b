"""Keeping the visit summaries equal to the visits, in the transaction that writes them.

Every ORM flush that touches a visit (its times, status, worker, team, day, acts or
reasons), a client's profile or usual worker, a worker's profession, a reference time,
an act's scopes of practice or a reason's category is seen by the two session hooks of
:mod:`balise.grid.summary_hooks`: before the flush they read what the touched visits
count for in the summaries (the database still holds the old state), after it what they
count for now, and :func:`apply` writes the difference in the same transaction. So the form, the field
sync, imports and plan edits need no call of their own, and a rollback undoes both.

Writes that bypass the ORM (bulk ``insert``/``update`` statements) must say so:

* :func:`record_new_visits` after inserting visits (the demo's bulk load);
* :func:`visits_changing` around a bulk change of existing visits;
* :func:`rebuild` recomputes an establishment from scratch (``balise summaries
  rebuild``; after restoring a backup or upgrading to migration 0011).

The evidence cells are changed by difference (a histogram is additive); a worker-day is
recomputed whole from its visits with the indicators' own stage-1 SQL, since its first
start and last end are not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Table, and_, delete, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from balise.core.db import Base
from balise.grid.evidence_cells import (
    PAIR,
    cell_rows,
    duration_rows,
    team_week_rows,
    worker_rows,
)
from balise.grid.evidence_frame import EPOCH, load_frame
from balise.grid.models import Visit
from balise.grid.summary_models import (
    ActDurationWeek,
    EvidenceCell,
    EvidenceTeamWeek,
    EvidenceWorker,
    WorkerDay,
)
from balise.territory.models import Team

CellKey = tuple[int, int, str]  # team id, Iso-SMAF group, act set
WorkerKey = tuple[int, int, int, int]  # act id (0: any), team id, group, worker id
DayKey = tuple[int, int, date]  # establishment id, worker id, day


@dataclass
class Counts:
    """What some visits count for in the evidence summaries."""

    cells: dict[CellKey, Counter[int]] = field(default_factory=dict)
    workers: Counter[WorkerKey] = field(default_factory=Counter)
    team_weeks: Counter[tuple[int, int]] = field(default_factory=Counter)
    durations: Counter[tuple[int, int, int, int]] = field(default_factory=Counter)

    def add(self, other: Counts, sign: int) -> None:
        for key, histogram in other.cells.items():
            mine = self.cells.setdefault(key, Counter())
            for minute, visits in histogram.items():
                mine[minute] += sign * visits
        for worker, visits in other.workers.items():
            self.workers[worker] += sign * visits
        for week, visits in other.team_weeks.items():
            self.team_weeks[week] += sign * visits
        for duration, visits in other.durations.items():
            self.durations[duration] += sign * visits


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _act_set(acts: Iterable[int]) -> str:
    return ",".join(str(a) for a in sorted(acts))


def _establishments_of(session: Session, visit_ids: Collection[int]) -> list[int]:
    return list(session.scalars(select(Visit.establishment_id).distinct()
                                .where(Visit.id.in_(sorted(visit_ids)))))


def counts_of(session: Session, visit_ids: Collection[int],
              establishment_ids: Collection[int] | None = None) -> Counts:
    """What these visits count for now, read through the evidence's own reader.
    ``establishment_ids``, when the caller knows them already, must include those of
    every visit with a worker among ``visit_ids`` (the only ones the evidence counts)."""
    found = Counts()
    if not visit_ids:
        return found
    if establishment_ids is None:
        establishment_ids = _establishments_of(session, visit_ids)
    frame = load_frame(session, establishment_ids, visit_ids)
    rows = cell_rows(frame)
    for team, group, set_index, minute, visits in zip(
            rows.team_id.tolist(), rows.smaf_group.tolist(), rows.act_set.tolist(),
            rows.minutes.tolist(), rows.count.tolist(), strict=True):
        key = (team, group, _act_set(rows.sets[set_index]))
        found.cells.setdefault(key, Counter())[minute] += visits
    workers = worker_rows(frame)
    for act, team, group, worker, visits in zip(
            workers.act_id.tolist(), workers.team_id.tolist(), workers.smaf_group.tolist(),
            workers.worker_id.tolist(), workers.visits.tolist(), strict=True):
        found.workers[(act, team, group, worker)] += visits
    for team, week, visits in zip(*(a.tolist() for a in team_week_rows(frame)), strict=True):
        found.team_weeks[(team, week)] += visits
    for team, act, week, minute, visits in zip(*(a.tolist() for a in duration_rows(frame)),
                                               strict=True):
        found.durations[(team, act, week, minute)] += visits
    return found


def day_keys(session: Session, condition: Any) -> set[DayKey]:
    return {(e, w, d) for e, w, d in session.execute(
        select(Visit.establishment_id, Visit.worker_id, Visit.day).distinct()
        .where(condition, Visit.worker_id.is_not(None))) if w is not None}


# --- writing the differences --------------------------------------------------------------


def _encode(histogram: Counter[int]) -> bytes:
    pairs = sorted((m, n) for m, n in histogram.items() if n)
    return np.array(pairs, dtype=PAIR).reshape(-1, 2).tobytes()


def _decode(blob: bytes) -> Counter[int]:
    pairs = np.frombuffer(blob, dtype=PAIR).reshape(-1, 2)
    return Counter(dict(zip(pairs[:, 0].tolist(), pairs[:, 1].tolist(), strict=True)))


def _upsert(session: Session, table: Any, rows: list[dict[str, Any]], keys: list[str],
            added: str) -> None:
    """Insert rows, or add their ``added`` column to the row already there."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = make(table)
    statement = statement.on_conflict_do_update(
        index_elements=keys, set_={added: getattr(table.c, added) + statement.excluded[added]})
    session.connection().execute(statement, rows)


def apply(session: Session, change: Counts) -> None:
    """Add ``change`` (differences of visits) to the evidence summaries."""
    if not any(any(d.values()) for d in change.cells.values()) and not any(
            change.workers.values()) and not any(change.team_weeks.values()) and not any(
            change.durations.values()):
        return  # the visits changed nothing the evidence counts (a note, a travel time)
    teams = {key[0] for key in change.cells} | {key[1] for key in change.workers} | {
        key[0] for key in change.team_weeks} | {key[0] for key in change.durations}
    establishment = dict(session.connection().execute(
        select(Team.id, Team.establishment_id).where(Team.id.in_(sorted(teams)))).all())
    connection = session.connection()
    cell = _table(EvidenceCell)
    changed = sorted((key, difference) for key, difference in change.cells.items()
                     if any(difference.values()))
    concurrent = connection.dialect.name == "postgresql"
    if concurrent and changed:
        # Two writers may create the same cell at once: create it empty first (the second
        # waits for the first and then does nothing), then lock it like any other.
        connection.execute(postgresql.insert(cell).values([
            {"team_id": team, "smaf_group": group, "act_set": act_set,
             "establishment_id": establishment[team], "histogram": b""}
            for (team, group, act_set), _ in changed]).on_conflict_do_nothing())
    for (team, group, act_set), difference in changed:
        where = and_(cell.c.team_id == team, cell.c.smaf_group == group,
                     cell.c.act_set == act_set)
        query = select(cell.c.histogram).where(where)
        if concurrent:
            query = query.with_for_update()  # two writers must not lose each other's visits
        stored = connection.scalar(query)
        histogram = _decode(stored) if stored is not None else Counter()
        histogram.update(difference)
        if stored is None:
            connection.execute(insert(cell).values(
                team_id=team, smaf_group=group, act_set=act_set,
                establishment_id=establishment[team], histogram=_encode(histogram)))
        elif any(histogram.values()):
            connection.execute(update(cell).where(where).values(histogram=_encode(histogram)))
        else:
            connection.execute(delete(cell).where(where))
    worker = _table(EvidenceWorker)
    _upsert(session, worker, [
        {"act_id": act, "team_id": team, "smaf_group": group, "worker_id": who,
         "establishment_id": establishment[team], "visits": n}
        for (act, team, group, who), n in sorted(change.workers.items()) if n],
        ["act_id", "team_id", "smaf_group", "worker_id"], "visits")
    week = _table(EvidenceTeamWeek)
    _upsert(session, week, [
        {"team_id": team, "week": w, "establishment_id": establishment[team], "visits": n}
        for (team, w), n in sorted(change.team_weeks.items()) if n],
        ["team_id", "week"], "visits")
    by_establishment: Counter[tuple[int, int, int, int]] = Counter()
    for (team, act, w, minute), n in change.durations.items():
        by_establishment[(establishment[team], act, w, minute)] += n
    duration = _table(ActDurationWeek)
    _upsert(session, duration, [
        {"establishment_id": e, "act_id": act, "week": w, "minutes": minute, "visits": n}
        for (e, act, w, minute), n in sorted(by_establishment.items()) if n],
        ["establishment_id", "act_id", "week", "minutes"], "visits")
    # A count reaches zero only where something was taken away.
    if any(n < 0 for n in by_establishment.values()):
        connection.execute(delete(duration).where(
            duration.c.visits <= 0,
            duration.c.establishment_id.in_(sorted(set(establishment.values())))))
    if any(n < 0 for n in change.workers.values()):
        connection.execute(delete(worker).where(worker.c.visits <= 0,
                                                worker.c.team_id.in_(sorted(teams))))
    if any(n < 0 for n in change.team_weeks.values()):
        connection.execute(delete(week).where(week.c.visits <= 0,
                                              week.c.team_id.in_(sorted(teams))))


def refresh_worker_days(session: Session, keys: Collection[DayKey]) -> None:
    """Recompute these worker-days whole from their visits."""
    from balise.indicators.compute import worker_days_of
    from balise.indicators.compute_sql import WORKER_DAY_COLUMNS

    by_establishment: dict[int, dict[int, set[date]]] = {}
    for establishment_id, worker_id, day in keys:
        by_establishment.setdefault(establishment_id, {}).setdefault(worker_id, set()).add(day)
    table = _table(WorkerDay)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # Two writers changing visits of the same worker-day: the second waits until the
        # first commits, then its statements see the first's visits and its row.
        for worker_id, day in sorted({(w, d) for _, w, d in keys}):
            # The two-integer key space: (worker, day number); nothing else uses it.
            connection.execute(text("SELECT pg_advisory_xact_lock(:worker, :day)"),
                               {"worker": int(worker_id), "day": (day - EPOCH).days})
    for establishment_id, days_of in sorted(by_establishment.items()):
        for worker_id, days in sorted(days_of.items()):
            connection.execute(delete(table).where(table.c.worker_id == worker_id,
                                                   table.c.day.in_(sorted(days))))
        # Literal ids and ISO dates: the same text on both engines, no bound parameters.
        only = " OR ".join(
            f"(v.worker_id = {int(w)} AND v.day IN "
            f"({', '.join(repr(d.isoformat()) for d in sorted(days))}))"
            for w, days in sorted(days_of.items()))
        first = min(min(days) for days in days_of.values())
        columns = worker_days_of(session, establishment_id, first, f"({only})")
        _insert_worker_days(session, establishment_id, columns, WORKER_DAY_COLUMNS)


def _insert_worker_days(session: Session, establishment_id: int,
                        columns: dict[str, Any], names: Iterable[str]) -> None:
    count = len(columns["dayn"])
    if not count:
        return
    names = list(names)
    as_lists = {name: columns[name].tolist() for name in names}
    rows = []
    for i in range(count):
        row: dict[str, Any] = {name: as_lists[name][i] for name in names}
        for name in ("first_start", "last_end"):
            if row[name] != row[name]:  # NaN stands for NULL
                row[name] = None
        for name in ("team_id", "worker_id", "dayn", "done", "timed", "travel_known",
                     "with_usual", "by_usual", "clinical", "ref_known", "above_ref",
                     "acts_scoped", "acts_mismatch"):
            row[name] = int(row[name])
        row["day"] = EPOCH + timedelta(days=row["dayn"])
        row["establishment_id"] = establishment_id
        rows.append(row)
    session.connection().execute(insert(_table(WorkerDay)), rows)


# --- what writes call -------------------------------------------------------------------


def record_new_visits(session: Session, visit_ids: Collection[int]) -> None:
    """After a bulk insert of visits (with their acts and reasons) that bypassed the ORM."""
    ids = sorted(int(i) for i in visit_ids)
    apply(session, counts_of(session, ids))
    refresh_worker_days(session, day_keys(session, Visit.id.in_(ids)))


@contextmanager
def visits_changing(session: Session, visit_ids: Collection[int]) -> Iterator[None]:
    """Around a bulk change (or deletion) of these visits that bypasses the ORM."""
    ids = sorted(int(i) for i in visit_ids)
    session.flush()
    before = counts_of(session, ids)
    days = day_keys(session, Visit.id.in_(ids))
    yield
    session.flush()
    change = counts_of(session, ids)
    change.add(before, -1)
    apply(session, change)
    refresh_worker_days(session, days | day_keys(session, Visit.id.in_(ids)))


def rebuild(session: Session, establishment_id: int) -> dict[str, int]:
    """The summaries of one establishment, recomputed from every visit."""
    from balise.indicators.compute import worker_days_of
    from balise.indicators.compute_sql import WORKER_DAY_COLUMNS

    for model in (EvidenceCell, EvidenceWorker, EvidenceTeamWeek, ActDurationWeek, WorkerDay):
        table = _table(model)
        session.connection().execute(delete(table).where(
            table.c.establishment_id == establishment_id))
    frame = load_frame(session, [establishment_id])
    rows = cell_rows(frame)
    order = np.lexsort((rows.minutes, rows.act_set, rows.smaf_group, rows.team_id))
    key = np.stack([rows.team_id, rows.smaf_group, rows.act_set])[:, order]
    pairs = np.stack([rows.minutes, rows.count], axis=1)[order].astype(PAIR)
    starts = np.flatnonzero(np.concatenate(([True], np.any(key[:, 1:] != key[:, :-1], axis=0))))
    ends = np.append(starts[1:], len(order))
    set_text = [_act_set(s) for s in rows.sets]
    cells = [{"team_id": int(key[0, a]), "smaf_group": int(key[1, a]),
              "act_set": set_text[int(key[2, a])], "establishment_id": establishment_id,
              "histogram": pairs[a:b].tobytes()}
             for a, b in zip(starts.tolist(), ends.tolist(), strict=True)] if len(order) else []
    workers = worker_rows(frame)
    worker_list = [{"act_id": a, "team_id": t, "smaf_group": g, "worker_id": w,
                    "establishment_id": establishment_id, "visits": n}
                   for a, t, g, w, n in zip(workers.act_id.tolist(), workers.team_id.tolist(),
                                            workers.smaf_group.tolist(),
                                            workers.worker_id.tolist(),
                                            workers.visits.tolist(), strict=True)]
    weeks = [{"team_id": t, "week": w, "establishment_id": establishment_id, "visits": n}
             for t, w, n in zip(*(a.tolist() for a in team_week_rows(frame)), strict=True)]
    durations: Counter[tuple[int, int, int]] = Counter()
    for _team, act, w, minute, n in zip(*(a.tolist() for a in duration_rows(frame)),
                                        strict=True):
        durations[(act, w, minute)] += n
    duration_list = [{"establishment_id": establishment_id, "act_id": act, "week": w,
                      "minutes": minute, "visits": n}
                     for (act, w, minute), n in sorted(durations.items())]
    connection = session.connection()
    for model, rows_ in ((EvidenceCell, cells), (EvidenceWorker, worker_list),
                         (EvidenceTeamWeek, weeks), (ActDurationWeek, duration_list)):
        if rows_:
            connection.execute(insert(_table(model)), rows_)
    days = worker_days_of(session, establishment_id, date(1900, 1, 1), None)
    _insert_worker_days(session, establishment_id, days, WORKER_DAY_COLUMNS)
    return {"evidence_cells": len(cells), "evidence_workers": len(worker_list),
            "team_weeks": len(weeks), "act_duration_weeks": len(duration_list),
            "worker_days": len(days["dayn"])}
