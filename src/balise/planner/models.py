"""The planner's own table: the road travel times a plan was made with."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from balise.core.db import Base


class DayTravel(Base):
    """Travel minutes of a team-day's legs as the routing server gave them when the day
    was planned or a move re-checked: the day page reads them instead of asking the
    server at every view (``planner/day_travel.py``)."""

    __tablename__ = "day_travel"
    __table_args__ = (UniqueConstraint("team_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    day: Mapped[date]
    source: Mapped[str] = mapped_column(String(16))  # "osrm", "valhalla", "straight_line"
    # Why the plan fell back to the straight line (a key of routing.FALLBACK_WARNINGS).
    warning: Mapped[str | None] = mapped_column(String(32))
    # "lat,lon>lat,lon" -> minutes, for the legs of the routes (and of a re-checked move).
    legs: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
