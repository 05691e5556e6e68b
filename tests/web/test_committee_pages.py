"""What committee members see and do on the committee pages."""

from __future__ import annotations

from collections.abc import Callable
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from balise.committee.service import file_proposal
from tests.committee.factories import Board, build_board
from tests.factories import Cast
from tests.web.conftest import csrf_of

Browser = Callable[[str | None], TestClient]


@pytest.fixture
def board(session: Session, cast: Cast) -> Board:
    return build_board(session, cast)


def _post(client: TestClient, page: str, url: str, **data: str) -> tuple[int, str]:
    token = csrf_of(client.get(page).text)
    response = client.post(url, data={"csrf_token": token, **data}, follow_redirects=True)
    return response.status_code, unescape(response.text)


def test_both_sides_reach_consensus_through_the_pages(browser: Browser, board: Board) -> None:
    page = f"/committees/{board.committee.id}"
    union = browser("union")
    status, text = _post(union, page, f"{page}/proposals", title="Bain hebdomadaire",
                         text="Un bain par semaine pour tous.", kind="general")
    assert status == 200 and "Bain hebdomadaire" in text
    proposal_url = union.get(page).text.split('href="/proposals/')[1].split('"')[0]
    url = f"/proposals/{proposal_url}"
    for username in ("union", "union2", "employer", "employer2"):
        status, text = _post(browser(username), url, f"{url}/stance", kind="agree")
        assert status == 200
    assert "Adoptée" in text and "Décision" in text


def test_block_without_reason_is_refused_with_a_message(browser: Browser, board: Board,
                                                        session: Session) -> None:
    proposal = file_proposal(session, board.committee, board.union, title="T", text="x")
    session.commit()
    url = f"/proposals/{proposal.id}"
    status, text = _post(browser("employer"), url, f"{url}/stance", kind="block")
    assert status == 400 and "Ce champ est obligatoire" in text


def test_both_sides_see_the_same_stances(browser: Browser, board: Board,
                                         session: Session) -> None:
    proposal = file_proposal(session, board.committee, board.union, title="T", text="x")
    session.commit()
    url = f"/proposals/{proposal.id}"
    _post(browser("employer"), url, f"{url}/stance", kind="reservations",
          reason="À réévaluer dans trois mois")
    for username in ("union", "employer2"):
        assert "À réévaluer dans trois mois" in unescape(browser(username).get(url).text)


def test_unequal_committee_shows_as_not_constituted(browser: Browser, board: Board,
                                                    cast: Cast, session: Session) -> None:
    from balise.committee.service import add_member

    add_member(session, board.committee, cast.users["analyst"], side="union")
    session.commit()
    text = unescape(browser("union").get(f"/committees/{board.committee.id}").text)
    assert "pas constitué correctement" in text


def test_member_sees_what_awaits_their_stance(browser: Browser, board: Board,
                                              session: Session) -> None:
    file_proposal(session, board.committee, board.employer, title="Horaires d'été", text="x")
    session.commit()
    text = unescape(browser("union").get("/committees").text)
    assert "En attente de votre position" in text and "Horaires d'été" in text


def test_journal_page_says_intact_and_lists_the_stance(browser: Browser, board: Board,
                                                       session: Session) -> None:
    proposal = file_proposal(session, board.committee, board.union, title="T", text="x")
    session.commit()
    url = f"/proposals/{proposal.id}"
    _post(browser("employer"), url, f"{url}/stance", kind="agree")
    text = unescape(browser("union").get("/journal").text)
    assert "intact" in text
    assert "partie patronale" in text


def test_a_member_starts_a_project_in_its_first_phase(browser: Browser, board: Board) -> None:
    page = f"/committees/{board.committee.id}"
    status, text = _post(browser("employer"), page, f"{page}/projects",
                         title="Continuité des soins", objectives="Garder la même personne")
    assert status == 200 and "Continuité des soins" in text and "phase en cours" in text


def test_project_page_lists_its_documents_and_contracts(browser: Browser, board: Board,
                                                        session: Session) -> None:
    from balise.committee.documents import share_document
    from balise.committee.service import create_project

    project = create_project(session, board.committee, title="Bains", objectives="Attente")
    document = share_document(session, board.committee, board.union, filename="diag.txt",
                              declared_type="text/plain", data=b"Diagnostic des bains\n")
    document.project_id = project.id
    session.commit()
    text = unescape(browser("union").get(f"/projects/{project.id}").text)
    assert "diag.txt" in text and "Aucun contrat pour ce projet" in text
