"""Realized visits grouped into cells: what the evidence is computed from.

A cell is one team, one Iso-SMAF group, one set of acts done and one duration in whole
minutes, with the number of visits it holds. Every figure of the evidence is a function
of the cells (durations are whole minutes, so nothing is lost) plus the distinct workers
behind each act and group, which :class:`EvidenceCells` keeps apart.

Cells come either from the maintained summary tables (:func:`read_cells`, what pages and
``balise evidence`` use: about 100,000 rows for five million visits) or from the visits
themselves (:func:`cells_of_frame`, the computation from scratch that the summaries are
checked against and rebuilt from).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from balise.grid.evidence import ISO_SMAF_GROUPS, MAX_MINUTES
from balise.grid.evidence_frame import VisitFrame, compress, plain_rows
from balise.grid.summary_models import ANY_ACT, EvidenceCell, EvidenceTeamWeek, EvidenceWorker

Ints = NDArray[np.int64]
PAIR = np.dtype("<i4")  # a histogram is (minute, visits) pairs of little-endian int32
N_GROUPS = len(ISO_SMAF_GROUPS)


@dataclass(frozen=True)
class EvidenceCells:
    """Row ``c`` of the cell columns is a cell of ``count[c]`` visits; row ``j`` of the
    act columns is act ``act[j]`` of cell ``act_cell[j]`` (a cell's acts contiguous).
    Row ``r`` of the worker columns says that worker ``worker[r]`` made a visit holding
    act ``worker_act[r]`` (-1: any visit) for team ``worker_team[r]`` in Iso-SMAF group
    ``worker_group[r]``. Teams, acts and workers are dense indices into ``team_ids``,
    ``act_ids`` and a list of worker ids that is not kept."""

    team: Ints
    smaf_group: Ints
    minutes: Ints
    count: Ints
    act_cell: Ints
    act: Ints
    worker_act: Ints
    worker_team: Ints
    worker_group: Ints
    worker: Ints
    team_ids: Ints
    act_ids: Ints
    team_weeks: Ints  # weeks with at least one realized visit, by team index
    n_workers: int

    @property
    def visits(self) -> int:
        return int(self.count.sum())


def act_sets(frame: VisitFrame) -> tuple[Ints, Ints]:
    """``(set_of_visit, sets)``: each visit's set of acts done, as an index into the rows
    of ``sets`` (act indices ascending, padded with -1; a visit of no act has a row of
    -1 only)."""
    per_visit = np.bincount(frame.act_visit, minlength=frame.visits)
    width = max(1, int(per_visit.max(initial=0)))
    start = np.concatenate(([0], np.cumsum(per_visit)[:-1])) if frame.visits else per_visit
    padded = np.full((frame.visits, width), -1, dtype=np.int64)
    position = np.arange(len(frame.act_visit)) - start[frame.act_visit]
    padded[frame.act_visit, position] = frame.act
    if not frame.visits:
        return np.zeros(0, dtype=np.int64), padded
    sets, set_of_visit = np.unique(padded, axis=0, return_inverse=True)
    return set_of_visit.reshape(-1).astype(np.int64), sets


@dataclass(frozen=True)
class CellRows:
    """Cells by ids, as the summary tables hold them: ``sets[s]`` lists act ids."""

    team_id: Ints
    smaf_group: Ints
    act_set: Ints  # index into ``sets``
    minutes: Ints
    count: Ints
    sets: list[tuple[int, ...]]


def cell_rows(frame: VisitFrame) -> CellRows:
    """Group a frame's visits into cells (the computation from scratch)."""
    set_of_visit, sets = act_sets(frame)
    n_sets = max(1, len(sets))
    minutes = np.clip(frame.minutes, 0, MAX_MINUTES)
    key = ((frame.team * N_GROUPS + frame.smaf_group) * n_sets + set_of_visit) \
        * (MAX_MINUTES + 1) + minutes
    keys, count = np.unique(key, return_counts=True)
    rest, minute = np.divmod(keys, MAX_MINUTES + 1)
    rest, set_index = np.divmod(rest, n_sets)
    team, group = np.divmod(rest, N_GROUPS)
    return CellRows(frame.team_ids[team] if len(keys) else keys, group, set_index, minute,
                    count.astype(np.int64),
                    [tuple(int(frame.act_ids[a]) for a in row if a >= 0) for row in sets])


@dataclass(frozen=True)
class WorkerRows:
    act_id: Ints  # ANY_ACT for the rows of every visit
    team_id: Ints
    smaf_group: Ints
    worker_id: Ints
    visits: Ints


def worker_rows(frame: VisitFrame) -> WorkerRows:
    """Visits per act, team, Iso-SMAF group and worker (act ANY_ACT: every visit)."""
    act = np.concatenate([np.zeros(frame.visits, dtype=np.int64), frame.act + 1])
    visit = np.concatenate([np.arange(frame.visits), frame.act_visit])
    key = ((act * len(frame.team_ids) + frame.team[visit]) * N_GROUPS
           + frame.smaf_group[visit]) * max(1, frame.n_workers) + frame.worker[visit]
    keys, visits = np.unique(key, return_counts=True)
    rest, worker = np.divmod(keys, max(1, frame.n_workers))
    rest, group = np.divmod(rest, N_GROUPS)
    act_index, team = np.divmod(rest, max(1, len(frame.team_ids)))
    act_ids = np.concatenate([[ANY_ACT], frame.act_ids]).astype(np.int64)
    if not len(keys):
        return WorkerRows(keys, keys, keys, keys, keys)
    return WorkerRows(act_ids[act_index], frame.team_ids[team], group,
                      frame.worker_ids[worker], visits.astype(np.int64))


def team_week_rows(frame: VisitFrame) -> tuple[Ints, Ints, Ints]:
    """``(team_id, week, visits)`` for every team-week with realized visits."""
    if not frame.visits:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    first = int(frame.week.min())
    span = int(frame.week.max()) - first + 1
    keys, visits = np.unique(frame.team * span + frame.week - first, return_counts=True)
    team, week = np.divmod(keys, span)
    return frame.team_ids[team], week + first, visits.astype(np.int64)


def duration_rows(frame: VisitFrame) -> tuple[Ints, Ints, Ints, Ints, Ints]:
    """``(team_id, act_id, week, minutes, visits)`` of the visits of one act done."""
    per_visit = np.bincount(frame.act_visit, minlength=frame.visits)
    single = per_visit[frame.act_visit] == 1
    visit, act = frame.act_visit[single], frame.act[single]
    if not len(visit):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty, empty
    first = int(frame.week.min())
    span = int(frame.week.max()) - first + 1
    minutes = np.clip(frame.minutes[visit], 0, MAX_MINUTES)
    key = ((frame.team[visit] * len(frame.act_ids) + act) * span
           + frame.week[visit] - first) * (MAX_MINUTES + 1) + minutes
    keys, visits = np.unique(key, return_counts=True)
    rest, minute = np.divmod(keys, MAX_MINUTES + 1)
    rest, week = np.divmod(rest, span)
    team, act_index = np.divmod(rest, len(frame.act_ids))
    return (frame.team_ids[team], frame.act_ids[act_index], week + first, minute,
            visits.astype(np.int64))


def cells_of_frame(frame: VisitFrame) -> EvidenceCells:
    """The cells of visits read from the database: the computation from scratch."""
    rows = cell_rows(frame)
    workers = worker_rows(frame)
    return _assemble(rows, workers, frame.team_ids, frame.team_weeks())


def read_cells(session: Session, establishment_ids: Collection[int]) -> EvidenceCells:
    """The cells kept by the summary tables for these establishments."""
    wanted = sorted(int(i) for i in establishment_ids)
    team_weeks = session.execute(
        select(EvidenceTeamWeek.team_id, func.count())
        .where(EvidenceTeamWeek.establishment_id.in_(wanted), EvidenceTeamWeek.visits > 0)
        .group_by(EvidenceTeamWeek.team_id).order_by(EvidenceTeamWeek.team_id)).all()
    team_ids = np.array([t for t, _n in team_weeks], dtype=np.int64)
    weeks = np.array([n for _t, n in team_weeks], dtype=np.int64)
    stored = plain_rows(session, select(
        EvidenceCell.team_id, EvidenceCell.smaf_group, EvidenceCell.act_set,
        EvidenceCell.histogram).where(EvidenceCell.establishment_id.in_(wanted)))
    # Column by column, in C (zip, map, join): a loop over 100,000 rows in Python
    # cost a fifth of the whole evidence.
    team_id, group, act_set, histogram = zip(*stored, strict=True) if stored else ((),) * 4
    set_index = {key: i for i, key in enumerate(dict.fromkeys(act_set))}
    sets = [tuple(int(a) for a in key.split(",")) if key else () for key in set_index]
    pairs_of = np.fromiter(map(len, histogram), dtype=np.int64, count=len(stored)) \
        // (2 * PAIR.itemsize)
    meta = np.column_stack([
        np.fromiter(team_id, dtype=np.int64, count=len(stored)),
        np.fromiter(group, dtype=np.int64, count=len(stored)),
        np.fromiter(map(set_index.__getitem__, act_set), dtype=np.int64, count=len(stored))])
    pairs = np.frombuffer(b"".join(histogram), dtype=PAIR).reshape(-1, 2).astype(np.int64)
    cell_meta = np.repeat(meta, pairs_of, axis=0)
    rows = CellRows(cell_meta[:, 0], cell_meta[:, 1], cell_meta[:, 2], pairs[:, 0], pairs[:, 1],
                    sets)
    found = np.array(plain_rows(session, select(
        EvidenceWorker.act_id, EvidenceWorker.team_id, EvidenceWorker.smaf_group,
        EvidenceWorker.worker_id, EvidenceWorker.visits)
        .where(EvidenceWorker.establishment_id.in_(wanted), EvidenceWorker.visits > 0)),
        dtype=np.int64).reshape(-1, 5)
    workers = WorkerRows(found[:, 0], found[:, 1], found[:, 2], found[:, 3], found[:, 4])
    return _assemble(rows, workers, team_ids, weeks)


def _assemble(rows: CellRows, workers: WorkerRows, team_ids: Ints,
              team_weeks: Ints) -> EvidenceCells:
    """Dense indices, and each cell's acts, from cells and workers given by ids."""
    set_acts = [np.array(s, dtype=np.int64) for s in rows.sets]
    all_acts = np.concatenate([*set_acts, np.zeros(0, dtype=np.int64)])
    act_ids = np.unique(all_acts)
    set_size = np.array([len(s) for s in rows.sets] or [0], dtype=np.int64)
    flat = np.concatenate([np.searchsorted(act_ids, s) for s in set_acts] or [all_acts])
    set_start = np.concatenate(([0], np.cumsum(set_size)[:-1]))
    sizes = set_size[rows.act_set] if len(rows.count) else np.zeros(0, dtype=np.int64)
    act_cell = np.repeat(np.arange(len(rows.count)), sizes)
    within = np.arange(len(act_cell)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    act = flat[set_start[rows.act_set[act_cell]] + within] if len(act_cell) else act_cell
    team_of = _dense(team_ids)
    worker = compress(workers.worker_id)
    act_of = np.where(workers.act_id == ANY_ACT, -1,
                      np.searchsorted(act_ids, workers.act_id)) if len(workers.act_id) else \
        workers.act_id
    any_rows = workers.act_id == ANY_ACT
    return EvidenceCells(
        team=team_of(rows.team_id), smaf_group=rows.smaf_group.astype(np.int64),
        minutes=rows.minutes.astype(np.int64), count=rows.count.astype(np.int64),
        act_cell=act_cell.astype(np.int64), act=act.astype(np.int64),
        worker_act=act_of.astype(np.int64), worker_team=team_of(workers.team_id),
        worker_group=workers.smaf_group.astype(np.int64), worker=worker.index,
        team_ids=team_ids, act_ids=act_ids, team_weeks=team_weeks,
        n_workers=len(np.unique(worker.index[any_rows])))


def _dense(ids: Ints) -> Callable[[Ints], Ints]:
    def index(values: Ints) -> Ints:
        return np.searchsorted(ids, values).astype(np.int64)
    return index
