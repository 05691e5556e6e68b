"""The territory: who works where, and whom they serve.

Clients are pseudonymous: a code, an approximate place (rounded to about 100 m), an
Iso-SMAF profile and a care plan. No name, no health-card number is ever stored.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from balise.core.db import Base
from balise.core.i18n import lazy

PROFESSIONS: dict[str, str] = {
    "nurse": lazy("Nurse"),
    "nursing_assistant": lazy("Nursing assistant"),
    "auxiliary": lazy("Home-care auxiliary (ASSS)"),
    "occupational_therapist": lazy("Occupational therapist"),
    "physiotherapist": lazy("Physiotherapist"),
    "social_worker": lazy("Social worker"),
    "dietitian": lazy("Dietitian"),
}

TERRITORY_KINDS: dict[str, str] = {"urban": lazy("Urban"), "rural": lazy("Rural")}


class Establishment(Base):
    __tablename__ = "establishment"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Site(Base):
    __tablename__ = "site"
    id: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="urban")
    lat: Mapped[float]
    lon: Mapped[float]


class Team(Base):
    __tablename__ = "team"
    __table_args__ = (
        UniqueConstraint("establishment_id", "code"),
        CheckConstraint("planning_quantile > 0 AND planning_quantile < 1", name="quantile_range"),
        CheckConstraint("margin_minutes >= 0", name="margin_nonnegative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    planning_quantile: Mapped[float] = mapped_column(default=0.8)
    margin_minutes: Mapped[int] = mapped_column(default=0)
    # The largest risk of a worker's day ending after the shift that the planner accepts.
    max_late_risk: Mapped[float] = mapped_column(default=0.1, server_default="0.1")

    site: Mapped[Site] = relationship()


class Worker(Base):
    """A home-care worker. ``code`` is the employee number; ``name`` is shown to
    colleagues of the same team only, never in aggregates or exports of figures."""

    __tablename__ = "worker"
    __table_args__ = (UniqueConstraint("establishment_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    home_site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    profession: Mapped[str] = mapped_column(String(32))
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)

    shifts: Mapped[list[WorkerShift]] = relationship(
        back_populates="worker", cascade="all, delete-orphan", order_by="WorkerShift.weekday"
    )


class WorkerShift(Base):
    """The usual weekly shift: one row per working weekday (0 = Monday)."""

    __tablename__ = "worker_shift"
    __table_args__ = (
        UniqueConstraint("worker_id", "weekday"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("start_minute < end_minute", name="shift_order"),
        CheckConstraint("break_minutes >= 0", name="break_nonnegative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id", ondelete="CASCADE"))
    weekday: Mapped[int]
    start_minute: Mapped[int]
    end_minute: Mapped[int]
    break_minutes: Mapped[int] = mapped_column(default=30)

    worker: Mapped[Worker] = relationship(back_populates="shifts")

    @property
    def paid_minutes(self) -> int:
        return self.end_minute - self.start_minute - self.break_minutes


class Client(Base):
    __tablename__ = "client"
    __table_args__ = (
        UniqueConstraint("establishment_id", "code"),
        CheckConstraint("iso_smaf BETWEEN 1 AND 14", name="iso_smaf_range"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    lat: Mapped[float]
    lon: Mapped[float]
    iso_smaf: Mapped[int]
    usual_worker_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"))
    active_since: Mapped[date] = mapped_column(Date)

    care_plan: Mapped[list[CarePlanItem]] = relationship(
        back_populates="client", cascade="all, delete-orphan"
    )


class CarePlanItem(Base):
    """One recurring need: an act, how often, within which window, by which profession.

    A need may take two workers at once (``workers_needed`` = 2: a transfer with a lift),
    come after another need of the same client on the same day (``follows_act_id``, from
    ``delay_min`` to ``delay_max`` minutes after that visit ends: the nurse after the
    auxiliary's morning care), accept a second window, and be optional: planned when there
    is room, otherwise left on the waiting list with the reason (``grid/week_plan.py``,
    ``planner/team_day.py``).
    """

    __tablename__ = "care_plan_item"
    __table_args__ = (
        CheckConstraint("times_per_week BETWEEN 1 AND 21", name="frequency_range"),
        CheckConstraint("window_start < window_end", name="window_order"),
        CheckConstraint("workers_needed BETWEEN 1 AND 2", name="workers_needed_range"),
        CheckConstraint("window2_start IS NULL OR window2_end IS NULL "
                        "OR window2_start < window2_end", name="window2_order"),
        CheckConstraint("delay_min IS NULL OR delay_min >= 0", name="delay_nonnegative"),
        CheckConstraint("delay_min IS NULL OR delay_max IS NULL OR delay_min <= delay_max",
                        name="delay_order"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"), index=True)
    act_id: Mapped[int] = mapped_column(ForeignKey("act.id"))
    times_per_week: Mapped[int]
    window_start: Mapped[int]
    window_end: Mapped[int]
    profession: Mapped[str] = mapped_column(String(32))
    workers_needed: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    follows_act_id: Mapped[int | None] = mapped_column(ForeignKey("act.id"))
    delay_min: Mapped[int | None]
    delay_max: Mapped[int | None]
    window2_start: Mapped[int | None]
    window2_end: Mapped[int | None]
    optional: Mapped[bool] = mapped_column(default=False, server_default=false())

    client: Mapped[Client] = relationship(back_populates="care_plan")
