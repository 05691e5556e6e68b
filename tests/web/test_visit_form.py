"""Recording a visit by form: absurd input gets a clear message and writes nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from balise.grid.models import Visit
from tests.factories import MONDAY, Cast, make_visit
from tests.web.conftest import csrf_of

Browser = Callable[[str | None], TestClient]


@pytest.fixture
def visit(session: Session, cast: Cast) -> Visit:
    visit = make_visit(session, cast.alice, cast.clients[0], cast.acts["BAIN"], MONDAY)
    session.commit()
    return visit


def _post(client: TestClient, visit: Visit, **fields: str) -> tuple[int, str]:
    token = csrf_of(client.get(f"/visits/{visit.id}").text)
    response = client.post(f"/visits/{visit.id}/realization",
                           data={"csrf_token": token, **fields}, follow_redirects=False)
    return response.status_code, response.text


@pytest.mark.parametrize(("fields", "message"), [
    ({"start": "10:00", "end": "09:15"}, "La fin précède le début"),   # ends before it starts
    ({"start": "10:00", "end": "10:40", "travel": "-5"}, "ne peut pas être négative"),
    ({"start": "25:99"}, "HH:MM"),                                       # not a time
    ({"start": "10:00", "travel": "beaucoup"}, "nombre entier"),
])
def test_absurd_visit_is_refused_and_nothing_is_written(
    browser: Browser, visit: Visit, factory, fields: dict[str, str], message: str  # type: ignore[no-untyped-def]
) -> None:
    status, text = _post(browser("alice"), visit, **fields)
    assert status == 400
    assert message in text
    with factory() as fresh:
        stored = fresh.get(Visit, visit.id)
        assert stored is not None
        assert stored.status == "planned" and stored.realized_start is None


def test_worker_closes_a_visit_without_any_justification(browser: Browser, visit: Visit, factory) -> None:  # type: ignore[no-untyped-def]
    status, _text = _post(browser("alice"), visit, start="09:05", end="10:20")
    assert status == 303
    with factory() as fresh:
        stored = fresh.get(Visit, visit.id)
        assert stored is not None and stored.status == "done"
        assert stored.realized_minutes == 75


def test_a_colleague_cannot_touch_anothers_visit(browser: Browser, visit: Visit) -> None:
    client = browser("bob")
    # Not yours answers exactly like does not exist.
    assert client.get(f"/visits/{visit.id}").status_code == 404


def test_team_lead_sees_the_plan_but_not_the_realized_times(
    browser: Browser, session: Session, cast: Cast
) -> None:
    visit = make_visit(session, cast.alice, cast.clients[0], cast.acts["BAIN"], MONDAY,
                       minutes=83, start_minute=9 * 60 + 7)
    session.commit()
    page = browser("lead").get(f"/visits/{visit.id}").text
    main = page.split("<main>", 1)[1].split("</main>", 1)[0]
    assert "Prévu : 30 min" in main
    # The realized times and the 83 minutes are nowhere in the page's content.
    assert "09:07" not in main and "10:30" not in main and "83 min" not in main
    assert 'name="start"' not in page
    own = browser("alice").get(f"/visits/{visit.id}").text
    assert "09:07" in own and "10:30" in own
