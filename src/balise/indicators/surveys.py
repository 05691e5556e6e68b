"""The survey instruments and how their answers are scored (pure, no database).

**Copenhagen Burnout Inventory** (CBI; Kristensen, Borritz, Villadsen & Christensen,
2005, *Work & Stress* 19(3):192–207, doi:10.1080/02678370500297720; free to use with
that citation). 19 items in three scales: personal burnout (6), work-related burnout
(7) and client-related burnout (6). Each answer is scored Always / To a very high
degree = 100, 75, 50, 25, Never or almost never / To a very low degree = 0; the
seventh work-related item ("enough energy for family and friends") is reverse-scored.
A scale's score is the mean of its answered items, 0–100, higher meaning more burnout.
The PUMA study's rule for missing answers is kept: a respondent with fewer than half
of a scale's items answered (rounded up: 3 of 6, 4 of 7) has no score on that scale.
The English wording follows the published version closely so that figures stay
comparable with published ones; the French is Balise's own translation, faithful in
meaning but not a validated French version (docs/surveys.md).

**Client experience**: six short statements (respect, time given, same workers,
information on changes, a say in one's care, overall satisfaction) answered on a
five-point agreement scale, 1 = strongly disagree … 5 = strongly agree, scored
0, 25, 50, 75, 100 so that it reads like the CBI (0–100, here higher is better), with
the same half-answered rule.

Answers are stored as option values 0–4 (the item's points ÷ 25 before reversal), so
a change of scoring never needs the raw forms again.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from balise.core.errors import MESSAGES, BaliseError, InvalidInput
from balise.core.i18n import gettext as _
from balise.core.i18n import lazy

# Option values, highest first, as the form lists them.
VALUES = (4, 3, 2, 1, 0)
OPTIONS: dict[str, tuple[str, ...]] = {
    "frequency": (lazy("Always"), lazy("Often"), lazy("Sometimes"), lazy("Seldom"),
                  lazy("Never or almost never")),
    "degree": (lazy("To a very high degree"), lazy("To a high degree"), lazy("Somewhat"),
               lazy("To a low degree"), lazy("To a very low degree")),
    "agreement": (lazy("Strongly agree"), lazy("Mostly agree"), lazy("Neither agree nor disagree"),
                  lazy("Mostly disagree"), lazy("Strongly disagree")),
}


@dataclass(frozen=True)
class Item:
    code: str
    text: str  # English msgid; French in locales/fr/LC_MESSAGES/surveys.po
    options: str  # a key of OPTIONS
    reverse: bool = False

    def points(self, value: int) -> float:
        return 100.0 - 25.0 * value if self.reverse else 25.0 * value

    def option_labels(self) -> list[tuple[int, str]]:
        return list(zip(VALUES, OPTIONS[self.options], strict=True))


@dataclass(frozen=True)
class Scale:
    code: str  # unique across instruments: the name survey_series() takes
    label: str
    items: tuple[Item, ...]
    higher_is_better: bool

    @property
    def min_answered(self) -> int:
        return math.ceil(len(self.items) / 2)


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    respondents: str  # "workers" (log in, once each) or "clients" (public link)
    source: str
    scales: tuple[Scale, ...]

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for scale in self.scales for item in scale.items)


def _f(code: str, text: str, reverse: bool = False) -> Item:
    return Item(code, text, "frequency", reverse)


def _d(code: str, text: str) -> Item:
    return Item(code, text, "degree")


def _a(code: str, text: str) -> Item:
    return Item(code, text, "agreement")


CBI = Instrument(
    code="cbi", name=lazy("Copenhagen Burnout Inventory"), respondents="workers",
    source="Kristensen T.S., Borritz M., Villadsen E., Christensen K.B. (2005). The Copenhagen "
           "Burnout Inventory: a new tool for the assessment of burnout. Work & Stress 19(3), "
           "192–207.",
    scales=(
        Scale("cbi_personal", lazy("Personal burnout"), (
            _f("p1", lazy("How often do you feel tired?")),
            _f("p2", lazy("How often are you physically exhausted?")),
            _f("p3", lazy("How often are you emotionally exhausted?")),
            _f("p4", lazy("How often do you think: “I can't take it anymore”?")),
            _f("p5", lazy("How often do you feel worn out?")),
            _f("p6", lazy("How often do you feel weak and likely to fall ill?")),
        ), higher_is_better=False),
        Scale("cbi_work", lazy("Work-related burnout"), (
            _d("w1", lazy("Is your work emotionally exhausting?")),
            _d("w2", lazy("Do you feel burnt out because of your work?")),
            _d("w3", lazy("Does your work frustrate you?")),
            _f("w4", lazy("Do you feel worn out at the end of your working day?")),
            _f("w5", lazy("In the morning, are you exhausted at the thought of another day at work?")),
            _f("w6", lazy("Do you feel that every working hour is tiring for you?")),
            # Reverse-scored in the original: "always" having energy left means no burnout.
            _f("w7", lazy("Do you have enough energy left for family and friends in your free time?"),
               reverse=True),
        ), higher_is_better=False),
        Scale("cbi_client", lazy("Client-related burnout"), (
            _d("c1", lazy("Do you find it hard to work with clients?")),
            _d("c2", lazy("Do you find it frustrating to work with clients?")),
            _d("c3", lazy("Does working with clients drain your energy?")),
            _d("c4", lazy("Do you feel that you give more than you get back when you work with clients?")),
            _f("c5", lazy("Are you tired of working with clients?")),
            _f("c6", lazy("Do you sometimes wonder how long you will be able to go on working with clients?")),
        ), higher_is_better=False),
    ),
)

CLIENT_EXPERIENCE = Instrument(
    code="client", name=lazy("Client-experience questionnaire"), respondents="clients",
    source="Balise",
    scales=(
        Scale("client_experience", lazy("Client experience"), (
            _a("respect", lazy("The people who come to my home treat me with respect.")),
            _a("time", lazy("They take the time needed to care for me properly.")),
            _a("continuity", lazy("I usually see the same people.")),
            _a("information", lazy("I am told in advance when a visit is moved or cancelled.")),
            _a("say", lazy("My wishes are taken into account in the care I receive.")),
            _a("overall", lazy("Overall, I am satisfied with the home-care services I receive.")),
        ), higher_is_better=True),
    ),
)

INSTRUMENTS: dict[str, Instrument] = {i.code: i for i in (CBI, CLIENT_EXPERIENCE)}
SCALES: dict[str, tuple[Instrument, Scale]] = {
    scale.code: (instrument, scale) for instrument in INSTRUMENTS.values()
    for scale in instrument.scales
}

# The messages of this capability's error codes (English msgids; French in the catalog).
SURVEY_MESSAGES: dict[str, str] = {
    "survey_instrument_unknown": lazy("This questionnaire is not in the list."),
    "survey_no_answer": lazy("Answer at least one question; you may leave any of them blank."),
    "survey_bad_answer": lazy("The answer to question {item} is not one of the choices."),
    "survey_closes_before_opening": lazy("The campaign must close on or after the day it opens."),
    "survey_closes_in_past": lazy("The closing day has already passed."),
    "survey_too_long": lazy("A campaign lasts at most {days} days."),
    "survey_overlap": lazy("This team already has a campaign of this questionnaire from {opens_on} to {closes_on}."),
    "survey_already_answered": lazy("You have already answered this survey: each person answers once."),
    "survey_not_open": lazy("This survey is not open: it runs from {opens_on} to {closes_on}."),
    "survey_not_over": lazy("The results are shown once the campaign is over."),
    "survey_too_many": lazy("Too many answers were sent from this connection; try again in {minutes} minutes."),
}


class SurveyError(BaliseError):
    """Something the survey rules refuse (shown as a 400 with this message)."""

    def message(self) -> str:
        return _(SURVEY_MESSAGES.get(self.code) or MESSAGES.get(self.code, self.code)).format(
            **self.params)


class SurveyInputError(InvalidInput):
    def message(self) -> str:
        return _(SURVEY_MESSAGES.get(self.code) or MESSAGES.get(self.code, self.code)).format(
            **self.params)


def instrument(code: str) -> Instrument:
    found = INSTRUMENTS.get(code)
    if found is None:
        raise SurveyInputError("instrument", "survey_instrument_unknown")
    return found


def parse_answers(instrument: Instrument, form: Mapping[str, Any]) -> dict[str, int]:
    """The answers of a submitted form: item code -> option value 0–4, blanks left out.
    Fields that are not items are ignored; an item with another value is refused."""
    answers: dict[str, int] = {}
    for item in instrument.items:
        raw = form.get(item.code)
        if raw is None or raw == "":
            continue
        if not isinstance(raw, str) or raw not in {"0", "1", "2", "3", "4"}:
            raise SurveyInputError(item.code, "survey_bad_answer", item=item.code)
        answers[item.code] = int(raw)
    if not answers:
        raise SurveyInputError("answers", "survey_no_answer")
    return answers


def scale_score(scale: Scale, answers: Mapping[str, int]) -> float | None:
    """Mean points of the answered items; None when fewer than half were answered."""
    points = [item.points(answers[item.code]) for item in scale.items if item.code in answers]
    if len(points) < scale.min_answered:
        return None
    return sum(points) / len(points)


def score(instrument: Instrument, answers: Mapping[str, int]) -> dict[str, float | None]:
    return {scale.code: scale_score(scale, answers) for scale in instrument.scales}


@dataclass(frozen=True)
class Summary:
    """Raw figures of a set of responses, before any suppression."""

    responses: int
    scales: dict[str, tuple[float | None, int]]  # scale -> (mean score, respondents scored)
    items: dict[str, tuple[tuple[int, ...], int]]  # item -> (count per option in VALUES order, answered)


def summarize(instrument: Instrument, responses: Iterable[Mapping[str, int]]) -> Summary:
    rows = list(responses)
    scales: dict[str, tuple[float | None, int]] = {}
    for scale in instrument.scales:
        scores = [s for s in (scale_score(scale, row) for row in rows) if s is not None]
        scales[scale.code] = (sum(scores) / len(scores) if scores else None, len(scores))
    items: dict[str, tuple[tuple[int, ...], int]] = {}
    for item in instrument.items:
        given = [row[item.code] for row in rows if item.code in row]
        items[item.code] = (tuple(given.count(v) for v in VALUES), len(given))
    return Summary(len(rows), scales, items)
