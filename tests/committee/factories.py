"""A local joint committee for the cast: two voting seats per side."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from balise.accounts.service import create_user
from balise.committee.models import Committee, CommitteeMember
from balise.committee.service import add_member, create_committee
from balise.core.access import Role
from tests.factories import PASSWORD, Cast


@dataclass
class Board:
    committee: Committee
    employer: CommitteeMember
    employer2: CommitteeMember
    union: CommitteeMember
    union2: CommitteeMember


def build_board(session: Session, cast: Cast) -> Board:
    committee = create_committee(session, kind="local", name="Comité paritaire SAD",
                                 establishment_id=cast.est_a.id,
                                 mandate="Organiser le travail en SAD, ensemble.")
    employer2 = create_user(session, username="employer2", password=PASSWORD,
                            role=Role.COMMITTEE_EMPLOYER, establishment_id=cast.est_a.id)
    union2 = create_user(session, username="union2", password=PASSWORD,
                         role=Role.COMMITTEE_UNION, establishment_id=cast.est_a.id)
    board = Board(
        committee,
        add_member(session, committee, cast.users["employer"], side="employer"),
        add_member(session, committee, employer2, side="employer"),
        add_member(session, committee, cast.users["union"], side="union"),
        add_member(session, committee, union2, side="union"),
    )
    session.commit()
    return board
