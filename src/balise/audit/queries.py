"""Reading the read log for the page that shows it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from balise.accounts.models import User
from balise.audit.models import ReadLogEntry
from balise.audit.service import RecordKind
from balise.core.access import Viewer
from balise.territory.models import Client, Worker

PAGE_ROWS = 500


@dataclass(frozen=True)
class ReadLogRow:
    at: datetime
    reader: str
    reader_role: str
    record_kind: str
    record_id: int | None
    worker_code: str | None
    client_code: str | None
    rows: int | None
    route: str


def recent_reads(session: Session, viewer: Viewer, limit: int = PAGE_ROWS,
                 *, own: bool = False) -> list[ReadLogRow]:
    """The establishment's latest reads, newest first; with ``own``, only the reads of the
    viewer's own data: their visits and versions, and their team's week plan."""
    reader = aliased(User)
    query = (select(ReadLogEntry, reader.username, reader.role, Worker.code, Client.code)
             .join(reader, reader.id == ReadLogEntry.user_id)
             .outerjoin(Worker, Worker.id == ReadLogEntry.worker_id)
             .outerjoin(Client, Client.id == ReadLogEntry.client_id)
             .where(ReadLogEntry.establishment_id == viewer.establishment_id)
             .order_by(ReadLogEntry.at.desc(), ReadLogEntry.id.desc())
             .limit(limit))
    if own:
        query = query.where(or_(ReadLogEntry.worker_id == viewer.worker_id,
                                and_(ReadLogEntry.record_kind == RecordKind.TEAM_PLAN,
                                     ReadLogEntry.record_id == viewer.team_id)))
    return [ReadLogRow(entry.at, username, role, entry.record_kind, entry.record_id,
                       worker_code, client_code, entry.rows, entry.route)
            for entry, username, role, worker_code, client_code in session.execute(query)]
