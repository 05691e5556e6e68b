"""Evidence for every act over millions of realized visits: NumPy against DuckDB.

Protocol
    A synthetic establishment (``grid_evidence_data.py``: 1,000 workers, 84 teams,
    30,000 clients, 20 acts, a quarter of visits with two or three acts) is written once
    to SQLite under ``--dir`` and reused by later runs; with ``BALISE_DATABASE_URL``
    naming a PostgreSQL database, the same rows go there too (only if its ``visit``
    table is empty). Then, in one run:

    1. read: ``load_frame`` fetches the realized visits from each database into a
       columnar frame (three plain queries, the DB-API cursor, NumPy arrays);
    2. snapshot: that frame is written as ``.npz`` and read back;
    3. evidence, NumPy (Balise's engine): ``evidence_for_acts`` over the frame, every
       act, overall / Iso-SMAF groups / teams, guards included;
    4. evidence, DuckDB (the alternative): the same figures in SQL over the same frame
       (``grid_evidence_duckdb.py``), DuckDB using every core.

    Steps 3 and 4 run ``--repeat`` times each, alternating; the best and median wall
    times are kept, with CPU time (all threads) beside them since other work on a
    shared machine inflates wall time. The two engines' overall figures are compared.
    ``--snapshot-only`` skips steps 1 and 2 (reusing the snapshot of an earlier run) and
    writes ``grid_evidence_snapshot.json`` instead of ``grid_evidence.json``.

Usage
    .venv/bin/python bench/grid_evidence.py                      # 5 million visits
    .venv/bin/python bench/grid_evidence.py --visits 200000      # a quick check
    .venv/bin/python bench/grid_evidence.py --snapshot-only      # the engines only, again
    BALISE_DATABASE_URL=postgresql+psycopg://user@host/db .venv/bin/python bench/grid_evidence.py
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

import grid_evidence_data as data
import grid_evidence_duckdb as duck

from balise.core.db import make_engine, session_factory
from balise.grid.catalogue import act_catalogue, current_minutes
from balise.grid.evidence_frame import VisitFrame, load_frame
from balise.grid.evidence_queries import Evidence, evidence_for_acts
from balise.grid.models import Visit

RESULTS = Path(__file__).resolve().parent / "results" / "grid_evidence.json"
console = Console()


def timed(step: Callable[[], Any]) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = step()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def ensure_sqlite(path: Path, visits: int) -> None:
    if path.exists():
        return
    console.print(f"building {visits:,} visits in {path} (once)…")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    data.build_sqlite(str(partial), visits, lambda n: console.print(f"  {n:,} visits"))
    partial.rename(path)


def ensure_postgresql(url: str, visits: int) -> None:
    engine = make_engine(url)
    try:
        from balise.core.migrate import upgrade

        upgrade(engine)
        with session_factory(engine)() as session:
            present = session.scalar(select(func.count()).select_from(Visit)) or 0
        if present == 0:
            console.print(f"building {visits:,} visits in PostgreSQL (once)…")
            data.build_postgresql(engine, visits, lambda n: console.print(f"  {n:,} visits"))
        elif present != visits:
            console.print(f"[yellow]PostgreSQL holds {present:,} visits; measuring those.[/]")
    finally:
        engine.dispose()


def read_frame(url: str) -> tuple[VisitFrame, float, float]:
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            return timed(lambda: load_frame(session, [1]))
    finally:
        engine.dispose()


def agreement(result: Evidence, other: dict[str, Any], act_index: dict[int, int]) -> float:
    """Largest difference between the engines over each act's overall visits, quantiles,
    interval bounds and share over the reference (0 when they agree)."""
    rows = {(r[0], r[1], r[2]): r for r in other["figures"]}
    bounds = {(b[0], b[1], b[2], b[3], b[4]): b[5] for b in other["bounds"]}
    worst = 0.0
    for act in result.acts:
        index = act_index.get(act.entry.act.id)
        figures = act.overall.value
        if index is None or figures is None:
            continue
        row = rows[(index, -1, -1)]
        worst = max(worst, abs(figures.visits - row[3]), abs((figures.share_above or 0) - row[6]))
        for q, found, theirs in zip((0.5, 0.8, 0.9), figures.quantiles, row[5], strict=True):
            if found is None:
                continue
            worst = max(worst, abs(found.value - theirs))
            for side, mine in ((0, found.low), (1, found.high)):
                if mine is not None:
                    worst = max(worst, abs(mine - bounds[(index, -1, -1, q, side)]))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visits", type=int, default=5_000_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/balise-bench"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--snapshot-only", action="store_true",
                        help="skip reading the databases: time the evidence from the snapshot "
                             "a previous run wrote")
    args = parser.parse_args()
    load_before = os.getloadavg()
    sqlite_path = args.dir / f"evidence-{args.visits}.sqlite3"
    ensure_sqlite(sqlite_path, args.visits)
    sources = {"sqlite": f"sqlite:///{sqlite_path}"}
    pg_url = os.environ.get("BALISE_DATABASE_URL", "")
    if pg_url.startswith("postgresql") and not args.snapshot_only:
        ensure_postgresql(pg_url, args.visits)
        sources["postgresql"] = pg_url
    stages: list[dict[str, Any]] = []
    snapshot = args.dir / f"evidence-{args.visits}.npz"
    if not (args.snapshot_only and snapshot.exists()):
        frame: VisitFrame | None = None
        for name, url in sources.items():
            console.print(f"reading the visits from {name}…")
            read, wall, cpu = read_frame(url)
            stages.append({"stage": f"read {name} → frame", "wall": wall, "cpu": cpu})
            frame = frame or read
        assert frame is not None
        read_once = frame
        _none, wall, cpu = timed(lambda: read_once.save(snapshot))
        stages.append({"stage": "write snapshot (.npz)", "wall": wall, "cpu": cpu})
    frame, wall, cpu = timed(lambda: VisitFrame.read(snapshot))
    stages.append({"stage": "read snapshot (.npz)", "wall": wall, "cpu": cpu})

    engine = make_engine(sources["sqlite"])
    with session_factory(engine)() as session:
        catalogue = act_catalogue(session, datetime.now().date())
        references = current_minutes(catalogue)
        index = {int(a): i for i, a in enumerate(frame.act_ids)}
        versions = {index[e.act.id]: [v.minutes for v in e.versions]
                    for e in catalogue if e.act.id in index}
        runs: dict[str, list[tuple[float, float]]] = {"numpy": [], "duckdb": []}
        mine: Evidence | None = None
        theirs: dict[str, Any] = {}
        for _ in range(args.repeat):
            mine, wall, cpu = timed(lambda: evidence_for_acts(session, [1], frame=frame))
            runs["numpy"].append((wall, cpu))
            theirs, wall, cpu = timed(lambda: duck.evidence(frame, references, versions))
            runs["duckdb"].append((wall, cpu))
    engine.dispose()
    assert mine is not None
    for name, measured in runs.items():
        walls = [w for w, _c in measured]
        stages.append({"stage": f"evidence, {name}", "wall": min(walls),
                       "wall_median": statistics.median(walls),
                       "cpu": min(c for _w, c in measured)})
    difference = agreement(mine, theirs, index)
    output = RESULTS.with_name("grid_evidence_snapshot.json") if args.snapshot_only else RESULTS
    report(args, stages, frame, difference, load_before, output)


def report(args: argparse.Namespace, stages: list[dict[str, Any]], frame: VisitFrame,
           difference: float, load_before: tuple[float, float, float], output: Path) -> None:
    table = Table(title=f"Evidence for all acts: {frame.visits:,} realized visits, "
                        f"{len(frame.act):,} acts done, {len(frame.act_ids)} acts")
    for header in ("stage", "wall s (best)", "wall s (median)", "CPU s"):
        table.add_column(header, justify="left" if header == "stage" else "right")
    for s in stages:
        table.add_row(s["stage"], f"{s['wall']:.2f}",
                      f"{s['wall_median']:.2f}" if "wall_median" in s else "",
                      f"{s['cpu']:.2f}")
    console.print(table)
    console.print(f"largest difference between the engines: {difference:g}; "
                  f"load average before/after: {load_before[0]:.1f} / {os.getloadavg()[0]:.1f}")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps({
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "numpy": version("numpy"), "duckdb": version("duckdb"),
                    "load_average_before": load_before, "load_average_after": os.getloadavg()},
        "visits": frame.visits, "acts_done": len(frame.act), "acts": len(frame.act_ids),
        "repeat": args.repeat, "stages": stages, "engines_max_difference": difference,
    }, indent=1), encoding="utf-8")
    console.print(f"written to {output}")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
