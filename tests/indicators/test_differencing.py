"""Differencing: no comparison of published aggregates determines one worker's figure.

The reader here is the attacker of issue #10 point 5. Every stored figure is what the
dashboard, the PDF, the Excel export, ``--json`` and the national view publish; each is
a sum over the (worker, week) contributions behind it. The reader knows exactly who is
behind each figure (the worst case) and solves the published sums: a group of workers'
figure for a week is *determined* when its indicator vector lies in the span of the
published rows. No group of fewer than 5 workers may be — in particular no single
worker — whatever the weeks, teams, projects and establishments compared. Each test is
paired with a control that shows the same reader succeeding on the figures computed
without :mod:`balise.indicators.differencing`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from itertools import combinations

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.committee.service import create_project
from balise.core import clock
from balise.core.privacy import K_MIN, Guarded
from balise.grid.models import Visit
from balise.indicators.builtins import BY_CODE
from balise.indicators.compute import Cell, compute_establishment, refresh, scopes_of
from balise.indicators.differencing import hidden_scopes, protect_cells
from balise.indicators.entries import record_entry
from balise.indicators.models import IndicatorValue
from balise.indicators.national import national_view
from balise.indicators.series import hand_entered
from balise.territory.models import Client, Team, Worker
from tests.committee.factories import build_board
from tests.factories import MONDAY, Cast, make_visit, make_worker

CODE = "visits_per_worker_week"  # numerator: visits; denominator: worker-weeks
Published = dict[tuple[str, date], float]  # (scope, week) -> numerator shown


def _team(session: Session, cast: Cast, code: str, size: int) -> tuple[Team, list[Worker]]:
    team = Team(establishment_id=cast.est_a.id, site_id=cast.team.site_id, code=code,
                name=f"Équipe {code}")
    session.add(team)
    session.flush()
    return team, [make_worker(session, team, f"{code}-{i}") for i in range(size)]


def _work(session: Session, cast: Cast, workers: list[Worker], week: date,
          visits: int = 2, clients: list[Client] | None = None) -> None:
    clients = clients or cast.clients[:3]
    for i, worker in enumerate(workers):
        for v in range(visits + i % 3):  # different counts: a figure is not a guess
            make_visit(session, worker, clients[v % len(clients)], cast.acts["BAIN"],
                       week + timedelta(days=v % 5), 40)


def _published(session: Session, establishment_id: int) -> Published:
    rows = session.execute(select(IndicatorValue.scope, IndicatorValue.period_start,
                                  IndicatorValue.numerator)
                           .where(IndicatorValue.establishment_id == establishment_id,
                                  IndicatorValue.indicator_code == CODE,
                                  IndicatorValue.value.is_not(None)))
    return {(scope, start): float(numerator) for scope, start, numerator in rows}


def _unprotected(session: Session, establishment_id: int) -> Published:
    cells = compute_establishment(session, establishment_id).cells
    return {(c.scope, c.period_start): float(c.numerator or 0) for c in cells
            if c.code == CODE and not c.value.suppressed}


def _behind(session: Session, establishment_id: int) -> dict[tuple[str, date], set[int]]:
    """Who is behind each (scope, week): the workers of the scope's teams' done visits."""
    scopes = scopes_of(session, establishment_id)
    teams_in = {scope: set(teams) for scope, teams in scopes.items()}
    found: dict[tuple[str, date], set[int]] = defaultdict(set)
    for team, worker, day in session.execute(
            select(Visit.team_id, Visit.worker_id, Visit.day)
            .where(Visit.establishment_id == establishment_id, Visit.status == "done")):
        week = day - timedelta(days=day.weekday())
        for scope, teams in teams_in.items():
            if team in teams:
                found[(scope, week)].add(worker)
    return found


Row = tuple[date, frozenset[int]]  # a published sum: its week and who is behind it


def sums(published: Published, behind: dict[tuple[str, date], set[int]]) -> list[Row]:
    return [(week, frozenset(behind[(scope, week)])) for scope, week in published]


def determined_groups(published: Published | list[Row],
                      behind: dict[tuple[str, date], set[int]] | None = None,
                      k: int = K_MIN) -> list[tuple[date, tuple[int, ...]]]:
    """Every (week, group of fewer than k workers) whose figure the published sums give."""
    found_rows = published if isinstance(published, list) else sums(published, behind or {})
    variables = sorted({(w, week) for week, workers in found_rows for w in workers})
    index = {v: i for i, v in enumerate(variables)}
    rows = []
    for week, workers in found_rows:
        row = np.zeros(len(variables))
        row[[index[(w, week)] for w in workers]] = 1.0
        rows.append(row)
    known = np.array(rows) if rows else np.zeros((0, len(variables)))
    rank = np.linalg.matrix_rank(known) if rows else 0
    found = []
    weeks: dict[date, list[int]] = defaultdict(list)
    for worker, week in variables:
        weeks[week].append(worker)
    for week, workers in sorted(weeks.items()):
        for size in range(1, k):
            for group in combinations(sorted(workers), size):
                wanted = np.zeros(len(variables))
                wanted[[index[(w, week)] for w in group]] = 1.0
                if np.linalg.matrix_rank(np.vstack([known, wanted])) == rank:
                    found.append((week, group))
    return found


@pytest.fixture(autouse=True)
def _after_the_weeks() -> None:
    clock.freeze(datetime(2026, 12, 20, 9))


def test_a_small_team_is_not_found_as_establishment_minus_the_other_teams(
        session: Session, cast: Cast) -> None:
    _work(session, cast, cast.workers, MONDAY)  # T1: 6 workers
    _work(session, cast, cast.small_workers, MONDAY)  # T4: 4 workers, suppressed
    refresh(session, cast.est_a.id)
    behind = _behind(session, cast.est_a.id)
    published = _published(session, cast.est_a.id)
    assert determined_groups(published, behind) == []
    # What the complement cost: T1's figure, hidden although 6 workers are behind it.
    t1 = session.scalars(select(IndicatorValue).where(
        IndicatorValue.scope == f"team:{cast.team.id}", IndicatorValue.indicator_code == CODE)).one()
    assert (t1.value, t1.numerator, t1.workers) == (None, None, 6)
    assert ("establishment", MONDAY) in published
    # Control: without complementary suppression, establishment − T1 gives T4's 4 workers.
    leaks = determined_groups(_unprotected(session, cast.est_a.id), behind)
    assert (MONDAY, tuple(sorted(w.id for w in cast.small_workers))) in leaks


def test_consecutive_weeks_never_give_the_worker_who_joined_or_left(
        session: Session, cast: Cast) -> None:
    t5, others = _team(session, cast, "T5", 6)
    newcomer = make_worker(session, cast.team, "A-new")
    weeks = [MONDAY, MONDAY + timedelta(weeks=1), MONDAY + timedelta(weeks=2)]
    _work(session, cast, cast.workers, weeks[0])
    _work(session, cast, [*cast.workers, newcomer], weeks[1])  # a worker joins T1
    _work(session, cast, [*cast.workers[1:], newcomer], weeks[2])  # another leaves
    for week in weeks:
        _work(session, cast, others, week)
    refresh(session, cast.est_a.id)
    published = _published(session, cast.est_a.id)
    behind = _behind(session, cast.est_a.id)
    # Every team and week is shown (no small group), and still no one is determined:
    # each week's sums hold only that week's visits.
    assert {scope for scope, _w in published} == {
        "establishment", f"team:{cast.team.id}", f"team:{t5.id}"}
    assert len(published) == 9
    assert determined_groups(published, behind) == []
    # What the reader can only guess: week 2 − week 1 of T1 is the newcomer's visits
    # plus everyone else's change, not the newcomer's figure.
    t1 = f"team:{cast.team.id}"
    mine = sum(1 for v in session.scalars(select(Visit).where(
        Visit.worker_id == newcomer.id, Visit.day >= weeks[1], Visit.day < weeks[2])))
    assert published[(t1, weeks[1])] - published[(t1, weeks[0])] == mine  # same habits…
    assert not any(group == (newcomer.id,) for _w, group in determined_groups(
        published, behind))  # …yet not determined: a coincidence, not a solution


def test_a_late_visit_of_a_newcomer_does_not_republish_the_week(session: Session,
                                                                 cast: Cast) -> None:
    t5, others = _team(session, cast, "T5", 6)
    _work(session, cast, cast.workers, MONDAY)
    _work(session, cast, others, MONDAY)
    refresh(session, cast.est_a.id)
    first = sums(_published(session, cast.est_a.id), _behind(session, cast.est_a.id))
    assert len(first) == 3  # establishment, T1, T5
    # A newcomer's phone syncs her week late; the nightly refresh recomputes it.
    newcomer = make_worker(session, cast.team, "A-late")
    _work(session, cast, [newcomer], MONDAY)
    stored_before = {(v.scope, v.period_start): (v.value is not None, v.workers)
                     for v in session.scalars(select(IndicatorValue).where(
                         IndicatorValue.indicator_code == CODE))}
    refresh(session, cast.est_a.id, since=MONDAY)
    behind = _behind(session, cast.est_a.id)
    second = sums(_published(session, cast.est_a.id), behind)
    assert second == [(MONDAY, frozenset(w.id for w in others))]  # only T5 is unchanged
    assert determined_groups(first + second) == []
    # Control: publishing the recomputed week again gives her figure by difference.
    cells = protect_cells(compute_establishment(session, cast.est_a.id).cells,
                          scopes_of(session, cast.est_a.id))
    again = [(c.period_start, frozenset(behind[(c.scope, c.period_start)])) for c in cells
             if c.code == CODE and not c.value.suppressed]
    assert (MONDAY, (newcomer.id,)) in determined_groups(first + again)
    assert stored_before[(f"team:{cast.team.id}", MONDAY)] == (True, 6)
    assert stored_before[(f"team:{t5.id}", MONDAY)] == (True, 6)


def test_a_project_over_a_small_team_and_another_is_hidden(session: Session,
                                                            cast: Cast) -> None:
    t5, big = _team(session, cast, "T5", 7)
    board = build_board(session, cast)
    create_project(session, board.committee, title="T4 et T5", objectives="Ensemble.",
                   team_ids=[cast.small_team.id, t5.id])
    for workers in (cast.workers, big, cast.small_workers):
        _work(session, cast, workers, MONDAY)
    refresh(session, cast.est_a.id)
    published = _published(session, cast.est_a.id)
    behind = _behind(session, cast.est_a.id)
    assert determined_groups(published, behind) == []
    project = session.scalars(select(IndicatorValue).where(
        IndicatorValue.scope == f"teams:{min(cast.small_team.id, t5.id)},"
                                f"{max(cast.small_team.id, t5.id)}",
        IndicatorValue.indicator_code == CODE)).one()
    assert project.value is None and project.workers == 11  # hidden as a complement
    assert (f"team:{t5.id}", MONDAY) in published
    # Control: the project's figure minus T5's gives T4.
    leaks = determined_groups(_unprotected(session, cast.est_a.id), behind)
    assert (MONDAY, tuple(sorted(w.id for w in cast.small_workers))) in leaks


def test_the_national_view_adds_no_total_across_establishments(session: Session,
                                                               cast: Cast) -> None:
    """Establishment vs national: the national committee sees each establishment's own
    (already protected) figure and no sum over establishments, so nothing can be
    subtracted from a national total; an establishment under 5 workers shows nothing."""
    _work(session, cast, cast.workers, MONDAY)
    _work(session, cast, cast.small_workers, MONDAY)
    b_workers = list(session.scalars(select(Worker).where(Worker.team_id == cast.other_team.id)))
    b_client = Client(establishment_id=cast.est_b.id, team_id=cast.other_team.id,
                      code="UB000", lat=48.4, lon=-71.06, iso_smaf=5,
                      active_since=date(2025, 1, 1))
    session.add(b_client)
    session.flush()
    _work(session, cast, b_workers, MONDAY, clients=[b_client])  # EST-B: 1 worker
    view = national_view(session, [cast.est_a, cast.est_b])
    row = next(r for r in view.rows if r.definition.code == CODE)
    assert len(row.cells) == 2  # one per establishment, nothing more
    a, b = row.cells
    assert a.current is not None and a.current.workers == 10
    assert b.current is None
    assert determined_groups(_published(session, cast.est_a.id),
                             _behind(session, cast.est_a.id)) == []


def _cell(scope: str, workers: int) -> Cell:
    return Cell(CODE, scope, "", MONDAY, 1.0, 1.0,
                Guarded(None if workers < K_MIN else 1.0, workers))


@pytest.mark.parametrize(("teams", "projects", "hidden"), [
    # two teams, one small: the other is the complement
    ({1: 6, 2: 4}, {}, {"team:1"}),
    # the small ones already weigh 5 together: nothing more
    ({1: 6, 2: 3, 3: 2}, {}, set()),
    # a project over the two small teams (5 workers) is safe; over one of them it is not
    ({1: 6, 2: 3, 3: 2}, {"teams:1,2": (1, 2), "teams:2,3": (2, 3)}, {"teams:1,2"}),
    # the complement (team 1) joins the small team in the project: 10 workers, safe
    ({1: 6, 2: 4, 3: 7}, {"teams:1,2": (1, 2)}, {"team:1"}),
    # three projects each safe alone, whose (A + B − C) ÷ 2 is team 3 (3 workers)
    ({1: 9, 2: 3, 3: 3, 4: 3, 5: 3},
     {"teams:2,3": (2, 3), "teams:2,4": (2, 4), "teams:3,4": (3, 4)}, {"teams:2,3"}),
])
def test_hidden_scopes_table(teams: dict[int, int], projects: dict[str, tuple[int, ...]],
                             hidden: set[str]) -> None:
    scopes = {"establishment": tuple(teams), **{f"team:{t}": (t,) for t in teams}, **projects}
    by_scope = {"establishment": _cell("establishment", sum(teams.values())),
                **{f"team:{t}": _cell(f"team:{t}", n) for t, n in teams.items()},
                **{p: _cell(p, sum(teams[t] for t in members))
                   for p, members in projects.items()}}
    assert hidden_scopes(by_scope, scopes) == hidden
    kept = protect_cells(list(by_scope.values()), scopes)
    assert {c.scope for c in kept if c.value.suppressed and c.value.workers >= K_MIN} == hidden


def test_hand_entered_counts_of_a_small_team_are_not_found_by_subtraction(
        session: Session, cast: Cast) -> None:
    """Departures of T1 (6 workers), T4 (4, hidden) and the whole establishment, entered
    by hand for October: showing T1 and the establishment would give T4's by difference."""
    october = date(2026, 10, 1)
    for team, value in ((cast.team, 1.0), (cast.small_team, 2.0), (None, 3.0)):
        record_entry(session, establishment_id=cast.est_a.id, indicator_code="departures",
                     team_id=team.id if team else None, period_start=october, value=value,
                     source_note="RH", actor=cast.users["analyst"].id)
    departures = BY_CODE["departures"]

    def shown(scope: str) -> float | None:
        (point,) = hand_entered(session, departures, cast.est_a.id, scope)
        return point.value

    assert shown(f"team:{cast.small_team.id}") is None  # 4 workers
    assert shown(f"team:{cast.team.id}") is None  # its complement
    assert shown("establishment") == 3.0
    # A rate does not add up across teams: nothing more is hidden.
    for team, value in ((cast.team, 5.0), (cast.small_team, 9.0), (None, 6.0)):
        record_entry(session, establishment_id=cast.est_a.id, indicator_code="sick_leave_rate",
                     team_id=team.id if team else None, period_start=october, value=value,
                     source_note="SST", actor=cast.users["analyst"].id)
    (rate,) = hand_entered(session, BY_CODE["sick_leave_rate"], cast.est_a.id,
                           f"team:{cast.team.id}")
    assert rate.value == 5.0
