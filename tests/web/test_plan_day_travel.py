"""With a routing server, the day page reads the road times kept with the plan: the
server is asked once when the day is planned and once when a move is re-checked, never
at a page view (any web worker, any time, reads the same kept legs)."""

from __future__ import annotations

import html
import json
from dataclasses import replace

from fastapi import FastAPI
from sqlalchemy.orm import Session

from balise.planner.day_travel import leg_key, stored_travel
from balise.territory.models import Client, Site
from tests.factories import MONDAY, Cast, make_visit
from tests.planner.routing_server import Answer, recorded, routing_server
from tests.web.conftest import csrf_of
from tests.web.test_plan_day_pages import Browser, _ids, _written

ROAD = [[float(round(s / 60)) for s in row]
        for row in json.loads(recorded("osrm_table_4.json"))["durations"]]
NOTE = "n'ont pas de temps routier gardé"


def _distinct_places(cast: Cast) -> None:
    """The site and the three clients where the recorded table puts them (none shared)."""
    for i, client in enumerate(cast.clients[:3], start=1):
        client.lat, client.lon = 46.85 + 0.01 * i, -71.25


def _places(session: Session, cast: Cast) -> list[tuple[float, float]]:
    site = session.get_one(Site, cast.team.site_id)
    clients = [session.get_one(Client, c.id) for c in cast.clients[:3]]
    places = [(site.lat, site.lon)] + [(c.lat, c.lon) for c in clients]
    session.rollback()
    return places


def test_planning_asks_once_and_the_page_never_asks(
    session: Session, cast: Cast, browser: Browser, app: FastAPI
) -> None:
    _distinct_places(cast)
    visits = [make_visit(session, cast.alice, cast.clients[i], cast.acts["BAIN"], MONDAY,
                         planned=30) for i in range(3)]
    ids = _ids(session, cast, visits)
    places = _places(session, cast)
    with routing_server(Answer(body=recorded("osrm_table_4.json"))) as server:
        app.state.settings = replace(app.state.settings, routing_url=server.url)
        client = browser("lead")
        page = client.get(f"/teams/{ids.team}/plan?week={MONDAY}")
        client.post(f"/teams/{ids.team}/plan/optimize",
                    data={"csrf_token": csrf_of(page.text), "day": MONDAY.isoformat()})
        assert len(server.received) == 1  # the plan's table
        views = [client.get(f"/teams/{ids.team}/plan/day?day={MONDAY}") for _ in range(3)]
        assert len(server.received) == 1  # three views later: still the one table
    assert all(v.status_code == 200 for v in views)
    assert NOTE not in html.unescape(views[-1].text)  # every leg drawn has its road time
    kept = stored_travel(session, ids.team, MONDAY)
    session.rollback()
    assert kept is not None and kept.source == "osrm" and kept.warning is None
    # The kept legs are the server's minutes between the places they join.
    index = {v: i for i, v in enumerate(ids.visits, start=1)}
    pairs = {leg_key(places[a], places[b]): ROAD[a][b]
             for a in [0, *index.values()] for b in [0, *index.values()]}
    assert kept.legs and all(pairs[key] == minutes for key, minutes in kept.legs.items())


def test_a_move_asks_once_for_check_and_confirmation(
    session: Session, cast: Cast, browser: Browser, app: FastAPI
) -> None:
    # Written by hand, never planned: no road times are kept for the day yet.
    _distinct_places(cast)
    visits = [make_visit(session, cast.alice, cast.clients[i], cast.acts["BAIN"], MONDAY,
                         planned=30, start_minute=9 * 60 + 60 * i) for i in range(2)]
    visits.append(make_visit(session, cast.bob, cast.clients[2], cast.acts["BAIN"], MONDAY,
                             planned=30, start_minute=13 * 60))
    ids = _ids(session, cast, visits)
    with routing_server(Answer(body=recorded("osrm_table_4.json"))) as server:
        app.state.settings = replace(app.state.settings, routing_url=server.url)
        client = browser("lead")
        before = client.get(f"/teams/{ids.team}/plan/day?day={MONDAY}")
        assert len(server.received) == 0
        check = client.post(f"/teams/{ids.team}/plan/day/check", headers={"HX-Request": "true"},
                            data={"csrf_token": csrf_of(before.text), "visit": ids.visits[2],
                                  "worker": ids.alice, "day": MONDAY.isoformat()})
        assert check.status_code == 200 and len(server.received) == 1
        moved = client.post(f"/teams/{ids.team}/plan/day/move", follow_redirects=False,
                            data={"csrf_token": csrf_of(before.text), "visit": ids.visits[2],
                                  "worker": ids.alice, "day": MONDAY.isoformat()})
        assert moved.status_code == 303
        after = client.get(f"/teams/{ids.team}/plan/day?day={MONDAY}")
        assert len(server.received) == 1  # the confirmation used the kept table
    assert _written(session, ids.visits[2]) == (ids.alice, MONDAY)
    assert NOTE in html.unescape(before.text)  # the page said its times were estimated
    assert NOTE not in html.unescape(after.text)


def test_a_plan_made_while_the_server_was_down_keeps_saying_so(
    session: Session, cast: Cast, browser: Browser, app: FastAPI
) -> None:
    visits = [make_visit(session, cast.alice, cast.clients[i], cast.acts["BAIN"], MONDAY,
                         planned=30) for i in range(3)]
    ids = _ids(session, cast, visits)
    with routing_server(Answer(status=503, body=b"down")) as server:
        app.state.settings = replace(app.state.settings, routing_url=server.url)
        client = browser("lead")
        page = client.get(f"/teams/{ids.team}/plan?week={MONDAY}")
        client.post(f"/teams/{ids.team}/plan/optimize",
                    data={"csrf_token": csrf_of(page.text), "day": MONDAY.isoformat()})
        day = client.get(f"/teams/{ids.team}/plan/day?day={MONDAY}")
    assert len(server.received) == 1
    text = html.unescape(day.text)
    assert "n'a pas répondu; les temps de déplacement sont estimés à vol d'oiseau" in text
    assert NOTE not in text  # one warning, not two
