"""Survey campaigns and respondents for tests (workers get accounts without argon2 cost)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.accounts.models import User
from balise.accounts.service import viewer_of
from balise.core import clock
from balise.core.access import Role, Viewer
from balise.indicators import survey_service
from balise.indicators.survey_models import SurveyCampaign
from balise.territory.models import Team, Worker
from tests.factories import Cast, make_worker

OPENS = date(2026, 9, 1)
CLOSES = date(2026, 9, 21)
# One answer set per respondent: everything "sometimes" gives 50 on every CBI scale.
MIDDLE = {f"{scale}{i}": "2" for scale, count in (("p", 6), ("w", 7), ("c", 6))
          for i in range(1, count + 1)}


def respondents(session: Session, team: Team, n: int) -> list[Viewer]:
    """``n`` workers of ``team`` who can log in, adding workers to the team when short."""
    workers = list(session.scalars(select(Worker).where(Worker.team_id == team.id)
                                   .order_by(Worker.id)))
    while len(workers) < n:
        workers.append(make_worker(session, team, f"{team.code}-X{len(workers)}"))
    viewers = []
    for worker in workers[:n]:
        user = session.scalars(select(User).where(User.worker_id == worker.id)).first()
        if user is None:
            user = User(username=f"w{worker.id}", display_name=worker.name, password_hash="!",
                        role=Role.WORKER.value, establishment_id=team.establishment_id,
                        worker_id=worker.id, team_id=team.id, created_at=clock.now())
            session.add(user)
            session.flush()
        viewers.append(viewer_of(user))
    return viewers


def opened(session: Session, cast: Cast, team: Team | None = None, instrument: str = "cbi",
           opens: date = OPENS, closes: date = CLOSES) -> SurveyCampaign:
    """A campaign opened by the team lead (or the union member for another team), with
    the clock on its opening day (call :func:`end` to move past it)."""
    team = team or cast.team
    clock.freeze(datetime.combine(opens, time(9)))
    opener = cast.users["lead"] if team.id == cast.team.id else cast.users["union"]
    return survey_service.open_campaign(session, viewer_of(opener), team, instrument, opens,
                                        closes)


def answer_all(session: Session, campaign: SurveyCampaign, viewers: list[Viewer],
               form: dict[str, Any] | None = None) -> None:
    for viewer in viewers:
        survey_service.answer_campaign(session, viewer, campaign, form or MIDDLE)


def end(campaign: SurveyCampaign) -> None:
    """Move the clock to the day after the campaign's closing day."""
    day = campaign.closes_on + timedelta(days=1)
    clock.freeze(datetime.combine(day, time(9)))
