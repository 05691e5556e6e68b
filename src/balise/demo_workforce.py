"""The demo's workforce figures, the ones Balise does not hold: departures, turnover,
vacancies, time to fill a position and sick-leave absence, per team for the last three
complete months, as a human-resources office would import them (letter 27's aims).

Values follow a fixed pattern (no random draw), so the same demo gives the same
figures; they are plausible for home-care teams of 10 to 40 people, not real."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from balise.accounts.models import User
from balise.core import clock
from balise.indicators.entries import record_entry
from balise.journal.service import append
from balise.territory.models import Team, Worker

SOURCE = "Ressources humaines et santé au travail (démo)"
MONTHS = 3


def last_complete_months(today: date, count: int = MONTHS) -> list[date]:
    first = today.replace(day=1)
    months = []
    for _ in range(count):
        first = (first - timedelta(days=1)).replace(day=1)
        months.append(first)
    return sorted(months)


def build_demo_workforce(session: Session) -> int:
    """Enter the figures for every team; return how many were entered."""
    analyst = session.scalar(select(User.id).where(User.username == "analyste"))
    if analyst is None:
        return 0
    entered = 0
    teams = list(session.scalars(select(Team).order_by(Team.establishment_id, Team.id)))
    by_establishment: dict[int, int] = {}
    for index, team in enumerate(teams):
        headcount = int(session.scalar(select(func.count(Worker.id)).where(
            Worker.team_id == team.id, Worker.active.is_(True))) or 0)
        for step, month in enumerate(last_complete_months(clock.today())):
            departures = (index + step) % 3  # 0, 1 or 2 a month
            figures = {
                "departures": float(departures),
                "turnover_rate": round(100 * departures / max(headcount, 1), 1),
                "vacant_positions": float((index + 2 * step) % 4),
                "time_to_fill_days": float(21 + 7 * ((index + step) % 5)),
                "sick_leave_rate": round(5.5 + 1.5 * ((2 * index + step) % 4), 1),
            }
            for code, value in figures.items():
                record_entry(session, establishment_id=team.establishment_id,
                             indicator_code=code, team_id=team.id, period_start=month,
                             value=value, source_note=SOURCE, actor=analyst, journal=False)
                entered += 1
                by_establishment[team.establishment_id] = (
                    by_establishment.get(team.establishment_id, 0) + 1)
    for establishment_id, count in by_establishment.items():
        append(session, action="indicators.entries.imported",
               subject=f"establishment:{establishment_id}",
               payload={"count": count, "file": "demo"}, actor_user_id=analyst,
               establishment_id=establishment_id)
    return entered
