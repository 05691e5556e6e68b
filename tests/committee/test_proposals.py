"""Proposals, stances and decisions in the database, with their journal entries."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from balise.committee.models import Decision, Project
from balise.committee.queries import count_of
from balise.committee.service import (
    amend_proposal,
    create_project,
    file_proposal,
    record_stance,
)
from balise.core.errors import BaliseError, InvalidInput
from balise.grid.models import ReferenceTime
from balise.journal.models import JournalEntry
from balise.journal.service import verify
from tests.committee.factories import Board, build_board
from tests.factories import Cast


@pytest.fixture
def board(session: Session, cast: Cast) -> Board:
    return build_board(session, cast)


def _everyone_agrees(session: Session, board: Board, proposal) -> Decision | None:  # type: ignore[no-untyped-def]
    decision = None
    for member in (board.employer, board.employer2, board.union, board.union2):
        decision = record_stance(session, proposal, member, "agree") or decision
    return decision


def _journal_size(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(JournalEntry)) or 0)


def test_consensus_makes_a_numbered_dated_decision(session: Session, board: Board) -> None:
    proposal = file_proposal(session, board.committee, board.union, title="Bains",
                             text="Deux bains par semaine pour les profils 10 et plus.")
    before = _journal_size(session)
    decision = _everyone_agrees(session, board, proposal)
    assert decision is not None and proposal.status == "adopted"
    assert decision.number == f"{date.today().year}-001"
    assert _journal_size(session) == before + 5  # four stances and the adoption
    assert verify(session).ok


def test_block_keeps_proposal_open(session: Session, board: Board) -> None:
    proposal = file_proposal(session, board.committee, board.employer, title="Minutage",
                             text="Minuter chaque acte.")
    for member in (board.employer, board.employer2, board.union):
        record_stance(session, proposal, member, "agree")
    assert record_stance(session, proposal, board.union2, "block",
                         "Contraire au principe 1") is None
    assert proposal.status == "open"
    assert count_of(board.committee, proposal).blocking == (board.union2.id,)


def test_amendment_resets_stances(session: Session, board: Board) -> None:
    proposal = file_proposal(session, board.committee, board.employer, title="Horaire",
                             text="Version 1")
    record_stance(session, proposal, board.union, "block", "Trop tôt")
    amend_proposal(session, proposal, board.employer, title="Horaire", text="Version 2")
    result = count_of(board.committee, proposal)
    assert proposal.version == 2 and result.blocking == () and len(result.missing) == 4
    decision = _everyone_agrees(session, board, proposal)
    assert decision is not None and decision.text == "Version 2"


def test_adopted_proposal_accepts_no_more_stances(session: Session, board: Board) -> None:
    proposal = file_proposal(session, board.committee, board.union, title="T", text="x")
    _everyone_agrees(session, board, proposal)
    with pytest.raises(BaliseError):
        record_stance(session, proposal, board.union, "block", "trop tard")


def test_unequal_committee_cannot_adopt(session: Session, board: Board, cast: Cast) -> None:
    from balise.committee.service import add_member

    add_member(session, board.committee, cast.users["analyst"], side="employer")
    proposal = file_proposal(session, board.committee, board.union, title="T", text="x")
    assert _everyone_agrees(session, board, proposal) is None
    assert proposal.status == "open"


def test_adopting_a_reference_time_creates_its_version(session: Session, board: Board,
                                                       cast: Cast) -> None:
    proposal = file_proposal(session, board.committee, board.union, title="Soin de plaie",
                             text="Temps de référence du soin de plaie simple : 25 min.",
                             kind="reference_time",
                             effect={"act_code": "PLAIE", "minutes": 25,
                                     "valid_from": "2026-12-01"})
    decision = _everyone_agrees(session, board, proposal)
    assert decision is not None
    version = session.scalar(select(ReferenceTime).where(
        ReferenceTime.act_id == cast.acts["PLAIE"].id, ReferenceTime.minutes == 25))
    assert version is not None
    assert version.decision_id == decision.id and version.decision_ref == decision.number
    assert version.valid_from == date(2026, 12, 1)
    actions = session.scalars(select(JournalEntry.action)).all()
    assert "grid.reference_time.changed" in actions


def test_phase_moves_only_by_decision(session: Session, board: Board) -> None:
    project: Project = create_project(session, board.committee, title="Bains",
                                      objectives="Réduire l'attente des bains")
    proposal = file_proposal(session, board.committee, board.employer, title="Diagnostic",
                             text="Passer au choix des consultants.", kind="phase",
                             project=project)
    assert project.phase == "objectives"
    _everyone_agrees(session, board, proposal)
    assert project.phase == "consultants"


@pytest.mark.parametrize("effect", [
    {"act_code": "NOPE", "minutes": 20, "valid_from": "2026-12-01"},   # unknown act
    {"act_code": "BAIN", "minutes": -5, "valid_from": "2026-12-01"},    # negative time
    {"act_code": "BAIN", "minutes": 20, "valid_from": "demain"},        # not a date
])
def test_bad_reference_time_proposal_is_refused_when_filed(session: Session, board: Board,
                                                           effect: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        file_proposal(session, board.committee, board.union, title="T", text="x",
                      kind="reference_time", effect=effect)
