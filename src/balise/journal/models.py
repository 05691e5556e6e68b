"""The journal's one table, and the guard that keeps the application from changing it.

``seq`` is the primary key: numbers are given by :func:`balise.journal.service.append`
(1, 2, 3… with no gaps), never by the database, and its uniqueness is the last guard
should two writers ever pick the same number. The database refuses UPDATE and DELETE
through triggers (migration 0002); the mapper events below refuse them earlier, with a
clearer message, should any code try through the ORM.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from balise.core.db import Base


class JournalEntry(Base):
    __tablename__ = "journal_entry"
    __table_args__ = (CheckConstraint("seq >= 1", name="seq_positive"),)

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime)
    establishment_id: Mapped[int | None] = mapped_column(
        ForeignKey("establishment.id"), index=True
    )
    actor_user_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(120), index=True)
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<JournalEntry {self.seq} {self.action} {self.subject}>"


class AppendOnly(RuntimeError):
    """Raised when code tries to change or remove a journal entry through the ORM."""


def _refuse(_mapper: Any, _connection: Any, target: JournalEntry) -> None:
    raise AppendOnly(f"journal is append-only: entry {target.seq} cannot be changed or removed")


event.listen(JournalEntry, "before_update", _refuse)
event.listen(JournalEntry, "before_delete", _refuse)
