"""The weekly plan: durations from the evidence, days judged on their total."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from balise.grid.day_load import day_total_quantile
from balise.grid.models import Visit
from balise.grid.week_plan import (
    DurationModel,
    generate_week,
    load_duration_model,
    planned_minutes,
)
from tests.factories import MONDAY, Cast, make_visit


@pytest.mark.parametrize(("observations", "expected"), [
    (29, 45),   # too few observations: the reference time (45 min)
    (30, 63),   # enough: the 80th percentile of 40..69 minutes (63.2)
])
def test_planned_duration_uses_evidence_only_when_there_is_enough(
    observations: int, expected: int
) -> None:
    model = DurationModel(samples={1: np.arange(40, 40 + observations, dtype=float)},
                          reference={1: 45})
    assert planned_minutes(model, [1], 0.8, margin=0) == expected


def test_margin_is_added_to_every_visit() -> None:
    model = DurationModel(samples={}, reference={1: 20})
    assert planned_minutes(model, [1], 0.8, margin=5) == 25


def test_day_total_is_less_than_the_sum_of_per_visit_quantiles() -> None:
    rng = np.random.default_rng(3)
    model = DurationModel(samples={1: rng.lognormal(np.log(30), 0.4, 500)}, reference={})
    eight = [[1]] * 8
    sum_of_p80 = 8 * float(np.quantile(model.samples[1], 0.8))
    total_p80 = day_total_quantile(model, eight, 0.8)
    assert total_p80 < sum_of_p80 * 0.9  # the overstatement the docs explain
    assert total_p80 > 8 * float(np.median(model.samples[1]))


def test_generating_a_week_twice_creates_nothing_new(session: Session, cast: Cast) -> None:
    model = load_duration_model(session, cast.est_a.id, MONDAY)
    first = generate_week(session, cast.team, MONDAY, model)
    second = generate_week(session, cast.team, MONDAY, model)
    visits = session.scalar(select(func.count()).select_from(Visit)
                            .where(Visit.team_id == cast.team.id))
    assert first.created == 3 and second.created == 0 and visits == 3  # 3 clients, bath weekly
    days = session.scalars(select(Visit.day).where(Visit.team_id == cast.team.id)).all()
    assert len(set(days)) == 3  # three clients' weekly baths fall on three different days


def test_evidence_comes_from_realized_single_act_visits(session: Session, cast: Cast) -> None:
    for i in range(30):
        make_visit(session, cast.workers[i % 6], cast.clients[0], cast.acts["BAIN"],
                   MONDAY - timedelta(days=7 * (i % 10) + 1), minutes=50 + i)
    session.commit()
    model = load_duration_model(session, cast.est_a.id, date(2026, 11, 20))
    assert model.samples[cast.acts["BAIN"].id].size == 30
    assert planned_minutes(model, [cast.acts["BAIN"].id], 0.8, 0) == round(
        float(np.quantile(np.arange(50, 80), 0.8)))
