"""In a real browser: a worker records a visit with no network, the page reopens from
the service worker, and the visit reaches the server once the network returns — also
after the browser was closed in between, and eight days later with the session long
ended. What the phone keeps: acknowledged records leave it, and logging out leaves
nothing of the day but what is still pending, which the worker is told about first."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from balise.core import clock
from balise.field.models import SyncRecord
from balise.grid.models import Visit
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, SyncCut
from tests.factories import PASSWORD, Cast, make_visit

pytestmark = pytest.mark.browser
WAIT = 60_000  # ms: the machine running the suite may be loaded; expectations poll


def _visits(session: Session, cast: Cast) -> list[Visit]:
    visits = [make_visit(session, cast.alice, cast.clients[i], cast.acts["BAIN"], clock.today(),
                         start_minute=(9 + i) * 60) for i in range(2)]
    session.commit()
    return visits


def _open_field(page: Page, base: str) -> None:
    page.goto(f"{base}/login?next=/field")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    # Generous: the first login on a loaded CI machine hashes a password and starts the app.
    page.wait_for_url(f"{base}/field", timeout=120_000)
    expect(page.locator("#field[data-ready='1']")).to_be_attached(timeout=WAIT)
    # The service worker takes control of the page once it has kept the page and its files.
    # Polled from Python: wait_for_function would evaluate a string in the page, which the
    # page's CSP (no 'unsafe-eval') rightly refuses.
    for _ in range(WAIT // 100):
        if page.evaluate("navigator.serviceWorker.controller !== null"):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the service worker never took control of the page")


def _stored(factory: sessionmaker[Session], visit_id: int) -> tuple[str, int]:
    with factory() as fresh:
        visit = fresh.get(Visit, visit_id)
        assert visit is not None
        count = fresh.scalar(select(func.count()).select_from(SyncRecord))
        return visit.status, int(count or 0)


def _go_offline(context: BrowserContext, page: Page, cut: SyncCut) -> None:
    """No network for the phone. Chromium's offline emulation alone does not always cover
    a request from a page under a service worker, so the sync endpoint is also cut on the
    server's side (``SyncCut``); then wait until a request from the page really fails."""
    cut.on.set()
    context.set_offline(True)
    probe = """async () => {
        try { await fetch('/healthz', {cache: 'no-store'}); return false; }
        catch (error) { return true; }
    }"""
    for _ in range(WAIT // 100):
        if page.evaluate(probe):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the browser context never went offline")


def _go_online(context: BrowserContext, cut: SyncCut) -> None:
    cut.on.clear()
    context.set_offline(False)


def test_visit_recorded_offline_reaches_the_server_once_online(
        live_server: str, sync_cut: SyncCut, chromium: Browser, cast: Cast, session: Session,
        factory: sessionmaker[Session]) -> None:
    visits = _visits(session, cast)
    context = chromium.new_context(locale="fr-CA", service_workers="allow",
                                   viewport={"width": 360, "height": 740}, has_touch=True)
    page = context.new_page()
    _open_field(page, live_server)
    first = page.locator(f"#visit-{visits[0].id}")
    expect(first).to_contain_text("U0000", timeout=WAIT)
    expect(first).to_contain_text("référence 45 min", timeout=WAIT)
    # A 360 px phone: nothing scrolls sideways, every button is a 48 px target.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    heights = page.eval_on_selector_all(
        "#field button:not([hidden])", "els => els.map(e => e.getBoundingClientRect().height)")
    assert heights and min(h for h in heights if h > 0) >= 48

    _go_offline(context, page, sync_cut)
    first.get_by_role("button", name="Terminer").click()
    expect(page.locator("#sync-count")).to_have_text("En attente d'envoi : 1", timeout=WAIT)
    expect(page.locator("#sync-state")).to_contain_text("Pas de réseau", timeout=WAIT)

    reloaded = page.reload()  # no network: the service worker serves the page
    assert reloaded is not None and reloaded.from_service_worker
    expect(page.locator("#field[data-ready='1']")).to_be_attached(timeout=WAIT)
    expect(page.locator("#day-notice")).to_contain_text("Copie hors ligne", timeout=WAIT)
    expect(page.locator(f"#visit-{visits[0].id} .fv-status")).to_contain_text("En attente", timeout=WAIT)
    expect(page.locator("#outbox-list li")).to_have_count(1, timeout=WAIT)
    assert _stored(factory, visits[0].id) == ("planned", 0)

    _go_online(context, sync_cut)
    expect(page.locator("#sync-count")).to_have_text(
        "Tout ce que vous avez enregistré est sur le serveur.", timeout=WAIT)
    assert _stored(factory, visits[0].id) == ("done", 1)
    assert _stored(factory, visits[1].id) == ("planned", 1)
    context.close()


def test_closing_the_browser_offline_loses_nothing(
        live_server: str, sync_cut: SyncCut, chromium: Browser, cast: Cast, session: Session,
        factory: sessionmaker[Session], tmp_path: Path) -> None:
    visits = _visits(session, cast)
    profile = tmp_path / "profile"

    def launch() -> BrowserContext:
        return chromium.browser_type.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            locale="fr-CA", service_workers="allow")

    context = launch()
    page = context.pages[0] if context.pages else context.new_page()
    _open_field(page, live_server)
    _go_offline(context, page, sync_cut)
    card = page.locator(f"#visit-{visits[1].id}")
    card.get_by_role("button", name="Non réalisée").click()
    expect(page.locator("#sync-count")).to_have_text("En attente d'envoi : 1", timeout=WAIT)
    context.close()  # the phone is switched off with the record still waiting
    assert _stored(factory, visits[1].id) == ("planned", 0)
    sync_cut.on.clear()  # switched on again where the network reaches the server

    context = launch()
    page = context.pages[0] if context.pages else context.new_page()
    # The session cookie ended with the browser; the outbox did not. Log in again.
    _open_field(page, live_server)
    expect(page.locator("#sync-count")).to_have_text(
        "Tout ce que vous avez enregistré est sur le serveur.", timeout=WAIT)
    assert _stored(factory, visits[1].id) == ("not_done", 1)
    context.close()


EIGHT_DAYS = timedelta(days=8)
ALL_SENT = "Tout ce que vous avez enregistré est sur le serveur."

# Everything the field app keeps in this browser: each IndexedDB store, and the page the
# service worker kept. Never opens (so never creates) a database that is not there.
PHONE_CONTENTS = """async () => {
  const out = {page: null};
  if ((await indexedDB.databases()).some((d) => d.name === "balise-field")) {
    const db = await new Promise((ok, ko) => {
      const r = indexedDB.open("balise-field"); r.onsuccess = () => ok(r.result); r.onerror = () => ko(r.error);
    });
    for (const name of db.objectStoreNames) {
      out[name] = await new Promise((ok) => {
        const r = db.transaction(name).objectStore(name).getAll(); r.onsuccess = () => ok(r.result);
      });
    }
    db.close();
  }
  for (const key of await caches.keys()) {
    const kept = await (await caches.open(key)).match("/field");
    if (kept) out.page = await kept.text();
  }
  return JSON.stringify(out);
}"""


def _phone(page: Page) -> dict[str, Any]:
    contents: dict[str, Any] = json.loads(page.evaluate(PHONE_CONTENTS))
    return contents


def _wait_until(check: Any, page: Page, what: str, seconds: float = 60) -> None:
    """Poll (the page's own scripts finish in their own time on a loaded machine)."""
    for _ in range(int(seconds * 10)):
        if check():
            return
        page.wait_for_timeout(100)
    raise AssertionError(what)


def _log_in_again(page: Page, base: str) -> None:
    page.goto(f"{base}/login?next=/field")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{base}/field", timeout=120_000)
    expect(page.locator("#field[data-ready='1']")).to_be_attached(timeout=WAIT)


def _context(chromium: Browser) -> BrowserContext:
    return chromium.new_context(locale="fr-CA", service_workers="allow",
                                viewport={"width": 360, "height": 740})


def test_acknowledged_record_leaves_the_phone_and_logout_leaves_nothing_personal(
        live_server: str, chromium: Browser, cast: Cast, session: Session,
        factory: sessionmaker[Session]) -> None:
    visits = _visits(session, cast)
    context = _context(chromium)
    page = context.new_page()
    _open_field(page, live_server)
    page.locator(f"#visit-{visits[0].id}").get_by_role("button", name="Terminer").click()
    expect(page.locator("#sync-count")).to_have_text(ALL_SENT, timeout=WAIT)
    # The page shows the server's copy of the visit, which now holds the record.
    expect(page.locator(f"#visit-{visits[0].id} .fv-status")).to_have_text("Réalisée",
                                                                            timeout=WAIT)
    assert _stored(factory, visits[0].id) == ("done", 1)
    with factory() as fresh:
        record_id = str(fresh.scalars(select(SyncRecord.record_id)).one())
    kept = _phone(page)
    # Acknowledged: the record is nowhere on the phone any more, not even its id.
    assert record_id not in json.dumps(kept)
    assert kept["outbox"] == [] and kept["refused"] == [] and kept["drafts"] == []
    # The day itself is kept for offline use (docs/field-sync.md, ASVS 14.3.3)...
    assert "U0000" in json.dumps(kept["meta"]) and kept["page"] is not None

    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(f"{live_server}/login", timeout=WAIT)
    # ...until logout: no visit, no client code, no name, no kept page.
    gone = _phone(page)
    assert gone["page"] is None
    assert [m["key"] for m in gone["meta"]] == ["device"]
    assert gone["outbox"] == [] and gone["refused"] == [] and gone["drafts"] == []
    display_name = cast.users["alice"].display_name
    assert "U0000" not in json.dumps(gone) and display_name not in json.dumps(gone)
    context.close()


def test_logout_with_records_not_sent_warns_keeps_them_and_sends_them_at_next_login(
        live_server: str, chromium: Browser, cast: Cast, session: Session,
        factory: sessionmaker[Session]) -> None:
    visits = _visits(session, cast)
    context = _context(chromium)
    page = context.new_page()
    _open_field(page, live_server)
    page.route("**/api/sync", lambda route: route.abort())  # the server cannot be reached
    page.locator(f"#visit-{visits[1].id}").get_by_role("button", name="Non réalisée").click()
    expect(page.locator("#sync-count")).to_have_text("En attente d'envoi : 1", timeout=WAIT)

    page.get_by_role("button", name="Se déconnecter").click()
    warning = page.locator("#logout-warning")
    expect(warning).to_be_visible(timeout=WAIT)
    expect(warning).to_contain_text("Pas encore sur le serveur : 1", timeout=WAIT)
    assert page.url == f"{live_server}/field"  # still logged in: nothing happened yet

    warning.get_by_role("button", name="Me déconnecter quand même").click()
    page.wait_for_url(f"{live_server}/login", timeout=WAIT)
    left = _phone(page)
    assert [i["visit_id"] for i in left["outbox"]] == [visits[1].id]  # kept, and only it
    assert [m["key"] for m in left["meta"] if m["key"].startswith("day:")] == []
    assert left["page"] is None
    assert _stored(factory, visits[1].id) == ("planned", 0)

    page.unroute("**/api/sync")
    _log_in_again(page, live_server)
    expect(page.locator("#sync-count")).to_have_text(ALL_SENT, timeout=WAIT)
    assert _stored(factory, visits[1].id) == ("not_done", 1)
    context.close()


def test_a_visit_recorded_offline_eight_days_ago_reaches_the_server_once(
        live_server: str, sync_cut: SyncCut, chromium: Browser, cast: Cast, session: Session,
        factory: sessionmaker[Session]) -> None:
    visits = _visits(session, cast)
    context = _context(chromium)
    context.clock.install()  # the page's Date is the test's to move; time still runs
    page = context.new_page()
    _open_field(page, live_server)
    _go_offline(context, page, sync_cut)
    page.locator(f"#visit-{visits[0].id}").get_by_role("button", name="Terminer").click()
    expect(page.locator("#sync-count")).to_have_text("En attente d'envoi : 1", timeout=WAIT)

    # Eight days without network, for the phone and for the server: Workbox would have
    # dropped the record after seven, and the session ended long ago (idle timeout).
    before = page.evaluate("Date.now()") / 1000
    context.clock.set_system_time(before + EIGHT_DAYS.total_seconds())
    clock.freeze(clock.now() + EIGHT_DAYS)
    assert page.evaluate("Date.now()") / 1000 - before >= EIGHT_DAYS.total_seconds()
    expect(page.locator("#sync-count")).to_have_text("En attente d'envoi : 1", timeout=WAIT)

    _go_online(context, sync_cut)
    # The server refuses the old session; the record waits for a login, then goes.
    expect(page.locator("#sync-state")).to_contain_text("reconnectez-vous", timeout=WAIT)
    assert _stored(factory, visits[0].id) == ("planned", 0)
    _log_in_again(page, live_server)
    expect(page.locator("#sync-count")).to_have_text(ALL_SENT, timeout=WAIT)
    assert _stored(factory, visits[0].id) == ("done", 1)
    # Sent again by nothing: still once.
    page.reload()
    expect(page.locator("#field[data-ready='1']")).to_be_attached(timeout=WAIT)
    expect(page.locator("#sync-count")).to_have_text(ALL_SENT, timeout=WAIT)
    assert _stored(factory, visits[0].id) == ("done", 1)
    context.close()
