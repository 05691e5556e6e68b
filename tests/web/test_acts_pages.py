"""The act catalogue and an act's evidence page, as each person sees them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from balise.core import clock
from balise.grid.models import ReferenceTime
from tests.factories import MONDAY, Cast, make_visit
from tests.web.conftest import csrf_of

Browser = Callable[[str | None], TestClient]


@pytest.fixture(autouse=True)
def _today() -> None:
    clock.freeze(datetime(2026, 12, 1, 9, 0))


def _in_english(client: TestClient) -> TestClient:
    page = client.get("/acts")
    client.post("/language", data={"lang": "en", "next": "/acts",
                                   "csrf_token": csrf_of(page.text)})
    return client


def _section(html: str, element_id: str) -> str:
    return html.split(f'id="{element_id}"')[1].split("</table>")[0]


def _wound_care_of_t1_and_t4(session: Session, cast: Cast) -> None:
    """T1's six workers take 20 to 30 minutes for simple wound care; T4's four, 40."""
    for worker, minutes in zip(cast.workers, [20, 22, 24, 26, 28, 30], strict=True):
        make_visit(session, worker, cast.clients[0], cast.acts["PLAIE"], MONDAY, minutes=minutes)
    for worker in cast.small_workers:
        make_visit(session, worker, cast.clients[3], cast.acts["PLAIE"], MONDAY, minutes=40)
    session.add(ReferenceTime(act_id=cast.acts["PLAIE"].id, minutes=25,
                              valid_from=date(2026, 6, 1), adopted_by="Comité paritaire local",
                              decision_ref="2026-007"))
    session.commit()


def test_catalogue_shows_current_time_decision_and_history(
    session: Session, cast: Cast, browser: Browser
) -> None:
    _wound_care_of_t1_and_t4(session, cast)
    html = browser("alice").get("/acts").text
    wound = html.split('id="act-PLAIE"')[1].split("</tr>")[0]
    assert "Soin de plaie simple" in wound
    assert ">25<" in wound and "2026-06-01" in wound and "Décision 2026-007" in wound
    assert "15 min à partir du 2026-01-01 (Firme externe)" in wound  # the earlier value
    assert ">10<" in wound  # ten realized visits, ten workers: shown
    bath = html.split('id="act-BAIN"')[1].split("</tr>")[0]
    assert "moins de 5 intervenant·e·s" in bath  # nobody bathed anyone: nothing to show


def test_evidence_page_in_english(session: Session, cast: Cast, browser: Browser) -> None:
    _wound_care_of_t1_and_t4(session, cast)
    client = _in_english(browser("union"))
    html = client.get("/acts/PLAIE").text
    assert "25 minutes" in html and "Decision 2026-007" in html
    history = _section(html, "history")
    # The firm's 15 minutes would flag all ten visits; the committee's 25, seven of them.
    assert "100 %" in history and "70 %" in history
    evidence = _section(html, "evidence")
    overall = evidence.split('class="overall"')[1].split("</tr>")[0]
    assert ">10<" in overall and "70 %" in overall
    # T4's four workers are suppressed, and T1 with them (total minus T1 would give T4).
    teams = evidence.split('class="team"')[1:]
    assert len(teams) == 2 and all("fewer than 5 workers" in row for row in teams)
    assert "40" not in "".join(teams)


def test_a_worker_sees_the_same_guarded_figures(session: Session, cast: Cast,
                                                browser: Browser) -> None:
    _wound_care_of_t1_and_t4(session, cast)
    html = browser("alice").get("/acts/PLAIE").text
    assert "Travailleur A0" not in html and "Worker A0" not in html  # no name, ever
    assert "masqué : moins de 5 intervenant·e·s" in _section(html, "evidence")


def test_what_if_shows_share_and_excess(session: Session, cast: Cast, browser: Browser) -> None:
    _wound_care_of_t1_and_t4(session, cast)
    client = _in_english(browser("employer"))
    html = client.get("/acts/PLAIE", params={"proposed": "30"}).text
    result = _section(html, "what-if-result")
    overall = result.split("All visits")[1].split("</tr>")[0]
    # Only T4's four 40-minute visits exceed 30, each by 10 minutes.
    assert "40 %" in overall and ">10<" in overall


@pytest.mark.parametrize("proposed", ["abc", "0", "2000"])
def test_a_bad_proposal_is_explained_beside_the_form(
    proposed: str, session: Session, cast: Cast, browser: Browser
) -> None:
    response = browser("analyst").get("/acts/PLAIE", params={"proposed": proposed})
    assert response.status_code == 400
    assert 'role="alert"' in response.text
    assert 'id="what-if-result"' not in response.text


def test_unknown_act_is_not_found(cast: Cast, browser: Browser) -> None:
    assert browser("lead").get("/acts/NOPE").status_code == 404


def test_outsider_sees_nothing_of_another_establishment(
    session: Session, cast: Cast, browser: Browser
) -> None:
    _wound_care_of_t1_and_t4(session, cast)
    html = browser("outsider").get("/acts/PLAIE").text
    assert "Équipe 1" not in html and "Équipe 4" not in html
