"""What each person sees of surveys: answering once, opening campaigns, suppressed results,
the clients' public questionnaire."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from balise.core import clock
from balise.indicators.survey_models import SurveyCampaign, SurveyResponse
from balise.journal.models import JournalEntry
from balise.web import surveys as survey_pages
from tests.factories import Cast
from tests.indicators.survey_factories import MIDDLE, answer_all, end, opened, respondents
from tests.web.conftest import csrf_of

Browser = Callable[[str | None], TestClient]


def _count(session: Session, model: type[object]) -> int:
    count = int(session.scalar(select(func.count()).select_from(model)) or 0)
    # End the read without expiring the cast: on SQLite an open transaction holds the
    # write lock the application needs.
    session.commit()
    return count


def test_a_worker_answers_from_the_page_once(session: Session, cast: Cast,
                                             browser: Browser) -> None:
    campaign = opened(session, cast)
    session.commit()
    alice = browser("alice")
    listing = alice.get("/surveys")
    assert f"/surveys/{campaign.id}/answer" in listing.text
    form = alice.get(f"/surveys/{campaign.id}/answer")
    assert "Vous reste-t-il assez d'énergie pour votre famille" in form.text
    assert "sans votre nom" in form.text
    sent = alice.post(f"/surveys/{campaign.id}/answer",
                      data={**MIDDLE, "csrf_token": csrf_of(form.text)}, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == "/surveys?thanks=1"
    assert "vous avez répondu" in alice.get("/surveys").text
    again = alice.post(f"/surveys/{campaign.id}/answer",
                       data={"p1": "1", "csrf_token": csrf_of(form.text)})
    assert again.status_code == 400
    assert "Vous avez déjà répondu" in again.text
    assert _count(session, SurveyResponse) == 1


def test_an_answer_outside_the_choices_is_refused_clearly(session: Session, cast: Cast,
                                                          browser: Browser) -> None:
    campaign = opened(session, cast)
    session.commit()
    alice = browser("alice")
    token = csrf_of(alice.get(f"/surveys/{campaign.id}/answer").text)
    refused = alice.post(f"/surveys/{campaign.id}/answer", data={"p2": "9", "csrf_token": token})
    assert refused.status_code == 400 and "p2" in refused.text
    assert _count(session, SurveyResponse) == 0


def test_the_lead_opens_a_campaign_for_the_team_and_it_is_journaled(
        session: Session, cast: Cast, browser: Browser) -> None:
    lead = browser("lead")
    page = lead.get("/surveys")
    entries = _count(session, JournalEntry)
    today = clock.today()
    sent = lead.post("/surveys/campaigns", data={
        "team_id": str(cast.team.id), "instrument": "cbi", "opens_on": today.isoformat(),
        "closes_on": (today + timedelta(days=7)).isoformat(),
        "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert sent.status_code == 303
    assert _count(session, SurveyCampaign) == 1 and _count(session, JournalEntry) == entries + 1
    assert "Inventaire d'épuisement professionnel de Copenhague" in lead.get("/surveys").text


def test_a_lead_cannot_open_a_campaign_for_another_team(session: Session, cast: Cast,
                                                        browser: Browser) -> None:
    lead = browser("lead")
    today = clock.today().isoformat()
    refused = lead.post("/surveys/campaigns", data={
        "team_id": str(cast.small_team.id), "instrument": "cbi", "opens_on": today,
        "closes_on": today, "csrf_token": csrf_of(lead.get("/surveys").text)})
    assert refused.status_code == 404
    assert _count(session, SurveyCampaign) == 0


def test_wrong_dates_bring_the_form_back_with_the_reason(session: Session, cast: Cast,
                                                         browser: Browser) -> None:
    union = browser("union")
    refused = union.post("/surveys/campaigns", data={
        "team_id": str(cast.team.id), "instrument": "cbi", "opens_on": "2026-13-01",
        "closes_on": "2026-12-01", "csrf_token": csrf_of(union.get("/surveys").text)})
    assert refused.status_code == 400
    assert "AAAA-MM-JJ" in refused.text or "YYYY-MM-DD" in refused.text
    assert 'value="2026-13-01"' in refused.text  # what was typed stays in the form


def test_results_of_a_team_of_4_show_no_score(session: Session, cast: Cast,
                                              browser: Browser) -> None:
    campaign = opened(session, cast, team=cast.small_team)
    answer_all(session, campaign, respondents(session, cast.small_team, 4))
    end(campaign)
    session.commit()
    page = browser("union").get(f"/surveys/{campaign.id}/results")
    assert page.status_code == 200
    assert "trop peu de répondants" in page.text and "50,0" not in page.text
    assert "moins de 10 réponses" in page.text


def test_results_of_10_show_means_and_how_each_question_was_answered(
        session: Session, cast: Cast, browser: Browser) -> None:
    campaign = opened(session, cast)
    answer_all(session, campaign, respondents(session, cast.team, 10))
    end(campaign)
    session.commit()
    page = browser("analyst").get(f"/surveys/{campaign.id}/results")
    assert page.text.count("50,0") == 3  # three scales
    assert "Parfois : 10" in page.text and "cotée à l'inverse" in page.text
    lead = browser("lead")
    lead.post("/language", data={"lang": "en", "next": "/",
                                 "csrf_token": csrf_of(lead.get("/surveys").text)})
    english = lead.get(f"/surveys/{campaign.id}/results")
    assert "Sometimes: 10" in english.text and "50.0" in english.text


def test_results_wait_for_the_end_and_a_live_count_is_not_shown(
        session: Session, cast: Cast, browser: Browser) -> None:
    campaign = opened(session, cast)
    answer_all(session, campaign, respondents(session, cast.team, 6))
    session.commit()
    union = browser("union")
    assert "une fois la campagne terminée" in union.get(f"/surveys/{campaign.id}/results").text
    assert "/ 6" not in union.get("/surveys").text


def test_by_team_table_hides_the_total_that_would_reveal_a_small_team(
        session: Session, cast: Cast, browser: Browser) -> None:
    big = opened(session, cast)
    answer_all(session, big, respondents(session, cast.team, 6))
    small = opened(session, cast, team=cast.small_team)
    answer_all(session, small, respondents(session, cast.small_team, 4))
    end(big)
    session.commit()
    page = browser("employer").get("/surveys").text
    assert "Résultats par équipe" in page
    assert page.count("masqué (pour protéger un autre chiffre)") == 3  # the total, per scale
    assert page.count("trop peu de répondants") == 3  # team 4, per scale


def test_a_client_answers_the_public_questionnaire_without_an_account(
        session: Session, cast: Cast, browser: Browser) -> None:
    campaign = opened(session, cast, instrument="client")
    session.commit()
    visitor = browser(None)
    page = visitor.get(f"/q/{campaign.public_code}")
    assert page.status_code == 200 and "ne demande ni nom" in page.text
    sent = visitor.post(f"/q/{campaign.public_code}", data={
        "respect": "4", "overall": "3", "csrf_token": csrf_of(page.text)})
    assert sent.status_code == 200 and "Rien dans celles-ci ne dit qui vous êtes" in sent.text
    assert _count(session, SurveyResponse) == 1
    assert visitor.get("/q/not-a-code").status_code == 404


def test_the_public_link_refuses_a_flood_from_one_address(
        session: Session, cast: Cast, browser: Browser, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(survey_pages, "PUBLIC_ANSWERS_PER_WINDOW", 2)
    campaign = opened(session, cast, instrument="client")
    session.commit()
    visitor = browser(None)
    token = csrf_of(visitor.get(f"/q/{campaign.public_code}").text)
    codes = [visitor.post(f"/q/{campaign.public_code}",
                          data={"respect": "4", "csrf_token": token}).status_code
             for _ in range(3)]
    assert codes == [200, 200, 429]
    assert _count(session, SurveyResponse) == 2


def test_sliding_window_forgets_old_events() -> None:
    window = survey_pages.SlidingWindow(2, 60)
    assert window.allow("a", 0) and window.allow("a", 1) and not window.allow("a", 2)
    assert window.allow("b", 2)  # per address
    assert window.allow("a", 61)  # the first one left the window
