"""The teams page: committee members see guarded aggregates, never a small team's figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from balise.core import clock
from tests.factories import MONDAY, Cast, make_visit


def test_teams_page_hides_the_small_team(session: Session, cast: Cast,
                                         browser: Callable[[str | None], TestClient]) -> None:
    for worker in cast.small_workers:
        make_visit(session, worker, cast.clients[3], cast.acts["BAIN"], MONDAY, minutes=40)
    for worker in cast.workers:
        make_visit(session, worker, cast.clients[0], cast.acts["BAIN"], MONDAY, minutes=50)
    session.commit()
    clock.freeze(datetime(2026, 11, 25, 10, 0))
    client = browser("union")
    text = client.get("/teams").text
    small_row = text.split("Équipe 4")[1].split("</tr>")[0]
    big_row = text.split("Équipe 1")[1].split("</tr>")[0]
    assert "masqué" in small_row and "40" not in small_row
    assert ">6<" in big_row and ">50<" in big_row


def test_planned_against_realized_shows_totals_and_hides_small_groups(
    session: Session, cast: Cast, browser: Callable[[str | None], TestClient]
) -> None:
    from balise.grid.models import VarianceReason, Visit

    reason = session.query(VarianceReason).one()
    for worker in cast.workers:  # 6 workers: shown
        make_visit(session, worker, cast.clients[0], cast.acts["BAIN"], MONDAY, minutes=50,
                   planned=45)
    for worker in cast.workers[:3]:  # a reason given by 3 workers only: suppressed
        visit = session.query(Visit).filter_by(worker_id=worker.id).first()
        assert visit is not None
        visit.reasons = [reason]
    session.commit()
    clock.freeze(datetime(2026, 11, 25, 10, 0))
    text = browser("union").get(f"/teams/{cast.team.id}/realization").text
    by_act, by_reason = text.split("Par motif d'écart")
    assert ">270<" in by_act and ">300<" in by_act  # 6 × 45 planned, 6 × 50 realized
    assert "masqué" in by_reason and ">150<" not in by_reason
