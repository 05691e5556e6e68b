"""Realized visits as columns of integers: the one read the evidence makes.

Three plain queries on the operational database (realized visits, clients' profiles,
acts done) fetch only what the evidence needs, through the DB-API cursor: one SQLAlchemy
row object per visit would cost more than the whole computation. Minutes and days are
computed by the database so that both engines hand over plain integers.

Reading is what costs at scale (see bench/grid_evidence.py): a few hundred thousand
visits read in well under a second, five million take tens of seconds on SQLite. A frame
can therefore be saved as a columnar snapshot and read back in a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Integer, Select, cast, func, literal_column, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from balise.grid.evidence import iso_smaf_group
from balise.grid.models import Visit, VisitAct
from balise.territory.models import Client

Ints = NDArray[np.int64]
Rows = Select[*tuple[Any, ...]]  # a query of any number of columns
EPOCH = date(1970, 1, 1)  # a Thursday: Monday-based week = (days + 3) // 7


@dataclass(frozen=True)
class VisitFrame:
    """Row ``i`` of the visit columns is one realized visit; row ``j`` of the act
    columns is one act done in visit ``act_visit[j]`` (ascending; a visit's acts by
    ascending id). Teams, acts and workers are dense indices into ``team_ids``,
    ``act_ids`` and ``worker_ids``; worker ids only serve to keep the summaries' count
    of distinct workers (:mod:`balise.grid.summary_upkeep`) and never leave this layer."""

    minutes: Ints
    team: Ints
    smaf_group: Ints
    worker: Ints
    week: Ints
    act_visit: Ints
    act: Ints
    team_ids: Ints
    act_ids: Ints
    worker_ids: Ints

    @property
    def n_workers(self) -> int:
        return len(self.worker_ids)

    @property
    def visits(self) -> int:
        return len(self.minutes)

    def team_weeks(self) -> Ints:
        """Weeks in which each team realized at least one visit, by team index."""
        if not self.visits:
            return np.zeros(len(self.team_ids), dtype=np.int64)
        first, span = int(self.week.min()), int(self.week.max() - self.week.min()) + 1
        seen = np.bincount(self.team * span + self.week - first,
                           minlength=len(self.team_ids) * span) > 0
        return np.asarray(seen.reshape(len(self.team_ids), span).sum(axis=1), dtype=np.int64)

    def save(self, path: Path) -> None:
        """A columnar snapshot (NumPy ``.npz``), for reading millions of visits again
        without the database; see docs/grid-evidence.md."""
        arrays = {f.name: getattr(self, f.name) for f in fields(self)}
        with path.open("wb") as handle:
            np.savez(handle, **arrays)

    @classmethod
    def read(cls, path: Path) -> VisitFrame:
        with np.load(path) as stored:
            values: dict[str, Any] = {name: stored[name] for name in stored.files}
        return cls(**values)


@dataclass(frozen=True)
class Compressed:
    """Dense indices 0..k-1 for ids, and the id of each index."""

    index: Ints
    ids: Ints


def compress(values: Ints) -> Compressed:
    """Database ids are small integers: a lookup table does in one pass what
    ``np.unique`` would do with a sort of millions of rows."""
    if len(values) == 0:
        return Compressed(values, values)
    low, high = int(values.min()), int(values.max())
    if high - low > 50_000_000:
        ids, index = np.unique(values, return_inverse=True)
        return Compressed(index.astype(np.int64), ids.astype(np.int64))
    present = np.bincount(values - low) > 0
    ids = np.flatnonzero(present).astype(np.int64) + low
    lookup = np.cumsum(present) - 1
    return Compressed(lookup[values - low].astype(np.int64), ids)


def _minutes(dialect: str) -> ColumnElement[Any]:
    seconds: ColumnElement[Any]
    if dialect == "postgresql":
        seconds = func.extract("epoch", Visit.realized_end - Visit.realized_start)
    else:
        seconds = (func.julianday(Visit.realized_end) - func.julianday(Visit.realized_start)) * 86400
    return cast(func.round(seconds / 60), Integer)


def _days(dialect: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return Visit.day - literal_column(f"DATE '{EPOCH.isoformat()}'")
    return cast(func.julianday(Visit.day) - 2440587.5, Integer)


def _realized(query: Rows, establishment_ids: Collection[int]) -> Rows:
    return query.where(
        Visit.establishment_id.in_(sorted(int(i) for i in establishment_ids)),
        Visit.status == "done",
        Visit.realized_start.is_not(None),
        Visit.realized_end.is_not(None),
        Visit.worker_id.is_not(None),
    )


def plain_rows(session: Session, query: Rows) -> list[tuple[Any, ...]]:
    """Run a query through the DB-API cursor: plain tuples, without the result
    processing that costs more than the evidence's computation for 100,000 rows. Only
    for queries whose bound values are ids and constants (they are written inline)."""
    bind = session.get_bind()
    sql = str(query.compile(dialect=bind.dialect, compile_kwargs={"literal_binds": True}))
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _columns(session: Session, query: Rows, width: int) -> Ints:
    """Run a query whose columns are all integers; return them as an ``(n, width)`` array."""
    rows = plain_rows(session, query)
    if not rows:
        return np.zeros((0, width), dtype=np.int64)
    return np.array(rows, dtype=np.int64)


def load_frame(session: Session, establishment_ids: Collection[int],
               visit_ids: Collection[int] | None = None) -> VisitFrame:
    """Every realized visit of these establishments with a worker, start and end (only
    those of ``visit_ids`` when given: what the summaries' upkeep reads at each write).

    No join: clients' profiles and the acts are read apart and matched here, which
    spares the database a join over millions of rows (SQLite does them row by row)."""
    dialect = session.get_bind().dialect.name
    query = _realized(select(Visit.id, _minutes(dialect), Visit.team_id, Visit.client_id,
                             Visit.worker_id, _days(dialect)), establishment_ids)
    clients_query = select(Client.id, Client.iso_smaf).where(
        Client.establishment_id.in_(sorted(int(i) for i in establishment_ids)))
    acts_query = select(VisitAct.visit_id, VisitAct.act_id).where(VisitAct.done.is_(True))
    if visit_ids is not None:
        wanted = sorted(int(i) for i in visit_ids)
        query = query.where(Visit.id.in_(wanted))
        clients_query = clients_query.where(Client.id.in_(
            select(Visit.client_id).where(Visit.id.in_(wanted))))
        acts_query = acts_query.where(VisitAct.visit_id.in_(wanted))
    visits = _columns(session, query, 6)
    clients = _columns(session, clients_query, 2)
    acts = _columns(session, acts_query, 2)
    visits = visits[np.argsort(visits[:, 0], kind="stable")]
    clients = clients[np.argsort(clients[:, 0])]
    acts = acts[np.lexsort((acts[:, 1], acts[:, 0]))]
    # Acts of visits not read here (not realized, another establishment) are dropped.
    position = np.minimum(np.searchsorted(visits[:, 0], acts[:, 0]), max(len(visits) - 1, 0))
    kept = (visits[position, 0] == acts[:, 0]) if len(visits) else np.zeros(0, dtype=bool)
    acts, position = acts[kept], position[kept]
    profile = clients[np.searchsorted(clients[:, 0], visits[:, 3]), 1] if len(visits) else \
        np.zeros(0, dtype=np.int64)
    teams, workers, act_codes = compress(visits[:, 2]), compress(visits[:, 4]), compress(acts[:, 1])
    return VisitFrame(
        minutes=visits[:, 1].copy(),
        team=teams.index,
        smaf_group=iso_smaf_group(profile),
        worker=workers.index,
        week=(visits[:, 5] + 3) // 7,
        act_visit=position.astype(np.int64),
        act=act_codes.index,
        team_ids=teams.ids,
        act_ids=act_codes.ids,
        worker_ids=workers.ids,
    )
