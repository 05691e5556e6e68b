"""What the field sync stores: every batch with its answer, every record with its
acknowledgment, and every version of a visit that another version replaced.

Deduplication is done by unique constraints, never by a ``SELECT`` before an
``INSERT``: two copies of the same batch or record racing each other must collide in
the database, where only one can win (the lesson of kobotoolbox/kpi#5047).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from balise.core.db import Base

# What a stored record became; a replay answers with the stored acknowledgment.
RECORD_APPLIED = "applied"  # its version is the visit's version
RECORD_SUPERSEDED = "superseded"  # stored and kept, but a later version holds the visit
RECORD_REFUSED = "refused"  # not applied, with a reason (code) the worker sees
ACCEPTED = (RECORD_APPLIED, RECORD_SUPERSEDED)


class SyncBatch(Base):
    """One ``POST /api/sync`` as first executed: a retry with the same key gets the same
    answer. The row is written in the transaction that stores the batch's records, so
    either both exist or neither does."""

    __tablename__ = "sync_batch"
    __table_args__ = (UniqueConstraint("user_id", "idempotency_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # Keys are scoped to their user: someone else's key is simply a new key (no leak).
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    request_sha256: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class SyncRecord(Base):
    """One record from a device, stored once whatever the number of times it is sent."""

    __tablename__ = "sync_record"
    __table_args__ = (Index("ix_sync_record_visit_version", "visit_id", "status", "recorded_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"))
    # Set only when the worker reached the visit: a refused "not_found" names no visit.
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id", ondelete="SET NULL"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("sync_batch.id", ondelete="SET NULL"))
    device_id: Mapped[str] = mapped_column(String(64))
    # The device's clock, in UTC: what the multi-device rule compares.
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    ack: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The visit as this record left it, to notice a later change made outside the sync
    # (the visit form): that change is then kept as a version instead of being lost.
    applied_state: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime)


class SyncConflict(Base):
    """Two versions of the same visit: the one in force and the one set aside.

    Written when versions come from two devices, or when a record replaces a change made
    on the server; the team lead sees it (``/field/conflicts``) and may mark it reviewed.
    Nothing is deleted: the set-aside version stays here and in ``sync_record``."""

    __tablename__ = "sync_conflict"
    id: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(32))  # see rules.RULES
    kept_record_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    kept: Mapped[dict[str, Any]] = mapped_column(JSON)
    set_aside_record_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    set_aside_source: Mapped[str] = mapped_column(String(16))  # "device" or "server"
    set_aside: Mapped[dict[str, Any]] = mapped_column(JSON)
    detected_at: Mapped[datetime] = mapped_column(DateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
