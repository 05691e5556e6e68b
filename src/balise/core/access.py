"""Who may see what: roles, the viewer, and the establishment scope.

Every route, export and command asks these functions; none decides on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from balise.core.errors import NotFound
from balise.core.i18n import lazy


class Role(StrEnum):
    WORKER = "worker"
    TEAM_LEAD = "team_lead"
    COMMITTEE_EMPLOYER = "committee_employer"
    COMMITTEE_UNION = "committee_union"
    NATIONAL = "national"
    ANALYST = "analyst"
    ADMIN = "admin"


ROLE_LABELS: dict[Role, str] = {
    Role.WORKER: lazy("Home-care worker"),
    Role.TEAM_LEAD: lazy("Team lead"),
    Role.COMMITTEE_EMPLOYER: lazy("Committee member (employer side)"),
    Role.COMMITTEE_UNION: lazy("Committee member (union side)"),
    Role.NATIONAL: lazy("National committee"),
    Role.ANALYST: lazy("Analyst"),
    Role.ADMIN: lazy("Administrator"),
}

COMMITTEE_ROLES = frozenset({Role.COMMITTEE_EMPLOYER, Role.COMMITTEE_UNION})
ALL_ROLES = frozenset(Role)


@dataclass(frozen=True)
class Viewer:
    """The person asking, as every access rule sees them."""

    user_id: int
    role: Role
    establishment_id: int
    establishment_ids: frozenset[int]
    worker_id: int | None = None
    team_id: int | None = None

    def sees_establishment(self, establishment_id: int) -> bool:
        return establishment_id in self.establishment_ids

    def is_worker(self, worker_id: int | None) -> bool:
        return worker_id is not None and self.worker_id == worker_id


def require_establishment(viewer: Viewer, establishment_id: int) -> None:
    """Another establishment's object answers exactly as a missing one does."""
    if not viewer.sees_establishment(establishment_id):
        raise NotFound()
