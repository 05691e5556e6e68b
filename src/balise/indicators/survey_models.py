"""The tables of surveys, built so that an answer cannot be traced to a person.

* :class:`SurveyCampaign` — one questionnaire, one team, opening and closing days.
* :class:`SurveyResponse` — the answers, and nothing else: no user, no worker, no
  client, no timestamp. Its key is a random UUID, not a sequence, so that the key
  does not tell the order of arrival; on SQLite the table is ``WITHOUT ROWID`` so the
  file itself is ordered by that random key, not by insertion.
* :class:`SurveyParticipation` — who has answered a campaign, only to refuse a second
  answer while it is open; no timestamp, keyed by (campaign, user) with no sequence,
  and deleted when the campaign closes (:func:`~balise.indicators.survey_service.close_campaign`).

What remains for someone with direct access to the database server (not to Balise):
on PostgreSQL a row's physical place and its inserting transaction id (``ctid``,
``xmin``) follow the order of writes, and the participation row and the response row
are written by the same transaction so that neither can exist without the other. While
a campaign is open, such a person could pair them; after it closes and the
participation rows are deleted (and vacuumed), nothing links them. docs/surveys.md says
so to the committee.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from balise.core.db import Base


class SurveyCampaign(Base):
    __tablename__ = "survey_campaign"
    __table_args__ = (CheckConstraint("closes_on >= opens_on", name="dates_in_order"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    instrument: Mapped[str] = mapped_column(String(16))
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    closed: Mapped[bool] = mapped_column(default=False)
    # Workers of the team when it opened: the denominator of the response rate.
    invited: Mapped[int] = mapped_column(default=0)
    # The client questionnaire's public link (/q/<code>); None for worker surveys.
    public_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))

    def is_open(self, today: date) -> bool:
        return not self.closed and self.opens_on <= today <= self.closes_on

    def is_over(self, today: date) -> bool:
        """No answer can come any more: results are final, so they may be shown (a
        result shown at 5 answers and again at 6 would give away the sixth)."""
        return self.closed or today > self.closes_on


class SurveyParticipation(Base):
    __tablename__ = "survey_participation"
    __table_args__ = ({"sqlite_with_rowid": False},)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("survey_campaign.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)


class SurveyResponse(Base):
    __tablename__ = "survey_response"
    __table_args__ = ({"sqlite_with_rowid": False},)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("survey_campaign.id", ondelete="CASCADE"), index=True)
    # item code -> option value 0–4 (balise.indicators.surveys); blank items absent.
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
