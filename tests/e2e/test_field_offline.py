"""In a real browser: a worker records a visit with no network, the page reopens from
the service worker, and the visit reaches the server once the network returns — also
after the browser was closed in between."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from balise.core import clock
from balise.field.models import SyncRecord
from balise.grid.models import Visit
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.factories import PASSWORD, Cast, make_visit

pytestmark = pytest.mark.browser


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
    expect(page.locator("#field[data-ready='1']")).to_be_attached()
    # The service worker takes control of the page once it has kept the page and its files.
    # Polled from Python: wait_for_function would evaluate a string in the page, which the
    # page's CSP (no 'unsafe-eval') rightly refuses.
    for _ in range(300):
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


def test_visit_recorded_offline_reaches_the_server_once_online(
        live_server: str, chromium: Browser, cast: Cast, session: Session,
        factory: sessionmaker[Session]) -> None:
    visits = _visits(session, cast)
    context = chromium.new_context(locale="fr-CA", service_workers="allow",
                                   viewport={"width": 360, "height": 740}, has_touch=True)
    page = context.new_page()
    _open_field(page, live_server)
    first = page.locator(f"#visit-{visits[0].id}")
    expect(first).to_contain_text("U0000")
    expect(first).to_contain_text("référence 45 min")
    # A 360 px phone: nothing scrolls sideways, every button is a 48 px target.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    heights = page.eval_on_selector_all(
        "#field button:not([hidden])", "els => els.map(e => e.getBoundingClientRect().height)")
    assert heights and min(h for h in heights if h > 0) >= 48

    context.set_offline(True)
    first.get_by_role("button", name="Terminer").click()
    expect(page.locator("#sync-count")).to_have_text("En attente d'envoi : 1")
    expect(page.locator("#sync-state")).to_contain_text("Pas de réseau")

    reloaded = page.reload()  # no network: the service worker serves the page
    assert reloaded is not None and reloaded.from_service_worker
    expect(page.locator("#field[data-ready='1']")).to_be_attached()
    expect(page.locator("#day-notice")).to_contain_text("Copie hors ligne")
    expect(page.locator(f"#visit-{visits[0].id} .fv-status")).to_contain_text("En attente")
    expect(page.locator("#outbox-list li")).to_have_count(1)
    assert _stored(factory, visits[0].id) == ("planned", 0)

    context.set_offline(False)
    expect(page.locator("#sync-count")).to_have_text(
        "Tout ce que vous avez enregistré est sur le serveur.", timeout=30_000)
    assert _stored(factory, visits[0].id) == ("done", 1)
    assert _stored(factory, visits[1].id) == ("planned", 1)
    context.close()


def test_closing_the_browser_offline_loses_nothing(
        live_server: str, chromium: Browser, cast: Cast, session: Session,
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
    context.set_offline(True)
    card = page.locator(f"#visit-{visits[1].id}")
    card.get_by_role("button", name="Non réalisée").click()
    expect(page.locator("#sync-count")).to_have_text("En attente d'envoi : 1")
    context.close()  # the phone is switched off with the record still waiting
    assert _stored(factory, visits[1].id) == ("planned", 0)

    context = launch()
    page = context.pages[0] if context.pages else context.new_page()
    # The session cookie ended with the browser; the outbox did not. Log in again.
    _open_field(page, live_server)
    expect(page.locator("#sync-count")).to_have_text(
        "Tout ce que vous avez enregistré est sur le serveur.", timeout=30_000)
    assert _stored(factory, visits[1].id) == ("not_done", 1)
    context.close()
