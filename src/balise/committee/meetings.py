"""Meetings: agenda, attendance, minutes written in Balise, approved by both sides.

The approval rule (see :func:`minutes_approved`): minutes are approved once at least one
voting member of each side (or the substitute of a voting member) has approved the
current text. One side alone can never approve them, and nobody has to wait for every
seat, as minutes record what was said rather than decide anything: decisions keep
their own consensus rule.

Approvals apply to one fingerprint of the minutes (text, agenda, attendance and
decisions, see :func:`minutes_digest`): rewriting the minutes makes earlier approvals
stop counting. Each approval is a journal entry carrying that fingerprint, so the
journal itself is the record of who approved what, with no table that could say
otherwise. Approved minutes are frozen.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from balise.committee.models import (
    Attendance,
    Committee,
    CommitteeMember,
    Decision,
    Meeting,
    Proposal,
)
from balise.committee.queries import member_names
from balise.committee.record_errors import RecordError
from balise.core import clock
from balise.core.errors import InvalidInput, NotFound
from balise.journal.chain import canonical_json
from balise.journal.models import JournalEntry
from balise.journal.service import append

APPROVAL_ACTION = "committee.minutes.approval_given"
SIDES = ("employer", "union")


@dataclass(frozen=True)
class Approval:
    member_id: int
    side: str
    digest: str
    at: datetime


@dataclass(frozen=True)
class StanceLine:
    name: str
    side: str
    kind: str
    reason: str


@dataclass(frozen=True)
class DecisionRecord:
    decision: Decision
    stances: list[StanceLine]


@dataclass(frozen=True)
class MinutesRecord:
    """Everything the meeting page and the PDF show, read once."""

    committee: Committee
    meeting: Meeting
    present: list[tuple[str, str]]  # (name, side)
    absent: list[tuple[str, str]]
    decisions: list[DecisionRecord]
    approvals: list[tuple[str, str, datetime]]  # of the current text: (name, side, at)
    digest: str

    @property
    def approved_by_side(self) -> set[str]:
        return {side for _name, side, _at in self.approvals}


def minutes_approved(approving_sides: Iterable[str]) -> bool:
    """The rule: both sides approved (at least one voting member each)."""
    return set(SIDES) <= set(approving_sides)


def minutes_digest(meeting: Meeting, present_ids: Iterable[int]) -> str:
    """The fingerprint an approval applies to; printed on the PDF to be checked."""
    document = {
        "held_on": meeting.held_on.isoformat(),
        "agenda": meeting.agenda,
        "minutes": meeting.minutes,
        "present": sorted(present_ids),
        "decisions": sorted(meeting.decision_ids),
    }
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def _journal(session: Session, committee: Committee, action: str, meeting: Meeting,
             actor: int, **payload: object) -> None:
    append(session, action=action, subject=f"meeting:{meeting.id}", payload=payload,
           actor_user_id=actor, establishment_id=committee.establishment_id)


def _lock(session: Session, meeting: Meeting) -> None:
    """Take the meeting's row lock before reading its approvals: two members of
    opposite sides approving at the same moment would otherwise each miss the other's
    approval, and the minutes would stay unapproved with both sides' approvals given.
    PostgreSQL: SELECT ... FOR UPDATE. SQLite: Balise's BEGIN IMMEDIATE already holds
    the database's write lock (SQLAlchemy leaves FOR UPDATE out there)."""
    session.refresh(meeting, with_for_update=True)


def _require_member_of(member: CommitteeMember, committee_id: int) -> None:
    if member.committee_id != committee_id or not member.active:
        raise NotFound()


def schedule_meeting(session: Session, committee: Committee, member: CommitteeMember, *,
                     held_on: date | None, agenda: str) -> Meeting:
    _require_member_of(member, committee.id)
    if held_on is None:
        raise InvalidInput("held_on", "required")
    meeting = Meeting(committee_id=committee.id, held_on=held_on, agenda=agenda.strip(),
                      minutes="", decision_ids=[])
    session.add(meeting)
    session.flush()
    _journal(session, committee, "committee.meeting.held", meeting, member.user_id,
             held_on=held_on.isoformat())
    return meeting


def write_minutes(session: Session, meeting: Meeting, member: CommitteeMember, *, text: str,
                  present: Collection[int], decision_ids: Collection[int]) -> Meeting:
    """Record the minutes, who attended and which decisions were taken up."""
    _require_member_of(member, meeting.committee_id)
    _lock(session, meeting)
    if meeting.minutes_approved_on is not None:
        raise RecordError("minutes", "minutes_approved")
    if not text.strip():
        raise InvalidInput("minutes", "required")
    committee = session.get_one(Committee, meeting.committee_id)
    members = {m.id for m in committee.members if m.active}
    if not set(present) <= members:
        raise RecordError("present", "not_of_committee")
    known = set(session.scalars(select(Decision.id).where(
        Decision.committee_id == committee.id, Decision.id.in_(list(decision_ids)))))
    if known != set(decision_ids):
        raise RecordError("decisions", "not_of_committee")
    meeting.minutes = text.strip()
    meeting.decision_ids = sorted(known)
    session.execute(delete(Attendance).where(Attendance.meeting_id == meeting.id))
    session.add_all(Attendance(meeting_id=meeting.id, member_id=m, present=m in present)
                    for m in sorted(members))
    session.flush()
    _journal(session, committee, "committee.minutes.written", meeting, member.user_id,
             digest=minutes_digest(meeting, present))
    return meeting


def approve_minutes(session: Session, meeting: Meeting, member: CommitteeMember) -> bool:
    """This member approves the current text; True once both sides have."""
    _require_member_of(member, meeting.committee_id)
    _lock(session, meeting)
    if meeting.minutes_approved_on is not None:
        raise RecordError("minutes", "minutes_approved")
    if not meeting.minutes.strip():
        raise RecordError("minutes", "minutes_empty")
    if not (member.voting or member.substitute_for_id):
        raise RecordError("member", "minutes_not_voting")
    committee = session.get_one(Committee, meeting.committee_id)
    digest = minutes_digest(meeting, present_ids(session, meeting))
    current = [a for a in approvals(session, meeting) if a.digest == digest]
    if all(a.member_id != member.id for a in current):
        _journal(session, committee, APPROVAL_ACTION, meeting, member.user_id,
                 side=member.side, member=member.id, digest=digest)
        current.append(Approval(member.id, member.side, digest, clock.now()))
    if not minutes_approved(a.side for a in current):
        return False
    meeting.minutes_approved_on = clock.today()
    session.flush()
    _journal(session, committee, "committee.minutes.approved", meeting, member.user_id,
             digest=digest)
    return True


def approvals(session: Session, meeting: Meeting) -> list[Approval]:
    """Every approval given to these minutes, read back from the journal, oldest first."""
    rows = session.execute(
        select(JournalEntry.payload, JournalEntry.at)
        .where(JournalEntry.subject == f"meeting:{meeting.id}",
               JournalEntry.action == APPROVAL_ACTION)
        .order_by(JournalEntry.seq)
    )
    found: list[Approval] = []
    for payload, at in rows:
        data = json.loads(payload)
        found.append(Approval(int(data["member"]), str(data["side"]), str(data["digest"]), at))
    return found


def present_ids(session: Session, meeting: Meeting) -> list[int]:
    return list(session.scalars(select(Attendance.member_id).where(
        Attendance.meeting_id == meeting.id, Attendance.present.is_(True))))


def _attendance(session: Session, meeting: Meeting) -> dict[int, bool]:
    rows = session.execute(select(Attendance.member_id, Attendance.present)
                           .where(Attendance.meeting_id == meeting.id))
    return {member_id: present for member_id, present in rows}


def decision_record(session: Session, committee: Committee, decision: Decision,
                    names: dict[int, str]) -> DecisionRecord:
    """A decision with the stance each member took on the version adopted (latest wins)."""
    proposal = session.get_one(Proposal, decision.proposal_id)
    sides = {m.id: m.side for m in committee.members}
    latest: dict[int, tuple[str, str]] = {}
    for stance in proposal.stances:  # in time order
        if stance.version == proposal.version:
            latest[stance.member_id] = (stance.kind, stance.reason)
    lines = [StanceLine(names.get(member_id, "?"), sides.get(member_id, ""), kind, reason)
             for member_id, (kind, reason) in latest.items()]
    lines.sort(key=lambda line: (line.side, line.name))
    return DecisionRecord(decision, lines)


def minutes_record(session: Session, meeting: Meeting) -> MinutesRecord:
    committee = session.get_one(Committee, meeting.committee_id)
    names = member_names(session, committee)
    sides = {m.id: m.side for m in committee.members}
    attendance = _attendance(session, meeting)
    decisions = list(session.scalars(
        select(Decision).where(Decision.id.in_(meeting.decision_ids or []))
        .order_by(Decision.number)))
    present = sorted(m for m, here in attendance.items() if here)
    digest = minutes_digest(meeting, present)
    current = [a for a in approvals(session, meeting) if a.digest == digest]
    return MinutesRecord(
        committee=committee,
        meeting=meeting,
        present=sorted((names[m], sides[m]) for m in present),
        absent=sorted((names[m], sides[m]) for m, here in attendance.items() if not here),
        decisions=[decision_record(session, committee, d, names) for d in decisions],
        approvals=[(names.get(a.member_id, "?"), a.side, a.at) for a in current],
        digest=digest,
    )
