"""Realized visits as columns of integers: the one read the evidence makes.

Two queries on the operational database (visits with their client's profile; the acts
done in them) fetch only what the evidence needs, through the DB-API cursor: one
SQLAlchemy row object per visit would cost more than the whole computation. Minutes and
weeks are computed by the database so that both engines hand over plain integers.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
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
EPOCH = date(1970, 1, 1)  # a Thursday: Monday-based week = (days + 3) // 7


@dataclass(frozen=True)
class VisitFrame:
    """Row ``i`` of the visit columns is one realized visit; row ``j`` of the act
    columns is one act done in visit ``act_visit[j]``."""

    minutes: Ints
    team: Ints
    smaf_group: Ints
    worker: Ints
    week: Ints
    act_visit: Ints
    act_id: Ints

    @property
    def visits(self) -> int:
        return len(self.minutes)

    def team_weeks(self) -> dict[int, int]:
        """Weeks in which each team realized at least one visit."""
        if not self.visits:
            return {}
        teams, weeks = compress(self.team), compress(self.week)
        seen = np.unique(teams.index * len(weeks.ids) + weeks.index)
        counts = np.bincount(seen // len(weeks.ids), minlength=len(teams.ids))
        return {int(t): int(n) for t, n in zip(teams.ids, counts, strict=True)}


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
    if dialect == "postgresql":
        seconds = func.extract("epoch", Visit.realized_end - Visit.realized_start)
    else:
        seconds = (func.julianday(Visit.realized_end) - func.julianday(Visit.realized_start)) * 86400
    return cast(func.round(seconds / 60), Integer)


def _days(dialect: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return Visit.day - literal_column(f"DATE '{EPOCH.isoformat()}'")
    return cast(func.julianday(Visit.day) - 2440587.5, Integer)


def _realized(query: Select[Any], establishment_ids: Collection[int]) -> Select[Any]:
    return query.where(
        Visit.establishment_id.in_(sorted(establishment_ids)),
        Visit.status == "done",
        Visit.realized_start.is_not(None),
        Visit.realized_end.is_not(None),
        Visit.worker_id.is_not(None),
    )


def _columns(session: Session, query: Select[Any], width: int) -> Ints:
    """Run a query whose columns are all integers; return them as an ``(n, width)`` array."""
    bind = session.get_bind()
    # The only bound values are establishment ids and a status: integers and a constant.
    sql = str(query.compile(dialect=bind.dialect, compile_kwargs={"literal_binds": True}))
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(sql)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    if not rows:
        return np.zeros((0, width), dtype=np.int64)
    return np.array(rows, dtype=np.int64)


def load_frame(session: Session, establishment_ids: Collection[int]) -> VisitFrame:
    """Every realized visit of these establishments with a worker, start and end."""
    dialect = session.get_bind().dialect.name
    visits = _columns(session, _realized(
        select(Visit.id, _minutes(dialect), Visit.team_id, Client.iso_smaf, Visit.worker_id,
               _days(dialect)).join(Client, Client.id == Visit.client_id),
        establishment_ids), 6)
    acts = _columns(session, _realized(
        select(VisitAct.visit_id, VisitAct.act_id)
        .join(Visit, Visit.id == VisitAct.visit_id)
        .where(VisitAct.done.is_(True)), establishment_ids), 2)
    order = np.argsort(visits[:, 0], kind="stable")
    visits = visits[order]
    position = np.searchsorted(visits[:, 0], acts[:, 0])
    return VisitFrame(
        minutes=visits[:, 1].copy(),
        team=visits[:, 2].copy(),
        smaf_group=iso_smaf_group(visits[:, 3]),
        worker=visits[:, 4].copy(),
        week=(visits[:, 5] + 3) // 7,
        act_visit=position.astype(np.int64),
        act_id=acts[:, 1].copy(),
    )

