"""Every read of one person's data by someone else is logged; both sides can read the log.

The worker reading their own data is never logged (that would record when they work).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from html import unescape

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.audit.models import ReadLogEntry
from balise.core import clock
from balise.field.models import SyncConflict
from balise.retention import purge
from tests.factories import MONDAY, Cast, make_visit

Browser = Callable[[str | None], TestClient]


def _log(session: Session) -> list[ReadLogEntry]:
    session.expire_all()
    entries = list(session.scalars(select(ReadLogEntry).order_by(ReadLogEntry.id)))
    session.commit()  # SQLite: end the read so the app can write
    return entries


def test_a_lead_opening_a_visit_is_logged_and_the_worker_herself_is_not(
        browser: Browser, cast: Cast, session: Session) -> None:
    visit = make_visit(session, cast.alice, cast.clients[0], cast.acts["BAIN"], MONDAY, minutes=40)
    expected = (cast.users["lead"].id, "visit", visit.id, cast.alice.id, cast.clients[0].id)
    url = f"/visits/{visit.id}"
    session.commit()  # ids read first: SQLite holds a lock while this session reads
    assert browser("alice").get(url).status_code == 200
    assert _log(session) == []
    clock.freeze(datetime(2026, 11, 18, 10, 30))
    assert browser("lead").get(url).status_code == 200
    [entry] = _log(session)
    assert (entry.user_id, entry.record_kind, entry.record_id, entry.worker_id,
            entry.client_id) == expected
    assert entry.at == datetime(2026, 11, 18, 10, 30)
    assert entry.route == url


def test_a_refused_read_writes_nothing(browser: Browser, cast: Cast, session: Session) -> None:
    url = f"/visits/{make_visit(session, cast.alice, cast.clients[0], cast.acts['BAIN'], MONDAY).id}"
    session.commit()
    assert browser("outsider").get(url).status_code == 404
    assert browser("bob").get(url).status_code == 404
    assert _log(session) == []


def test_the_team_plan_and_each_conflict_shown_are_logged(
        browser: Browser, cast: Cast, session: Session) -> None:
    visit = make_visit(session, cast.bob, cast.clients[1], cast.acts["BAIN"], clock.today())
    version = {"status": "done", "note": "x"}
    conflict = SyncConflict(establishment_id=visit.establishment_id, team_id=visit.team_id,
                            visit_id=visit.id, rule="later_recorded_at", kept=version,
                            set_aside=version, set_aside_source="device",
                            detected_at=datetime(2026, 11, 16, 10, 0))
    session.add(conflict)
    session.flush()
    team_id, conflict_id = cast.team.id, conflict.id
    whose = (cast.bob.id, cast.clients[1].id)
    session.commit()
    lead = browser("lead")
    assert lead.get(f"/teams/{team_id}/plan").status_code == 200
    assert lead.get("/field/conflicts").status_code == 200
    plan, shown = _log(session)
    assert (plan.record_kind, plan.record_id, plan.worker_id) == ("team_plan", team_id, None)
    assert (shown.record_kind, shown.record_id) == ("sync_conflict", conflict_id)
    assert (shown.worker_id, shown.client_id) == whose


def test_visit_exports_by_an_analyst_are_logged_a_workers_own_are_not(
        browser: Browser, cast: Cast, session: Session) -> None:
    make_visit(session, cast.alice, cast.clients[0], cast.acts["BAIN"], MONDAY, minutes=40)
    analyst_id = cast.users["analyst"].id
    session.commit()
    period = "from=2026-11-01&to=2026-11-30"
    alice = browser("alice")
    assert alice.get(f"/exports/visits?format=csv&{period}").status_code == 200
    assert _log(session) == []
    analyst = browser("analyst")
    for fmt in ("csv", "xlsx", "fhir"):
        assert analyst.get(f"/exports/visits?format={fmt}&{period}").status_code == 200
    assert analyst.get("/exports/acts?format=csv").status_code == 200  # no person in it
    entries = _log(session)
    assert [e.record_kind for e in entries] == ["visit_export", "visit_export", "fhir_bundle"]
    assert all(e.user_id == analyst_id and e.worker_id is None for e in entries)
    assert entries[2].route == f"/exports/visits?format=fhir&{period}"


def test_admins_and_both_committee_sides_read_the_log_clients_for_admins_only(
        browser: Browser, cast: Cast, session: Session) -> None:
    visit = make_visit(session, cast.alice, cast.clients[0], cast.acts["BAIN"], MONDAY)
    url, worker, client = f"/visits/{visit.id}", cast.alice.code, cast.clients[0].code
    session.commit()
    browser("lead").get(url)
    admin = unescape(browser("admin").get("/read-log").text)
    assert "lead" in admin and worker in admin and client in admin
    for side in ("union", "employer"):
        page = browser(side).get("/read-log")
        assert page.status_code == 200
        text = unescape(page.text)
        assert url in text and worker in text
        assert client not in text
    for other in ("alice", "lead", "analyst", "national", "outsider"):
        assert browser(other).get("/read-log").status_code == 403


def test_the_log_is_purged_after_its_two_years(
        browser: Browser, cast: Cast, session: Session) -> None:
    url = f"/visits/{make_visit(session, cast.alice, cast.clients[0], cast.acts['BAIN'], MONDAY).id}"
    session.commit()
    clock.freeze(datetime(2026, 11, 18, 9, 0))
    browser("lead").get(url)
    clock.freeze(datetime(2026, 11, 19, 9, 0))
    browser("lead").get(url)
    assert len(_log(session)) == 2
    assert purge(session, date(2028, 11, 17))["read_log"] == 0  # 730 days: both kept
    assert purge(session, date(2028, 11, 18))["read_log"] == 1  # the first is past
    [left] = _log(session)
    assert left.at == datetime(2026, 11, 19, 9, 0)
    assert purge(session, date(2026, 11, 19) + timedelta(days=731))["read_log"] == 1
    assert _log(session) == []


def test_a_worker_sees_who_read_her_data_and_nobody_elses(
        browser: Browser, cast: Cast, session: Session) -> None:
    mine = make_visit(session, cast.alice, cast.clients[0], cast.acts["BAIN"], MONDAY)
    bobs = make_visit(session, cast.bob, cast.clients[1], cast.acts["BAIN"], MONDAY)
    urls = (f"/visits/{mine.id}", f"/visits/{bobs.id}", f"/teams/{cast.team.id}/plan")
    session.commit()
    clock.freeze(datetime(2026, 11, 18, 10, 30))
    lead = browser("lead")
    for url in urls:
        assert lead.get(url).status_code == 200
    page = unescape(browser("alice").get("/me/reads").text)
    rows = page.split("<tbody>")[1].split("</tbody>")[0]
    assert f"<code>{urls[0]}</code>" in rows and f"<code>{urls[2]}</code>" in rows
    assert f"<code>{urls[1]}</code>" not in rows  # bob's visit is bob's business
    assert rows.count("<tr>") == 2 and "lead (" in rows and "2026-11-18 10:30" in rows
    assert cast.clients[0].code not in rows  # the client's code is not the worker's
    # bob sees his own visit's read and the team plan, not alice's visit.
    bob_rows = unescape(browser("bob").get("/me/reads").text).split("<tbody>")[1]
    assert f"<code>{urls[1]}</code>" in bob_rows and f"<code>{urls[0]}</code>" not in bob_rows
