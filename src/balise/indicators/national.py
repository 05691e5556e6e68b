"""What the national committee compares: the same indicators across establishments.

Only establishment-wide figures travel, each already guarded (k >= 5 workers per cell)
where it was computed; nothing below the establishment is shown here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from balise.indicators import charts
from balise.indicators.catalogue import definitions
from balise.indicators.dashboard import ensure_values
from balise.indicators.definitions import Definition
from balise.indicators.series import Point, computed_values, series
from balise.territory.models import Establishment

SPARK_POINTS = 12


@dataclass(frozen=True)
class NationalCell:
    current: Point | None
    spark: str


@dataclass(frozen=True)
class NationalRow:
    definition: Definition
    cells: list[NationalCell]  # in the order of the view's establishments


@dataclass(frozen=True)
class NationalView:
    establishments: list[Establishment]
    rows: list[NationalRow]


def national_view(session: Session, establishments: Sequence[Establishment]) -> NationalView:
    stored: dict[int, dict[tuple[str, str], list[Point]]] = {}
    for establishment in establishments:
        ensure_values(session, establishment.id, "establishment")
        stored[establishment.id] = computed_values(session, establishment.id, "establishment")
    rows = []
    for definition in definitions(session).values():
        cells = []
        for establishment in establishments:
            points = [p for p in series(session, definition, establishment.id, "establishment",
                                        "", stored[establishment.id]) if p.value is not None]
            recent = [p.value for p in points[-SPARK_POINTS:] if p.value is not None]
            cells.append(NationalCell(points[-1] if points else None,
                                      charts.sparkline(recent, definition.name)))
        rows.append(NationalRow(definition, cells))
    return NationalView(list(establishments), rows)
