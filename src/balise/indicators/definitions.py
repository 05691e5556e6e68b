"""What an indicator is: the definition every part of Balise reads, and its rules.

A definition names the indicator in both languages (committee text is stored in both,
as ``core.i18n.pick`` expects), says which family it belongs to, where its figures come
from, its unit, which way is better, its period and how it is computed. Built-in
definitions are declared in :mod:`balise.indicators.builtins`; hand-entered and survey
ones are stored in the database (:class:`~balise.indicators.models.IndicatorDefinition`)
and read through :func:`balise.indicators.catalogue.definitions`.

Rules here are pure functions over plain data (STYLE.md "rules as pure functions").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from balise.core.errors import MESSAGES, InvalidInput
from balise.core.i18n import gettext as _
from balise.core.i18n import lazy, pick
from balise.indicators.spc import Direction, MeasureKind

FAMILIES: dict[str, str] = {
    "service_volume": lazy("Service volume"),
    "service_quality": lazy("Service quality"),
    "working_conditions": lazy("Working conditions"),
}
SOURCES: dict[str, str] = {
    "computed": lazy("Computed from Balise's activity data"),
    "survey": lazy("From a survey"),
    "manual": lazy("Entered by hand per period"),
}
UNITS: dict[str, str] = {
    "percent": lazy("%"),
    "visits_per_worker_week": lazy("visits per worker-week"),
    "hours_per_worker_week": lazy("hours per worker-week"),
    "per_100_visits": lazy("per 100 visits"),
    "count": lazy("count"),
    "days": lazy("days"),
    "score": lazy("score"),
}
DIRECTIONS: dict[str, str] = {
    Direction.HIGHER_IS_BETTER: lazy("Higher is better"),
    Direction.LOWER_IS_BETTER: lazy("Lower is better"),
}
PERIODS: dict[str, str] = {"week": lazy("Week"), "month": lazy("Month")}
BALANCING_FAMILIES = frozenset({"service_quality", "working_conditions"})
CODE_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")

# The messages of this capability's error codes (English msgids; French in the catalog).
INDICATOR_MESSAGES: dict[str, str] = {
    "indicator_code": lazy("A code holds lowercase letters, digits and underscores only."),
    "indicator_code_taken": lazy("An indicator already has the code {indicator}."),
    "indicator_unknown": lazy("No indicator has the code {indicator}."),
    "indicator_source_required": lazy("Name where the figures of a hand-entered indicator come from."),
    "indicator_balancing_unknown": lazy("The balancing indicator {indicator} does not exist or is not a measure of quality or working conditions."),
    "indicator_balancing_required": lazy("A volume indicator names at least one balancing indicator of service quality or working conditions."),
    "indicator_not_manual": lazy("The figures of {indicator} are not entered by hand."),
    "indicator_not_period_start": lazy("A period starts on a Monday (week) or on the 1st (month); the period of {indicator} is a {period}."),
    "indicator_not_a_number": lazy("Enter a number such as 15 or 12.5."),
    "indicator_set_empty": lazy("Choose at least one indicator."),
    "indicator_team_unknown": lazy("No team has this code in the establishment."),
    "indicator_value_duplicate": lazy("This file gives the same indicator, team and period twice (first on line {first_line})."),
}


class IndicatorInputError(InvalidInput):
    """A field of an indicator form or file is wrong, with this capability's messages."""

    def __init__(self, field: str, code: str, **params: Any) -> None:
        super().__init__(field, code, **params)

    def message(self) -> str:
        template = INDICATOR_MESSAGES.get(self.code) or MESSAGES.get(self.code, self.code)
        return _(template).format(**self.params)


@dataclass(frozen=True)
class Definition:
    """An indicator as every page, report and rule sees it.

    ``kind`` tells the control chart what the figures are: for a proportion or a rate
    the stored numerator and denominator are counts and ``value = scale × num / den``;
    for a measurement the value is plotted as it is.
    """

    code: str
    name_fr: str
    name_en: str
    family: str
    source: str
    unit: str
    direction: Direction
    period: str
    formula_fr: str
    formula_en: str
    kind: MeasureKind = MeasureKind.MEASUREMENT
    scale: float = 1.0
    balancing: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()  # collection settings (grid/collection.py) it reads
    by_need: bool = False  # also computed per need (act), e.g. baths
    source_note: str = ""  # a hand-entered indicator names where its figures come from
    baseline_start: date | None = None
    baseline_end: date | None = None
    target: float | None = None
    builtin: bool = field(default=False, compare=False)

    @property
    def name(self) -> str:
        return pick(self.name_fr, self.name_en)

    @property
    def formula(self) -> str:
        return pick(self.formula_fr, self.formula_en)

    @property
    def is_volume(self) -> bool:
        return self.family == "service_volume"


def check_definition(definition: Definition, known: Mapping[str, Definition]) -> None:
    """Refuse a definition the dashboard could not show honestly.

    ``known`` holds every other definition, so that balancing codes can be checked.
    The rule that matters most (principle 3): a volume indicator names at least one
    balancing indicator of quality or working conditions that must not worsen.
    """
    if not definition.code or not set(definition.code) <= CODE_CHARACTERS:
        raise IndicatorInputError("code", "indicator_code")
    for name in ("name_fr", "name_en", "formula_fr", "formula_en"):
        if not str(getattr(definition, name)).strip():
            raise InvalidInput(name, "required")
    for name, allowed in (("family", FAMILIES), ("source", SOURCES), ("unit", UNITS),
                          ("period", PERIODS)):
        if getattr(definition, name) not in allowed:
            raise InvalidInput(name, "unknown_choice")
    if definition.source == "manual" and not definition.source_note.strip():
        raise IndicatorInputError("source_note", "indicator_source_required")
    if definition.target is not None and not math.isfinite(definition.target):
        raise IndicatorInputError("target", "indicator_not_a_number")
    if (definition.baseline_start and definition.baseline_end
            and definition.baseline_end < definition.baseline_start):
        raise InvalidInput("baseline_end", "end_before_start")
    for code in definition.balancing:
        other = known.get(code)
        if other is None or other.family not in BALANCING_FAMILIES:
            raise IndicatorInputError("balancing", "indicator_balancing_unknown", indicator=code)
    if definition.is_volume and not definition.balancing:
        raise IndicatorInputError("balancing", "indicator_balancing_required")


def period_start(day: date, period: str) -> date:
    """The first day of the period holding ``day``: the Monday, or the 1st of the month."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def period_end(start: date, period: str) -> date:
    """The last day of the period starting on ``start``."""
    if period == "week":
        return start + timedelta(days=6)
    following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def is_period_start(day: date, period: str) -> bool:
    return period_start(day, period) == day


def unit_label(unit: str) -> str:
    """A unit in the current language. Templates call this rather than their own
    ``_()``: Jinja's gettext would read the "%" unit as a format placeholder."""
    return _(UNITS[unit])
