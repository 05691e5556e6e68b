"""A small week of work with every figure known by hand (tests/indicators/*).

Team T1 (6 auxiliaries, shifts 8:00–16:00 with 30 min break: 450 paid minutes a day)
on Monday 2026-11-16:

* each worker i makes a bath (BAIN, reference 45 min) at 9:00 for client i % 3:
  50 min for workers 0 and 1, 40 min for the others; 10 travel minutes each;
* workers 0, 1, 2 also make a wound care (PLAIE, a nurse's act, reference 15 min) at
  15:30 for 60 min, ending 16:30 (30 min past their shift) for client i % 3;
* worker 0 is client U0000's usual worker; worker 0's bath has a clinical reason.

Team T4 (4 workers) makes one bath each that day: its figures must be suppressed.

Waiting list of T1: a bath requested 2026-11-10 still waiting, a bath and a wound care
left unmet on the Monday (the wound care served 2026-11-18), a bath requested
2026-11-01 served 2026-11-11.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from balise.committee.models import Decision, Project
from balise.grid.models import VarianceReason, Visit, VisitReason, WaitingListEntry
from tests.committee.factories import Board
from tests.factories import MONDAY, Cast, make_visit

# The expected figures of T1 for the week of MONDAY, worked out by hand.
EXPECTED_T1_WEEK: dict[str, float] = {
    "visits_per_worker_week": 9 / 6,
    "care_time_share": 100 * (2 * 50 + 4 * 40 + 3 * 60) / (6 * 450),
    "travel_share": 100 * (6 * 10) / (6 * 450),
    "above_reference_share": 100 * 5 / 9,
    "unmet_needs_per_100_visits": 100 * 2 / 9,
    "continuity_of_care": 100 * 2 / 3,
    "overtime_hours_per_worker_week": (3 * 30 / 60) / 6,
    "clinical_variance_share": 100 * 1 / 9,
    "scope_of_practice_mismatch": 100 * 3 / 9,
    "waiting_list_size": 2,
}
EXPECTED_T1_MONTH = {"median_wait_days": (2 + 10) / 2}


def build_week(session: Session, cast: Cast) -> list[Visit]:
    bath, wound = cast.acts["BAIN"], cast.acts["PLAIE"]
    cast.clients[0].usual_worker_id = cast.workers[0].id
    visits: list[Visit] = []
    for i, worker in enumerate(cast.workers):
        client = cast.clients[i % 3]
        visit = make_visit(session, worker, client, bath, MONDAY, 50 if i < 2 else 40,
                           start_minute=9 * 60)
        visit.travel_minutes = 10
        visits.append(visit)
        if i < 3:
            visits.append(make_visit(session, worker, client, wound, MONDAY, 60,
                                     start_minute=15 * 60 + 30))
    reason = session.query(VarianceReason).filter_by(code="DETRESSE").one()
    session.add(VisitReason(visit_id=visits[0].id, reason_id=reason.id))
    for worker in cast.small_workers:
        make_visit(session, worker, cast.clients[3], bath, MONDAY, 30)
    team = cast.team
    for act, source, asked, served in (
        (bath, "request", date(2026, 11, 10), None),
        (bath, "unmet_need", MONDAY, None),
        (wound, "unmet_need", MONDAY, date(2026, 11, 18)),
        (bath, "request", date(2026, 11, 1), date(2026, 11, 11)),
    ):
        session.add(WaitingListEntry(establishment_id=cast.est_a.id, team_id=team.id,
                                     client_id=cast.clients[1].id, act_id=act.id, source=source,
                                     requested_on=asked, served_on=served))
    session.commit()
    return visits


def store_series(session: Session, establishment_id: int, scope: str, code: str,
                 points: list[tuple[float, float | None]], first: date,
                 workers: int = 25) -> None:
    """Stored weekly figures as the engine would have written them: (numerator,
    denominator) for a proportion or a rate, (value, None) for a measurement."""
    from balise.core import clock
    from balise.indicators.builtins import BY_CODE
    from balise.indicators.models import IndicatorValue

    definition = BY_CODE[code]
    for i, (top, bottom) in enumerate(points):
        value = top if bottom is None else definition.scale * top / bottom
        session.add(IndicatorValue(
            indicator_code=code, establishment_id=establishment_id, scope=scope, need="",
            period_start=first + timedelta(weeks=i), numerator=top, denominator=bottom,
            value=value, workers=workers, computed_at=clock.now()))
    session.flush()


def adopt(session: Session, board: Board, project: Project,
          effect: dict[str, object]) -> Decision:
    """A proposal of kind indicator_set, agreed by the four voting members."""
    from balise.committee.service import file_proposal, record_stance

    proposal = file_proposal(session, board.committee, board.union, title="Indicateurs",
                             text="Nous adoptons ces indicateurs.", kind="indicator_set",
                             effect=effect, project=project)
    decision = None
    for member in (board.union, board.union2, board.employer, board.employer2):
        decision = record_stance(session, proposal, member, "agree") or decision
    assert decision is not None
    session.commit()
    return decision


SCENARIO_FIRST = date(2026, 3, 2)  # a Monday: 20 baseline weeks, then 6 after
SCENARIO_WEEKS = 26


def store_alert_scenario(session: Session, establishment_id: int, scope: str,
                         visits_after: float = 36.0, overtime_after: float = 3.0) -> None:
    """Visits per worker-week around 30 then ``visits_after``; overtime around 1 h then
    ``overtime_after``; above-reference share steady around 20 %."""
    visits = [(740.0 + 20 * (i % 2), 25.0) for i in range(20)]
    visits += [(visits_after * 25, 25.0)] * (SCENARIO_WEEKS - 20)
    overtime: list[tuple[float, float | None]] = [(0.9 + 0.2 * (i % 2), None) for i in range(20)]
    overtime += [(overtime_after, None)] * (SCENARIO_WEEKS - 20)
    steady: list[tuple[float, float | None]] = [
        (18.0 + 4 * (i % 2), 100.0) for i in range(SCENARIO_WEEKS)]
    store_series(session, establishment_id, scope, "visits_per_worker_week", list(visits),
                 SCENARIO_FIRST)
    store_series(session, establishment_id, scope, "overtime_hours_per_worker_week", overtime,
                 SCENARIO_FIRST)
    store_series(session, establishment_id, scope, "above_reference_share", steady,
                 SCENARIO_FIRST)
    session.commit()


def scenario_set(target: float = 34) -> dict[str, object]:
    end = SCENARIO_FIRST + timedelta(weeks=20) - timedelta(days=1)
    return {"indicators": [{"code": "visits_per_worker_week", "target": target,
                            "baseline_start": SCENARIO_FIRST.isoformat(),
                            "baseline_end": end.isoformat()}]}
