"""The demo's committees have content from the first start: a local one and a
national one across the demo establishments, both properly constituted."""

from __future__ import annotations

from datetime import date
from html import unescape

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.committee.models import Committee, Decision, Proposal
from balise.committee.queries import constituted_now
from balise.core.settings import Settings
from balise.demo import DEMO_PASSWORD, build_demo
from balise.demo_committee import build_demo_committee
from balise.indicators.models import HandEntry
from balise.territory.models import Team
from balise.web.app import create_app
from tests.web.conftest import login

SMALL = {"workers": 12, "clients": 80, "weeks": 2, "end": date(2026, 11, 20)}


def test_demo_has_a_national_committee_with_content(session: Session,
                                                    database_url: str) -> None:
    build_demo(session, seed=7, **SMALL)  # type: ignore[arg-type]
    build_demo_committee(session, DEMO_PASSWORD)
    session.commit()
    national = session.scalars(select(Committee).where(Committee.kind == "national")).one()
    assert len(national.establishments) == 2 and constituted_now(national)
    sides = {m.side for m in national.members if m.active and m.voting}
    assert sides == {"employer", "union"}
    assert any(m.substitute_for_id for m in national.members)
    assert session.scalars(select(Decision).where(Decision.committee_id == national.id)).all()
    assert session.scalars(select(Proposal).where(Proposal.committee_id == national.id,
                                                  Proposal.status == "open")).all()
    session.commit()
    app = create_app(Settings(database_url=database_url), session.get_bind())  # type: ignore[arg-type]
    with TestClient(app, base_url="https://testserver") as client:
        login(client, "national", DEMO_PASSWORD)
        page = unescape(client.get(f"/committees/{national.id}").text)
    assert "Comité paritaire national" in page
    assert "Indicateurs communs de conditions de travail" in page


def test_demo_has_letter_27_figures_for_every_team(session: Session,
                                                   database_url: str) -> None:
    build_demo(session, seed=7, **SMALL)  # type: ignore[arg-type]
    build_demo_committee(session, DEMO_PASSWORD)
    session.commit()
    teams = session.scalars(select(Team.id)).all()
    entered = {(code, team) for code, team in session.execute(
        select(HandEntry.indicator_code, HandEntry.team_id))}
    for code in ("departures", "turnover_rate", "vacant_positions", "time_to_fill_days",
                 "sick_leave_rate"):
        assert {(code, team) for team in teams} <= entered, code
    session.commit()
    app = create_app(Settings(database_url=database_url), session.get_bind())  # type: ignore[arg-type]
    with TestClient(app, base_url="https://testserver") as client:
        login(client, "analyste", DEMO_PASSWORD)
        page = unescape(client.get("/indicators/letter-27").text)
    assert "Objectifs de la lettre d'entente no 27" in page
    # The establishment's figures: at least 5 workers behind them, so shown.
    assert "Pas encore de chiffre." in page  # computed ones until `indicators compute`
    assert page.count(" nombre (") >= 2
