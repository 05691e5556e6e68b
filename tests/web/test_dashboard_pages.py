"""What committee members, the national committee and analysts see and do on the
indicator pages: the dashboard with its decisions and alert, the same chart in the PDF,
the spreadsheet, the notice on the committees page, hand entry and import."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import datetime
from html import unescape

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.committee.models import Decision, Project, Proposal
from balise.committee.service import create_project
from balise.core import clock
from balise.indicators.dashboard import build_dashboard
from balise.indicators.models import HandEntry
from balise.indicators.report import report_html
from tests.committee.factories import Board, build_board
from tests.factories import Cast
from tests.indicators.data import adopt, build_week, scenario_set, store_alert_scenario
from tests.web.conftest import csrf_of

Browser = Callable[[str | None], TestClient]


@pytest.fixture
def board(session: Session, cast: Cast) -> Board:
    return build_board(session, cast)


@pytest.fixture
def project(session: Session, cast: Cast, board: Board) -> Project:
    clock.freeze(datetime(2026, 9, 1, 10, 0))
    project = create_project(session, board.committee, title="Bains du matin",
                             objectives="Plus de bains sans user l'équipe.",
                             team_ids=[cast.team.id])
    store_alert_scenario(session, cast.est_a.id, f"team:{cast.team.id}")
    return project


@pytest.fixture
def decision(session: Session, board: Board, project: Project) -> Decision:
    return adopt(session, board, project, scenario_set())


def _svgs(html: str) -> list[str]:
    return re.findall(r"<svg.*?</svg>", html, flags=re.S)


def test_member_sees_each_indicator_with_its_decision_and_the_alert_on_top(
        browser: Browser, project: Project, decision: Decision) -> None:
    page = unescape(browser("union").get(f"/projects/{project.id}/dashboard").text)
    assert page.index("Alerte d'équilibre") < page.index("<h1>")
    assert "Visites par semaine-intervenant s'est amélioré" in page
    assert f"fixé par la décision {decision.number}" in page
    assert "Heures supplémentaires par semaine-intervenant" in page  # its balancing measure
    assert "Verdict : l'indicateur s'est amélioré depuis la période de référence." in page
    assert "30,0" in page and "36,0" in page and "34,0" in page  # baseline, current, target
    assert len(_svgs(page)) == 5  # the volume indicator and its four balancing measures


def test_the_pdf_holds_the_same_chart_as_the_page(
        browser: Browser, session: Session, project: Project, decision: Decision) -> None:
    client = browser("employer")
    page = unescape(client.get(f"/projects/{project.id}/dashboard").text)
    board = build_dashboard(session, project, compute=False)
    report = unescape(report_html(session, board, "fr"))
    english = report_html(session, board, "en")
    session.commit()  # SQLite transactions take the write lock: end ours before requests
    assert _svgs(page)[0] == _svgs(report)[0]
    assert "Alerte d'équilibre" in report
    response = client.get(f"/projects/{project.id}/report.pdf?lang=en")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert f"indicators-project-{project.id}.pdf" in response.headers["content-disposition"]
    assert "Balancing alert" in english and "set by decision" in english


def test_the_spreadsheet_holds_the_values_of_each_chart(
        browser: Browser, project: Project, decision: Decision) -> None:
    response = browser("union").get(f"/projects/{project.id}/report.xlsx?lang=en")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    summary = [row for row in book["Summary"].iter_rows(values_only=True)]
    assert summary[0][0] == "Bains du matin"
    assert str(summary[1][0]).startswith("Alert")
    volume = book["visits_per_worker_week"]
    values = [row[1] for row in volume.iter_rows(min_row=3, values_only=True)]
    assert len(values) == 26 and values[-1] == pytest.approx(36.0)
    assert volume._images  # the page's chart (tests/indicators/test_report_xlsx.py)


def test_members_are_notified_on_their_committees_page(
        browser: Browser, project: Project, decision: Decision) -> None:
    page = unescape(browser("union").get("/committees").text)
    assert "Alerte d'équilibre" in page
    assert f'href="/projects/{project.id}/dashboard"' in page


def test_project_page_leads_to_its_dashboard(browser: Browser, project: Project) -> None:
    page = browser("employer").get(f"/projects/{project.id}").text
    assert f'href="/projects/{project.id}/dashboard"' in page


def test_a_member_proposes_the_indicator_set_from_the_dashboard(
        browser: Browser, session: Session, project: Project) -> None:
    client = browser("union")
    url = f"/projects/{project.id}/dashboard"
    page = client.get(url).text
    assert "Aucun ensemble d'indicateurs" in unescape(page)
    response = client.post(f"/projects/{project.id}/indicator-set", data={
        "csrf_token": csrf_of(page), "title": "Indicateurs", "text": "On suit ceci.",
        "code": ["visits_per_worker_week", "travel_share"],
        "target_visits_per_worker_week": "33", "baseline_end": "2026-07-19"},
        follow_redirects=False)
    assert response.status_code == 303
    proposal = session.scalars(select(Proposal).where(Proposal.kind == "indicator_set")).one()
    assert proposal.effect["indicators"][0] == {
        "code": "visits_per_worker_week", "need": "", "target": 33.0, "baseline_start": None,
        "baseline_end": "2026-07-19"}
    session.commit()
    refused = client.post(f"/projects/{project.id}/indicator-set", data={
        "csrf_token": csrf_of(page), "title": "T", "text": "x"})
    assert refused.status_code == 400 and "Choisissez au moins un indicateur" in unescape(
        refused.text)


def test_national_committee_sees_establishment_aggregates_only(
        browser: Browser, session: Session, cast: Cast) -> None:
    build_week(session, cast)
    page = unescape(browser("national").get("/national/indicators").text)
    assert "CISSS A" in page and "CISSS B" in page
    assert "1,3" in page  # 13 visits over 10 worker-weeks in establishment A
    assert "Équipe 1" not in page and "T4" not in page
    assert "aucun chiffre" in page  # establishment B has no figures


def test_hand_entry_and_an_import_with_row_errors(browser: Browser, session: Session,
                                                   cast: Cast) -> None:
    client = browser("analyst")
    page = client.get("/indicators/entries").text
    token = csrf_of(page)
    saved = client.post("/indicators/entries", data={
        "csrf_token": token, "indicator": "sick_leave_rate", "team": str(cast.team.id),
        "period": "2026-10-01", "value": "6,5", "source": "SST"})
    assert saved.status_code == 200
    entry = session.scalars(select(HandEntry)).one()
    assert (entry.value, entry.team_id, entry.source_note) == (6.5, cast.team.id, "SST")
    session.commit()
    wrong = client.post("/indicators/entries", data={
        "csrf_token": token, "indicator": "sick_leave_rate", "period": "2026-10-07",
        "value": "6"})
    assert wrong.status_code == 400 and "le 1er" in unescape(wrong.text)
    data = "indicator,team,period,value\ndepartures,T1,2026-10-01,1\ndepartures,T1,2026-10,x\n"
    response = client.post("/indicators/entries/import", data={"csrf_token": token},
                           files={"file": ("rh.csv", data.encode(), "text/csv")})
    text = unescape(response.text)
    assert response.status_code == 400 and "rien n'a été enregistré" in text
    assert "<td>3</td><td>value</td><td>x</td>" in text
    assert len(session.scalars(select(HandEntry)).all()) == 1


def test_catalogue_shows_every_formula_to_everyone(browser: Browser) -> None:
    page = unescape(browser("alice").get("/indicators").text)
    assert "Visites faites ÷ semaines-intervenant" in page
    assert "Définir ou modifier" not in page  # a worker reads, does not define
