"""Summaries of realized visits, kept in the same transaction as every visit write.

Reading five million visits takes tens of seconds; the evidence and the indicators need
far less than the visits themselves (``docs/grid-evidence.md``, *Volume*). These tables
hold exactly what they need, and :mod:`balise.grid.summary_upkeep` keeps them equal to
a computation from scratch (``balise summaries rebuild`` makes one):

* ``evidence_cell``: for each team, Iso-SMAF group and set of acts done, the histogram
  of realized minutes. Durations are whole minutes, so quantiles, their intervals, the
  share above any standard and the what-if are exact on it. The set of acts, not a
  standard, is kept: a new reference time then needs no rebuild.
* ``evidence_worker``: which workers stand behind each act, team and Iso-SMAF group
  (act 0: any realized visit), so that the k >= 5 guard counts distinct workers. The
  ids never leave the query layer.
* ``evidence_team_week``: realized visits per team and week (the team-weeks observed).
* ``act_duration_week``: realized minutes of visits of one act, per act and week (the
  weekly plan's planned durations and day-load simulation, over the last year).
* ``worker_day``: the indicators' first stage, one row per worker, team and day.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from balise.core.db import Base

ANY_ACT = 0  # evidence_worker rows of every realized visit, whatever its acts


class EvidenceCell(Base):
    __tablename__ = "evidence_cell"
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"),
                                         primary_key=True)
    smaf_group: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Act ids done in the visit, ascending, comma-separated ("" for a visit of no act).
    act_set: Mapped[str] = mapped_column(String(400), primary_key=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    # (minute, visits) pairs as little-endian int32, minutes ascending.
    histogram: Mapped[bytes] = mapped_column(LargeBinary)


class EvidenceWorker(Base):
    __tablename__ = "evidence_worker"
    act_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # ANY_ACT: any visit
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"),
                                         primary_key=True)
    smaf_group: Mapped[int] = mapped_column(Integer, primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id", ondelete="CASCADE"),
                                           primary_key=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    visits: Mapped[int] = mapped_column(Integer)


class EvidenceTeamWeek(Base):
    __tablename__ = "evidence_team_week"
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"),
                                         primary_key=True)
    week: Mapped[int] = mapped_column(Integer, primary_key=True)  # Mondays since 1970
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    visits: Mapped[int] = mapped_column(Integer)


class ActDurationWeek(Base):
    __tablename__ = "act_duration_week"
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"),
                                                  primary_key=True)
    act_id: Mapped[int] = mapped_column(ForeignKey("act.id", ondelete="CASCADE"),
                                        primary_key=True)
    week: Mapped[int] = mapped_column(Integer, primary_key=True)  # Mondays since 1970
    minutes: Mapped[int] = mapped_column(Integer, primary_key=True)
    visits: Mapped[int] = mapped_column(Integer)


class WorkerDay(Base):
    """Columns as ``balise.indicators.compute_sql.WORKER_DAY_COLUMNS``."""

    __tablename__ = "worker_day"
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id", ondelete="CASCADE"),
                                           primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"),
                                         primary_key=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    dayn: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer)
    timed: Mapped[int] = mapped_column(Integer)
    realized_minutes: Mapped[float] = mapped_column(Float)
    first_start: Mapped[float | None] = mapped_column(Float)
    last_end: Mapped[float | None] = mapped_column(Float)
    travel_known: Mapped[int] = mapped_column(Integer)
    travel_minutes: Mapped[float] = mapped_column(Float)
    with_usual: Mapped[int] = mapped_column(Integer)
    by_usual: Mapped[int] = mapped_column(Integer)
    clinical: Mapped[int] = mapped_column(Integer)
    ref_known: Mapped[int] = mapped_column(Integer)
    above_ref: Mapped[int] = mapped_column(Integer)
    acts_scoped: Mapped[int] = mapped_column(Integer)
    acts_mismatch: Mapped[int] = mapped_column(Integer)
