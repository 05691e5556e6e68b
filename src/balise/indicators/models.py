"""The tables of success indicators.

Built-in definitions live in code (:mod:`balise.indicators.builtins`), reviewed like
code; this table holds the ones people define (hand-entered and survey indicators),
each change of which is journaled. A project's indicators and targets are what a
committee decision adopted (:class:`ProjectIndicator` keeps each decision's rows;
a later decision ends them instead of overwriting them). Computed values are stored
per scope and period so that a dashboard reads them instead of scanning the year's
visits; they are stored already guarded (k >= 5), never raw for a small group.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from balise.core.db import Base
from balise.grid.models import Visit


class IndicatorDefinition(Base):
    __tablename__ = "indicator_definition"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_fr: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    family: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    source_note: Mapped[str] = mapped_column(String(300), default="")
    unit: Mapped[str] = mapped_column(String(32))
    direction: Mapped[str] = mapped_column(String(20))
    period: Mapped[str] = mapped_column(String(8))
    formula_fr: Mapped[str] = mapped_column(Text)
    formula_en: Mapped[str] = mapped_column(Text)
    balancing: Mapped[list[str]] = mapped_column(JSON, default=list)
    baseline_start: Mapped[date | None] = mapped_column(Date)
    baseline_end: Mapped[date | None] = mapped_column(Date)
    target: Mapped[float | None] = mapped_column(Float)
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    changed_at: Mapped[datetime] = mapped_column(DateTime)


class ProjectIndicator(Base):
    """One indicator of a project's adopted set, with the decision that set it."""

    __tablename__ = "project_indicator"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    indicator_code: Mapped[str] = mapped_column(String(40))
    need: Mapped[str] = mapped_column(String(32), default="")  # an act code, or "" for all
    target: Mapped[float | None] = mapped_column(Float)
    baseline_start: Mapped[date | None] = mapped_column(Date)
    baseline_end: Mapped[date | None] = mapped_column(Date)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"))
    decision_ref: Mapped[str] = mapped_column(String(64))
    adopted_on: Mapped[date] = mapped_column(Date)
    ended_by_decision_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id"))


class HandEntry(Base):
    """A value typed or imported for a period, with where it comes from and who gave it."""

    __tablename__ = "indicator_entry"
    __table_args__ = (Index("ix_indicator_entry_scope", "establishment_id", "indicator_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_code: Mapped[str] = mapped_column(String(40))
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    period_start: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    source_note: Mapped[str] = mapped_column(String(300), default="")
    entered_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    entered_at: Mapped[datetime] = mapped_column(DateTime)


class IndicatorValue(Base):
    """A computed figure of one scope and period. ``scope`` is ``establishment``,
    ``team:<id>`` or ``teams:<id>,<id>`` (a project over several teams).

    ``value``, ``numerator`` and ``denominator`` are NULL when fewer than 5 workers are
    behind the cell: the figure was suppressed before it was written."""

    __tablename__ = "indicator_value"
    __table_args__ = (
        UniqueConstraint("indicator_code", "establishment_id", "scope", "need", "period_start",
                         name="uq_indicator_value_cell"),
        Index("ix_indicator_value_scope", "establishment_id", "scope"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_code: Mapped[str] = mapped_column(String(40))
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"))
    scope: Mapped[str] = mapped_column(String(200))
    need: Mapped[str] = mapped_column(String(32), default="")
    period_start: Mapped[date] = mapped_column(Date)
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[float | None] = mapped_column(Float)
    value: Mapped[float | None] = mapped_column(Float)
    workers: Mapped[int]
    computed_at: Mapped[datetime] = mapped_column(DateTime)


# The indicator engine reads a window of days of one establishment's visits (a nightly
# refresh of the last weeks); without this index every refresh reads the whole history.
VISIT_WINDOW_INDEX = Index("ix_visit_establishment_id_day", Visit.establishment_id, Visit.day)
