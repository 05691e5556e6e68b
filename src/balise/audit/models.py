"""The read log: one row each time someone other than the worker reads individual-level data.

Law 25 wants traceability of access to personal information; OWASP ASVS 16.2.1 wants
who, when, where and what. A row names the record kind and whose data it was (a worker,
a client, or neither when an export holds many); it never copies the data read.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from balise.core.db import Base


class ReadLogEntry(Base):
    __tablename__ = "read_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    record_kind: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[int | None]
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"), index=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("client.id"))
    rows: Mapped[int | None]  # how many records an export or a page held
    route: Mapped[str] = mapped_column(String(200))
