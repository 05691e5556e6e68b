"""Reading the territory for pages: one access function per object kind."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from balise.core.access import Role, Viewer, require_establishment
from balise.core.errors import NotFound
from balise.territory.models import Client, Establishment, Team, Worker


def access_team(session: Session, viewer: Viewer, team_id: int) -> Team:
    """A team lead reaches their own team; committee members, analysts and admins any
    team of the establishments they see; workers none. Same answer for missing and
    not yours."""
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound()
    require_establishment(viewer, team.establishment_id)
    if viewer.role == Role.WORKER:
        raise NotFound()
    if viewer.role == Role.TEAM_LEAD and viewer.team_id != team.id:
        raise NotFound()
    return team


def access_team_aggregates(session: Session, viewer: Viewer, team_id: int) -> Team:
    """Guarded aggregates of a team: its lead, and anyone but workers in the
    establishments they see."""
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound()
    require_establishment(viewer, team.establishment_id)
    if viewer.role == Role.WORKER:
        raise NotFound()
    return team


def visible_teams(session: Session, viewer: Viewer) -> list[Team]:
    query = select(Team).where(Team.establishment_id.in_(viewer.establishment_ids))
    if viewer.role == Role.TEAM_LEAD:
        query = query.where(Team.id == viewer.team_id)
    if viewer.role == Role.WORKER:
        return []
    return list(session.scalars(query.order_by(Team.establishment_id, Team.code)))


def establishments_of(session: Session, viewer: Viewer) -> list[Establishment]:
    return list(
        session.scalars(
            select(Establishment)
            .where(Establishment.id.in_(viewer.establishment_ids))
            .order_by(Establishment.name)
        )
    )


def team_members(session: Session, team: Team) -> list[Worker]:
    return list(
        session.scalars(
            select(Worker).where(Worker.team_id == team.id, Worker.active.is_(True))
            .order_by(Worker.profession, Worker.name)
        )
    )


def team_client_count(session: Session, team: Team) -> int:
    return int(session.scalar(select(func.count()).where(Client.team_id == team.id)) or 0)
