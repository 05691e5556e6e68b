"""Double visits, sequences, second windows and optional visits in a team's day plan."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.core.i18n import language
from balise.grid.models import Visit, WaitingListEntry
from balise.grid.week_plan import generate_week, load_duration_model
from balise.planner.day_report import plan_lines
from balise.planner.team_day import (
    DayPlan,
    PlanSettings,
    _reason,
    apply_plan,
    build_instance,
    day_visits,
    plan_day,
)
from balise.planner.uhhc.evaluate import evaluate
from balise.planner.uhhc.instance_json import write_instance
from balise.planner.uhhc.reader import read_instance
from balise.planner.uhhc.search import solve_uhhc
from balise.planner.uhhc.solution import write_solution
from balise.planner.uhhc.toolbox import run_toolbox
from balise.territory.models import CarePlanItem
from tests.factories import MONDAY, Cast, make_visit, make_worker

QUICK = PlanSettings(time_limit_s=1.5, seed=1)


def _stops(plan: DayPlan) -> dict[int, tuple[int, int, int]]:
    """visit id -> (worker id, start, end)"""
    return {s.visit_id: (worker, s.start, s.end)
            for worker, stops in plan.routes.items() for s in stops}


def _double(session: Session, cast: Cast, client_index: int, label: str) -> tuple[Visit, Visit]:
    pair = tuple(make_visit(session, cast.workers[0], cast.clients[client_index],
                            cast.acts["BAIN"], MONDAY, planned=40) for _ in range(2))
    for visit in pair:
        visit.link_group, visit.link_kind, visit.worker_id = label, "double", None
    return pair[0], pair[1]


def _sequence(session: Session, cast: Cast, low: int, high: int) -> tuple[Visit, Visit]:
    first = make_visit(session, cast.workers[0], cast.clients[1], cast.acts["BAIN"], MONDAY,
                       planned=45)
    second = make_visit(session, cast.workers[0], cast.clients[1], cast.acts["PLAIE"], MONDAY,
                        planned=20)
    first.link_group = second.link_group = "S1"
    first.link_kind, second.link_kind = "before", "after"
    second.delay_min, second.delay_max = low, high
    return first, second


def test_a_double_visit_gets_two_qualified_workers_at_the_same_start(
        session: Session, cast: Cast) -> None:
    first, second = _double(session, cast, 0, "D1")
    others = [make_visit(session, cast.workers[0], cast.clients[i % 3], cast.acts["BAIN"],
                         MONDAY, planned=30) for i in range(4)]
    session.commit()
    plan = plan_day(session, cast.team, MONDAY, QUICK)
    stops = _stops(plan)
    assert not plan.unassigned
    assert {v.id for v in others} <= set(stops)
    (w1, s1, _), (w2, s2, _) = stops[first.id], stops[second.id]
    assert w1 != w2 and s1 == s2
    apply_plan(session, plan)
    assert {first.worker_id, second.worker_id} == {w1, w2}
    assert first.planned_start == second.planned_start == s1


def test_a_double_visit_with_one_qualified_worker_comes_back_with_its_reason(
        session: Session, cast: Cast) -> None:
    for worker in cast.workers[1:]:
        worker.active = False
    first, second = _double(session, cast, 0, "D1")
    session.commit()
    plan = plan_day(session, cast.team, MONDAY, QUICK)
    assert plan.unassigned == {first.id: "double_one_worker", second.id: "double_one_worker"}


def test_a_sequence_respects_its_minimum_and_maximum_delay(session: Session, cast: Cast) -> None:
    nurse = make_worker(session, cast.team, "N1", "nurse")
    first, second = _sequence(session, cast, 30, 90)
    session.commit()
    plan = plan_day(session, cast.team, MONDAY, QUICK)
    stops = _stops(plan)
    assert not plan.unassigned
    assert stops[second.id][0] == nurse.id
    gap = stops[second.id][1] - stops[first.id][2]  # from the end of the first visit
    assert 30 <= gap <= 90
    apply_plan(session, plan)
    assert second.worker_id == nurse.id and first.worker_id != nurse.id


def test_a_sequence_whose_delay_cannot_be_met_says_so(session: Session, cast: Cast) -> None:
    make_worker(session, cast.team, "N1", "nurse")
    _sequence(session, cast, 300, 320)  # the nurse would come after the window's end (12:00)
    session.commit()
    instance, _ = build_instance(session, cast.team, MONDAY,
                                 day_visits(session, cast.team, MONDAY))
    assert _reason(instance, instance.patients[0]) == "sequence_delay"


def test_the_second_window_is_used_when_the_first_is_impossible(
        session: Session, cast: Cast) -> None:
    visit = make_visit(session, cast.workers[0], cast.clients[0], cast.acts["BAIN"], MONDAY)
    visit.window_start, visit.window_end = 6 * 60, 7 * 60  # before every shift starts
    visit.window2_start, visit.window2_end = 13 * 60, 15 * 60
    session.commit()
    plan = plan_day(session, cast.team, MONDAY, QUICK)
    assert not plan.unassigned
    assert 13 * 60 <= _stops(plan)[visit.id][1] <= 15 * 60


def test_an_optional_visit_without_room_waits_on_the_list_with_its_reason(
        session: Session, cast: Cast) -> None:
    for worker in cast.workers[1:]:
        worker.active = False
    # One worker, 8:00–16:00 with a 30-minute meal: seven hours of care fill the day.
    required = [make_visit(session, cast.workers[0], cast.clients[0], cast.acts["BAIN"],
                           MONDAY, planned=60) for _ in range(7)]
    for visit in required:
        visit.window_start, visit.window_end = 8 * 60, 16 * 60
    # As long as a required visit: placing it would bump a required one, which it must not.
    bath = make_visit(session, cast.workers[0], cast.clients[1], cast.acts["BAIN"], MONDAY,
                      planned=60)
    bath.optional = True
    session.commit()
    plan = plan_day(session, cast.team, MONDAY, QUICK)
    assert plan.unassigned == {bath.id: "capacity"}
    apply_plan(session, plan)
    apply_plan(session, plan)  # planning again keeps one entry
    entries = session.scalars(select(WaitingListEntry).where(
        WaitingListEntry.visit_id == bath.id)).all()
    assert [(e.source, e.planner_reason, e.served_on) for e in entries] == [
        ("planner", "capacity", None)]
    assert bath.worker_id is None

    # Room is made (a required visit is cancelled): the bath is placed and leaves the list.
    required[0].status = "cancelled"
    session.commit()
    plan = plan_day(session, cast.team, MONDAY, QUICK)
    assert bath.id in _stops(plan) and not plan.unassigned
    apply_plan(session, plan)
    assert entries[0].served_on == MONDAY


def test_the_week_plan_generates_linked_visits_from_the_care_plan(
        session: Session, cast: Cast) -> None:
    client = cast.clients[0]
    bath = client.care_plan[0]
    bath.workers_needed, bath.optional = 2, True
    bath.window2_start, bath.window2_end = 13 * 60, 15 * 60
    client.care_plan.append(CarePlanItem(
        act_id=cast.acts["PLAIE"].id, times_per_week=1, window_start=9 * 60,
        window_end=13 * 60, profession="nurse", follows_act_id=cast.acts["BAIN"].id,
        delay_min=30, delay_max=90))
    other = cast.clients[1]
    other.care_plan.append(CarePlanItem(
        act_id=cast.acts["PLAIE"].id, times_per_week=1, window_start=9 * 60,
        window_end=13 * 60, profession="nurse", follows_act_id=cast.acts["BAIN"].id,
        delay_min=30, delay_max=90))
    session.commit()
    model = load_duration_model(session, cast.team.establishment_id, MONDAY)
    generate_week(session, cast.team, MONDAY, model)
    again = generate_week(session, cast.team, MONDAY, model)
    assert again.created == 0
    visits = session.scalars(select(Visit).where(Visit.client_id.in_([client.id, other.id]))
                             .order_by(Visit.id)).all()
    mine = [v for v in visits if v.client_id == client.id]
    # The double bath (two visits), then the wound care planned on its own: a sequence
    # cannot follow a double visit (a client holds at most two services at once).
    assert [v.link_kind for v in mine] == ["double", "double", None]
    assert mine[0].link_group == mine[1].link_group
    assert all(v.optional and v.window2_start == 13 * 60 for v in mine[:2])
    theirs = [v for v in visits if v.client_id == other.id]
    assert [v.link_kind for v in theirs] == ["before", "after"]
    assert (theirs[1].delay_min, theirs[1].delay_max) == (30, 90)
    # One window for both: the span of the two needs' windows.
    assert {(v.window_start, v.window_end) for v in theirs} == {(8 * 60, 13 * 60)}


def test_the_day_as_a_uhhc_instance_passes_the_authors_validator(
        session: Session, cast: Cast, tmp_path: Path) -> None:
    # Two auxiliaries and a nurse, all with visits: a worker without a route takes no
    # lunch, which the validator reports.
    for worker in cast.workers[2:]:
        worker.active = False
    make_worker(session, cast.team, "N1", "nurse")
    _double(session, cast, 0, "D1")
    _sequence(session, cast, 30, 90)
    late = make_visit(session, cast.workers[0], cast.clients[2], cast.acts["BAIN"], MONDAY)
    late.window_start, late.window_end = 6 * 60, 7 * 60
    late.window2_start, late.window2_end = 13 * 60, 15 * 60
    cast.clients[2].usual_worker_id = cast.workers[1].id
    cast.clients[1].usual_worker_id = cast.workers[3].id  # off that day: no preference
    optional = make_visit(session, cast.workers[0], cast.clients[2], cast.acts["BAIN"], MONDAY)
    optional.optional = True
    session.commit()
    instance, _ = build_instance(session, cast.team, MONDAY,
                                 day_visits(session, cast.team, MONDAY))
    kinds = sorted(p.synchronization.kind for p in instance.patients if p.synchronization)
    assert kinds == ["sequential", "simultaneous"]
    assert any(len(p.time_windows) == 2 for p in instance.patients)
    path = tmp_path / "day.json"
    write_instance(instance, path)
    written = read_instance(path)
    solution = solve_uhhc(written, 1.5, seed=2)
    ours = evaluate(written, solution)
    assert ours.feasible and ours.values["optional_patients"] == 0
    out = tmp_path / "day.sol.json"
    write_solution(solution, out, ours.total, ours.weighted)
    verdict = run_toolbox(path, out)
    assert verdict.accepted, verdict.output
    assert verdict.total == ours.total


def test_the_command_line_report_names_linked_visits_and_reasons(
        session: Session, cast: Cast) -> None:
    make_worker(session, cast.team, "N1", "nurse")
    first, second = _double(session, cast, 0, "D1")
    before, after = _sequence(session, cast, 30, 90)
    wound = make_visit(session, cast.workers[0], cast.clients[2], cast.acts["PLAIE"], MONDAY)
    wound.window_start, wound.window_end = 17 * 60, 18 * 60  # after every shift
    session.commit()
    plan = plan_day(session, cast.team, MONDAY, QUICK)
    with language("en"):
        lines = plan_lines(session, plan)
    assert any(line.startswith(f"Double visit #{first.id} and #{second.id} at ")
               for line in lines)
    assert any(line.startswith(f"Sequence #{before.id} then #{after.id}: ")
               and "then N1 at" in line and "(30–90 min after the first ends)" in line
               for line in lines)
    assert f"Left out #{wound.id}: The visit cannot fit its time window within any shift." \
        in lines
