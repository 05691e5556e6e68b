"""Survey scores feed working-conditions (CBI) and service-quality (client experience)
indicators: one point per month of closed campaigns, only with 5 respondents."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from balise.committee.service import create_project
from balise.core import clock
from balise.core.i18n import language
from balise.indicators.catalogue import define_indicator, definitions
from balise.indicators.dashboard import build_dashboard
from balise.indicators.definitions import DIRECTIONS, FAMILIES, Definition
from balise.indicators.series import records, series
from balise.indicators.spc import Direction, Outcome
from balise.indicators.survey_indicators import SURVEY_BUILTINS
from balise.web.templating import build_environment
from tests.committee.factories import build_board
from tests.factories import Cast
from tests.indicators.data import adopt
from tests.indicators.survey_factories import MIDDLE, answer_all, opened, respondents

DOCS = Path(__file__).resolve().parents[2] / "docs" / "indicators.md"


def _monthly_campaigns(session: Session, cast: Cast, scores: list[str], n: int = 6) -> None:
    """One CBI campaign a month for the big team from January 2026, every respondent
    answering every work-related item with the option value given for that month."""
    people = respondents(session, cast.team, n)
    for i, value in enumerate(scores):
        opens = date(2026, 1 + i, 2)
        campaign = opened(session, cast, opens=opens, closes=opens + timedelta(days=13))
        answer_all(session, campaign, people,
                   {**MIDDLE, **{f"w{j}": value for j in range(1, 7)}})
    session.commit()


@pytest.mark.parametrize("definition", SURVEY_BUILTINS, ids=lambda d: d.code)
def test_every_survey_indicator_is_built_in_and_documented(session: Session,
                                                           definition: Definition) -> None:
    assert definitions(session)[definition.code] == definition
    french, _sep, english = DOCS.read_text(encoding="utf-8").partition("\n## English")
    assert re.search(rf"`{definition.code}`", french)
    assert re.search(rf"`{definition.code}`", english)


def test_survey_families_and_directions(session: Session) -> None:
    found = {d.code: (d.family, d.direction) for d in SURVEY_BUILTINS}
    assert found == {
        "cbi_personal": ("working_conditions", Direction.LOWER_IS_BETTER),
        "cbi_work": ("working_conditions", Direction.LOWER_IS_BETTER),
        "cbi_client": ("working_conditions", Direction.LOWER_IS_BETTER),
        "client_experience": ("service_quality", Direction.HIGHER_IS_BETTER),
    }


def test_a_closed_campaign_gives_one_point_per_scale(session: Session, cast: Cast) -> None:
    campaign = opened(session, cast)
    answer_all(session, campaign, respondents(session, cast.team, 6),
               {**MIDDLE, **{f"c{j}": "4" for j in range(1, 7)}})
    known = definitions(session)
    scope = f"team:{cast.team.id}"
    clock.freeze(datetime.combine(campaign.closes_on, time(12)))
    # Over on its last day, but its month is not: a point appears once September ends.
    assert series(session, known["cbi_personal"], cast.est_a.id, scope) == []
    clock.freeze(datetime(2026, 10, 1, 9))
    points = {code: series(session, known[code], cast.est_a.id, scope)
              for code in ("cbi_personal", "cbi_work", "cbi_client")}
    assert {code: [(p.period_start, p.value, p.workers) for p in found]
            for code, found in points.items()} == {
        "cbi_personal": [(date(2026, 9, 1), 50.0, 6)],
        # w7 is reverse-scored: "sometimes" (2) still scores 50.
        "cbi_work": [(date(2026, 9, 1), 50.0, 6)],
        "cbi_client": [(date(2026, 9, 1), 100.0, 6)],
    }


def test_a_campaign_under_5_respondents_is_suppressed_and_says_why(
        session: Session, cast: Cast) -> None:
    small = opened(session, cast, team=cast.small_team)
    answer_all(session, small, respondents(session, cast.small_team, 4))
    big = opened(session, cast)
    answer_all(session, big, respondents(session, cast.team, 5),
               {**MIDDLE, **{f"p{j}": "0" for j in range(1, 7)}})
    clock.freeze(datetime(2026, 10, 1, 9))
    known = definitions(session)
    (hidden,) = series(session, known["cbi_personal"], cast.est_a.id,
                       f"team:{cast.small_team.id}")
    assert (hidden.value, hidden.workers) == (None, 4)
    # The establishment pools only campaigns publishable alone: T4 is never mixed in,
    # so establishment − T1 reveals nothing.
    (whole,) = series(session, known["cbi_personal"], cast.est_a.id, "establishment")
    assert (whole.value, whole.workers) == (0.0, 5)

    board = build_board(session, cast)
    project = create_project(session, board.committee, title="Petite équipe",
                             objectives="Suivre l'épuisement.", team_ids=[cast.small_team.id])
    adopt(session, board, project, {"indicators": [{"code": "cbi_personal"}]})
    panel = build_dashboard(session, project, compute=False).others[0]
    assert (panel.suppressed, panel.complement, panel.points) == (1, 0, [])
    with language("en"):
        html = build_environment().get_template("indicators/_panel.html").render(
            panel=panel, kind="", families=FAMILIES, directions=DIRECTIONS, figure=str,
            unit_label=str)
    assert "1 period is hidden: fewer than 5 respondents in each of its campaigns." in html


def test_burnout_rising_over_campaigns_is_a_signal_on_the_dashboard(
        session: Session, cast: Cast) -> None:
    # Work-related burnout between 29 and 50 for five months (baseline), then 93.
    months = ["2", "2", "1", "2", "2", "4", "4", "4"]
    _monthly_campaigns(session, cast, months)
    clock.freeze(datetime(2026, 9, 15, 9))
    board = build_board(session, cast)
    project = create_project(session, board.committee, title="Horaires stables",
                             objectives="Moins d'épuisement.", team_ids=[cast.team.id])
    adopt(session, board, project, {"indicators": [{
        "code": "cbi_work", "target": 40, "baseline_start": "2026-01-01",
        "baseline_end": "2026-05-31"}]})
    panel = build_dashboard(session, project, compute=False).others[0]
    assert [p.value for p in panel.points] == pytest.approx([_work(v) for v in months])
    assert panel.verdict is not None and panel.outcome is Outcome.WORSENED
    assert panel.baseline_value == pytest.approx(sum(_work(v) for v in months[:5]) / 5)
    assert panel.svg.count("<circle") == 8
    with language("en"):
        assert "worsened" in " ".join(panel.verdict.sentences())


def _work(value: str) -> float:
    """The work-related score when w1–w6 take ``value`` and w7 (reversed) "sometimes"."""
    return (6 * 25.0 * int(value) + 50.0) / 7


def test_a_committee_can_define_its_own_survey_indicator(session: Session,
                                                         cast: Cast) -> None:
    definition = Definition(
        code="epuisement_equipe", name_fr="Épuisement au travail de l'équipe",
        name_en="Team work-related burnout", family="working_conditions", source="survey",
        unit="score", direction=Direction.LOWER_IS_BETTER, period="month",
        formula_fr="Échelle CBI travail.", formula_en="CBI work scale.", source_note="cbi_work",
        target=40.0)
    define_indicator(session, definition, actor=None)
    _monthly_campaigns(session, cast, ["2"])
    clock.freeze(datetime(2026, 3, 1, 9))
    (point,) = series(session, definitions(session)["epuisement_equipe"], cast.est_a.id,
                      f"team:{cast.team.id}")
    assert point.value == pytest.approx(_work("2"))


def test_survey_scores_are_in_the_json_of_every_team(session: Session, cast: Cast) -> None:
    big = opened(session, cast)
    answer_all(session, big, respondents(session, cast.team, 5))
    small = opened(session, cast, team=cast.small_team)
    answer_all(session, small, respondents(session, cast.small_team, 4))
    clock.freeze(datetime(2026, 10, 1, 9))
    found = records(session, cast.est_a.id, [], {cast.team.id: "T1", cast.small_team.id: "T4"},
                    definitions(session))
    work = {(r["scope"], r["team"]): (r["value"], r["workers"], r["status"]) for r in found
            if r["indicator"] == "cbi_work" and r["period_start"] == "2026-09-01"}
    assert work == {("establishment", None): (50.0, 5, "ok"), ("team", "T1"): (50.0, 5, "ok"),
                    ("team", "T4"): (None, 4, "suppressed")}
