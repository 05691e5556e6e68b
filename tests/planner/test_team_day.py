"""Planning a team's day through the UHHC model: placed, ordered, never dropped silently."""

from __future__ import annotations

from itertools import pairwise

from sqlalchemy.orm import Session

from balise.planner.team_day import PlanSettings, apply_plan, plan_day
from tests.factories import MONDAY, Cast, make_visit

QUICK = PlanSettings(time_limit_s=1.0, seed=1)


def test_every_visit_is_placed_within_its_window_and_shift(session: Session, cast: Cast) -> None:
    visits = [make_visit(session, cast.workers[0], cast.clients[i % 3], cast.acts["BAIN"],
                         MONDAY, planned=45) for i in range(6)]
    session.commit()
    plan = plan_day(session, cast.team, MONDAY, QUICK)
    placed = {s.visit_id: s for stops in plan.routes.values() for s in stops}
    assert set(placed) == {v.id for v in visits} and not plan.unassigned
    for stop in placed.values():
        assert 8 * 60 <= stop.start <= 12 * 60  # the visits' window (08:00–12:00)
        assert stop.end - stop.start == 45
    for stops in plan.routes.values():
        starts = [s.start for s in stops]
        assert starts == sorted(starts)
        assert all(a.end <= b.start for a, b in pairwise(stops))


def test_a_visit_nobody_may_do_comes_back_with_its_reason(session: Session, cast: Cast) -> None:
    # Wound care needs a nurse; the team has only auxiliaries.
    wound = make_visit(session, cast.workers[0], cast.clients[0], cast.acts["PLAIE"], MONDAY)
    bath = make_visit(session, cast.workers[0], cast.clients[1], cast.acts["BAIN"], MONDAY)
    session.commit()
    plan = plan_day(session, cast.team, MONDAY, QUICK)
    assert plan.unassigned == {wound.id: "no_profession"}
    assert any(s.visit_id == bath.id for stops in plan.routes.values() for s in stops)


def test_the_usual_worker_is_kept_when_it_costs_little(session: Session, cast: Cast) -> None:
    client = cast.clients[0]
    client.usual_worker_id = cast.workers[3].id
    visit = make_visit(session, cast.workers[0], client, cast.acts["BAIN"], MONDAY)
    session.commit()
    plan = plan_day(session, cast.team, MONDAY, QUICK)
    apply_plan(session, plan)
    assert visit.worker_id == cast.workers[3].id
    assert visit.planned_start is not None
