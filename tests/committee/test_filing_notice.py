"""Filing or amending a proposal emails every member at once; a mail server that fails
never undoes the proposal, and the page and the log say the notice was not sent."""

from __future__ import annotations

import dataclasses
import logging
import socket
from collections.abc import Callable, Iterator
from html import unescape

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from balise.committee.models import CommitteeMember, Proposal
from tests.committee.factories import Board, build_board
from tests.committee.smtp_sink import SmtpSink
from tests.factories import Cast
from tests.web.conftest import csrf_of


@pytest.fixture
def board(session: Session, cast: Cast) -> Board:
    board = build_board(session, cast)
    for member in (board.employer, board.employer2, board.union, board.union2):
        member.email = f"m{member.id}@cisss-a.example"
    session.commit()
    return board


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as running:
        yield running


def _mail_to(app: FastAPI, url: str) -> None:
    app.state.settings = dataclasses.replace(app.state.settings, smtp_url=url)


def _file(client: TestClient, board: Board, title: str) -> str:
    url = f"/committees/{board.committee.id}"
    response = client.post(f"{url}/proposals", data={
        "title": title, "text": "Décaler les quarts de juillet.", "kind": "general",
        "csrf_token": csrf_of(client.get(url).text)})
    assert response.status_code == 200, response.text
    return unescape(response.text)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_filing_emails_every_member_at_once(
    session: Session, board: Board, sink: SmtpSink, app: FastAPI,
    browser: Callable[[str | None], TestClient],
) -> None:
    _mail_to(app, sink.url)
    page = _file(browser("union"), board, "Horaires d'été")
    assert "Avis par courriel envoyé à 4 membres." in page
    recipients = sorted(r for m in sink.messages for r in m.recipients)
    assert recipients == sorted(m.email for m in (board.employer, board.employer2,
                                                  board.union, board.union2))
    subject = " ".join(str(sink.messages[0].message["Subject"]).split())
    assert "attend votre position" in subject and "Horaires d'été" in subject
    # In Balise too: the proposal awaits every voting member's stance.
    assert "Horaires d'été" in unescape(browser("employer").get("/committees").text)


def test_a_member_without_a_vote_is_told_without_being_asked(
    session: Session, board: Board, sink: SmtpSink, app: FastAPI, cast: Cast,
    browser: Callable[[str | None], TestClient],
) -> None:
    observer = CommitteeMember(committee_id=board.committee.id,
                               user_id=cast.users["national"].id, side="union", voting=False,
                               email="observer@cisss-a.example")
    session.add(observer)
    session.commit()
    _mail_to(app, sink.url)
    _file(browser("union"), board, "Bains")
    told = [m for m in sink.messages if m.recipients == ["observer@cisss-a.example"]]
    assert len(told) == 1
    assert "Nouvelle proposition" in str(told[0].message["Subject"])


def test_an_amendment_emails_the_members_again(
    session: Session, board: Board, sink: SmtpSink, app: FastAPI,
    browser: Callable[[str | None], TestClient],
) -> None:
    _mail_to(app, sink.url)
    union = browser("union")
    _file(union, board, "Horaires d'été")
    proposal_id = session.scalar(select(Proposal.id))
    session.commit()
    url = f"/proposals/{proposal_id}"
    response = union.post(f"{url}/amend", data={
        "title": "Horaires d'été (v2)", "text": "Décaler les quarts de juillet et d'août.",
        "csrf_token": csrf_of(union.get(url).text)})
    assert "Avis par courriel envoyé à 4 membres." in unescape(response.text)
    assert len(sink.messages) == 8
    assert "(v2)" in " ".join(str(sink.messages[-1].message["Subject"]).split())


def test_mail_server_down_keeps_the_proposal_and_says_so(
    session: Session, board: Board, app: FastAPI, caplog: pytest.LogCaptureFixture,
    browser: Callable[[str | None], TestClient],
) -> None:
    _mail_to(app, f"smtp://127.0.0.1:{_closed_port()}")
    with caplog.at_level(logging.WARNING, logger="balise.committee.notify"):
        page = _file(browser("union"), board, "Horaires d'été")
    assert "la proposition est enregistrée, mais l'avis par courriel n'a pas pu être envoyé" \
        in page.lower()
    assert session.scalar(select(func.count(Proposal.id))) == 1
    assert any("not sent" in record.getMessage() for record in caplog.records)


def test_without_mail_server_nothing_is_said_about_email(
    session: Session, board: Board, browser: Callable[[str | None], TestClient],
) -> None:
    page = _file(browser("union"), board, "Horaires d'été")
    assert "courriel" not in page.lower()
    assert session.scalar(select(func.count(Proposal.id))) == 1
