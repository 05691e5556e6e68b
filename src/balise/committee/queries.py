"""Reading committees for pages, through one access function per object kind.

Everything of a committee is visible to every member of both sides (transparency);
nobody else reaches it, and "not a member" answers exactly as "does not exist".
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from balise.accounts.models import User
from balise.committee.consensus import CastStance, Count, Seat, constituted, count
from balise.committee.models import (
    Committee,
    CommitteeMember,
    Decision,
    Meeting,
    Project,
    Proposal,
)
from balise.core import clock
from balise.core.access import Viewer
from balise.core.errors import NotFound


def membership(session: Session, viewer: Viewer, committee_id: int) -> CommitteeMember | None:
    return session.scalar(
        select(CommitteeMember).where(
            CommitteeMember.committee_id == committee_id,
            CommitteeMember.user_id == viewer.user_id,
            CommitteeMember.active.is_(True),
        )
    )


def access_committee(session: Session, viewer: Viewer, committee_id: int) -> Committee:
    committee = session.get(Committee, committee_id)
    if committee is None:
        raise NotFound()
    if not viewer.sees_establishment(committee.establishment_id):
        raise NotFound()
    if membership(session, viewer, committee.id) is None:
        raise NotFound()
    return committee


def access_proposal(session: Session, viewer: Viewer, proposal_id: int) -> Proposal:
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound()
    access_committee(session, viewer, proposal.committee_id)
    return proposal


def access_project(session: Session, viewer: Viewer, project_id: int) -> Project:
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound()
    access_committee(session, viewer, project.committee_id)
    return project


def access_meeting(session: Session, viewer: Viewer, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound()
    access_committee(session, viewer, meeting.committee_id)
    return meeting


def committees_of(session: Session, viewer: Viewer) -> list[Committee]:
    return list(
        session.scalars(
            select(Committee)
            .join(CommitteeMember, CommitteeMember.committee_id == Committee.id)
            .where(CommitteeMember.user_id == viewer.user_id, CommitteeMember.active.is_(True))
            .order_by(Committee.kind, Committee.name)
        )
    )


def seats(committee: Committee) -> list[Seat]:
    return [
        Seat(m.id, m.side, m.voting, m.substitute_for_id) for m in committee.members if m.active
    ]


def count_of(committee: Committee, proposal: Proposal) -> Count:
    stances = [CastStance(s.member_id, s.kind) for s in proposal.stances
               if s.version == proposal.version]
    return count(seats(committee), stances, deadline=proposal.deadline, today=clock.today())


def member_names(session: Session, committee: Committee) -> dict[int, str]:
    rows = session.execute(
        select(CommitteeMember.id, User.display_name)
        .join(User, User.id == CommitteeMember.user_id)
        .where(CommitteeMember.committee_id == committee.id)
    )
    return {member_id: name for member_id, name in rows}


def proposals(session: Session, committee: Committee) -> list[Proposal]:
    return list(
        session.scalars(
            select(Proposal)
            .where(Proposal.committee_id == committee.id)
            .options(selectinload(Proposal.versions), selectinload(Proposal.stances))
            .order_by(Proposal.filed_at.desc())
        )
    )


def awaiting_stance(session: Session, viewer: Viewer) -> list[tuple[Committee, Proposal]]:
    """Open proposals whose current version still lacks this person's stance."""
    waiting: list[tuple[Committee, Proposal]] = []
    for committee in committees_of(session, viewer):
        member = membership(session, viewer, committee.id)
        if member is None or not (member.voting or member.substitute_for_id):
            continue
        seat_id = member.id if member.voting else member.substitute_for_id
        for proposal in proposals(session, committee):
            if proposal.status != "open":
                continue
            if seat_id in count_of(committee, proposal).missing:
                waiting.append((committee, proposal))
    return waiting


def decisions(session: Session, committee: Committee) -> list[Decision]:
    return list(
        session.scalars(
            select(Decision).where(Decision.committee_id == committee.id)
            .order_by(Decision.adopted_on.desc(), Decision.number.desc())
        )
    )


def projects(session: Session, committee: Committee) -> list[Project]:
    return list(
        session.scalars(select(Project).where(Project.committee_id == committee.id)
                        .order_by(Project.created_at))
    )


def meetings(session: Session, committee: Committee) -> list[Meeting]:
    return list(
        session.scalars(select(Meeting).where(Meeting.committee_id == committee.id)
                        .order_by(Meeting.held_on.desc()))
    )


def constituted_now(committee: Committee) -> bool:
    return constituted(seats(committee))


def decision_of(session: Session, proposal: Proposal) -> Decision | None:
    return session.scalar(select(Decision).where(Decision.proposal_id == proposal.id))
