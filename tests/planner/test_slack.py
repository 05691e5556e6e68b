"""The team's maximum lateness risk: the planner keeps slack, and says when it cannot."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from balise.planner.lateness import DayRisk
from balise.planner.slack import shortened
from balise.planner.team_day import PlanSettings, plan_day
from balise.planner.uhhc.instance import (
    Caregiver,
    CostWeights,
    Instance,
    TerminalPoint,
    TimeWindow,
)
from tests.factories import MONDAY, Cast, make_visit

# Every client's usual worker is alice, and keeping her is worth a lot: without slack the
# planner piles the day on her; load balancing is off so only the risk can spread it.
LOYAL = PlanSettings(time_limit_s=1.5, continuity_cost=300.0, balance_cost=0.0)


def _baths_take_about_an_hour(session: Session, cast: Cast) -> None:
    """Evidence: 40 realized single-act baths, 45 to 84 minutes (planned 45)."""
    for i in range(40):
        make_visit(session, cast.workers[i % 6], cast.clients[i % 3], cast.acts["BAIN"],
                   MONDAY - timedelta(days=7 + i % 20), minutes=45 + i)


def _alices_long_day(session: Session, cast: Cast, visits: int, colleagues: int = 1) -> None:
    """Alice and ``colleagues`` others work on Monday. (Each worker on shift gets at least
    one visit: the model takes the meal break at a client's, see docs/planner.md.)"""
    for worker in cast.workers[1 + colleagues:]:
        worker.shifts = [s for s in worker.shifts if s.weekday != MONDAY.weekday()]
    for client in cast.clients[:3]:
        client.usual_worker_id = cast.alice.id
    for i in range(visits):
        visit = make_visit(session, cast.alice, cast.clients[i % 3], cast.acts["BAIN"],
                           MONDAY, planned=45)
        visit.window_end = 15 * 60
    session.commit()


def test_without_slack_the_usual_worker_gets_a_risky_day(session: Session, cast: Cast) -> None:
    _baths_take_about_an_hour(session, cast)
    _alices_long_day(session, cast, 8)
    plan = plan_day(session, cast.team, MONDAY,
                    PlanSettings(**{**LOYAL.__dict__, "max_risk": 1.0}))
    assert len(plan.routes[cast.alice.id]) == 7  # all but the one bob needs for his lunch
    assert plan.risks[cast.alice.id] > 0.5


def test_slack_keeps_every_day_under_the_teams_maximum(session: Session, cast: Cast) -> None:
    _baths_take_about_an_hour(session, cast)
    _alices_long_day(session, cast, 8)
    assert cast.team.max_late_risk == pytest.approx(0.10)  # the default
    plan = plan_day(session, cast.team, MONDAY, LOYAL)
    assert not plan.unassigned  # slack is not bought by dropping visits
    assert sum(len(stops) for stops in plan.routes.values()) == 8
    assert len(plan.routes[cast.alice.id]) < 8  # some visits went to a colleague
    assert all(risk <= 0.10 for risk in plan.risks.values()), plan.risks
    assert plan.over_risk == []


def test_days_that_cannot_get_slack_are_named(session: Session, cast: Cast) -> None:
    # One worker on Monday only, the day full of long baths: nobody can take a visit over.
    _baths_take_about_an_hour(session, cast)
    _alices_long_day(session, cast, 7, colleagues=0)
    plan = plan_day(session, cast.team, MONDAY, LOYAL)
    placed = sum(len(stops) for stops in plan.routes.values())
    assert placed + len(plan.unassigned) == 7
    # Shortening her shift would leave visits out: the plan keeps them and says so.
    assert plan.over_risk == [cast.alice.id]
    assert plan.risks[cast.alice.id] > plan.max_risk


@pytest.mark.parametrize(("overrun", "end"), [
    (0.0, 16 * 60 - 5),     # at least one step, even when the quantile is just over
    (12.3, 16 * 60 - 15),   # rounded up to whole 5-minute steps
    (600.0, 9 * 60),        # never below an hour of shift
])
def test_a_risky_shift_ends_earlier_for_the_search(overrun: float, end: int) -> None:
    instance = Instance(
        name="t", origin="t", time_window_met="at_service_start", weights=CostWeights(()),
        distances=((0.0,),), terminal_points=(TerminalPoint("site", 0),),
        caregivers=(Caregiver("w1", frozenset(), "site", "site", TimeWindow(480, 960)),
                    Caregiver("w2", frozenset(), "site", "site", TimeWindow(480, 960))),
        patients=(), services=())
    result = shortened(instance, {"w1": DayRisk(0.4, overrun)}, {})
    assert result is not None
    assert result.caregivers[0].working_shift == TimeWindow(480, end)
    assert result.caregivers[1].working_shift == TimeWindow(480, 960)  # not risky: unchanged


def test_the_cut_starts_from_where_the_route_ends() -> None:
    # Planned back at 14:02 with 20 minutes missing: the search must end by 13:42.
    instance = Instance(
        name="t", origin="t", time_window_met="at_service_start", weights=CostWeights(()),
        distances=((0.0,),), terminal_points=(TerminalPoint("site", 0),),
        caregivers=(Caregiver("w1", frozenset(), "site", "site", TimeWindow(480, 960)),),
        patients=(), services=())
    result = shortened(instance, {"w1": DayRisk(0.3, 20.0)}, {"w1": 14 * 60 + 1.5})
    assert result is not None and result.caregivers[0].working_shift == TimeWindow(480, 822)
