"""The waiting list: time waited, when served, and figures by need."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from balise.core.errors import InvalidInput, NotFound
from balise.grid import waiting_list
from tests.factories import MONDAY, Cast


def test_figures_by_need_count_waiting_and_median_wait(session: Session, cast: Cast) -> None:
    for code, days_ago in [("U0000", 10), ("U0001", 20), ("U0002", 40)]:
        waiting_list.add_request(session, cast.team, code, "BAIN", MONDAY - timedelta(days=days_ago))
    served = waiting_list.add_request(session, cast.team, "U0000", "PLAIE",
                                      MONDAY - timedelta(days=6))
    waiting_list.mark_served(session, cast.team, served.id, MONDAY)
    figures = {f.act.code: f for f in waiting_list.figures_by_need(session, [cast.team.id], MONDAY)}
    assert figures["BAIN"].waiting == 3 and figures["BAIN"].median_wait_days == 20
    assert figures["PLAIE"].waiting == 0 and figures["PLAIE"].median_days_to_serve == 6
    assert len(waiting_list.entries(session, cast.team)) == 3  # served ones leave the list


def test_unknown_client_is_refused(session: Session, cast: Cast) -> None:
    with pytest.raises(InvalidInput):
        waiting_list.add_request(session, cast.team, "NOPE", "BAIN", MONDAY)


def test_another_teams_entry_cannot_be_served(session: Session, cast: Cast) -> None:
    entry = waiting_list.add_request(session, cast.team, "U0000", "BAIN", MONDAY)
    with pytest.raises(NotFound):
        waiting_list.mark_served(session, cast.small_team, entry.id, MONDAY)


def test_served_before_requested_is_refused(session: Session, cast: Cast) -> None:
    entry = waiting_list.add_request(session, cast.team, "U0000", "BAIN", MONDAY)
    with pytest.raises(InvalidInput):
        waiting_list.mark_served(session, cast.team, entry.id, MONDAY - timedelta(days=1))
