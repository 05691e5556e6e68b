"""What the differencing rule (balise.indicators.differencing) adds to a refresh.

Protocol: the cells of one establishment-year as the engine makes them — TEAMS teams,
the establishment, PROJECTS project scopes of 2 to 4 teams, 52 weeks, the 9 fraction
indicators — with team sizes drawn so that about 1 team-week in 20 has fewer than 5
workers (seeded, the same every run). Time, REPEAT times (median and worst):

* ``protect_cells``: complementary suppression across teams and the project check;
* ``not_republished`` against the figures stored by a previous run, where 1 team-week
  in 50 gained a worker since;
* the same on a window refresh (the last 4 weeks);
* reading the stored figures the republication check compares with (``_stored``), from
  an in-memory SQLite table holding the year's figures.

    .venv/bin/python bench/indicators_differencing.py [TEAMS] [REPEAT]

Writes bench/results/indicators_differencing.json.
"""

from __future__ import annotations

import json
import platform
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert
from sqlalchemy.orm import Session

from balise.core.privacy import guard_count
from balise.indicators.compute import FRACTIONS, Cell
from balise.indicators.differencing import StoredKey, _stored, not_republished, protect_cells
from balise.indicators.models import IndicatorValue
from balise.schema import Base
from balise.territory.models import Establishment

WEEKS = 52
FIRST = date(2026, 1, 5)
PROJECTS = 10


def year(teams: int, seed: int = 7) -> tuple[list[Cell], dict[str, tuple[int, ...]]]:
    rng = random.Random(seed)
    scopes: dict[str, tuple[int, ...]] = {"establishment": tuple(range(1, teams + 1))}
    scopes.update({f"team:{t}": (t,) for t in range(1, teams + 1)})
    for _ in range(PROJECTS):
        members = tuple(sorted(rng.sample(range(1, teams + 1), rng.randint(2, 4))))
        scopes["teams:" + ",".join(map(str, members))] = members
    cells: list[Cell] = []
    for week in range(WEEKS):
        start = FIRST + timedelta(weeks=week)
        sizes = {t: rng.randint(2, 4) if rng.random() < 0.05 else rng.randint(6, 18)
                 for t in range(1, teams + 1)}
        for scope, members in scopes.items():
            workers = sum(sizes[t] for t in members)
            for code in FRACTIONS:
                cells.append(Cell(code, scope, "", start, 10.0 * workers, float(workers),
                                  guard_count(10.0, workers)))
    return cells, scopes


def previous(cells: list[Cell], seed: int = 11) -> dict[StoredKey, tuple[bool, int]]:
    rng = random.Random(seed)
    return {(c.code, c.scope, c.need, c.period_start):
            (not c.value.suppressed, c.value.workers - (1 if rng.random() < 0.02 else 0))
            for c in cells}


def stored_session(cells: list[Cell]) -> Session:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine, tables=[Establishment.__table__, IndicatorValue.__table__])
    session = Session(engine)
    session.add(Establishment(id=1, code="E", name="E"))
    session.flush()
    session.execute(insert(IndicatorValue), [
        {"indicator_code": c.code, "establishment_id": 1, "scope": c.scope, "need": c.need,
         "period_start": c.period_start, "numerator": c.numerator,
         "denominator": c.denominator, "value": c.value.value, "workers": c.value.workers,
         "computed_at": datetime(2027, 1, 4)} for c in cells])
    session.commit()
    return session


def timed(repeat: int, work: object) -> tuple[float, float]:
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()  # type: ignore[operator]
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), max(seconds)


def main() -> None:
    teams = int(sys.argv[1]) if len(sys.argv) > 1 else 84
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    cells, scopes = year(teams)
    stored = previous(cells)
    window = [c for c in cells if c.period_start >= FIRST + timedelta(weeks=WEEKS - 4)]
    protected = protect_cells(cells, scopes)
    hidden = sum(1 for c in protected if c.value.suppressed and c.value.workers >= 5)
    rows = {
        "protect_cells, year": timed(repeat, lambda: protect_cells(cells, scopes)),
        "not_republished, year": timed(repeat, lambda: not_republished(protected, stored)),
        "protect_cells, last 4 weeks": timed(repeat, lambda: protect_cells(window, scopes)),
    }
    with stored_session(protected) as session:
        rows["read stored figures, year (SQLite)"] = timed(
            repeat, lambda: _stored(session, 1, protected))
    print(f"{len(cells):,} cells, {teams} teams, {PROJECTS} project scopes, {WEEKS} weeks; "
          f"{hidden:,} hidden as complements")
    print(f"{'step':32} {'median s':>10} {'worst s':>10}")
    for name, (median, worst) in rows.items():
        print(f"{name:32} {median:10.3f} {worst:10.3f}")
    out = Path(__file__).parent / "results" / "indicators_differencing.json"
    out.write_text(json.dumps({
        "command": "bench/indicators_differencing.py " + " ".join(sys.argv[1:]),
        "cells": len(cells), "teams": teams, "projects": PROJECTS, "weeks": WEEKS,
        "hidden_as_complements": hidden, "repeat": repeat, "machine": platform.platform(),
        "seconds": {name: {"median": m, "worst": w} for name, (m, w) in rows.items()},
    }, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
