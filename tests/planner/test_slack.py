"""The team's maximum lateness risk: the planner keeps slack, and says when it cannot."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy.orm import Session

from balise.core.i18n import set_language
from balise.grid.week_plan import DurationModel
from balise.planner.day_report import plan_lines
from balise.planner.lateness import planning_reserve
from balise.planner.risk_report import risk_lines
from balise.planner.slack import reserved
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
    assert not plan.unassigned  # a colleague has room: no visit is left out
    assert sum(len(stops) for stops in plan.routes.values()) == 8
    assert len(plan.routes[cast.alice.id]) < 8  # some visits went to a colleague
    assert all(risk <= 0.10 for risk in plan.risks.values()), plan.risks
    assert plan.over_risk == []


def test_a_day_too_full_for_the_maximum_leaves_visits_out_with_the_reason(
        session: Session, cast: Cast) -> None:
    # One worker on Monday only, the day full of long baths: nobody can take a visit over.
    _baths_take_about_an_hour(session, cast)
    _alices_long_day(session, cast, 7, colleagues=0)
    plan = plan_day(session, cast.team, MONDAY, LOYAL)
    placed = sum(len(stops) for stops in plan.routes.values())
    assert placed + len(plan.unassigned) == 7  # nothing dropped silently
    assert plan.risks[cast.alice.id] <= plan.max_risk
    assert plan.over_risk == []
    assert set(plan.unassigned.values()) == {"late_risk"}
    set_language("en")
    lines = plan_lines(session, plan)
    for visit_id in plan.unassigned:
        assert any(f"#{visit_id}" in line and "risk of running late" in line.lower()
                   for line in lines), lines


def test_no_route_above_the_maximum_comes_back_without_a_warning(
        session: Session, cast: Cast) -> None:
    # Whatever the planner does with a day too full, a route above the maximum is named
    # in the plan and in what ``balise plan`` prints about it.
    _baths_take_about_an_hour(session, cast)
    _alices_long_day(session, cast, 8, colleagues=1)
    plan = plan_day(session, cast.team, MONDAY, PlanSettings(time_limit_s=1.0, max_risk=0.02))
    lines = risk_lines(session, plan)
    for worker_id, risk in plan.risks.items():
        if risk > plan.max_risk:
            assert worker_id in plan.over_risk
            assert any("above the team's maximum" in line for line in lines), lines
    placed = sum(len(stops) for stops in plan.routes.values())
    assert placed + len(plan.unassigned) == 8


@pytest.mark.parametrize(("reserve", "end"), [
    (0.0, 16 * 60),         # no reserve: the shift as it is
    (12.3, 16 * 60 - 13),   # whole minutes, rounded up
    (600.0, 9 * 60),        # never below an hour of shift
])
def test_the_search_plans_against_a_shift_ending_earlier_by_the_reserve(
        reserve: float, end: int) -> None:
    instance = Instance(
        name="t", origin="t", time_window_met="at_service_start", weights=CostWeights(()),
        distances=((0.0,),), terminal_points=(TerminalPoint("site", 0),),
        caregivers=(Caregiver("w1", frozenset(), "site", "site", TimeWindow(480, 960)),
                    Caregiver("w2", frozenset(), "site", "site", TimeWindow(480, 960))),
        patients=(), services=())
    result = reserved(instance, {"w1": reserve})
    assert result.caregivers[0].working_shift == TimeWindow(480, end)
    assert result.caregivers[1].working_shift == TimeWindow(480, 960)  # no reserve named


def test_the_reserve_is_the_quantile_of_the_day_not_the_sum_of_quantiles() -> None:
    # Baths planned 45 min, observed 40 to 79 min: each overruns by 14.5 min on average.
    model = DurationModel({1: np.arange(40, 80, dtype=float)}, {})
    reserve = planning_reserve([((1,), 45.0)] * 10, 6, model, 0.10)
    per_visit_p90 = float(np.quantile(np.arange(40, 80) - 45.0, 0.9))
    assert 6 * 14.5 < reserve < 6 * per_visit_p90
    assert planning_reserve([((1,), 45.0)], 6, model, 1.0) == 0.0  # any risk accepted
    assert planning_reserve([((1,), 100.0)], 6, model, 0.10) == 0.0  # planned generously
