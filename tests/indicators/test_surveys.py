"""The instruments and their scoring, without a database."""

from __future__ import annotations

import pytest

from balise.indicators.surveys import (
    CBI,
    CLIENT_EXPERIENCE,
    SCALES,
    Scale,
    SurveyInputError,
    parse_answers,
    scale_score,
    score,
    summarize,
)

PERSONAL, WORK, CLIENT = CBI.scales


def test_cbi_has_19_items_in_three_scales_as_published() -> None:
    assert [(s.code, len(s.items)) for s in CBI.scales] == [
        ("cbi_personal", 6), ("cbi_work", 7), ("cbi_client", 6)]
    assert len({item.code for item in CBI.items}) == 19
    # Only "enough energy for family and friends" is reverse-scored (Kristensen et al. 2005).
    assert [item.code for item in CBI.items if item.reverse] == ["w7"]
    assert WORK.items[-1].code == "w7" and "family and friends" in WORK.items[-1].text


def test_the_first_three_work_items_and_four_client_items_ask_to_what_degree() -> None:
    assert [i.options for i in WORK.items] == ["degree"] * 3 + ["frequency"] * 4
    assert [i.options for i in CLIENT.items] == ["degree"] * 4 + ["frequency"] * 2
    assert {i.options for i in PERSONAL.items} == {"frequency"}


def test_hand_computed_example_with_the_reverse_item_and_blanks() -> None:
    answers = {
        # personal: always 100, often 75, never 0, sometimes 50; p3 and p6 blank
        "p1": 4, "p2": 3, "p4": 0, "p5": 2,
        # work: high degree 75, somewhat 50, low degree 25, and "always enough energy"
        # for family and friends, reversed: 0; w4–w6 blank (4 of 7 answered: enough)
        "w1": 3, "w2": 2, "w3": 1, "w7": 4,
        # client: 2 of 6 answered, fewer than half: no score
        "c1": 4, "c2": 4,
    }
    assert score(CBI, answers) == {
        "cbi_personal": (100 + 75 + 0 + 50) / 4,  # 56.25
        "cbi_work": (75 + 50 + 25 + 0) / 4,  # 37.5
        "cbi_client": None,
    }


@pytest.mark.parametrize(("value", "points"), [(4, 0.0), (3, 25.0), (2, 50.0), (1, 75.0),
                                               (0, 100.0)])
def test_never_having_energy_left_scores_as_burnout(value: int, points: float) -> None:
    assert WORK.items[-1].points(value) == points


@pytest.mark.parametrize(("scale", "answered", "scored"), [
    (PERSONAL, 3, True),  # 3 of 6: half
    (PERSONAL, 2, False),
    (WORK, 4, True),  # 4 of 7: half rounded up, as in the PUMA study's rule
    (WORK, 3, False),
    (CLIENT, 3, True),
    (CLIENT, 0, False),
])
def test_a_scale_needs_half_of_its_items(scale: Scale, answered: int, scored: bool) -> None:
    answers = {item.code: 2 for item in scale.items[:answered]}
    assert (scale_score(scale, answers) is not None) is scored


def test_client_experience_reads_higher_is_better_on_0_to_100() -> None:
    (scale,) = CLIENT_EXPERIENCE.scales
    assert 5 <= len(scale.items) <= 8 and scale.higher_is_better
    assert scale_score(scale, {"respect": 4, "time": 3, "overall": 0}) == (100 + 75 + 0) / 3
    assert SCALES["client_experience"] == (CLIENT_EXPERIENCE, scale)


def test_form_answers_keep_items_and_drop_blanks_and_other_fields() -> None:
    form = {"p1": "4", "p2": "", "csrf_token": "x", "w7": "0"}
    assert parse_answers(CBI, form) == {"p1": 4, "w7": 0}


@pytest.mark.parametrize("bad", ["5", "-1", "often", "2.5"])
def test_an_answer_outside_the_choices_is_refused_naming_the_question(bad: str) -> None:
    with pytest.raises(SurveyInputError) as refused:
        parse_answers(CBI, {"p3": bad})
    assert refused.value.field == "p3"
    assert "p3" in refused.value.message()


def test_an_empty_form_is_refused_with_a_clear_message() -> None:
    with pytest.raises(SurveyInputError) as refused:
        parse_answers(CBI, {"csrf_token": "x"})
    assert refused.value.code == "survey_no_answer"
    assert "au moins une question" in refused.value.message()  # French by default


def test_summary_counts_each_option_and_scores_each_scale() -> None:
    rows = [{"p1": 4, "p2": 4, "p3": 4}, {"p1": 0, "p2": 0, "p3": 0}, {"p1": 4}]
    summary = summarize(CBI, rows)
    assert summary.responses == 3
    assert summary.scales["cbi_personal"] == (50.0, 2)  # the third has 1 of 6: not scored
    assert summary.scales["cbi_work"] == (None, 0)
    assert summary.items["p1"] == ((2, 0, 0, 0, 1), 3)  # always ×2, never ×1
