"""What Balise told each committee member about balancing alerts.

A balancing alert (:class:`balise.indicators.dashboard.BalancingAlert`) is computed from
the stored figures; it has no row of its own. A notice row says that a member was told
of one, so that each member hears of an alert once, not at every computation or page
view. While the alert holds the row stays open; when it no longer holds the row is
cleared, and an alert raised again later is a new one and is told again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from balise.core.db import Base


class AlertNotice(Base):
    __tablename__ = "indicator_alert_notice"
    __table_args__ = (Index("ix_indicator_alert_notice_project_user", "project_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    volume_code: Mapped[str] = mapped_column(String(40))
    volume_need: Mapped[str] = mapped_column(String(32), default="")
    balancing_code: Mapped[str] = mapped_column(String(40))
    raised_at: Mapped[datetime] = mapped_column(DateTime)
    # The address the email went to; empty when the member was told in Balise only
    # (no mail server configured, or no address for the member).
    emailed_to: Mapped[str] = mapped_column(String(254), default="")
    cleared_at: Mapped[datetime | None] = mapped_column(DateTime)
