"""Acts, their reference times, visits planned and realized, unmet needs.

A reference time is a planning aid adopted by a joint committee decision, never a quota:
it carries the decision that adopted it (``decision_ref`` now, a link to the committee's
decision table once it exists) and keeps every earlier version.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from balise.core.db import Base
from balise.core.i18n import lazy

VISIT_STATUSES: dict[str, str] = {
    "planned": lazy("Planned"),
    "done": lazy("Done"),
    "not_done": lazy("Not done"),
    "cancelled": lazy("Cancelled"),
}

# How a visit is linked to the other visit of its group (same ``link_group``): two
# workers at the same time, or the first and the second of a sequence.
LINK_KINDS: dict[str, str] = {
    "double": lazy("Double visit"),
    "before": lazy("First of a sequence"),
    "after": lazy("Second of a sequence"),
}

REASON_CATEGORIES: dict[str, str] = {
    "clinical": lazy("Clinical"),
    "logistics": lazy("Logistics"),
    "documentation": lazy("Documentation"),
    "other": lazy("Other"),
}


class Act(Base):
    __tablename__ = "act"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    label_fr: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    professions: Mapped[list[str]] = mapped_column(JSON, default=list)

    reference_times: Mapped[list[ReferenceTime]] = relationship(
        back_populates="act", order_by="ReferenceTime.valid_from"
    )


class ReferenceTime(Base):
    __tablename__ = "reference_time"
    __table_args__ = (
        UniqueConstraint("act_id", "valid_from"),
        CheckConstraint("minutes > 0", name="minutes_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    act_id: Mapped[int] = mapped_column(ForeignKey("act.id"), index=True)
    minutes: Mapped[int]
    valid_from: Mapped[date] = mapped_column(Date)
    adopted_by: Mapped[str] = mapped_column(String(200))
    decision_ref: Mapped[str | None] = mapped_column(String(64))
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id"))

    act: Mapped[Act] = relationship(back_populates="reference_times")


class VarianceReason(Base):
    """A reason a visit differed from its plan, from the list the committee keeps."""

    __tablename__ = "variance_reason"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    category: Mapped[str] = mapped_column(String(16))
    label_fr: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)


class Visit(Base):
    """A home visit: planned fields first, realized fields filled by the worker."""

    __tablename__ = "visit"
    __table_args__ = (
        CheckConstraint("window_start < window_end", name="window_order"),
        CheckConstraint("planned_minutes > 0", name="planned_positive"),
        CheckConstraint(
            "realized_end IS NULL OR realized_start IS NULL OR realized_end >= realized_start", name="realized_order"
        ),
        CheckConstraint("travel_minutes IS NULL OR travel_minutes >= 0", name="travel_nonnegative"),
        CheckConstraint("window2_start IS NULL OR window2_end IS NULL "
                        "OR window2_start < window2_end", name="window2_order"),
        CheckConstraint("delay_min IS NULL OR delay_min >= 0", name="delay_nonnegative"),
        CheckConstraint("delay_min IS NULL OR delay_max IS NULL OR delay_min <= delay_max",
                        name="delay_order"),
        CheckConstraint("link_kind IS NULL OR link_group IS NOT NULL", name="link_has_group"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    window_start: Mapped[int]
    window_end: Mapped[int]
    planned_start: Mapped[int | None]
    planned_minutes: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="planned")
    realized_start: Mapped[datetime | None] = mapped_column(DateTime)
    realized_end: Mapped[datetime | None] = mapped_column(DateTime)
    travel_minutes: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(Text)
    # A double visit is two visits (one per worker) and a sequence two visits (one per
    # need), each pair sharing a ``link_group`` label; ``link_kind`` says which is which.
    # ``delay_min``/``delay_max`` (on the "after" visit): minutes after the first visit ends.
    link_group: Mapped[str | None] = mapped_column(String(32), index=True)
    link_kind: Mapped[str | None] = mapped_column(String(16))
    delay_min: Mapped[int | None]
    delay_max: Mapped[int | None]
    window2_start: Mapped[int | None]
    window2_end: Mapped[int | None]
    # Planned when there is room; otherwise it waits on the waiting list with the reason.
    optional: Mapped[bool] = mapped_column(default=False, server_default=false())

    acts: Mapped[list[VisitAct]] = relationship(
        back_populates="visit", cascade="all, delete-orphan"
    )
    reasons: Mapped[list[VarianceReason]] = relationship(secondary="visit_reason")

    @property
    def realized_minutes(self) -> int | None:
        if self.realized_start is None or self.realized_end is None:
            return None
        return round((self.realized_end - self.realized_start).total_seconds() / 60)


class VisitAct(Base):
    """An act of a visit: planned, done, or both (a worker may add acts freely)."""

    __tablename__ = "visit_act"
    visit_id: Mapped[int] = mapped_column(
        ForeignKey("visit.id", ondelete="CASCADE"), primary_key=True
    )
    act_id: Mapped[int] = mapped_column(ForeignKey("act.id"), primary_key=True, index=True)
    planned: Mapped[bool] = mapped_column(default=True)
    done: Mapped[bool] = mapped_column(default=False)

    visit: Mapped[Visit] = relationship(back_populates="acts")
    act: Mapped[Act] = relationship()


class VisitReason(Base):
    __tablename__ = "visit_reason"
    visit_id: Mapped[int] = mapped_column(
        ForeignKey("visit.id", ondelete="CASCADE"), primary_key=True
    )
    reason_id: Mapped[int] = mapped_column(ForeignKey("variance_reason.id"), primary_key=True)


class WaitingListEntry(Base):
    """A need waiting to be served: from an unmet need at a visit, or from a request."""

    __tablename__ = "waiting_list_entry"
    __table_args__ = (CheckConstraint("served_on IS NULL OR served_on >= requested_on", name="served_after_request"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"))
    act_id: Mapped[int] = mapped_column(ForeignKey("act.id"))
    source: Mapped[str] = mapped_column(String(16))  # "unmet_need", "request" or "planner"
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id"))
    requested_on: Mapped[date] = mapped_column(Date)
    served_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    # Source "planner": an optional visit the planner could not place, and why (a code of
    # planner.team_day.UNASSIGNED_REASONS).
    planner_reason: Mapped[str | None] = mapped_column(String(32))

    act: Mapped[Act] = relationship()


class CollectionSetting(Base):
    """What Balise records about work, for an establishment or one of its teams, as set
    by an adopted committee decision. Rows are never changed: a new decision adds a new
    row, and the latest row for a scope and key is in force (see grid/collection.py)."""

    __tablename__ = "collection_setting"
    id: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    key: Mapped[str] = mapped_column(String(32))
    enabled: Mapped[bool]
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id"))
    decision_ref: Mapped[str | None] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(DateTime)


# The summaries of visits are kept by session hooks at every write; importing them with
# the models means no process can write a visit without them.
from balise.grid import summary_hooks  # noqa: E402,F401
