"""Nested scopes published together: no small group recovered by subtraction.

For each indicator, need and period Balise publishes the establishment, each team and
each project's set of teams, with their numerators and denominators (the dashboard,
the PDF, the Excel export, ``balise indicators compute --json``, the national view).
Visits belong to one team, so a scope's numerator and denominator are the sums of its
teams'. Whoever reads several of these figures can add and subtract them: the
establishment minus the teams shown gives the teams hidden, a project of teams
{1, 2} minus team 1 gives team 2. The k >= 5 rule alone does not stop that.

:func:`protect` applies, before anything is stored, per indicator, need and period:

1. **Teams against the establishment**: complementary suppression
   (:func:`balise.indicators.disclosure.suppress_complementary`): when the hidden teams
   together have fewer than 5 workers, the smallest shown team is hidden too, and so
   on; when none is left, the establishment's figure is hidden.
2. **Project scopes**: the figures left shown define which sums of hidden teams a
   reader can compute (their linear span). If the sum over some group of hidden teams
   with fewer than 5 workers lies in that span, a project scope is hidden (the one
   over the most teams first: it is the one a committee reads least), until none does.

3. **Its own earlier publication** (:func:`not_republished`): a figure recomputed after
   a few workers joined or left it (a late sync, a deleted visit) is not published
   again beside the earlier one, whose difference would be their figure.

A figure hidden this way keeps its worker count (5 or more), which is how the dashboard
tells "hidden as a complement" from "fewer than 5 workers".

Workers of a hidden group are counted team by team: a worker who made visits for two
hidden teams in the same period counts in each. Consecutive periods hold different
visits, so comparing them determines no one's figure (tests/indicators/
test_differencing.py proves both with a reader who solves the published sums).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from itertools import combinations

import numpy as np
from sqlalchemy import String, case, cast, select
from sqlalchemy.orm import Session

from balise.core.privacy import K_MIN, Guarded
from balise.indicators.compute import Cell, Computation, scopes_of
from balise.indicators.disclosure import Reason, suppress_complementary
from balise.indicators.models import IndicatorValue

# Above this many hidden teams in one period the exact search (2^n groups) is skipped
# and every project scope that covers some hidden teams but not all is hidden.
MAX_EXACT = 12


def protect(session: Session, computation: Computation) -> None:
    """Hide, in place, every figure that would reveal a small group by subtraction:
    against the other scopes of its period, and against its own earlier publication."""
    cells = protect_cells(computation.cells, scopes_of(session, computation.establishment_id))
    computation.cells = not_republished(cells, _stored(session, computation.establishment_id,
                                                       cells))


StoredKey = tuple[str, str, str, date]  # code, scope, need, period start


def _stored(session: Session, establishment_id: int,
            cells: Sequence[Cell]) -> dict[StoredKey, tuple[bool, int]]:
    """What is published now for the periods being recomputed: (shown, workers)."""
    if not cells:
        return {}
    # Days as text and "shown" computed by the database: a year holds ~50,000 figures,
    # and turning each into Python date and float objects is most of the cost.
    rows = session.execute(
        select(IndicatorValue.indicator_code, IndicatorValue.scope, IndicatorValue.need,
               cast(IndicatorValue.period_start, String),
               case((IndicatorValue.value.is_(None), 0), else_=1), IndicatorValue.workers)
        .where(IndicatorValue.establishment_id == establishment_id,
               IndicatorValue.period_start >= min(c.period_start for c in cells),
               IndicatorValue.indicator_code.in_(sorted({c.code for c in cells}))))
    return {(code, scope, need, date.fromisoformat(start)): (bool(shown), workers)
            for code, scope, need, start, shown, workers in rows}


def not_republished(cells: Sequence[Cell], stored: Mapping[StoredKey, tuple[bool, int]],
                    k: int = K_MIN) -> list[Cell]:
    """A figure already published over ``n`` workers and recomputed over ``n ± 1…4``
    (a late visit synced by someone not yet behind it, a visit deleted) would give
    those few workers' figure as the difference of the two publications: the new one
    stays hidden. A figure hidden with 5 or more workers behind it stays hidden until
    its group has changed by at least 5 (whether it was hidden as a complement or for
    this rule cannot be told apart, and the stricter reading is kept)."""
    out = []
    for cell in cells:
        before = stored.get((cell.code, cell.scope, cell.need, cell.period_start))
        if before is not None and not cell.value.suppressed:
            shown, workers = before
            change = abs(cell.value.workers - workers)
            if (shown and 0 < change < k) or (not shown and workers >= k and change < k):
                cell = _hide(cell)
        out.append(cell)
    return out


def protect_cells(cells: Sequence[Cell], scopes: Mapping[str, tuple[int, ...]],
                  k: int = K_MIN) -> list[Cell]:
    groups: dict[tuple[str, str, date], dict[str, Cell]] = defaultdict(dict)
    for cell in cells:
        groups[(cell.code, cell.need, cell.period_start)][cell.scope] = cell
    hidden: set[tuple[str, str, date, str]] = set()
    # The indicators of one period share their scopes' worker counts, hence the answer.
    answers: dict[tuple[tuple[str, int, bool], ...], set[str]] = {}
    for key, by_scope in groups.items():
        shape = tuple(sorted((scope, cell.value.workers, cell.value.suppressed)
                             for scope, cell in by_scope.items()))
        if shape not in answers:
            answers[shape] = hidden_scopes(by_scope, scopes, k)
        hidden.update((*key, scope) for scope in answers[shape])
    return [_hide(c) if (c.code, c.need, c.period_start, c.scope) in hidden else c
            for c in cells]


def _hide(cell: Cell) -> Cell:
    return replace(cell, numerator=None, denominator=None,
                   value=Guarded(None, cell.value.workers))


def hidden_scopes(by_scope: Mapping[str, Cell], scopes: Mapping[str, tuple[int, ...]],
                  k: int = K_MIN) -> set[str]:
    """The scopes of one indicator, need and period to hide beyond the k rule."""
    teams = {int(scope[5:]): cell.value.workers for scope, cell in by_scope.items()
             if scope.startswith("team:")}
    hide: set[str] = set()
    whole = by_scope.get("establishment")
    if whole is not None and not whole.value.suppressed and teams:
        table = suppress_complementary({t: (0, n) for t, n in teams.items()},
                                       (0, sum(teams.values())), k=k)
        hide.update(f"team:{t}" for t, cell in table.cells.items()
                    if cell.reason is Reason.COMPLEMENT)
        if table.total is not None and table.total.suppressed:
            hide.add("establishment")
    shown_teams = {t for t in teams if f"team:{t}" not in hide
                   and not by_scope[f"team:{t}"].value.suppressed}
    small = sorted(t for t in teams if t not in shown_teams)
    if not small:
        return hide
    projects = sorted((scope for scope, cell in by_scope.items()
                       if scope.startswith("teams:") and not cell.value.suppressed),
                      key=lambda scope: (-len(scopes.get(scope, ())), scope))
    while projects and _reveals_small_group(
            _known_sums(by_scope, scopes, hide, small, projects), small, teams, k):
        hide.add(projects.pop(0))
    return hide


def _known_sums(by_scope: Mapping[str, Cell], scopes: Mapping[str, tuple[int, ...]],
                hide: set[str], small: list[int], projects: list[str]) -> list[list[int]]:
    """For each shown scope over several teams, which hidden teams its sum covers (the
    shown teams' figures are known, so a reader subtracts them)."""
    rows = []
    whole = by_scope.get("establishment")
    candidates = list(projects)
    if whole is not None and not whole.value.suppressed and "establishment" not in hide:
        candidates.append("establishment")
    for scope in candidates:
        members = set(scopes.get(scope, ()))
        rows.append([1 if t in members else 0 for t in small])
    return [row for row in rows if any(row)]


def _reveals_small_group(rows: list[list[int]], small: list[int], workers: Mapping[int, int],
                         k: int) -> bool:
    if not rows:
        return False
    # Teams that every known sum covers alike always enter a solution together: one
    # column each (with their workers added) keeps the search small.
    columns: dict[tuple[int, ...], int] = defaultdict(int)
    for i, team in enumerate(small):
        columns[tuple(row[i] for row in rows)] += workers[team]
    patterns = list(columns)
    if len(patterns) > MAX_EXACT:
        # Too many groups to try: anything but "all hidden teams" is taken as revealing.
        return any(0 < sum(row) < len(small) for row in rows)
    known = np.array(patterns, dtype=float).T  # one row per known sum
    rank = np.linalg.matrix_rank(known)
    for size in range(1, len(patterns) + 1):
        for group in combinations(range(len(patterns)), size):
            if sum(columns[patterns[i]] for i in group) >= k:
                continue
            wanted = np.zeros(len(patterns))
            wanted[list(group)] = 1.0
            if np.linalg.matrix_rank(np.vstack([known, wanted])) == rank:
                return True
    return False
