"""The other visit of a double visit or a sequence, for the pages that show them side by side."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.grid.models import Visit


def linked_partners(session: Session, visits: Sequence[Visit]) -> dict[int, Visit]:
    """visit id -> the other visit of its group, for the visits that have one."""
    groups = {(v.client_id, v.link_group) for v in visits if v.link_group is not None}
    if not groups:
        return {}
    found = session.scalars(select(Visit).where(
        Visit.link_group.in_({g for _, g in groups}),
        Visit.client_id.in_({c for c, _ in groups})))
    members: dict[tuple[int, str], list[Visit]] = {}
    for visit in found:
        members.setdefault((visit.client_id, visit.link_group or ""), []).append(visit)
    partners = {}
    for visit in visits:
        group = members.get((visit.client_id, visit.link_group or ""), [])
        others = [v for v in group if v.id != visit.id]
        if len(others) == 1:
            partners[visit.id] = others[0]
    return partners
