"""Evidence beside every reference time, read from the database through the k >= 5 guard.

For each act: overall, by group of Iso-SMAF profiles and by team, the realized visits,
median, 80th and 90th percentiles of the act done alone (with 95 % intervals), the share
of visits over their standard and the overrun minutes per team-week; optionally a
proposed time (the what-if); and the share of visits each earlier value would flag.
Every group's figures pass through :func:`balise.core.privacy.guard_count` with the
number of distinct workers behind them; no figure of one worker is computed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date

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
from balise.grid.evidence_frame import VisitFrame, compress, load_frame
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
    (the what-if). ``frame`` lets a caller reuse visits it already read."""
    today = clock.today()
    catalogue = act_catalogue(session, today)
    entries = [catalogue_entry(session, act_code, today)] if act_code else catalogue
    frame = frame if frame is not None else load_frame(session, establishment_ids)
    teams = {t.id: t for t in session.scalars(
        select(Team).where(Team.id.in_(np.unique(frame.team).tolist())))}
    computer = _Computer(frame, current_minutes(catalogue), teams)
    acts = [computer.act(entry, (proposed or {}).get(entry.act.code)) for entry in entries]
    return Evidence(acts, guard_count(frame.visits, len(np.unique(frame.worker))),
                    computer.total_team_weeks, today)


class _Computer:
    """Everything shared by the acts of one frame, computed once."""

    def __init__(self, frame: VisitFrame, references: Mapping[int, int],
                 teams: Mapping[int, Team]) -> None:
        self.frame = frame
        self.teams = compress(frame.team)
        self.team_list = [teams[int(i)] for i in self.teams.ids]
        self.workers = compress(frame.worker)
        acts = compress(frame.act_id)
        self.act_index = {int(a): i for i, a in enumerate(acts.ids)}
        ref_of_act = np.array([references.get(int(a), 0) for a in acts.ids], dtype=np.int64)
        row_ref = ref_of_act[acts.index] if len(acts.ids) else np.zeros(0, dtype=np.int64)
        self.standard = np.bincount(frame.act_visit, weights=row_ref, minlength=frame.visits)
        self.n_acts = np.bincount(frame.act_visit, minlength=frame.visits)
        # Radix sort of small act indices: rows of each act become one slice.
        self.order = np.argsort(acts.index.astype(np.int16), kind="stable")
        self.bounds = np.searchsorted(acts.index[self.order], np.arange(len(acts.ids) + 1))
        weeks = frame.team_weeks()
        self.team_weeks = np.array([weeks[int(t)] for t in self.teams.ids], dtype=np.int64)
        self.total_team_weeks = int(self.team_weeks.sum())
        self.estimates = rules.estimate_act_minutes(
            frame.act_visit, acts.index, frame.minutes, len(acts.ids))

    def act(self, entry: CatalogueEntry, proposed: int | None) -> ActEvidence:
        index = self.act_index.get(entry.act.id)
        rows = self.order[self.bounds[index]:self.bounds[index + 1]] if index is not None \
            else np.zeros(0, dtype=np.int64)
        visit = self.frame.act_visit[rows]
        reference = entry.current.minutes if entry.current else None
        sample = _Sample(
            minutes=self.frame.minutes[visit],
            other=self.standard[visit] - (reference or 0),
            alone=self.n_acts[visit] == 1,
            worker=self.workers.index[visit],
            n_workers=len(self.workers.ids),
        )
        whole = np.zeros(len(visit), dtype=np.int64)
        overall = sample.groups(whole, 1, reference, np.array([self.total_team_weeks]), proposed)
        bands = sample.groups(self.frame.smaf_group[visit], len(rules.ISO_SMAF_GROUPS), reference,
                              np.full(len(rules.ISO_SMAF_GROUPS), self.total_team_weeks),
                              proposed)
        by_team = sample.groups(self.teams.index[visit], len(self.team_list), reference,
                                self.team_weeks, proposed)
        total = overall[0]
        shown = not total.suppressed
        bands_kept = rules.suppress_complements(dict(enumerate(bands)), shown)
        teams_kept = rules.suppress_complements(dict(enumerate(by_team)), shown)
        estimated = float(self.estimates[index]) if index is not None else float("nan")
        return ActEvidence(
            entry=entry,
            overall=total,
            by_iso_smaf=[(rules.ISO_SMAF_GROUPS[g], bands_kept[g]) for g in range(len(bands))
                         if bands_kept[g].workers > 0],
            by_team=[(self.team_list[t], teams_kept[t]) for t in range(len(by_team))
                     if teams_kept[t].workers > 0],
            estimated_minutes=guard_count(estimated, total.workers),
            history=self._history(entry, sample, total.workers),
            proposed=proposed,
        )

    @staticmethod
    def _history(entry: CatalogueEntry, sample: _Sample,
                 workers: int) -> list[tuple[Version, Guarded[rules.WhatIf]]]:
        """Each value as if it were in force today, the visit's other acts at their
        current values: what share of today's visits each value would flag."""
        return [(v, guard_count(rules.what_if(sample.minutes, sample.other, v.minutes), workers))
                for v in entry.versions]


@dataclass(frozen=True)
class _Sample:
    """The visits of one act: minutes, the other acts' standard, alone or not, worker."""

    minutes: Ints
    other: Floats
    alone: NDArray[np.bool_]
    worker: Ints
    n_workers: int

    def groups(self, key: Ints, n_groups: int, reference: int | None, team_weeks: Ints,
               proposed: int | None) -> list[Guarded[GroupFigures]]:
        visits = np.bincount(key, minlength=n_groups)
        alone = np.bincount(key[self.alone], minlength=n_groups)
        hist = rules.histograms(key[self.alone], self.minutes[self.alone], n_groups)
        quantiles = [rules.quantiles(hist, q) for q in rules.QUANTILES]
        share = overrun = None
        if reference is not None:
            above = rules.over_standard(self.minutes, reference, self.other)
            share = np.bincount(key, weights=above, minlength=n_groups)
            overrun = np.bincount(key, weights=rules.attributed_overrun(
                self.minutes, reference, self.other), minlength=n_groups)
        workers = _distinct_workers(key, self.worker, n_groups, self.n_workers)
        result = []
        for g in range(n_groups):
            n = int(visits[g])
            figures = GroupFigures(
                visits=n,
                alone=int(alone[g]),
                quantiles=tuple(rules.estimate(q, g) for q in quantiles),
                share_above=float(share[g] / n) if share is not None and n else None,
                overrun_per_team_week=rules.overrun_per_team_week(
                    float(overrun[g]), int(team_weeks[g])) if overrun is not None else None,
                what_if=self._what_if(key == g, proposed) if proposed is not None else None,
            )
            result.append(guard_count(figures, int(workers[g])))
        return result

    def _what_if(self, rows: NDArray[np.bool_], proposed: int) -> rules.WhatIf:
        return rules.what_if(self.minutes[rows], self.other[rows], proposed)


def _distinct_workers(key: Ints, worker: Ints, n_groups: int, n_workers: int) -> Ints:
    """Distinct workers per group, by a presence table when it is small enough (one
    pass), else by sorting the (group, worker) pairs."""
    pairs = key * n_workers + worker
    if n_groups * n_workers <= 20_000_000:
        seen = np.bincount(pairs, minlength=n_groups * n_workers) > 0
        return np.asarray(seen.reshape(n_groups, n_workers).sum(axis=1), dtype=np.int64)
    return np.bincount(np.unique(pairs) // n_workers, minlength=n_groups)
