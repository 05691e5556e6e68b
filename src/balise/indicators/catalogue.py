"""Every indicator Balise knows, and the actions that define or change one.

Built-ins come from code; the others (hand-entered, survey) from the database. Each
definition or change of a stored one goes to the journal in the same transaction.
"""

from __future__ import annotations

from dataclasses import fields

from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.core import clock
from balise.indicators.builtins import BUILTINS
from balise.indicators.definitions import Definition, IndicatorInputError, check_definition
from balise.indicators.models import IndicatorDefinition
from balise.indicators.spc import Direction
from balise.indicators.survey_indicators import SURVEY_BUILTINS
from balise.journal.service import append

# What people may define: Balise computes only what its code declares.
DEFINABLE_SOURCES = ("manual", "survey")
_STORED = ("name_fr", "name_en", "family", "source", "source_note", "unit", "period",
           "formula_fr", "formula_en", "baseline_start", "baseline_end", "target")


def definition_of(row: IndicatorDefinition) -> Definition:
    return Definition(
        code=row.code, name_fr=row.name_fr, name_en=row.name_en, family=row.family,
        source=row.source, unit=row.unit, direction=Direction(row.direction),
        period=row.period, formula_fr=row.formula_fr, formula_en=row.formula_en,
        balancing=tuple(row.balancing or ()), source_note=row.source_note,
        baseline_start=row.baseline_start, baseline_end=row.baseline_end, target=row.target,
    )


def definitions(session: Session) -> dict[str, Definition]:
    """Built-ins first (computed and hand-entered, then survey scores), then the stored
    ones, by code."""
    found = {d.code: d for d in (*BUILTINS, *SURVEY_BUILTINS)}
    for row in session.scalars(select(IndicatorDefinition).order_by(IndicatorDefinition.code)):
        found.setdefault(row.code, definition_of(row))
    return found


def get_definition(session: Session, code: str) -> Definition:
    found = definitions(session).get(code)
    if found is None:
        raise IndicatorInputError("indicator", "indicator_unknown", indicator=code)
    return found


def define_indicator(session: Session, definition: Definition, *,
                     actor: int | None) -> Definition:
    """Add a hand-entered or survey indicator."""
    known = definitions(session)
    if definition.code in known:
        raise IndicatorInputError("code", "indicator_code_taken", indicator=definition.code)
    if definition.source not in DEFINABLE_SOURCES:
        raise IndicatorInputError("source", "unknown_choice")
    check_definition(definition, known)
    row = IndicatorDefinition(code=definition.code, direction=str(definition.direction),
                              balancing=list(definition.balancing), changed_by=actor,
                              changed_at=clock.now(),
                              **{name: getattr(definition, name) for name in _STORED})
    session.add(row)
    session.flush()
    append(session, action="indicators.definition.created", subject=f"indicator:{row.code}",
           payload={"family": row.family, "source": row.source}, actor_user_id=actor)
    return definition


def change_definition(session: Session, definition: Definition, *,
                      actor: int | None) -> list[str]:
    """Change a stored definition; return the names of the fields that changed.

    A built-in changes only with Balise's code, where the change is reviewed."""
    row = session.scalar(select(IndicatorDefinition)
                         .where(IndicatorDefinition.code == definition.code))
    if row is None:
        raise IndicatorInputError("code", "indicator_unknown", indicator=definition.code)
    if definition.source not in DEFINABLE_SOURCES:
        raise IndicatorInputError("source", "unknown_choice")
    known = {code: d for code, d in definitions(session).items() if code != definition.code}
    check_definition(definition, known)
    before = definition_of(row)
    changed = [f.name for f in fields(Definition)
               if getattr(before, f.name) != getattr(definition, f.name)]
    if not changed:
        return []
    for name in _STORED:
        setattr(row, name, getattr(definition, name))
    row.direction = str(definition.direction)
    row.balancing = list(definition.balancing)
    row.changed_by, row.changed_at = actor, clock.now()
    session.flush()
    append(session, action="indicators.definition.changed", subject=f"indicator:{row.code}",
           payload={"fields": changed}, actor_user_id=actor)
    return changed
