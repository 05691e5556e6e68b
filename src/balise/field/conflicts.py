"""Versions set aside by the sync, for the team lead of the visit's team.

The lead sees both versions of a visit (the one in force and the one set aside) with the
rule that decided, and may mark the pair reviewed; correcting the visit itself goes
through the visit page like any other change.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.core import clock
from balise.core.access import Role, Viewer, require_establishment
from balise.core.errors import NotFound
from balise.field.models import SyncConflict
from balise.grid.models import Visit
from balise.territory.models import Client, Worker


@dataclass(frozen=True)
class ConflictView:
    conflict: SyncConflict
    visit: Visit
    client_code: str
    worker_name: str | None


def _leads_team(viewer: Viewer, team_id: int) -> bool:
    return viewer.role == Role.TEAM_LEAD and viewer.team_id == team_id


def access_conflict(session: Session, viewer: Viewer, conflict_id: int) -> SyncConflict:
    """The lead of the visit's team reaches a conflict; nobody else (same answer as
    "does not exist")."""
    conflict = session.get(SyncConflict, conflict_id)
    if conflict is None:
        raise NotFound()
    require_establishment(viewer, conflict.establishment_id)
    if _leads_team(viewer, conflict.team_id):
        return conflict
    raise NotFound()


def team_conflicts(session: Session, viewer: Viewer) -> list[ConflictView]:
    """The lead's team's conflicts, those to review first, newest first."""
    if viewer.role != Role.TEAM_LEAD or viewer.team_id is None:
        raise NotFound()
    rows = session.execute(
        select(SyncConflict, Visit, Client.code, Worker.name)
        .join(Visit, Visit.id == SyncConflict.visit_id)
        .join(Client, Client.id == Visit.client_id)
        .outerjoin(Worker, Worker.id == Visit.worker_id)
        .where(SyncConflict.team_id == viewer.team_id,
               SyncConflict.establishment_id.in_(viewer.establishment_ids))
        .order_by(SyncConflict.reviewed_at.is_not(None), SyncConflict.detected_at.desc(),
                  SyncConflict.id.desc())
    ).all()
    return [ConflictView(c, v, code, name) for c, v, code, name in rows]


def mark_reviewed(session: Session, viewer: Viewer, conflict: SyncConflict) -> None:
    """The lead has looked at both versions; both stay stored."""
    if conflict.reviewed_at is None:
        conflict.reviewed_at = clock.now()
        conflict.reviewed_by = viewer.user_id
        session.flush()
