"""Meetings: minutes approved by both sides, frozen once approved, exported as a PDF."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from weasyprint import HTML

from balise.committee import meetings
from balise.committee.meetings import (
    approve_minutes,
    minutes_approved,
    schedule_meeting,
    write_minutes,
)
from balise.committee.models import CommitteeMember, Decision, Meeting
from balise.committee.record_errors import RecordError
from balise.committee.service import add_member, file_proposal, record_stance
from balise.core.i18n import language
from balise.journal.models import JournalEntry
from balise.journal.service import head
from balise.reports.minutes import minutes_html, minutes_pdf
from tests.committee.factories import Board, build_board
from tests.factories import Cast
from tests.web.conftest import csrf_of

Browser = Callable[[str | None], TestClient]


@pytest.fixture
def board(session: Session, cast: Cast) -> Board:
    return build_board(session, cast)


def _meeting(session: Session, board: Board, text: str = "On a parlé des bains.") -> Meeting:
    meeting = schedule_meeting(session, board.committee, board.union, held_on=date(2026, 11, 20),
                               agenda="1. Bains\n2. Horaires")
    write_minutes(session, meeting, board.union, text=text,
                  present=[board.union.id, board.employer.id], decision_ids=[])
    return meeting


def _actions(session: Session) -> list[str]:
    return list(session.scalars(select(JournalEntry.action).order_by(JournalEntry.seq)))


@pytest.mark.parametrize("sides, approved", [
    ((), False),
    (("union",), False),
    (("union", "union"), False),  # one side twice is still one side
    (("employer",), False),
    (("union", "employer"), True),
    (("employer", "union", "union"), True),
])
def test_rule_needs_both_sides(sides: tuple[str, ...], approved: bool) -> None:
    assert minutes_approved(sides) is approved


def test_minutes_approved_once_each_side_approves(session: Session, board: Board) -> None:
    meeting = _meeting(session, board)
    assert approve_minutes(session, meeting, board.union) is False
    assert approve_minutes(session, meeting, board.union2) is False  # still the union only
    assert meeting.minutes_approved_on is None
    assert approve_minutes(session, meeting, board.employer2) is True
    assert meeting.minutes_approved_on is not None
    actions = _actions(session)
    assert actions.count("committee.minutes.approval_given") == 3
    assert actions[-1] == "committee.minutes.approved"


def test_rewriting_the_minutes_sets_earlier_approvals_aside(session: Session,
                                                            board: Board) -> None:
    meeting = _meeting(session, board)
    approve_minutes(session, meeting, board.union)
    write_minutes(session, meeting, board.employer, text="Version corrigée.",
                  present=[board.union.id, board.employer.id], decision_ids=[])
    assert approve_minutes(session, meeting, board.employer) is False
    assert approve_minutes(session, meeting, board.union) is True


def test_approved_minutes_cannot_be_changed(session: Session, board: Board) -> None:
    meeting = _meeting(session, board)
    approve_minutes(session, meeting, board.union)
    approve_minutes(session, meeting, board.employer)
    with pytest.raises(RecordError) as refused:
        write_minutes(session, meeting, board.union, text="Autre chose", present=[],
                      decision_ids=[])
    assert "ne peut plus" in refused.value.message()


def test_minutes_need_text_before_approval(session: Session, board: Board) -> None:
    meeting = schedule_meeting(session, board.committee, board.union, held_on=date(2026, 11, 20),
                               agenda="")
    with pytest.raises(RecordError) as refused:
        approve_minutes(session, meeting, board.employer)
    assert "Rédigez le procès-verbal" in refused.value.message()


def test_non_voting_member_does_not_approve(session: Session, board: Board, cast: Cast) -> None:
    observer = add_member(session, board.committee, cast.users["analyst"], side="employer",
                          voting=False)
    meeting = _meeting(session, board)
    with pytest.raises(RecordError):
        approve_minutes(session, meeting, observer)


def test_decisions_of_another_committee_are_refused(session: Session, board: Board,
                                                    cast: Cast) -> None:
    meeting = _meeting(session, board)
    with pytest.raises(RecordError):
        write_minutes(session, meeting, board.union, text="x", present=[],
                      decision_ids=[999_999])


def _decision(session: Session, board: Board) -> Decision:
    proposal = file_proposal(session, board.committee, board.union, title="Bain hebdomadaire",
                             text="Un bain par semaine pour tous.")
    record_stance(session, proposal, board.union, "agree")
    record_stance(session, proposal, board.union2, "agree")
    record_stance(session, proposal, board.employer, "reservations",
                  "Revoir l'effectif dans trois mois")
    decision = record_stance(session, proposal, board.employer2, "agree")
    assert decision is not None
    return decision


def _laid_out_text(html: str) -> str:
    """The text WeasyPrint lays out on the PDF's pages (no PDF text extractor is
    installed; this is the same layout write_pdf draws)."""
    pieces: list[str] = []

    def walk(box: object) -> None:
        text = getattr(box, "text", None)
        if isinstance(text, str):
            pieces.append(text)
        for child in getattr(box, "children", []):
            walk(child)

    for page in HTML(string=html).render().pages:
        walk(page._page_box)
    return " ".join(pieces)


@pytest.mark.parametrize("lang, words", [
    ("fr", ["Procès-verbal", "avec réserves", "Tête du journal"]),
    ("en", ["Minutes of the meeting", "Agree with reservations", "Journal head"]),
])
def test_pdf_lists_decisions_with_their_stances_and_the_journal_head(
    session: Session, board: Board, lang: str, words: list[str],
) -> None:
    decision = _decision(session, board)
    meeting = _meeting(session, board)
    write_minutes(session, meeting, board.union, text="Décision prise sur les bains.",
                  present=[board.union.id, board.employer.id], decision_ids=[decision.id])
    session.commit()
    with language(lang):
        html = minutes_html(session, meeting, lang)
    text = " ".join(_laid_out_text(html).split())
    kept = head(session)
    assert decision.number in text and "Bain hebdomadaire" in text
    assert "Revoir l'effectif dans trois mois" in text
    assert f"{kept.count}:{kept.hash[:20]}" in text.replace(" ", "")
    for word in words:
        assert word in text
    assert minutes_pdf(session, meeting, lang).startswith(b"%PDF-")


def _post(client: TestClient, page: str, url: str, **data: object) -> tuple[int, str]:
    status, text, _where = _post_to(client, page, url, **data)
    return status, text


def _post_to(client: TestClient, page: str, url: str, **data: object) -> tuple[int, str, str]:
    token = csrf_of(client.get(page).text)
    response = client.post(url, data={"csrf_token": token, **data}, follow_redirects=True)
    return response.status_code, unescape(response.text), response.url.path


def test_both_sides_approve_the_minutes_through_the_pages(browser: Browser, board: Board,
                                                          session: Session) -> None:
    records = f"/committees/{board.committee.id}/records"
    union = browser("union")
    status, text, page = _post_to(union, records, f"/committees/{board.committee.id}/meetings",
                                  held_on="2026-11-20", agenda="1. Bains")
    assert status == 200 and "Réunion du 20 novembre 2026" in text
    status, text = _post(union, page, f"{page}/minutes", text="Les bains ont été discutés.",
                         present=[str(board.union.id), str(board.employer.id)])
    assert status == 200 and "Les bains ont été discutés." in text
    status, text = _post(union, page, f"{page}/approve")
    assert "Approuver ce procès-verbal" not in text  # the union side has approved
    status, text = _post(browser("employer"), page, f"{page}/approve")
    assert status == 200 and "par les deux parties" in text


def test_pdf_route_serves_both_languages(browser: Browser, board: Board,
                                         session: Session) -> None:
    meeting = _meeting(session, board)
    session.commit()
    client = browser("employer")
    for lang in ("fr", "en"):
        response = client.get(f"/meetings/{meeting.id}/minutes.pdf?lang={lang}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
    assert client.get(f"/meetings/{meeting.id}/minutes.pdf?lang=de").status_code == 400


def test_empty_minutes_form_gets_a_clear_message(browser: Browser, board: Board,
                                                 session: Session) -> None:
    meeting = _meeting(session, board)
    session.commit()
    page = f"/meetings/{meeting.id}"
    status, text = _post(browser("union"), page, f"{page}/minutes", text="  ")
    assert status == 400 and "Ce champ est obligatoire" in text


def _approve_alone(factory: sessionmaker[Session], meeting_id: int, member_id: int) -> None:
    with factory() as own:
        approve_minutes(own, own.get_one(Meeting, meeting_id),
                        own.get_one(CommitteeMember, member_id))
        own.commit()


def _race(factory: sessionmaker[Session], session: Session, board: Board,
          monkeypatch: pytest.MonkeyPatch) -> Meeting:
    """Both sides approve at the same moment, each reading the approvals slowly."""
    meeting = _meeting(session, board)
    session.commit()
    read = meetings.approvals

    def slow(s: Session, m: Meeting) -> list[meetings.Approval]:
        found = read(s, m)
        time.sleep(0.5)  # widen the window between reading and writing
        return found

    monkeypatch.setattr(meetings, "approvals", slow)
    with ThreadPoolExecutor(2) as pool:
        for future in [pool.submit(_approve_alone, factory, meeting.id, m.id)
                       for m in (board.union, board.employer)]:
            future.result()
    session.expire_all()
    return session.get_one(Meeting, meeting.id)


def test_simultaneous_approvals_of_both_sides_approve(
    factory: sessionmaker[Session], session: Session, board: Board,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _race(factory, session, board, monkeypatch).minutes_approved_on is not None


def test_control_without_the_lock_the_race_loses_the_approval(
    factory: sessionmaker[Session], session: Session, board: Board, db_kind: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if db_kind != "postgresql":
        pytest.skip("SQLite serializes whole transactions (BEGIN IMMEDIATE): no race to show")
    monkeypatch.setattr(meetings, "_lock", lambda _s, _m: None)
    assert _race(factory, session, board, monkeypatch).minutes_approved_on is None
