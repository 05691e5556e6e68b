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
from balise.grid.evidence_frame import VisitFrame, load_frame
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
    (the what-if). ``frame`` lets a caller pass visits already read (a snapshot)."""
    today = clock.today()
    catalogue = act_catalogue(session, today)
    entries = [catalogue_entry(session, act_code, today)] if act_code else catalogue
    frame = frame if frame is not None else load_frame(session, establishment_ids)
    teams = {t.id: t for t in session.scalars(
        select(Team).where(Team.id.in_(frame.team_ids.tolist())))}
    computer = _Computer(frame, current_minutes(catalogue), teams)
    acts = [computer.act(entry, (proposed or {}).get(entry.act.code)) for entry in entries]
    return Evidence(acts, guard_count(frame.visits, frame.n_workers),
                    int(computer.team_weeks.sum()), today)


class _Computer:
    """Everything the acts of one frame share, computed once."""

    def __init__(self, frame: VisitFrame, references: Mapping[int, int],
                 teams: Mapping[int, Team]) -> None:
        self.frame = frame
        self.team_list = [teams[int(i)] for i in frame.team_ids]
        self.act_index = {int(a): i for i, a in enumerate(frame.act_ids)}
        ref_of_act = np.array([references.get(int(a), 0) for a in frame.act_ids],
                              dtype=np.float64)
        # A visit's standard: the sum of its acts' reference times (0 for an act without).
        standard = np.bincount(frame.act_visit, weights=ref_of_act[frame.act],
                               minlength=frame.visits)
        n_acts = np.bincount(frame.act_visit, minlength=frame.visits)
        # Radix sort of small act indices: the rows of each act become one slice, and each
        # column is gathered once for all acts rather than act by act.
        small = frame.act.astype(np.int16) if len(frame.act_ids) < 2**15 else frame.act
        order = np.argsort(small, kind="stable")
        self.bounds = np.searchsorted(frame.act[order], np.arange(len(frame.act_ids) + 1))
        visit = frame.act_visit[order]

        def gather(values: Ints) -> Ints:
            # Small integers travel as int32: a random gather over millions of rows is
            # bound by memory, and half the bytes is close to half the time.
            return np.asarray(values, dtype=np.int32)[visit].astype(np.int64)

        self.rows = {"minutes": gather(frame.minutes), "standard": standard[visit],
                     "alone": (n_acts == 1)[visit], "worker": gather(frame.worker),
                     "band": gather(frame.smaf_group), "team": gather(frame.team)}
        self.team_weeks = frame.team_weeks()
        self.estimates = rules.estimate_act_minutes(frame.act_visit, frame.act, frame.minutes,
                                                    len(frame.act_ids))

    def act(self, entry: CatalogueEntry, proposed: int | None) -> ActEvidence:
        index = self.act_index.get(entry.act.id)
        rows = slice(0, 0) if index is None else slice(self.bounds[index], self.bounds[index + 1])
        column = {name: values[rows] for name, values in self.rows.items()}
        reference = entry.current.minutes if entry.current else None
        sample = _Sample.of(column["minutes"], column["standard"] - (reference or 0),
                            column["alone"], column["worker"], self.frame.n_workers, reference,
                            proposed)
        total_weeks = int(self.team_weeks.sum())
        whole = np.zeros(len(column["minutes"]), dtype=np.int64)
        overall = sample.groups(whole, np.array([total_weeks]))[0]
        shown = not overall.suppressed
        n_bands = len(rules.ISO_SMAF_GROUPS)
        bands = rules.suppress_complements(dict(enumerate(sample.groups(
            column["band"], np.full(n_bands, total_weeks)))), shown,
            sample.workers_of(column["band"]))
        teams = rules.suppress_complements(dict(enumerate(sample.groups(
            column["team"], self.team_weeks))), shown, sample.workers_of(column["team"]))
        estimated = float(self.estimates[index]) if index is not None else float("nan")
        return ActEvidence(
            entry=entry,
            overall=overall,
            by_iso_smaf=[(rules.ISO_SMAF_GROUPS[g], f) for g, f in bands.items() if f.workers],
            by_team=[(self.team_list[t], f) for t, f in teams.items() if f.workers],
            estimated_minutes=guard_count(estimated, overall.workers),
            # Each value as if in force today, the visit's other acts at their current
            # values: the share of today's visits each value would have flagged.
            history=[(v, guard_count(rules.what_if(sample.minutes, sample.other, v.minutes),
                                     overall.workers)) for v in entry.versions],
            proposed=proposed,
        )


@dataclass(frozen=True)
class _Sample:
    """The visits holding one act, with what every grouping of them needs."""

    minutes: Ints
    other: Floats  # the reference times of the visit's other acts
    alone: NDArray[np.bool_]
    worker: Ints
    n_workers: int
    above: Floats | None  # 1.0 when over the standard; None without a reference
    overrun: Floats | None  # the act's attributed minutes beyond the standard
    proposed: int | None
    alone_minutes: Ints  # the minutes of the visits where the act is alone

    @classmethod
    def of(cls, minutes: Ints, other: Floats, alone: NDArray[np.bool_], worker: Ints,
           n_workers: int, reference: int | None, proposed: int | None) -> _Sample:
        above = overrun = None
        if reference is not None:
            above = rules.over_standard(minutes, reference, other).astype(np.float64)
            overrun = rules.attributed_overrun(minutes, reference, other)
        return cls(minutes, other, alone, worker, n_workers, above, overrun, proposed,
                   minutes[alone])

    def workers_of(self, key: Ints) -> Callable[[set[int]], int]:
        """Distinct workers of a union of groups: one worker may visit clients of several
        Iso-SMAF groups, so adding the groups' counts could overstate it."""
        def count(groups: set[int]) -> int:
            return len(np.unique(self.worker[np.isin(key, sorted(groups))]))
        return count

    def groups(self, key: Ints, team_weeks: Ints) -> list[Guarded[GroupFigures]]:
        """Figures of each group ``key`` takes (0..len(team_weeks) - 1), guarded."""
        n_groups = len(team_weeks)
        visits = np.bincount(key, minlength=n_groups)
        hist = rules.histograms(key[self.alone], self.alone_minutes, n_groups)
        quantiles = [rules.quantiles(hist, q) for q in rules.QUANTILES]
        alone = hist.sum(axis=1)
        above = overrun = None
        if self.above is not None and self.overrun is not None:
            above = np.bincount(key, weights=self.above, minlength=n_groups)
            overrun = np.bincount(key, weights=self.overrun, minlength=n_groups)
        workers = _distinct_workers(key, self.worker, n_groups, self.n_workers)
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
                    self.minutes[key == g], self.other[key == g], self.proposed),
            )
            result.append(guard_count(figures, int(workers[g])))
        return result


def _distinct_workers(key: Ints, worker: Ints, n_groups: int, n_workers: int) -> Ints:
    """Distinct workers per group, by a presence table when it is small enough (one
    pass), else by sorting the (group, worker) pairs."""
    pairs = key * n_workers + worker
    if n_groups * n_workers <= 20_000_000:
        seen = np.bincount(pairs, minlength=n_groups * n_workers) > 0
        return np.asarray(seen.reshape(n_groups, n_workers).sum(axis=1), dtype=np.int64)
    return np.bincount(np.unique(pairs) // n_workers, minlength=n_groups)
