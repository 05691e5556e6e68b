"""Evidence for every act over millions of realized visits, end to end from the database.

Protocol
    Data: the establishment-year of ``bench_databases.py`` (5 million visits by default,
    1,000 workers, 84 teams, 30,000 clients, 20 acts, a quarter of visits with two or
    three acts), the same databases as ``indicators.py``, on SQLite and on a throwaway
    PostgreSQL cluster. The visit summaries are built once (the bulk rows bypass the
    session hooks that keep them at every write).

    Measured, in the same run, on each database, from a fresh session each time:

    1. Balise (the summaries): ``evidence_for_acts`` for every act of the establishment,
       overall / Iso-SMAF groups / teams, guards included, and its JSON dict — the cells
       and workers read from the summary tables, then computed (``--repeat`` times,
       median and best);
    2. ``balise evidence --json`` as a new process (imports, connection, the same work,
       JSON printed), ``--repeat`` times;
    3. the alternative, from scratch: every realized visit read with ``load_frame`` (three
       plain queries, NumPy columns), grouped and computed the same way (once: tens of
       seconds); its JSON must equal Balise's exactly.

Usage
    .venv/bin/python bench/grid_evidence.py                          # 5 M visits, both databases
    .venv/bin/python bench/grid_evidence.py --visits 200000 --db sqlite
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bench_databases import WORKDIR, Postgres, ready, sqlite_url  # noqa: E402

from balise.core.db import make_engine, session_factory  # noqa: E402
from balise.grid.evidence_frame import load_frame  # noqa: E402
from balise.grid.evidence_queries import evidence_for_acts  # noqa: E402
from balise.grid.evidence_report import evidence_dict  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "grid_evidence.json"
console = Console()


def timed(step: Callable[[], Any]) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = step()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def measure(url: str, repeat: int) -> dict[str, Any]:
    out: dict[str, Any] = {"summaries_rebuild_seconds": ready(url)}
    engine = make_engine(url)

    def from_summaries() -> dict[str, Any]:
        with session_factory(engine)() as session:
            return evidence_dict(evidence_for_acts(session, [1]))

    def from_visits() -> dict[str, Any]:
        with session_factory(engine)() as session:
            frame = load_frame(session, [1])
            return evidence_dict(evidence_for_acts(session, [1], frame=frame))

    runs = [timed(from_summaries) for _ in range(repeat)]
    mine = runs[-1][0]
    walls = [wall for _r, wall, _c in runs]
    out["summaries"] = {"wall_median": statistics.median(walls), "wall_best": min(walls),
                        "cpu_best": min(cpu for _r, _w, cpu in runs)}
    console.print(f"  summaries: {statistics.median(walls):.2f} s (median of {repeat}; CPU "
                  f"{out['summaries']['cpu_best']:.2f} s)")
    cli, cli_cpu = [], []
    for _ in range(repeat):
        started, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run([str(ROOT / ".venv" / "bin" / "balise"), "evidence", "--json"],
                              env={**os.environ, "BALISE_DATABASE_URL": url},
                              capture_output=True, check=True)
        cli.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cli_cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    out["cli_json"] = {"wall_median": statistics.median(cli), "wall_best": min(cli),
                       "cpu_median": statistics.median(cli_cpu),
                       "acts": len(json.loads(done.stdout)["acts"])}
    console.print(f"  balise evidence --json: {statistics.median(cli):.2f} s "
                  f"(CPU {statistics.median(cli_cpu):.2f} s)")
    theirs, wall, cpu = timed(from_visits)
    out["from_visits"] = {"wall": wall, "cpu": cpu}
    console.print(f"  from the visits (alternative): {wall:.1f} s")
    out["identical_json"] = mine == theirs
    out["visits"] = mine["visits"]
    out["team_weeks"] = mine["team_weeks"]
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visits", type=int, default=5_000_000)
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"],
                        choices=["sqlite", "postgresql"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=WORKDIR)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    found: dict[str, Any] = {}
    for kind in args.db:
        console.print(f"[bold]{kind}[/]")
        if kind == "sqlite":
            found[kind] = measure(sqlite_url(args.workdir, args.visits, False), args.repeat)
            continue
        server = Postgres(args.workdir)
        server.start()
        try:
            found[kind] = measure(server.url(args.visits, False), args.repeat)
        finally:
            server.stop()
    table = Table(title=f"Evidence for all acts, {args.visits:,} visits, from the database")
    for header in ("database", "summaries (median)", "best", "CLI --json (median)",
                   "from the visits", "identical", "summaries rebuild"):
        table.add_column(header, justify="right")
    for kind, r in found.items():
        table.add_row(kind, f"{r['summaries']['wall_median']:.2f} s",
                      f"{r['summaries']['wall_best']:.2f} s",
                      f"{r['cli_json']['wall_median']:.2f} s", f"{r['from_visits']['wall']:.1f} s",
                      str(r["identical_json"]), f"{r['summaries_rebuild_seconds']:.0f} s")
    console.print(table)
    console.print(f"load average before/after: {load_before[0]:.1f} / {os.getloadavg()[0]:.1f}")
    args.out.write_text(json.dumps({
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_before": load_before, "load_average_after": os.getloadavg()},
        "visits": args.visits, "repeat": args.repeat, "databases": found,
    }, indent=1) + "\n", encoding="utf-8")
    console.print(f"written to {args.out}")


if __name__ == "__main__":
    main()
