"""Re-checking a route after a move, as plain data."""

from __future__ import annotations

import pytest

from balise.grid.day_load import Shift
from balise.planner.route_check import RouteVisit, insert_best, route_warnings, timed

SHIFT = Shift(8 * 60, 16 * 60, 30)


def ten(a: int, b: int) -> float:
    """Ten minutes between any two different places."""
    return 0.0 if a == b else 10.0


def visit(n: int, start: int, end: int, minutes: int = 60) -> RouteVisit:
    return RouteVisit(n, n, start, end, minutes, (1,))


def test_visits_wait_for_their_window_and_follow_each_other() -> None:
    stops = timed([visit(1, 8 * 60, 12 * 60), visit(2, 11 * 60, 12 * 60)], 8 * 60, ten)
    assert [(s.start, s.end) for s in stops] == [(490, 550), (660, 720)]


def test_the_moved_visit_goes_where_no_window_breaks() -> None:
    route = [visit(1, 8 * 60, 9 * 60), visit(2, 13 * 60, 14 * 60)]
    stops = insert_best(route, visit(3, 10 * 60, 11 * 60), SHIFT, ten)
    assert [s.visit.visit_id for s in stops] == [1, 3, 2]
    assert route_warnings(stops, SHIFT, ten, 0.0, 0.1) == []


@pytest.mark.parametrize(("risk", "codes"), [
    (0.05, ["shift", "window"]),
    (0.60, ["shift", "window", "risk"]),
])
def test_a_full_route_names_what_breaks(risk: float, codes: list[str]) -> None:
    route = [visit(n, 8 * 60, 12 * 60) for n in range(1, 8)]
    stops = insert_best(route, visit(8, 8 * 60, 12 * 60), SHIFT, ten)
    found = [w.code for w in route_warnings(stops, SHIFT, ten, risk, 0.10)]
    assert sorted(set(found)) == sorted(codes)


def test_no_shift_is_said_first_and_alone() -> None:
    stops = timed([visit(1, 8 * 60, 12 * 60)], 8 * 60, ten)
    assert [w.code for w in route_warnings(stops, None, ten, 0.0, 0.1)] == ["no_shift"]
