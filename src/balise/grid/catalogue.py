"""The act catalogue: each act with its reference time in force and every earlier value.

A reference time is in force from its ``valid_from`` until the next version's; the one in
force today is the latest whose ``valid_from`` is not after today. Versions are never
changed or deleted, so the history shows who adopted each value and from which decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from balise.core.errors import NotFound
from balise.grid.models import Act, ReferenceTime


@dataclass(frozen=True)
class Version:
    """One value of an act's reference time, as the catalogue shows it."""

    minutes: int
    valid_from: date
    adopted_by: str
    decision_ref: str | None  # the committee's decision number; a link once decisions exist
    decision_id: int | None
    status: str  # "current", "earlier" or "upcoming"


@dataclass(frozen=True)
class CatalogueEntry:
    act: Act
    current: Version | None
    versions: list[Version]  # newest first, upcoming ones included

    @property
    def earlier(self) -> list[Version]:
        return [v for v in self.versions if v.status == "earlier"]


VERSION_STATUSES = ("current", "earlier", "upcoming")


def versions_of(references: list[ReferenceTime], today: date) -> list[Version]:
    """Newest first; the first not after ``today`` is current."""
    ordered = sorted(references, key=lambda r: r.valid_from, reverse=True)
    in_force = next((r for r in ordered if r.valid_from <= today), None)
    return [
        Version(
            minutes=r.minutes, valid_from=r.valid_from, adopted_by=r.adopted_by,
            decision_ref=r.decision_ref, decision_id=r.decision_id,
            status="current" if r is in_force else "upcoming" if r.valid_from > today
            else "earlier",
        )
        for r in ordered
    ]


def _entry(act: Act, today: date) -> CatalogueEntry:
    versions = versions_of(list(act.reference_times), today)
    current = next((v for v in versions if v.status == "current"), None)
    return CatalogueEntry(act, current, versions)


def act_catalogue(session: Session, today: date) -> list[CatalogueEntry]:
    acts = session.scalars(
        select(Act).options(selectinload(Act.reference_times)).order_by(Act.code)
    )
    return [_entry(act, today) for act in acts]


def catalogue_entry(session: Session, code: str, today: date) -> CatalogueEntry:
    """One act by its code; an unknown code is "not found"."""
    act = session.scalar(
        select(Act).where(Act.code == code).options(selectinload(Act.reference_times))
    )
    if act is None:
        raise NotFound()
    return _entry(act, today)


def current_minutes(entries: list[CatalogueEntry]) -> dict[int, int]:
    """Act id -> reference minutes in force, for the acts that have one."""
    return {e.act.id: e.current.minutes for e in entries if e.current is not None}
