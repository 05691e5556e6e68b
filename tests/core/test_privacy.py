"""Principle 2: no figure over fewer than 5 workers; one's own figures to oneself only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from balise.accounts.service import viewer_of
from balise.core.errors import NotFound
from balise.core.privacy import K_MIN, guard, guard_groups, own_figures
from balise.grid.queries import team_figures
from tests.factories import MONDAY, Cast, make_visit


@pytest.mark.parametrize(("workers", "suppressed"), [
    ([1, 2, 3, 4], True),            # a team of 4: suppressed
    ([1, 1, 2, 2, 3, 4], True),      # many visits, still 4 distinct workers
    ([1, 2, 3, 4, 5], False),        # 5 distinct workers: shown
])
def test_guard_counts_distinct_workers(workers: list[int], suppressed: bool) -> None:
    figure = guard(42.0, workers)
    assert figure.suppressed is suppressed
    assert (figure.value is None) is suppressed


def test_suppressed_means_absent_not_rounded() -> None:
    groups = guard_groups({"T1": (37.5, K_MIN), "T4": (61.0, K_MIN - 1)})
    assert groups["T1"].value == 37.5
    assert groups["T4"].value is None and groups["T4"].workers == K_MIN - 1


def test_team_of_four_shows_no_figure(session: Session, cast: Cast) -> None:
    for worker in cast.small_workers:
        make_visit(session, worker, cast.clients[3], cast.acts["BAIN"], MONDAY, minutes=40)
    for worker in cast.workers:
        make_visit(session, worker, cast.clients[0], cast.acts["BAIN"], MONDAY, minutes=50)
    session.commit()
    small = team_figures(session, cast.small_team, MONDAY, MONDAY + timedelta(days=6))
    big = team_figures(session, cast.team, MONDAY, MONDAY + timedelta(days=6))
    assert small.realized_visits.suppressed and small.median_minutes.suppressed
    assert big.realized_visits.value == 6 and big.median_minutes.value == 50


def test_own_figures_reach_only_their_worker(cast: Cast) -> None:
    alice, lead = viewer_of(cast.users["alice"]), viewer_of(cast.users["lead"])
    own_figures(alice, cast.alice.id)
    with pytest.raises(NotFound):
        own_figures(alice, cast.bob.id)
    with pytest.raises(NotFound):
        own_figures(lead, cast.alice.id)
