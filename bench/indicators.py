"""Success indicators at the design's scale: one establishment-year of visits.

Protocol
    Data: ``bench_databases.py`` (the establishment of ``grid_evidence_data.py`` and what
    the indicators read besides visits: shifts, travel, usual workers, scopes of practice,
    variance reasons on 5 % of visits, a waiting list), built once per database under
    ``--workdir`` and reused; PostgreSQL is a throwaway cluster there, on loopback, its
    5 million visits and 6.3 million acts loaded with ``COPY … FROM STDIN``
    (``grid_evidence_data.build_postgresql``), then ``VACUUM ANALYZE``. The visit
    summaries are built once (timed as "summaries rebuild"; 0 when already built).

    Measured, in the same run and on the same data, from the database each time:

    * ``summary`` engine (Balise's choice): the worker-days kept at every visit write
      are read (COPY on PostgreSQL), stage 2 in DuckDB; ``--repeat`` times (median);
    * the alternative(s) of ``--alternatives`` (default ``arrays``: every visit read into
      numpy arrays, both stages in DuckDB; ``database``: stage 1 in SQL in the database),
      ``--alternative-repeat`` times;
    * every engine's cells compared with the summary engine's: they must be identical;
    * the protection against differencing and storing the figures (one ``refresh``
      over figures already stored), a refresh of the last four weeks (``--since``), the dashboard
      of a project once the figures are stored (GET through the ASGI app, median of 5),
      and ``balise indicators compute --json`` end to end (a new process: imports, reads,
      computes, stores, prints).

    The machine is shared; the JSON records its load average before and after the
    run and each database's measures.

Usage
    .venv/bin/python bench/indicators.py                       # 5 M visits, both databases
    .venv/bin/python bench/indicators.py --visits 500000 --db sqlite
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_databases import (  # noqa: E402
    PASSWORD,
    TODAY,
    WORKDIR,
    Postgres,
    prepare_project,
    ready,
    sqlite_url,
)

from balise.core.db import make_engine, session_factory  # noqa: E402
from balise.indicators.compute import compute_establishment, refresh  # noqa: E402

console = Console()


def median_time(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    seconds, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


def measure(url: str, repeat: int, alternatives: list[str], alternative_repeat: int,
            ) -> dict[str, Any]:
    from fastapi.testclient import TestClient
    from tests.web.conftest import login

    from balise.core import clock
    from balise.core.settings import Settings
    from balise.web.app import create_app

    out: dict[str, Any] = {"summaries_rebuild_seconds": ready(url)}
    out["load_before"] = os.getloadavg()
    engine = make_engine(url)
    with session_factory(engine)() as session:
        out["visits"] = session.scalar(text("SELECT count(*) FROM visit"))
        out["visit_acts"] = session.scalar(text("SELECT count(*) FROM visit_act"))
    cells: dict[str, Any] = {}
    for name in ["summary", *alternatives]:
        stages: list[dict[str, float]] = []

        def run(engine_name: str = name, stages: list[dict[str, float]] = stages) -> Any:
            with session_factory(engine)() as session:
                cpu = time.process_time()
                done = compute_establishment(session, 1, engine=engine_name)
                # CPU of this process and its DuckDB threads: what the load cannot inflate.
                stages.append({**done.seconds, "cpu": time.process_time() - cpu})
                return done
        total, done = median_time(run, repeat if name == "summary" else alternative_repeat)
        cells[name] = {(c.code, c.scope, c.need, c.period_start): c for c in done.cells}
        out[name] = {"seconds": total,
                     "worker_days_seconds": statistics.median(s["worker_days"] for s in stages),
                     "periods_seconds": statistics.median(s["periods"] for s in stages),
                     "cpu_seconds": statistics.median(s["cpu"] for s in stages),
                     "worker_days": done.worker_days, "cells": len(done.cells)}
        console.print(f"  {name}: {total:.2f} s, CPU {out[name]['cpu_seconds']:.2f} s "
                      f"({done.worker_days} worker-days, {len(done.cells)} cells)")
    out["engines_agree"] = all(cells[name] == cells["summary"] for name in alternatives)
    with session_factory(engine)() as session:
        clock.freeze(TODAY)
        done = refresh(session, 1)
        session.commit()
        out["protect_seconds"] = done.seconds["protect"]
        out["store_seconds"] = done.seconds["store"]
        since = TODAY.date() - timedelta(days=28)
        incremental, _ = median_time(lambda: refresh(session, 1, since=since), repeat)
        session.commit()
        out["refresh_last_4_weeks_seconds"] = incremental
        out["stored_values"] = session.scalar(text("SELECT count(*) FROM indicator_value"))
    project_id = prepare_project(engine)
    app = create_app(Settings(database_url=url), engine)
    clock.freeze(TODAY)
    with TestClient(app, base_url="https://testserver") as client:
        login(client, "bench_union", PASSWORD)
        page = f"/projects/{project_id}/dashboard"
        assert client.get(page).status_code == 200
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            response = client.get(page)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200
        out["dashboard_seconds"] = statistics.median(timings)
    clock.freeze(None)
    started = time.perf_counter()
    cli = subprocess.run([str(ROOT / ".venv" / "bin" / "balise"), "indicators", "compute",
                          "--json"], env={**os.environ, "BALISE_DATABASE_URL": url},
                         capture_output=True, check=True)
    out["cli_json_seconds"] = time.perf_counter() - started
    out["cli_json_values"] = len(json.loads(cli.stdout)["values"])
    out["load_after"] = os.getloadavg()
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=5_000_000)
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"],
                        choices=["sqlite", "postgresql"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--alternatives", nargs="*", default=["arrays"],
                        choices=["arrays", "database"])
    parser.add_argument("--alternative-repeat", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=WORKDIR)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "indicators.json")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {
        "when": datetime.now().isoformat(timespec="seconds"), "visits": args.visits,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "load_before": os.getloadavg()}, "databases": {}}
    for kind in args.db:
        console.print(f"[bold]{kind}[/]")
        if kind == "sqlite":
            result["databases"][kind] = measure(
                sqlite_url(args.workdir, args.visits, args.rebuild), args.repeat,
                args.alternatives, args.alternative_repeat)
            continue
        server = Postgres(args.workdir)
        server.start()
        try:
            result["databases"][kind] = measure(server.url(args.visits, args.rebuild),
                                                args.repeat, args.alternatives,
                                                args.alternative_repeat)
        finally:
            server.stop()
    result["machine"]["load_after"] = os.getloadavg()
    args.out.write_text(json.dumps(result, indent=1, default=str) + "\n", encoding="utf-8")
    table = Table(title=f"Indicators, {args.visits:,} visits (summary: median of {args.repeat})")
    for column in ("database", "engine 'summary'", *(f"engine '{a}'" for a in args.alternatives),
                   "agree", "protect", "store", "last 4 weeks", "dashboard", "CLI --json",
                   "summaries rebuild", "load 1 min"):
        table.add_column(column)
    for kind, r in result["databases"].items():
        table.add_row(kind, f"{r['summary']['seconds']:.2f} s",
                      *(f"{r[a]['seconds']:.2f} s" for a in args.alternatives),
                      str(r["engines_agree"]), f"{r['protect_seconds']:.2f} s",
                      f"{r['store_seconds']:.2f} s",
                      f"{r['refresh_last_4_weeks_seconds']:.2f} s",
                      f"{r['dashboard_seconds'] * 1000:.0f} ms", f"{r['cli_json_seconds']:.1f} s",
                      f"{r['summaries_rebuild_seconds']:.0f} s",
                      f"{r['load_before'][0]:.1f} → {r['load_after'][0]:.1f}")
    console.print(table)
    console.print(f"written to {args.out}")


if __name__ == "__main__":
    main()
