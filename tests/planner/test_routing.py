"""Travel times from a routing server: recorded OSRM and Valhalla answers served by a
local HTTP server; anything else falls back to the straight line, with a warning."""

from __future__ import annotations

import json
import socket
from datetime import timedelta
from itertools import pairwise
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy.orm import Session

from balise.core import clock
from balise.planner.day_travel import KEEP_DAYS, keep_travel, stored_travel
from balise.planner.routing import RoutingServer, travel_matrix
from balise.planner.team_day import PlanSettings, plan_day
from balise.planner.travel import PROFILES, straight_line_matrix
from tests.factories import MONDAY, Cast, make_visit
from tests.planner.routing_server import Answer, recorded, routing_server

POINTS = [(46.85, -71.25), (46.86, -71.25), (46.87, -71.25), (46.88, -71.25)]
URBAN = PROFILES["urban"]


def seconds_to_minutes(rows: list[list[float]]) -> list[list[float]]:
    return [[float(round(s / 60)) for s in row] for row in rows]


def test_osrm_table_is_one_get_and_gives_whole_minutes() -> None:
    with routing_server(Answer(body=recorded("osrm_table_4.json"))) as server:
        travel = travel_matrix(POINTS, URBAN, RoutingServer(server.url, "osrm"))
    expected = seconds_to_minutes(json.loads(recorded("osrm_table_4.json"))["durations"])
    assert travel.minutes == expected and travel.source == "osrm" and travel.warning is None
    assert travel.minutes[0][1] == 12.0  # 722.4 s of road, not the 3 minutes of straight line
    [request] = server.received
    url = urlsplit(request.path)
    assert request.method == "GET"
    # OSRM wants longitude first.
    assert url.path == ("/table/v1/driving/-71.250000,46.850000;-71.250000,46.860000;"
                        "-71.250000,46.870000;-71.250000,46.880000")
    assert parse_qs(url.query) == {"annotations": ["duration"]}


def test_valhalla_matrix_is_one_post_and_gives_whole_minutes() -> None:
    with routing_server(Answer(body=recorded("valhalla_matrix_4.json"))) as server:
        travel = travel_matrix(POINTS, URBAN, RoutingServer(server.url, "valhalla"))
    rows = json.loads(recorded("valhalla_matrix_4.json"))["sources_to_targets"]
    assert travel.minutes == seconds_to_minutes([[c["time"] for c in row] for row in rows])
    assert travel.source == "valhalla" and travel.warning is None
    [request] = server.received
    assert (request.method, request.path) == ("POST", "/sources_to_targets")
    body = json.loads(request.body)
    assert body["costing"] == "auto"
    assert body["sources"] == body["targets"] == [{"lat": a, "lon": b} for a, b in POINTS]


@pytest.mark.parametrize(("engine", "answer", "warning"), [
    ("osrm", Answer(status=503, body=b"Service Unavailable"), "routing_unreachable"),
    ("osrm", Answer(body=b"<html>proxy login</html>"), "routing_garbage"),
    ("osrm", Answer(status=400, body=recorded("osrm_error.json")), "routing_garbage"),
    ("osrm", Answer(body=recorded("osrm_error.json")), "routing_garbage"),  # code is not Ok
    ("osrm", Answer(body=recorded("osrm_table_no_road.json")), "routing_no_road"),
    ("osrm", Answer(body=b'{"code": "Ok", "durations": [[0, 1], [1, 0]]}'), "routing_garbage"),
    ("osrm", Answer(body=b'{"code": "Ok", "durations": [[0, -5, 1, 1], [1, 0, 1, 1], '
                         b'[1, 1, 0, 1], [1, 1, 1, 0]]}'), "routing_garbage"),
    ("osrm", Answer(delay_s=2.0, body=recorded("osrm_table_4.json")), "routing_unreachable"),
    # An OSRM answer to a Valhalla request is not a table either.
    ("valhalla", Answer(body=recorded("osrm_table_4.json")), "routing_garbage"),
    ("valhalla", Answer(status=500, body=b"{}"), "routing_unreachable"),
])
def test_a_bad_answer_falls_back_to_the_straight_line_with_a_warning(
    engine: str, answer: Answer, warning: str
) -> None:
    with routing_server(answer) as server:
        travel = travel_matrix(POINTS, URBAN, RoutingServer(server.url, engine, timeout_s=0.5))
    assert travel.warning == warning and travel.source == "straight_line"
    assert travel.minutes == straight_line_matrix(POINTS, URBAN)


def test_a_server_that_does_not_listen_falls_back() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    travel = travel_matrix(POINTS, URBAN, RoutingServer(f"http://127.0.0.1:{port}", "osrm"))
    assert travel.warning == "routing_unreachable"
    assert travel.minutes == straight_line_matrix(POINTS, URBAN)


def _day(session: Session, cast: Cast) -> list[int]:
    visits = [make_visit(session, cast.workers[0], cast.clients[i], cast.acts["BAIN"], MONDAY,
                         planned=30) for i in range(3)]
    session.commit()
    return [v.id for v in visits]


def test_the_plan_uses_the_road_times_from_one_request(session: Session, cast: Cast) -> None:
    ids = _day(session, cast)
    with routing_server(Answer(body=recorded("osrm_table_4.json"))) as server:
        plan = plan_day(session, cast.team, MONDAY, PlanSettings(
            time_limit_s=1.0, routing=RoutingServer(server.url, "osrm")))
    assert len(server.received) == 1  # one table for the whole plan, not one per pair
    assert not plan.warnings and not plan.unassigned
    road = seconds_to_minutes(json.loads(recorded("osrm_table_4.json"))["durations"])
    place = {visit_id: index for index, visit_id in enumerate(ids, start=1)}
    expected = sum(road[a][b] for stops in plan.routes.values()
                   for a, b in pairwise([0, *(place[s.visit_id] for s in stops), 0]))
    assert plan.travel_minutes == expected > 0
    for stops in plan.routes.values():  # each leg leaves the road time between visits
        for a, b in pairwise(stops):
            assert b.start - a.end >= road[place[a.visit_id]][place[b.visit_id]]


def test_the_plan_says_when_the_server_did_not_answer(session: Session, cast: Cast) -> None:
    _day(session, cast)
    with routing_server(Answer(status=502, body=b"Bad Gateway")) as server:
        plan = plan_day(session, cast.team, MONDAY, PlanSettings(
            time_limit_s=1.0, routing=RoutingServer(server.url, "osrm")))
    assert plan.warnings == ["routing_unreachable"]
    assert not plan.unassigned and sum(len(s) for s in plan.routes.values()) == 3


def test_road_times_of_past_days_are_not_kept_for_long(session: Session, cast: Cast) -> None:
    # The legs name clients' homes by their coordinates: a day two weeks past goes.
    today = clock.today()
    old, recent = today - timedelta(days=KEEP_DAYS + 1), today - timedelta(days=KEEP_DAYS)
    for day in (old, recent):
        keep_travel(session, cast.team.id, day, {"a>b": 3.0}, "osrm", None, replace=True)
    keep_travel(session, cast.team.id, today, {"a>b": 4.0}, "osrm", None, replace=True)
    assert stored_travel(session, cast.team.id, old) is None
    kept = stored_travel(session, cast.team.id, recent)
    assert kept is not None and kept.legs == {"a>b": 3.0}
    # A re-checked move adds legs; a new plan replaces them.
    keep_travel(session, cast.team.id, today, {"b>c": 5.0}, "osrm", None, replace=False)
    assert stored_travel(session, cast.team.id, today).legs == {"a>b": 4.0, "b>c": 5.0}  # type: ignore[union-attr]
    keep_travel(session, cast.team.id, today, {"c>d": 6.0}, "osrm", None, replace=True)
    assert stored_travel(session, cast.team.id, today).legs == {"c>d": 6.0}  # type: ignore[union-attr]
