"""Visits of today for the cast's workers (the cast has none by default)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from balise.core import clock
from balise.grid.models import Visit
from tests.factories import Cast, make_visit


@dataclass
class Day:
    alice: list[Visit]
    bob: Visit


@pytest.fixture
def today_visits(session: Session, cast: Cast) -> Day:
    today = clock.today()
    alice = [make_visit(session, cast.alice, cast.clients[i], cast.acts["BAIN"], today,
                        start_minute=(9 + i) * 60) for i in range(3)]
    bob = make_visit(session, cast.bob, cast.clients[1], cast.acts["BAIN"], today)
    session.commit()
    return Day(alice, bob)
