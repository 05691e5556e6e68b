"""In a real browser: the team lead and a worker log in, in French and in English, and
each sees their own page — the lead the team's plan, the worker only their own week."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from tests.factories import MONDAY, PASSWORD, Cast, make_visit

pytestmark = pytest.mark.browser


def _log_in(page: Page, base: str, username: str, locale: str = "fr-CA") -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(lambda url: "/login" not in url)
    if locale.startswith("en"):
        # The cast's accounts are saved in French: switch as a user would.
        page.click("button[name=lang][value=en]")
        expect(page.locator("button[name=lang][value=fr]")).to_be_visible()


@pytest.mark.parametrize("locale", ["fr-CA", "en-CA"])
def test_team_lead_sees_the_team_plan(live_server: str, chromium: Browser, locale: str,
                                      cast: Cast) -> None:
    context = chromium.new_context(locale=locale)
    page = context.new_page()
    _log_in(page, live_server, "lead", locale)
    heading = "semaine du" if locale == "fr-CA" else "week of"
    expect(page.locator("h1")).to_contain_text(heading)
    expect(page.locator("h1")).to_contain_text(cast.team.name)
    expect(page.locator("table.plan tbody tr")).to_have_count(len(cast.workers))
    context.close()


@pytest.mark.parametrize("locale", ["fr-CA", "en-CA"])
def test_worker_sees_only_own_week(live_server: str, chromium: Browser, locale: str,
                                   cast: Cast, session: Session) -> None:
    week = MONDAY.isoformat()
    make_visit(session, cast.alice, cast.clients[0], cast.acts["BAIN"], MONDAY, minutes=52)
    make_visit(session, cast.bob, cast.clients[1], cast.acts["BAIN"], MONDAY, minutes=71)
    session.commit()
    context = chromium.new_context(locale=locale)
    page = context.new_page()
    _log_in(page, live_server, "alice", locale)
    page.goto(f"{live_server}/me/week?week={week}")
    expect(page.locator("h1")).to_contain_text("Ma semaine" if locale == "fr-CA" else "My week")
    cards = page.locator(".card")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("52 min")
    expect(page.locator("body")).not_to_contain_text("71 min")
    # The worker has no way to the team's pages.
    page.goto(f"{live_server}/teams")
    expect(page.locator("h1")).to_contain_text(
        "Impossible de faire cela" if locale == "fr-CA" else "We could not do that")
    context.close()


def test_language_switch_changes_the_page(live_server: str, chromium: Browser,
                                          cast: Cast) -> None:
    context = chromium.new_context(locale="fr-CA")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    expect(page.locator("h1")).to_have_text("Se connecter")
    page.click("button[name=lang][value=en]")
    expect(page.locator("h1")).to_have_text("Log in")
    context.close()
