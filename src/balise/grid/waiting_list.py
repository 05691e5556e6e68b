"""The waiting list: needs not yet served, from unmet needs at visits and from requests."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from balise.core.errors import InvalidInput, NotFound
from balise.grid.models import Act, WaitingListEntry
from balise.territory.models import Client, Team


@dataclass(frozen=True)
class NeedFigures:
    """Per need (act): how many wait, and for how long (days)."""

    act: Act
    waiting: int
    median_wait_days: float | None
    served_last_90_days: int
    median_days_to_serve: float | None


def entries(session: Session, team: Team, *, waiting_only: bool = True) -> list[WaitingListEntry]:
    query = (
        select(WaitingListEntry)
        .where(WaitingListEntry.team_id == team.id)
        .options(selectinload(WaitingListEntry.act))
        .order_by(WaitingListEntry.requested_on, WaitingListEntry.id)
    )
    if waiting_only:
        query = query.where(WaitingListEntry.served_on.is_(None))
    return list(session.scalars(query))


def figures_by_need(session: Session, team_ids: list[int], today: date) -> list[NeedFigures]:
    rows = session.scalars(
        select(WaitingListEntry).where(WaitingListEntry.team_id.in_(team_ids))
        .options(selectinload(WaitingListEntry.act))
    ).all()
    by_act: dict[int, list[WaitingListEntry]] = defaultdict(list)
    for row in rows:
        by_act[row.act_id].append(row)
    figures = []
    for group in by_act.values():
        waiting = [(today - e.requested_on).days for e in group if e.served_on is None]
        served = [(e.served_on - e.requested_on).days for e in group
                  if e.served_on is not None and (today - e.served_on).days <= 90]
        figures.append(NeedFigures(
            act=group[0].act, waiting=len(waiting),
            median_wait_days=statistics.median(waiting) if waiting else None,
            served_last_90_days=len(served),
            median_days_to_serve=statistics.median(served) if served else None,
        ))
    return sorted(figures, key=lambda f: (-f.waiting, f.act.code))


def add_request(session: Session, team: Team, client_code: str, act_code: str,
                requested_on: date, note: str = "") -> WaitingListEntry:
    client = session.scalar(select(Client).where(
        Client.team_id == team.id, Client.code == client_code.strip().upper()))
    if client is None:
        raise InvalidInput("client", "unknown_choice")
    act = session.scalar(select(Act).where(Act.code == act_code.strip().upper()))
    if act is None:
        raise InvalidInput("act", "unknown_choice")
    entry = WaitingListEntry(establishment_id=team.establishment_id, team_id=team.id,
                             client_id=client.id, act_id=act.id, source="request",
                             requested_on=requested_on, note=note.strip() or None)
    session.add(entry)
    session.flush()
    return entry


def mark_served(session: Session, team: Team, entry_id: int, served_on: date) -> None:
    entry = session.get(WaitingListEntry, entry_id)
    if entry is None or entry.team_id != team.id:
        raise NotFound()
    if served_on < entry.requested_on:
        raise InvalidInput("served_on", "end_before_start")
    entry.served_on = served_on
