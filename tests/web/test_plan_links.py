"""The team's week plan shows double and sequenced visits side by side, and why a visit
is left out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from balise.core import clock
from balise.planner.team_day import PlanSettings, apply_plan, plan_day
from tests.factories import MONDAY, Cast, make_visit, make_worker
from tests.web.conftest import csrf_of


def _linked_day(session: Session, cast: Cast) -> dict[str, int]:
    make_worker(session, cast.team, "N1", "nurse")
    pair = [make_visit(session, cast.workers[0], cast.clients[0], cast.acts["BAIN"], MONDAY)
            for _ in range(2)]
    for visit in pair:
        visit.link_group, visit.link_kind, visit.worker_id = "D1", "double", None
    first = make_visit(session, cast.workers[0], cast.clients[1], cast.acts["BAIN"], MONDAY,
                       planned=45)
    second = make_visit(session, cast.workers[0], cast.clients[1], cast.acts["PLAIE"], MONDAY,
                        planned=20)
    first.link_group = second.link_group = "S1"
    first.link_kind, second.link_kind = "before", "after"
    second.delay_min, second.delay_max = 30, 90
    bath = make_visit(session, cast.workers[0], cast.clients[2], cast.acts["BAIN"], MONDAY)
    bath.optional, bath.worker_id = True, None
    bath.window2_start, bath.window2_end = 13 * 60, 15 * 60
    session.commit()
    return {"double": pair[0].id, "partner": pair[1].id, "first": first.id,
            "second": second.id, "bath": bath.id}


def test_the_week_plan_shows_linked_visits_side_by_side(
        session: Session, cast: Cast, browser: Callable[[str | None], TestClient]) -> None:
    ids = _linked_day(session, cast)
    apply_plan(session, plan_day(session, cast.team, MONDAY, PlanSettings(time_limit_s=1.0)))
    session.commit()
    clock.freeze(datetime(2026, 11, 16, 7, 0))
    text = browser("lead").get(f"/teams/{cast.team.id}/plan?week={MONDAY}").text
    double = text.split(f'id="visit-{ids["double"]}"')[1].split("</li>")[0]
    assert "à deux avec Worker A" in double
    assert f'href="/visits/{ids["partner"]}"' in double
    first = text.split(f'id="visit-{ids["first"]}"')[1].split("</li>")[0]
    assert "puis Worker N1 de 30 à 90 min plus tard" in first
    second = text.split(f'id="visit-{ids["second"]}"')[1].split("</li>")[0]
    assert f'href="/visits/{ids["first"]}"' in second
    bath = text.split(f'id="visit-{ids["bath"]}"')[1].split("</li>")[0]
    assert "facultative" in bath and "13:00" in bath


def test_the_optimize_button_says_why_a_double_visit_is_left_out(
        session: Session, cast: Cast, browser: Callable[[str | None], TestClient]) -> None:
    for worker in cast.workers[1:]:
        worker.active = False
    ids = _linked_day(session, cast)
    clock.freeze(datetime(2026, 11, 16, 7, 0))
    client = browser("lead")
    page = client.get(f"/teams/{cast.team.id}/plan?week={MONDAY}")
    done = client.post(f"/teams/{cast.team.id}/plan/optimize",
                       data={"csrf_token": csrf_of(page.text), "day": MONDAY.isoformat()},
                       follow_redirects=True)
    assert done.status_code == 200
    reasons = done.text.split("Visites que le planificateur n")[1].split("</ul>")[0]
    for visit in (ids["double"], ids["partner"]):
        assert f"#{visit}</a> — Une visite à deux intervenants exige deux personnes" in reasons


def test_an_optional_visit_left_out_shows_on_the_waiting_list_with_why(
        session: Session, cast: Cast, browser: Callable[[str | None], TestClient]) -> None:
    for worker in cast.workers:
        worker.active = False  # no auxiliary works that day
    _linked_day(session, cast)
    clock.freeze(datetime(2026, 11, 16, 7, 0))
    client = browser("lead")
    page = client.get(f"/teams/{cast.team.id}/plan?week={MONDAY}")
    client.post(f"/teams/{cast.team.id}/plan/optimize",
                data={"csrf_token": csrf_of(page.text), "day": MONDAY.isoformat()})
    text = client.get(f"/teams/{cast.team.id}/waiting-list").text
    row = text.split(cast.clients[2].code)[1].split("</tr>")[0]
    assert ("visite facultative que le planificateur n'a pas pu placer — "
            "Aucun·e intervenant·e de la profession requise ne travaille ce jour-là.") in row
