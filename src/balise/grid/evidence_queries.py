"""Evidence beside every reference time, read from the database through the k >= 5 guard.

For each act: overall, by group of Iso-SMAF profiles and by team, the realized visits,
median, 80th and 90th percentiles of the act done alone (with 95 % intervals), the share
of visits over their standard and the overrun minutes per team-week; optionally a
proposed time (the what-if); and the share of visits each earlier value would flag.
Every group's figures pass through :func:`balise.core.privacy.guard_count` with the
number of distinct workers behind them; no figure of one worker is computed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.core import clock
from balise.core.privacy import Guarded, guard_count
from balise.grid import evidence as rules
from balise.grid.catalogue import (
    CatalogueEntry,
    Version,
    act_catalogue,
    catalogue_entry,
    current_minutes,
)
from balise.grid.evidence_cells import EvidenceCells, cells_of_frame, read_cells
from balise.grid.evidence_frame import VisitFrame
from balise.territory.models import Team

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]


@dataclass(frozen=True)
class GroupFigures:
    """What the data says about one act in one group of visits."""

    visits: int  # realized visits holding the act
    alone: int  # of which the act was the only one done
    quantiles: tuple[rules.Estimate | None, ...]  # of the act alone, for rules.QUANTILES
    share_above: float | None  # over their standard; None without a reference time
    overrun_per_team_week: float | None
    what_if: rules.WhatIf | None  # under the proposed time, when one is given

    @property
    def median(self) -> rules.Estimate | None:
        return self.quantiles[0]


@dataclass(frozen=True)
class ActEvidence:
    entry: CatalogueEntry
    overall: Guarded[GroupFigures]
    by_iso_smaf: list[tuple[tuple[int, int], Guarded[GroupFigures]]]
    by_team: list[tuple[Team, Guarded[GroupFigures]]]
    # Mean minutes the act adds to a visit, by least squares over all visits.
    estimated_minutes: Guarded[float]
    # Each value of the reference time, current one included, against today's visits.
    history: list[tuple[Version, Guarded[rules.WhatIf]]]
    proposed: int | None

    @property
    def reference(self) -> int | None:
        return self.entry.current.minutes if self.entry.current else None


@dataclass(frozen=True)
class Evidence:
    acts: list[ActEvidence]
    visits: Guarded[int]  # realized visits read
    team_weeks: int
    today: date


def evidence_for_acts(
    session: Session,
    establishment_ids: Collection[int],
    act_code: str | None = None,
    proposed: Mapping[str, int] | None = None,
    frame: VisitFrame | None = None,
) -> Evidence:
    """The evidence of one act (``act_code``) or of every act of the catalogue, over the
    realized visits of these establishments. ``proposed`` maps act codes to a time to try
    (the what-if). By default the visits are read from the summaries kept at every
    visit write; ``frame`` passes visits read from scratch (or a snapshot) instead."""
    today = clock.today()
    catalogue = act_catalogue(session, today)
    entries = [catalogue_entry(session, act_code, today)] if act_code else catalogue
    cells = cells_of_frame(frame) if frame is not None else read_cells(session,
                                                                        establishment_ids)
    teams = {t.id: t for t in session.scalars(
        select(Team).where(Team.id.in_(cells.team_ids.tolist())))}
    computer = _Computer(cells, current_minutes(catalogue), teams)
    acts = [computer.act(entry, (proposed or {}).get(entry.act.code)) for entry in entries]
    return Evidence(acts, guard_count(cells.visits, cells.n_workers),
                    int(cells.team_weeks.sum()), today)


def _slices(key: Ints, n: int) -> tuple[Ints, Ints]:
    """An order that makes the rows of each ``key`` (0..n-1) one slice, and the bounds."""
    # Radix sort of small indices, stable.
    small = key.astype(np.int16) if n < 2**15 else key
    order = np.argsort(small, kind="stable")
    return order, np.searchsorted(key[order], np.arange(n + 1))


class _Computer:
    """Everything the acts of one set of cells share, computed once."""

    def __init__(self, cells: EvidenceCells, references: Mapping[int, int],
                 teams: Mapping[int, Team]) -> None:
        self.cells = cells
        self.team_list = [teams[int(i)] for i in cells.team_ids]
        self.act_index = {int(a): i for i, a in enumerate(cells.act_ids)}
        n_cells = len(cells.count)
        ref_of_act = np.array([references.get(int(a), 0) for a in cells.act_ids],
                              dtype=np.float64)
        # A visit's standard: the sum of its acts' reference times (0 for an act without).
        standard = np.bincount(cells.act_cell, weights=ref_of_act[cells.act], minlength=n_cells)
        n_acts = np.bincount(cells.act_cell, minlength=n_cells)
        order, self.bounds = _slices(cells.act, len(cells.act_ids))
        cell = cells.act_cell[order]
        self.rows = {"minutes": cells.minutes[cell], "count": cells.count[cell],
                     "standard": standard[cell], "alone": (n_acts == 1)[cell],
                     "band": cells.smaf_group[cell], "team": cells.team[cell]}
        # Worker rows by act; the rows of any visit (act -1) come first and are not used.
        worker_order, bounds = _slices(cells.worker_act + 1, len(cells.act_ids) + 1)
        self.worker_bounds = bounds[1:]
        self.workers = {"worker": cells.worker[worker_order],
                        "band": cells.worker_group[worker_order],
                        "team": cells.worker_team[worker_order]}
        self.estimates = rules.estimate_act_minutes(cells.act_cell, cells.act, cells.minutes,
                                                    len(cells.act_ids), cells.count)

    def act(self, entry: CatalogueEntry, proposed: int | None) -> ActEvidence:
        index = self.act_index.get(entry.act.id)
        rows = slice(0, 0) if index is None else slice(self.bounds[index], self.bounds[index + 1])
        worker_rows = slice(0, 0) if index is None else slice(self.worker_bounds[index],
                                                              self.worker_bounds[index + 1])
        column = {name: values[rows] for name, values in self.rows.items()}
        who = {name: values[worker_rows] for name, values in self.workers.items()}
        reference = entry.current.minutes if entry.current else None
        sample = _Sample.of(column["minutes"], column["count"],
                            column["standard"] - (reference or 0), column["alone"],
                            who["worker"], reference, proposed)
        team_weeks = self.cells.team_weeks
        total_weeks = int(team_weeks.sum())
        n_bands = len(rules.ISO_SMAF_GROUPS)
        # The three partitions (all visits, Iso-SMAF groups, teams) in one pass: groups
        # 0, 1..4 and 5.. of the same rows taken three times.
        found = sample.repeated(3).groups(
            np.concatenate([np.zeros(len(column["band"]), dtype=np.int64), 1 + column["band"],
                            1 + n_bands + column["team"]]),
            np.concatenate([np.zeros(len(who["band"]), dtype=np.int64), 1 + who["band"],
                            1 + n_bands + who["team"]]),
            np.concatenate([[total_weeks], np.full(n_bands, total_weeks), team_weeks]))
        overall = found[0]
        shown = not overall.suppressed
        bands = rules.suppress_complements(dict(enumerate(found[1:1 + n_bands])), shown,
                                           sample.workers_of(who["band"]))
        teams = rules.suppress_complements(dict(enumerate(found[1 + n_bands:])), shown,
                                           sample.workers_of(who["team"]))
        estimated = float(self.estimates[index]) if index is not None else float("nan")
        merged = rules.merge_equal_visits(sample.minutes, sample.other, sample.count)
        return ActEvidence(
            entry=entry,
            overall=overall,
            by_iso_smaf=[(rules.ISO_SMAF_GROUPS[g], f) for g, f in bands.items() if f.workers],
            by_team=[(self.team_list[t], f) for t, f in teams.items() if f.workers],
            estimated_minutes=guard_count(estimated, overall.workers),
            # Each value as if in force today, the visit's other acts at their current
            # values: the share of today's visits each value would have flagged.
            history=[(v, guard_count(rules.what_if(*merged[:2], v.minutes, merged[2]),
                                     overall.workers))
                     for v in entry.versions],
            proposed=proposed,
        )


@dataclass(frozen=True)
class _Sample:
    """The cells holding one act, with what every grouping of them needs; ``worker``
    lists the distinct workers behind them, one row per (group of the row, worker)."""

    minutes: Ints
    count: Ints  # visits of each cell
    other: Floats  # the reference times of the visit's other acts
    alone: NDArray[np.bool_]
    worker: Ints
    above: Floats | None  # 1.0 when over the standard; None without a reference
    overrun: Floats | None  # the act's attributed minutes beyond the standard
    proposed: int | None

    @classmethod
    def of(cls, minutes: Ints, count: Ints, other: Floats, alone: NDArray[np.bool_],
           worker: Ints, reference: int | None, proposed: int | None) -> _Sample:
        above = overrun = None
        if reference is not None:
            above = rules.over_standard(minutes, reference, other).astype(np.float64)
            overrun = rules.attributed_overrun(minutes, reference, other)
        return cls(minutes, count, other, alone, worker, above, overrun, proposed)

    def repeated(self, times: int) -> _Sample:
        """The same cells and workers ``times`` over, to group them several ways at once."""
        def tile(values: NDArray[Any] | None) -> NDArray[Any] | None:
            return None if values is None else np.tile(values, times)
        return _Sample(np.tile(self.minutes, times), np.tile(self.count, times),
                       np.tile(self.other, times), np.tile(self.alone, times),
                       np.tile(self.worker, times), tile(self.above), tile(self.overrun),
                       self.proposed)

    def workers_of(self, key: Ints) -> Callable[[set[int]], int]:
        """Distinct workers of a union of groups: one worker may visit clients of several
        Iso-SMAF groups, so adding the groups' counts could overstate it."""
        def count(groups: set[int]) -> int:
            return len(np.unique(self.worker[np.isin(key, sorted(groups))]))
        return count

    def groups(self, key: Ints, worker_key: Ints,
               team_weeks: Ints) -> list[Guarded[GroupFigures]]:
        """Figures of each group ``key`` takes (0..len(team_weeks) - 1), guarded;
        ``worker_key`` is the group of each worker row."""
        n_groups = len(team_weeks)
        weights = self.count.astype(np.float64)
        visits = np.rint(np.bincount(key, weights=weights, minlength=n_groups)).astype(np.int64)
        hist = rules.histograms(key[self.alone], self.minutes[self.alone], n_groups,
                                weights[self.alone])
        quantiles = [rules.quantiles(hist, q) for q in rules.QUANTILES]
        alone = hist.sum(axis=1)
        above = overrun = None
        if self.above is not None and self.overrun is not None:
            above = np.bincount(key, weights=self.above * weights, minlength=n_groups)
            overrun = np.bincount(key, weights=self.overrun * weights, minlength=n_groups)
        workers = np.bincount(np.unique(worker_key * (int(self.worker.max(initial=0)) + 1)
                                        + self.worker) // (int(self.worker.max(initial=0)) + 1),
                              minlength=n_groups)
        result = []
        for g in range(n_groups):
            n = int(visits[g])
            figures = GroupFigures(
                visits=n,
                alone=int(alone[g]),
                quantiles=tuple(rules.estimate(q, g) for q in quantiles),
                share_above=float(above[g] / n) if above is not None and n else None,
                overrun_per_team_week=rules.overrun_per_team_week(
                    float(overrun[g]), int(team_weeks[g])) if overrun is not None else None,
                what_if=None if self.proposed is None else rules.what_if(
                    self.minutes[key == g], self.other[key == g], self.proposed,
                    self.count[key == g]),
            )
            result.append(guard_count(figures, int(workers[g])))
        return result
