"""Two devices, one visit: the later version holds the visit, the other stays visible
to the team lead — whatever order the records arrive in."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from balise.core import clock
from balise.field.models import SyncConflict, SyncRecord
from balise.grid.models import Visit
from tests.field.conftest import Day
from tests.field.helpers import Browser, acks, local, record, send
from tests.web.conftest import csrf_of


@pytest.mark.parametrize("phone_first", [True, False])
def test_later_version_wins_and_the_lead_sees_the_other(
        browser: Browser, today_visits: Day, factory: sessionmaker[Session],
        phone_first: bool) -> None:
    day = clock.today()
    visit_id = today_visits.alice[0].id
    phone = record(visit_id, day, device="phone", recorded_at=f"{day.isoformat()}T15:00:00Z",
                   start="09:00", end="09:40", note="Version du téléphone")
    tablet = record(visit_id, day, device="tablet", recorded_at=f"{day.isoformat()}T15:05:00Z",
                    start="09:00", end="09:55", note="Version de la tablette")
    client = browser("alice")
    order = [phone, tablet] if phone_first else [tablet, phone]
    answers = {r["record_id"]: acks(send(client, [r]))[r["record_id"]] for r in order}
    assert answers[tablet["record_id"]]["status"] == "applied"
    expected_phone = "applied" if phone_first else "superseded"
    assert answers[phone["record_id"]]["status"] == expected_phone
    with factory() as fresh:
        visit = fresh.get(Visit, visit_id)
        assert visit is not None
        assert visit.note == "Version de la tablette"
        assert visit.realized_end == local(day, "09:55")
        conflict = fresh.scalars(select(SyncConflict)).one()
        assert conflict.set_aside["note"] == "Version du téléphone"
        assert conflict.kept["note"] == "Version de la tablette"
        assert conflict.rule == "later_recorded_at"
        assert fresh.scalar(select(SyncRecord.id).where(SyncRecord.status == "applied",
                                                        SyncRecord.device_id == "tablet"))
    lead = browser("lead")
    page = lead.get("/field/conflicts")
    assert page.status_code == 200
    assert "U0000" in page.text and "Mise de côté (venue d" in page.text
    # The lead learns that the times and notes differ, never what they are: they are Alice's.
    assert page.text.count("elles diffèrent; seule la personne concernée les voit") == 4
    for private in ("Version du téléphone", "Version de la tablette", "09:00", "09:40",
                    "09:55", "15:00", "15:05", "10:00", "10:05"):
        assert private not in page.text
    # Reviewing keeps both versions.
    reviewed = lead.post(f"/field/conflicts/{conflict.id}/reviewed",
                         data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert reviewed.status_code == 303
    again = lead.get("/field/conflicts").text
    assert "Vue le" in again and "Marquer comme vue" not in again


def test_same_moment_on_two_devices_is_decided_by_record_id(
        browser: Browser, today_visits: Day, factory: sessionmaker[Session]) -> None:
    day = clock.today()
    visit_id = today_visits.alice[0].id
    low = record(visit_id, day, record_id="00000000-0000-4000-8000-000000000001",
                 device="a", note="basse")
    high = record(visit_id, day, record_id="ffffffff-0000-4000-8000-000000000001",
                  device="b", note="haute")
    client = browser("alice")
    assert acks(send(client, [high]))[high["record_id"]]["status"] == "applied"
    assert acks(send(client, [low]))[low["record_id"]]["status"] == "superseded"
    with factory() as fresh:
        visit = fresh.get(Visit, visit_id)
        assert visit is not None and visit.note == "haute"
        assert fresh.scalars(select(SyncConflict)).one().rule == "tie_record_id"


def test_successive_saves_on_one_device_are_no_conflict(
        browser: Browser, today_visits: Day, factory: sessionmaker[Session]) -> None:
    day = clock.today()
    visit_id = today_visits.alice[0].id
    first = record(visit_id, day, recorded_at=f"{day.isoformat()}T15:00:00Z", end="09:40")
    correction = record(visit_id, day, recorded_at=f"{day.isoformat()}T15:30:00Z", end="10:10")
    client = browser("alice")
    send(client, [correction])
    assert acks(send(client, [first]))[first["record_id"]]["code"] == "superseded_same_device"
    with factory() as fresh:
        visit = fresh.get(Visit, visit_id)
        assert visit is not None and visit.realized_end == local(day, "10:10")
        assert fresh.scalars(select(SyncConflict)).all() == []


def test_a_change_made_on_the_server_is_kept_when_a_phone_replaces_it(
        browser: Browser, today_visits: Day, factory: sessionmaker[Session]) -> None:
    day = clock.today()
    visit = today_visits.alice[0]
    # The worker corrects the visit on the office computer (the visit form)…
    desk = browser("alice")
    form = desk.get(f"/visits/{visit.id}")
    saved = desk.post(f"/visits/{visit.id}/realization", data={
        "csrf_token": csrf_of(form.text), "status": "done", "start": "08:30", "end": "09:00",
        "acts_shown": "1", "note": "Corrigé au bureau"}, follow_redirects=False)
    assert saved.status_code == 303, saved.text[-800:]
    # …then a phone that had not synced sends its own version.
    phone = record(visit.id, day, note="Du téléphone")
    assert acks(send(browser("alice"), [phone]))[phone["record_id"]]["status"] == "applied"
    with factory() as fresh:
        conflict = fresh.scalars(select(SyncConflict)).one()
        assert conflict.set_aside_source == "server"
        assert conflict.set_aside["note"] == "Corrigé au bureau"
        assert conflict.rule == "replaces_server_change"
    page = browser("lead").get("/field/conflicts").text
    assert "modifiée sur le serveur" in page and "Corrigé au bureau" not in page


def test_conflicts_are_the_team_leads_only(browser: Browser, today_visits: Day,
                                          factory: sessionmaker[Session]) -> None:
    day = clock.today()
    visit_id = today_visits.alice[0].id
    client = browser("alice")
    send(client, [record(visit_id, day, device="a", recorded_at=f"{day.isoformat()}T15:00:00Z")])
    send(client, [record(visit_id, day, device="b", recorded_at=f"{day.isoformat()}T15:01:00Z")])
    with factory() as fresh:
        conflict_id = fresh.scalars(select(SyncConflict.id)).one()
    outsider = browser("outsider")
    assert "U0000" not in outsider.get("/field/conflicts").text
    page = outsider.get("/field/conflicts").text
    assert outsider.post(f"/field/conflicts/{conflict_id}/reviewed",
                         data={"csrf_token": csrf_of(page)}).status_code == 404
    assert browser("alice").get("/field/conflicts").status_code == 403
