"""A team's day of routes: what the team lead sees, and moving a visit by hand."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from balise.grid.models import Visit
from balise.territory.models import Team
from tests.factories import MONDAY, Cast, make_visit
from tests.planner.routing_server import Answer, routing_server
from tests.web.conftest import csrf_of

Browser = Callable[[str | None], TestClient]


@dataclass(frozen=True)
class Ids:
    """Plain ids read once: touching a committed object afterwards would open a
    transaction in the test's session, and SQLite would lock the app out."""

    team: int
    alice: int
    bob: int
    visits: list[int]


def _ids(session: Session, cast: Cast, visits: list[Visit]) -> Ids:
    session.commit()
    ids = Ids(cast.team.id, cast.alice.id, cast.bob.id, [v.id for v in visits])
    session.rollback()
    return ids


def _route(session: Session, cast: Cast) -> Ids:
    """Alice's Monday: three baths at 08:30, 09:30 and 10:30, bob's: one at 09:00."""
    visits = [make_visit(session, cast.alice, cast.clients[i], cast.acts["BAIN"], MONDAY,
                         planned=45, start_minute=8 * 60 + 30 + 60 * i) for i in range(3)]
    visits.append(make_visit(session, cast.bob, cast.clients[0], cast.acts["BAIN"], MONDAY,
                             planned=45, start_minute=9 * 60))
    return _ids(session, cast, visits)


def _section(page: str, worker_id: int) -> str:
    return page.split(f'id="worker-{worker_id}"')[1].split("</section>")[0]


def _written(session: Session, visit_id: int) -> tuple[int | None, date]:
    """What the database holds now; the read ends at once (SQLite locks while it lasts)."""
    session.expire_all()
    visit = session.get_one(Visit, visit_id)
    state = (visit.worker_id, visit.day)
    session.rollback()
    return state


def test_the_day_shows_each_route_in_order_with_times_risk_and_a_map(
    session: Session, cast: Cast, browser: Browser
) -> None:
    ids = _route(session, cast)
    page = browser("lead").get(f"/teams/{ids.team}/plan/day?day={MONDAY}").text
    alice = _section(page, ids.alice)
    times = re.findall(r"<strong>(\d\d:\d\d)–(\d\d:\d\d)</strong>", alice)
    assert times == [("08:30", "09:15"), ("09:30", "10:15"), ("10:30", "11:15")]
    assert [int(v) for v in re.findall(r'href="/visits/(\d+)"', alice)] == ids.visits[:3]
    assert "Risque de finir en retard : 0 %" in alice
    # One numbered marker per stop, one square for the site, the line through them.
    svg = alice.split("<svg")[1].split("</svg>")[0]
    assert svg.count('class="stop"') == 3 and svg.count('class="site"') == 1
    assert re.findall(r">(\d)</text>", svg) == ["1", "2", "3"]
    assert svg.count("<polyline") == 1
    assert _section(page, ids.bob).split("<svg")[1].count('class="stop"') == 1
    week = browser("lead").get(f"/teams/{ids.team}/plan?week={MONDAY}").text
    assert f'href="/teams/{ids.team}/plan/day?day={MONDAY}"' in week


def _check(client: TestClient, team: int, visit: int, worker: int, day: date) -> str:
    page = client.get(f"/teams/{team}/plan/day?day={MONDAY}")
    response = client.post(f"/teams/{team}/plan/day/check", headers={"HX-Request": "true"},
                           data={"csrf_token": csrf_of(page.text), "visit": visit,
                                 "worker": worker, "day": day.isoformat()})
    assert response.status_code == 200, response.text
    return html.unescape(response.text)


def _move(client: TestClient, team: int, visit: int, worker: int, day: date) -> int:
    page = client.get(f"/teams/{team}/plan/day?day={MONDAY}")
    return client.post(f"/teams/{team}/plan/day/move", follow_redirects=False,
                       data={"csrf_token": csrf_of(page.text), "visit": visit,
                             "worker": worker, "day": day.isoformat()}).status_code


def test_a_move_that_holds_is_offered_for_confirmation_and_written_only_then(
    session: Session, cast: Cast, browser: Browser
) -> None:
    ids = _route(session, cast)
    client = browser("lead")
    fragment = _check(client, ids.team, ids.visits[2], ids.bob, MONDAY)
    assert "Aucun problème" in fragment and "Confirmer le déplacement" in fragment
    assert "<html" not in fragment  # an htmx fragment, not a page
    assert _written(session, ids.visits[2]) == (ids.alice, MONDAY)  # not yet
    assert _move(client, ids.team, ids.visits[2], ids.bob, MONDAY) == 303
    assert _written(session, ids.visits[2]) == (ids.bob, MONDAY)
    bob = sorted((v.planned_start or 0) for v in session.query(Visit)
                 .filter_by(worker_id=ids.bob, day=MONDAY))
    session.rollback()
    assert bob[0] >= 8 * 60 and bob[1] >= bob[0] + 45  # re-timed, one after the other


def test_without_htmx_the_check_is_a_page_of_its_own(
    session: Session, cast: Cast, browser: Browser
) -> None:
    ids = _route(session, cast)
    client = browser("lead")
    page = client.get(f"/teams/{ids.team}/plan/day?day={MONDAY}")
    response = client.post(f"/teams/{ids.team}/plan/day/check",
                           data={"csrf_token": csrf_of(page.text), "visit": ids.visits[0],
                                 "worker": ids.bob, "day": MONDAY.isoformat()})
    assert "<html" in response.text and "Confirmer le déplacement" in response.text


def test_moving_wound_care_to_an_auxiliary_warns_about_the_profession(
    session: Session, cast: Cast, browser: Browser
) -> None:
    nurse = cast.workers[5]
    nurse.profession = "nurse"
    wound = make_visit(session, nurse, cast.clients[0], cast.acts["PLAIE"], MONDAY)
    ids = _ids(session, cast, [wound])
    fragment = _check(browser("lead"), ids.team, ids.visits[0], ids.bob, MONDAY)
    assert "La profession de Worker A1 n'est pas parmi celles permises" in fragment
    assert "Déplacer quand même" in fragment  # the lead may still decide
    assert _written(session, ids.visits[0]) == (cast.workers[5].id, MONDAY)


def test_a_full_day_warns_about_windows_shift_and_lateness_risk(
    session: Session, cast: Cast, browser: Browser
) -> None:
    for i in range(40):  # evidence: a bath takes 60 to 79 minutes
        make_visit(session, cast.workers[i % 6], cast.clients[i % 3], cast.acts["BAIN"],
                   MONDAY - timedelta(days=7 + i % 20), minutes=60 + i % 20)
    # Bob already has seven 60-minute baths; an eighth cannot start in its window
    # (08:00–12:00) and the day ends after 16:00.
    for i in range(7):
        make_visit(session, cast.bob, cast.clients[i % 3], cast.acts["BAIN"], MONDAY,
                   planned=60, start_minute=8 * 60 + 60 * i)
    extra = make_visit(session, cast.alice, cast.clients[1], cast.acts["BAIN"], MONDAY,
                       planned=60)
    ids = _ids(session, cast, [extra])
    text = _check(browser("lead"), ids.team, ids.visits[0], ids.bob, MONDAY)
    assert "en dehors de sa plage 08:00–12:00" in text  # a window
    assert "après la fin du quart à 16:00" in text  # the shift
    assert "au-dessus du maximum de l'équipe de 10 %" in text  # the lateness risk


def test_moving_to_a_day_off_warns_and_to_another_day_moves_the_visit(
    session: Session, cast: Cast, browser: Browser
) -> None:
    ids = _route(session, cast)
    client = browser("lead")
    saturday = MONDAY + timedelta(days=5)
    assert "Worker A1 n'a pas de quart le 2026-11-21" in _check(
        client, ids.team, ids.visits[0], ids.bob, saturday)
    tuesday = MONDAY + timedelta(days=1)
    assert _move(client, ids.team, ids.visits[0], ids.bob, tuesday) == 303
    assert _written(session, ids.visits[0]) == (ids.bob, tuesday)
    tuesday_page = client.get(f"/teams/{ids.team}/plan/day?day={tuesday}").text
    assert f'href="/visits/{ids.visits[0]}"' in _section(tuesday_page, ids.bob)


def test_a_worker_of_another_team_is_refused_and_nothing_moves(
    session: Session, cast: Cast, browser: Browser
) -> None:
    ids = _route(session, cast)
    other = cast.small_workers[0].id
    session.rollback()
    assert _move(browser("lead"), ids.team, ids.visits[0], other, MONDAY) == 400
    assert _written(session, ids.visits[0]) == (ids.alice, MONDAY)


def test_the_lead_sets_the_teams_maximum_risk(
    session: Session, cast: Cast, browser: Browser
) -> None:
    ids = _ids(session, cast, [])
    client = browser("lead")
    page = client.get(f"/teams/{ids.team}/plan/day?day={MONDAY}")
    token = csrf_of(page.text)
    url = f"/teams/{ids.team}/plan/risk"
    assert client.post(url, data={"csrf_token": token, "max_risk": "20", "day": str(MONDAY)},
                       follow_redirects=False).status_code == 303
    refused = client.post(url, data={"csrf_token": token, "max_risk": "90"})
    assert refused.status_code == 400 and "entre 1 et 50" in html.unescape(refused.text)
    session.expire_all()
    assert session.get_one(Team, ids.team).max_late_risk == 0.2
    session.rollback()
    shown = client.get(f"/teams/{ids.team}/plan/day?day={MONDAY}").text
    assert 'name="max_risk" type="number" min="1" max="50" size="3" value="20"' in shown


def test_the_plan_page_says_when_travel_is_only_estimated(
    session: Session, cast: Cast, browser: Browser, app: FastAPI
) -> None:
    ids = _route(session, cast)
    with routing_server(Answer(status=503, body=b"down")) as server:
        app.state.settings = replace(app.state.settings, routing_url=server.url)
        client = browser("lead")
        page = client.get(f"/teams/{ids.team}/plan?week={MONDAY}")
        done = client.post(f"/teams/{ids.team}/plan/optimize",
                           data={"csrf_token": csrf_of(page.text), "day": MONDAY.isoformat()})
        day = client.get(f"/teams/{ids.team}/plan/day?day={MONDAY}")
    assert len(server.received) == 1  # one table for the plan; the page reads it kept
    assert "n'a pas répondu; les temps de déplacement sont estimés à vol d'oiseau" in \
        html.unescape(done.text)
    assert "n'a pas répondu" in html.unescape(day.text)
