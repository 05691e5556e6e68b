"""Ma journée: the worker's day as the phone keeps it, and the page that shows it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from balise.core import clock
from balise.grid.models import CollectionSetting
from balise.schema import Base
from tests.factories import Cast
from tests.field.conftest import Day
from tests.field.helpers import Browser
from tests.web.conftest import csrf_of


def test_day_lists_own_visits_in_order_without_identifying_clients(
        browser: Browser, today_visits: Day, cast: Cast) -> None:
    data = browser("alice").get("/api/field/day").json()
    assert data["day"] == clock.today().isoformat()
    assert [v["id"] for v in data["visits"]] == [v.id for v in today_visits.alice]
    first = data["visits"][0]
    assert first["client"] == "U0000" and first["window"] == ["08:00", "12:00"]
    assert first["planned_start"] == "09:00"
    assert "CLSC A" in first["place"] and "km" in first["place"]
    assert "précédente" in data["visits"][1]["place"]
    bath = first["acts"][0]
    assert bath["reference_minutes"] == 45 and bath["label"] == "Bain"
    text = str(data)
    assert "46.85" not in text and "-71.25" not in text  # no coordinates leave the server
    assert today_visits.bob.id not in [v["id"] for v in data["visits"]]
    assert data["collect"]["notes"] is True and data["csrf_token"]


def test_switched_off_kinds_are_neither_offered_nor_accepted(
        browser: Browser, today_visits: Day, cast: Cast, session: Session) -> None:
    session.add(CollectionSetting(establishment_id=cast.est_a.id, team_id=cast.team.id,
                                  key="notes", enabled=False, decision_ref="2026-007",
                                  set_at=datetime(2026, 1, 1)))
    session.commit()
    client = browser("alice")
    assert client.get("/api/field/day").json()["collect"]["notes"] is False
    from tests.field.helpers import acks, record, send

    noted = record(today_visits.alice[0].id, clock.today(), note="une note")
    got = acks(send(client, [noted]))[noted["record_id"]]
    assert got["status"] == "refused" and got["code"] == "not_collected"
    assert "2026-007" in got["message"]


def test_field_page_carries_its_texts_and_no_inline_script(browser: Browser,
                                                           today_visits: Day) -> None:
    client = browser("alice")
    page = client.get("/field")
    assert page.status_code == 200
    assert "Ma journée" in page.text and "data-strings=" in page.text
    assert "Envoyer maintenant" in page.text
    assert "<script>" not in page.text and " style=" not in page.text
    client.post("/language", data={"lang": "en", "next": "/field",
                                   "csrf_token": csrf_of(page.text)})
    assert "My day" in client.get("/field").text


def test_service_worker_may_control_the_field_page(browser: Browser) -> None:
    response = browser(None).get("/field/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["Service-Worker-Allowed"] == "/field"


def test_sync_is_documented_in_openapi(browser: Browser) -> None:
    spec = browser(None).get("/api/openapi.json").json()
    operation = spec["paths"]["/api/sync"]["post"]
    assert {"400", "422", "200"} <= set(operation["responses"])
    assert "VisitRecord" in spec["components"]["schemas"]
    assert "unreadable" not in str(spec["components"]["schemas"]["SyncRequest"])
    headers = [p["name"] for p in operation["parameters"] if p["in"] == "header"]
    assert "Idempotency-Key" in headers


def test_migration_creates_the_sync_tables_as_the_models_say(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    ours = [d for d in diff if "sync_" in repr(d)]
    assert ours == []
