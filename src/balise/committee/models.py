"""The tables of joint committees.

Committee texts (mandate, proposals, minutes) are stored as written; a committee writes
in its working language and may add the other language beside it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from balise.core.db import Base
from balise.core.i18n import lazy

SIDES: dict[str, str] = {"employer": lazy("Employer side"), "union": lazy("Union side")}
COMMITTEE_KINDS: dict[str, str] = {"local": lazy("Local"), "national": lazy("National")}
PHASES: dict[str, str] = {
    "objectives": lazy("Objectives"),
    "consultants": lazy("Choice of consultants"),
    "diagnosis": lazy("Diagnosis"),
    "planning": lazy("Planning"),
    "decision": lazy("Decision"),
    "implementation": lazy("Implementation"),
    "follow_up": lazy("Follow-up"),
    "review": lazy("Review"),
}
STANCES: dict[str, str] = {
    "agree": lazy("Agree"),
    "reservations": lazy("Agree with reservations"),
    "stand_aside": lazy("Stand aside"),
    "block": lazy("Block"),
}
PROPOSAL_KINDS: dict[str, str] = {
    "general": lazy("General"),
    "phase": lazy("Move the project to its next phase"),
    "reference_time": lazy("Change a reference time"),
    "collection_setting": lazy("Change what Balise records about work"),
    "indicator_set": lazy("Adopt or change a project's indicators and targets"),
}
PROCUREMENT: dict[str, str] = {
    "tender": lazy("Public tender"),
    "sole_source": lazy("Sole source (no tender)"),
}


class Committee(Base):
    __tablename__ = "committee"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    mandate: Mapped[str] = mapped_column(Text, default="")
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    members: Mapped[list[CommitteeMember]] = relationship(
        back_populates="committee", order_by="CommitteeMember.id"
    )
    establishments: Mapped[list[CommitteeEstablishment]] = relationship(
        cascade="all, delete-orphan"
    )


class CommitteeEstablishment(Base):
    """The establishments a national committee covers (a local one covers its own)."""

    __tablename__ = "committee_establishment"
    committee_id: Mapped[int] = mapped_column(
        ForeignKey("committee.id", ondelete="CASCADE"), primary_key=True
    )
    establishment_id: Mapped[int] = mapped_column(
        ForeignKey("establishment.id"), primary_key=True
    )


class CommitteeMember(Base):
    __tablename__ = "committee_member"
    __table_args__ = (UniqueConstraint("committee_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    side: Mapped[str] = mapped_column(String(16))
    voting: Mapped[bool] = mapped_column(default=True)
    substitute_for_id: Mapped[int | None] = mapped_column(ForeignKey("committee_member.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # Where the committee reaches this member (notices of proposals awaiting a stance);
    # empty: the member sees them in Balise only.
    email: Mapped[str] = mapped_column(String(254), default="")

    committee: Mapped[Committee] = relationship(back_populates="members")


class Project(Base):
    __tablename__ = "project"
    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    objectives: Mapped[str] = mapped_column(Text, default="")
    team_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    phase: Mapped[str] = mapped_column(String(32), default="objectives")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Proposal(Base):
    """A proposal and its current version; stances apply to one version."""

    __tablename__ = "proposal"
    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"))
    kind: Mapped[str] = mapped_column(String(32), default="general")
    effect: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="open")
    version: Mapped[int] = mapped_column(default=1)
    deadline: Mapped[date | None] = mapped_column(Date)
    filed_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    filed_at: Mapped[datetime] = mapped_column(DateTime)

    versions: Mapped[list[ProposalVersion]] = relationship(
        back_populates="proposal", order_by="ProposalVersion.number"
    )
    stances: Mapped[list[Stance]] = relationship(order_by="Stance.at")

    @property
    def current(self) -> ProposalVersion:
        return self.versions[-1]


class ProposalVersion(Base):
    __tablename__ = "proposal_version"
    __table_args__ = (UniqueConstraint("proposal_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    rationale: Mapped[str] = mapped_column(Text, default="")
    written_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    written_at: Mapped[datetime] = mapped_column(DateTime)

    proposal: Mapped[Proposal] = relationship(back_populates="versions")


class Stance(Base):
    """A member's stance on one version; a later stance on the same version replaces
    the earlier one for the count, and both stay for the record."""

    __tablename__ = "stance"
    __table_args__ = (
        CheckConstraint("kind IN ('agree','reservations','stand_aside','block')", name="kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    version: Mapped[int]
    member_id: Mapped[int] = mapped_column(ForeignKey("committee_member.id"))
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime)


class Decision(Base):
    __tablename__ = "decision"
    __table_args__ = (UniqueConstraint("committee_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), unique=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"))
    number: Mapped[str] = mapped_column(String(16))
    adopted_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)


class Meeting(Base):
    __tablename__ = "meeting"
    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    agenda: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[str] = mapped_column(Text, default="")
    minutes_approved_on: Mapped[date | None] = mapped_column(Date)
    decision_ids: Mapped[list[int]] = mapped_column(JSON, default=list)


class Attendance(Base):
    __tablename__ = "attendance"
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("committee_member.id"), primary_key=True)
    present: Mapped[bool] = mapped_column(default=True)


class Document(Base):
    __tablename__ = "document"
    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime)


class DocumentAccess(Base):
    """Every opening of a shared document, by whom and when."""

    __tablename__ = "document_access"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    at: Mapped[datetime] = mapped_column(DateTime)


class Contract(Base):
    __tablename__ = "contract"
    __table_args__ = (
        CheckConstraint("total_amount >= 0", name="total_nonnegative"),
        CheckConstraint("procurement IN ('tender','sole_source')", name="procurement"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), index=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"))
    firm: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    procurement: Mapped[str] = mapped_column(String(16))
    justification: Mapped[str] = mapped_column(Text, default="")
    total_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    weekly_fee: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    weeks: Mapped[int | None]
    promised_return: Mapped[str] = mapped_column(Text, default="")
    indicator: Mapped[str] = mapped_column(String(200), default="")
    jointly_chosen: Mapped[bool] = mapped_column(default=False)
    signed_on: Mapped[date] = mapped_column(Date)
