"""Writing surveys: one function per thing a person does.

Opening and closing a campaign are journaled; answering is **not**: a journal entry
carries its author and the second it was written, which is exactly the link an
anonymous answer must not have.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from balise.core import clock
from balise.core.access import Role, Viewer
from balise.core.errors import NotFound
from balise.indicators.survey_models import SurveyCampaign, SurveyParticipation, SurveyResponse
from balise.indicators.surveys import INSTRUMENTS, SurveyError, SurveyInputError, parse_answers
from balise.journal import service as journal
from balise.territory.models import Team, Worker

MAX_DAYS = 92  # a quarter: long enough to reach night and weekend staff, short enough to date


def open_campaign(session: Session, viewer: Viewer, team: Team, instrument: str,
                  opens_on: date, closes_on: date) -> SurveyCampaign:
    """Open a campaign for a team the caller already reached with ``access_team``."""
    if instrument not in INSTRUMENTS:
        raise SurveyInputError("instrument", "survey_instrument_unknown")
    if closes_on < opens_on:
        raise SurveyInputError("closes_on", "survey_closes_before_opening")
    if closes_on < clock.today():
        raise SurveyInputError("closes_on", "survey_closes_in_past")
    if (closes_on - opens_on).days + 1 > MAX_DAYS:
        raise SurveyInputError("closes_on", "survey_too_long", days=MAX_DAYS)
    # Two campaigns of one questionnaire at once would split a team into two smaller
    # groups of respondents, each nearer the threshold.
    overlapping = session.scalars(select(SurveyCampaign).where(
        SurveyCampaign.team_id == team.id, SurveyCampaign.instrument == instrument,
        SurveyCampaign.opens_on <= closes_on, SurveyCampaign.closes_on >= opens_on,
    ).limit(1)).first()
    if overlapping is not None:
        raise SurveyInputError("opens_on", "survey_overlap",
                               opens_on=overlapping.opens_on.isoformat(),
                               closes_on=overlapping.closes_on.isoformat())
    campaign = SurveyCampaign(
        establishment_id=team.establishment_id, team_id=team.id, instrument=instrument,
        opens_on=opens_on, closes_on=closes_on, closed=False, opened_by=viewer.user_id,
        invited=_team_size(session, team) if INSTRUMENTS[instrument].respondents == "workers"
        else 0,
        public_code=secrets.token_urlsafe(12) if instrument == "client" else None,
    )
    session.add(campaign)
    session.flush()
    journal.append(session, action="surveys.campaign.opened", subject=f"survey:{campaign.id}",
                   payload={"instrument": instrument, "team": team.code,
                            "opens_on": opens_on.isoformat(), "closes_on": closes_on.isoformat()},
                   actor_user_id=viewer.user_id, establishment_id=team.establishment_id)
    return campaign


def _team_size(session: Session, team: Team) -> int:
    return int(session.scalar(select(func.count()).select_from(Worker).where(
        Worker.team_id == team.id, Worker.active.is_(True))) or 0)


def has_answered(session: Session, campaign: SurveyCampaign, viewer: Viewer) -> bool:
    return session.get(SurveyParticipation, (campaign.id, viewer.user_id)) is not None


def answer_campaign(session: Session, viewer: Viewer, campaign: SurveyCampaign,
                    form: Mapping[str, Any]) -> None:
    """A worker of the campaign's team answers, once. Stores the answers with no link
    to the person; the participation row only stops a second answer."""
    if viewer.role != Role.WORKER or viewer.team_id != campaign.team_id:
        raise NotFound()
    _require_open(campaign)
    answers = parse_answers(INSTRUMENTS[campaign.instrument], form)
    if has_answered(session, campaign, viewer):
        raise SurveyError("survey_already_answered")
    # One transaction for both rows: an answer never exists without its participation
    # (no double answer) nor the reverse (no answer lost after a refusal).
    try:
        with session.begin_nested():
            session.add(SurveyParticipation(campaign_id=campaign.id, user_id=viewer.user_id))
            session.add(SurveyResponse(campaign_id=campaign.id, answers=answers))
    except IntegrityError as error:
        # Two tabs submitting at once: the primary key lets one through.
        raise SurveyError("survey_already_answered") from error


def answer_public(session: Session, campaign: SurveyCampaign, form: Mapping[str, Any]) -> None:
    """Anyone holding the client questionnaire's link answers; nothing about them is kept
    (the campaign comes from ``access_public_campaign``)."""
    _require_open(campaign)
    answers = parse_answers(INSTRUMENTS[campaign.instrument], form)
    session.add(SurveyResponse(campaign_id=campaign.id, answers=answers))
    session.flush()


def _require_open(campaign: SurveyCampaign) -> None:
    if not campaign.is_open(clock.today()):
        raise SurveyError("survey_not_open", opens_on=campaign.opens_on.isoformat(),
                          closes_on=campaign.closes_on.isoformat())


def close_campaign(session: Session, campaign: SurveyCampaign,
                   viewer: Viewer | None = None) -> None:
    """End a campaign (now, or confirm that its date has passed) and forget who answered.

    The participation rows served only to refuse a second answer; once nobody can
    answer they would only tell who took part. Closing again does nothing.
    """
    if campaign.closed:
        return
    today = clock.today()
    # Closing early moves the closing day, so the campaign is dated by when answers
    # really stopped; never before it opened (the check constraint).
    campaign.closes_on = max(campaign.opens_on, min(campaign.closes_on, today))
    campaign.closed = True
    session.execute(delete(SurveyParticipation).where(
        SurveyParticipation.campaign_id == campaign.id))
    responses = int(session.scalar(select(func.count()).select_from(SurveyResponse).where(
        SurveyResponse.campaign_id == campaign.id)) or 0)
    journal.append(session, action="surveys.campaign.closed", subject=f"survey:{campaign.id}",
                   payload={"responses": responses},
                   actor_user_id=viewer.user_id if viewer else None,
                   establishment_id=campaign.establishment_id)


def close_due_campaigns(session: Session) -> list[SurveyCampaign]:
    """Close every campaign whose closing day has passed (the daily job)."""
    due = list(session.scalars(select(SurveyCampaign).where(
        SurveyCampaign.closed.is_(False),
        SurveyCampaign.closes_on < clock.today()).order_by(SurveyCampaign.id)))
    for campaign in due:
        close_campaign(session, campaign)
    return due


def default_dates(today: date) -> tuple[date, date]:
    """What the form proposes: from today, for three weeks."""
    return today, today + timedelta(days=20)
