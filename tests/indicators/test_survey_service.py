"""Campaigns, anonymous answers and results with suppression, on a real database."""

from __future__ import annotations

import threading
import uuid
from datetime import date, datetime, time

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from balise.accounts.service import viewer_of
from balise.core import clock
from balise.core.errors import NotFound
from balise.indicators import survey_queries as queries
from balise.indicators import survey_service as service
from balise.indicators.disclosure import Reason
from balise.indicators.survey_models import SurveyCampaign, SurveyParticipation, SurveyResponse
from balise.indicators.surveys import SurveyError, SurveyInputError
from balise.journal.models import JournalEntry
from balise.schema import Base
from tests.factories import Cast
from tests.indicators.survey_factories import (
    CLOSES,
    MIDDLE,
    OPENS,
    answer_all,
    end,
    opened,
    respondents,
)


def _responses(session: Session, campaign: SurveyCampaign) -> list[SurveyResponse]:
    return list(session.scalars(select(SurveyResponse).where(
        SurveyResponse.campaign_id == campaign.id)))


def test_a_worker_answers_once_and_a_second_attempt_is_refused(session: Session,
                                                               cast: Cast) -> None:
    campaign = opened(session, cast)
    alice = viewer_of(cast.users["alice"])
    service.answer_campaign(session, alice, campaign, {"p1": "3"})
    with pytest.raises(SurveyError) as refused:
        service.answer_campaign(session, alice, campaign, {"p1": "1"})
    assert refused.value.code == "survey_already_answered"
    assert [r.answers for r in _responses(session, campaign)] == [{"p1": 3}]


def test_the_response_row_holds_nothing_about_the_person(session: Session, cast: Cast,
                                                         engine: Engine) -> None:
    campaign = opened(session, cast)
    service.answer_campaign(session, viewer_of(cast.users["alice"]), campaign, MIDDLE)
    session.commit()
    schema = inspect(engine)
    columns = {c["name"] for c in schema.get_columns("survey_response")}
    assert columns == {"id", "campaign_id", "answers"}  # no user, worker, time, sequence
    participation = {c["name"] for c in schema.get_columns("survey_participation")}
    assert participation == {"campaign_id", "user_id"}  # no time either
    (response,) = _responses(session, campaign)
    assert isinstance(response.id, uuid.UUID) and response.id.version == 4
    assert set(response.answers) <= set(MIDDLE)


def test_closing_forgets_who_answered_and_is_journaled(session: Session, cast: Cast) -> None:
    campaign = opened(session, cast)
    answer_all(session, campaign, respondents(session, cast.team, 2))
    entries = session.scalar(select(func.count()).select_from(JournalEntry))
    service.close_campaign(session, campaign, viewer_of(cast.users["lead"]))
    assert session.scalar(select(func.count()).select_from(SurveyParticipation)) == 0
    assert len(_responses(session, campaign)) == 2
    assert session.scalar(select(func.count()).select_from(JournalEntry)) == (entries or 0) + 1
    # Closed early: the campaign is dated by when answers stopped.
    assert campaign.closed and campaign.closes_on == OPENS


def test_a_team_of_4_respondents_shows_no_result(session: Session, cast: Cast) -> None:
    campaign = opened(session, cast, team=cast.small_team)
    answer_all(session, campaign, respondents(session, cast.small_team, 4))
    end(campaign)
    results = queries.campaign_results(session, campaign)
    assert results.responses == 4
    assert all(cell.value is None and cell.n == 4 for _s, cell in results.scales)
    assert all(f.counts is None for _s, figures in results.items for f in figures)


def test_5_respondents_show_scale_means_but_no_distributions(session: Session,
                                                             cast: Cast) -> None:
    campaign = opened(session, cast)
    answer_all(session, campaign, respondents(session, cast.team, 5))
    end(campaign)
    results = queries.campaign_results(session, campaign)
    assert [(s.code, cell.value, cell.n) for s, cell in results.scales] == [
        ("cbi_personal", 50.0, 5), ("cbi_work", 50.0, 5), ("cbi_client", 50.0, 5)]
    assert all(f.counts is None and f.answered == 5
               for _s, figures in results.items for f in figures)


def test_10_respondents_show_distributions(session: Session, cast: Cast) -> None:
    campaign = opened(session, cast)
    people = respondents(session, cast.team, 10)
    answer_all(session, campaign, people[:9])
    answer_all(session, campaign, people[9:], {**MIDDLE, "w7": "4"})  # one reversed "always"
    end(campaign)
    results = queries.campaign_results(session, campaign)
    figures = {f.item.code: f for _s, fs in results.items for f in fs}
    assert figures["p1"].counts == (0, 0, 10, 0, 0)
    assert figures["w7"].counts == (1, 0, 9, 0, 0)
    assert figures["w7"].breakdown()[0] == ("Always", 1)
    work = dict((s.code, cell) for s, cell in results.scales)["cbi_work"]
    assert work.value == pytest.approx((9 * 50 + (6 * 50 + 0) / 7) / 10)


def test_results_wait_until_the_campaign_is_over(session: Session, cast: Cast) -> None:
    campaign = opened(session, cast)
    answer_all(session, campaign, respondents(session, cast.team, 6))
    results = queries.campaign_results(session, campaign)
    assert not results.over and results.responses is None and results.scales == []


def test_a_worker_of_another_team_cannot_reach_the_campaign(session: Session,
                                                            cast: Cast) -> None:
    campaign = opened(session, cast)
    (other,) = respondents(session, cast.small_team, 1)
    with pytest.raises(NotFound):
        queries.access_campaign_to_answer(session, other, campaign.id)
    with pytest.raises(NotFound):
        service.answer_campaign(session, other, campaign, MIDDLE)


def test_nobody_answers_after_the_closing_day(session: Session, cast: Cast) -> None:
    campaign = opened(session, cast)
    end(campaign)
    with pytest.raises(SurveyError) as refused:
        service.answer_campaign(session, viewer_of(cast.users["alice"]), campaign, MIDDLE)
    assert refused.value.code == "survey_not_open"


@pytest.mark.parametrize(("opens", "closes", "code"), [
    (date(2026, 9, 10), date(2026, 9, 9), "survey_closes_before_opening"),
    (date(2026, 8, 1), date(2026, 8, 31), "survey_closes_in_past"),
    (date(2026, 9, 1), date(2026, 12, 31), "survey_too_long"),
    (date(2026, 9, 15), date(2026, 9, 30), "survey_overlap"),  # the first runs to the 21st
])
def test_campaign_dates_are_checked(session: Session, cast: Cast, opens: date, closes: date,
                                    code: str) -> None:
    opened(session, cast)
    with pytest.raises(SurveyInputError) as refused:
        service.open_campaign(session, viewer_of(cast.users["lead"]), cast.team, "cbi",
                              opens, closes)
    assert refused.value.code == code


def test_clients_answer_by_the_link_and_nothing_identifies_them(session: Session,
                                                                cast: Cast) -> None:
    campaign = opened(session, cast, instrument="client")
    assert campaign.public_code and len(campaign.public_code) >= 16
    found = queries.access_public_campaign(session, campaign.public_code)
    for _ in range(5):
        service.answer_public(session, found, {"respect": "4", "overall": "3", "time": "2"})
    end(campaign)
    with pytest.raises(NotFound):  # the link dies with the campaign
        queries.access_public_campaign(session, campaign.public_code)
    results = queries.campaign_results(session, campaign)
    assert [(s.code, c.value, c.n) for s, c in results.scales] == [
        ("client_experience", 75.0, 5)]


def test_closing_due_campaigns_closes_only_those_past_their_day(session: Session,
                                                                cast: Cast) -> None:
    past = opened(session, cast)
    later = opened(session, cast, team=cast.small_team, closes=date(2026, 10, 20))
    clock.freeze(datetime.combine(date(2026, 10, 1), time(6)))
    assert service.close_due_campaigns(session) == [past]
    assert past.closed and not later.closed and past.closes_on == CLOSES


def test_series_pools_only_campaigns_with_5_respondents(session: Session, cast: Cast) -> None:
    big = opened(session, cast)
    answer_all(session, big, respondents(session, cast.team, 6))
    small = opened(session, cast, team=cast.small_team)
    answer_all(session, small, respondents(session, cast.small_team, 4),
               {**MIDDLE, **{f"p{i}": "4" for i in range(1, 7)}})
    later = opened(session, cast, team=cast.small_team, opens=date(2026, 10, 1),
                   closes=date(2026, 10, 20))
    answer_all(session, later, respondents(session, cast.small_team, 3))
    end(later)
    both = [cast.team.id, cast.small_team.id]
    # September: team 4 (all "always", 100) is left out, or T1 + T4 − T1 would show it.
    assert queries.survey_series(session, both, "cbi_personal") == [
        ("2026-09", 50.0, 6), ("2026-10", None, 3)]
    assert queries.survey_series(session, [cast.team.id], "cbi_personal") == [
        ("2026-09", 50.0, 6)]
    assert queries.survey_series(session, both, "cbi_personal")[0].period_start == OPENS
    with pytest.raises(ValueError, match="unknown survey scale"):
        queries.survey_series(session, both, "burnout")


def test_by_team_table_hides_the_total_when_a_small_team_could_be_recovered(
        session: Session, cast: Cast) -> None:
    big = opened(session, cast)
    answer_all(session, big, respondents(session, cast.team, 6))
    small = opened(session, cast, team=cast.small_team)
    answer_all(session, small, respondents(session, cast.small_team, 4))
    end(big)
    (table,) = queries.team_tables(session, viewer_of(cast.users["union"]))
    assert table.period == "2026-09"
    for _scale, cells in table.scales:
        assert cells.cells[big.id].value == 50.0  # shown on its own page anyway
        assert cells.cells[small.id].reason == Reason.TOO_FEW
        assert cells.total is not None and cells.total.reason == Reason.COMPLEMENT
        assert cells.total.value is None and cells.total.n == 10


def test_two_tabs_answering_at_once_store_one_answer(factory: sessionmaker[Session],
                                                     session: Session, cast: Cast) -> None:
    campaign = opened(session, cast)
    session.commit()
    alice = viewer_of(cast.users["alice"])
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit() -> None:
        barrier.wait()
        with factory() as own:
            mine = own.get_one(SurveyCampaign, campaign.id)
            try:
                service.answer_campaign(own, alice, mine, MIDDLE)
                own.commit()
                outcomes.append("stored")
            except SurveyError as error:
                own.rollback()
                outcomes.append(error.code)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["stored", "survey_already_answered"]
    session.expire_all()
    assert len(_responses(session, campaign)) == 1


# --- schema ---------------------------------------------------------------------------

def test_migration_matches_the_model(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = [d for d in compare_metadata(context, Base.metadata) if "survey_" in str(d)]
    assert diffs == []


def test_on_sqlite_answers_are_stored_in_key_order_not_arrival_order(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("WITHOUT ROWID is SQLite's; PostgreSQL's heap order is in docs/surveys.md")
    with engine.connect() as conn:
        found: dict[str, str] = dict(conn.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE name LIKE 'survey_%' AND type = 'table'")
        ).all())
    assert "WITHOUT ROWID" in found["survey_response"]
    assert "WITHOUT ROWID" in found["survey_participation"]


def test_the_daily_command_closes_campaigns_past_their_day(
        session: Session, cast: Cast, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from balise.cli import app

    campaign = opened(session, cast)
    answer_all(session, campaign, respondents(session, cast.team, 2))
    end(campaign)
    session.commit()
    monkeypatch.setenv("BALISE_DATABASE_URL", database_url)
    result = CliRunner().invoke(app, ["surveys", "close-due"])
    assert result.exit_code == 0, result.output
    assert "1 campagne(s) fermée(s)" in result.output
    session.expire_all()
    assert session.get_one(SurveyCampaign, campaign.id).closed
    assert session.scalar(select(func.count()).select_from(SurveyParticipation)) == 0
